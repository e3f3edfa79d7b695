"""The side panel of every map (title block, notes, popups, swatches, its CSS), the layer control that
collapses on small screens, and writing the finished offline HTML file.
"""
from __future__ import annotations

import datetime as _dt
import html as _html
from pathlib import Path
from typing import Sequence

import folium
from branca.element import Figure
from folium.template import Template

from sundhed.maps.offline import inline_assets


esc = _html.escape


def popup_html(head: str, rows: Sequence[tuple[str, str]] = (), sub: str = "", foot: str = "") -> str:
    """Popup HTML: bold ``head``, optional ``sub`` line, a label/value table and a small footnote.
    All parts are HTML (escape user text before)."""
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (f"<b>{head}</b>" + (f"<br>{sub}" if sub else "")
            + (f"<table class='mp-pt'>{body}</table>" if body else "")
            + (f"<div style='color:#666;font-size:11px;max-width:260px'>{foot}</div>" if foot else ""))


def swatch(colour: str, round_: bool = True) -> str:
    r = "50%" if round_ else "2px"
    return (f"<span class='mp-sw' style='background:{colour};border-radius:{r}'></span>")


# ------------------------------------------------------------------------------------------ panel
PANEL_CSS = """
<style>
#mp-panel {position:fixed; top:10px; right:10px; z-index:1000; width:350px;
  max-height:calc(100vh - 45px); overflow-y:auto; background:rgba(255,255,255,0.96);
  border:1px solid #888; border-radius:6px; padding:8px 10px; box-sizing:border-box;
  font:12px/1.35 Arial,Helvetica,sans-serif; box-shadow:0 1px 5px rgba(0,0,0,.4);}
#mp-panel h3 {margin:0 0 2px 0; font-size:15px;}
#mp-panel .mp-meta {color:#444; margin-bottom:4px;}
#mp-panel .mp-h {font-weight:bold; margin:7px 0 3px 0; font-size:13px;}
#mp-panel .mp-big {font-size:13px; margin:2px 0;}
#mp-panel table {border-collapse:collapse; width:100%;}
#mp-panel td, #mp-panel th {padding:1px 4px; vertical-align:middle;}
#mp-panel th {text-align:right; font-weight:bold; border-bottom:1px solid #999;}
#mp-panel th:first-child {text-align:left;}
#mp-panel .mp-num {text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap;}
#mp-panel .mp-tot td {border-top:1px solid #999; font-weight:bold;}
#mp-panel .mp-sw {display:inline-block; width:12px; height:12px; border:1px solid #333;
  vertical-align:middle;}
#mp-panel .mp-sym {display:inline-block; vertical-align:middle;}
#mp-panel .mp-note {color:#555; font-size:11px; margin:2px 0;}
#mp-panel ul {margin:0; padding-left:16px;}
.mp-icon {background:none; border:none;}
.mp-glow svg, .mp-sym.mp-glow svg {filter:drop-shadow(0 0 1.5px #000) drop-shadow(0 0 1px #000);}
.leaflet-control-layers-expanded {font:12px/1.4 Arial,Helvetica,sans-serif; padding:4px 8px 4px 6px;}
.leaflet-control-layers label {margin:0;}
.leaflet-popup-content, .leaflet-tooltip {font:12px/1.4 Arial,Helvetica,sans-serif;}
.leaflet-popup-content table.mp-pt {border-collapse:collapse; margin-top:2px;}
.mp-pt th {text-align:left; padding:0 8px 0 0; font-weight:normal; color:#444;}
.mp-pt td {padding:0; font-weight:bold;}
</style>
"""


def title_block(title: str, T: dict, *, scenario: str, config_hash: str, data_versions: str,
                extra: Sequence[str] = ()) -> str:
    """Title and the traceability lines (scenario, date, data versions, config hash, model lines)."""
    today = _dt.date.today().isoformat()
    lines = [f"{T['scenario']}: <b>{esc(scenario) or '–'}</b>", f"{T['date']}: {today}",
             f"{T['data']}: {esc(data_versions)}",
             f"{T['config']}: <code>{esc(config_hash) or '–'}</code>", *extra]
    return f"<h3>{esc(title)}</h3><div class='mp-meta'>{'<br>'.join(lines)}</div>"


def notes_block(notes: Sequence[str], T: dict) -> str:
    notes = [str(n) for n in dict.fromkeys(notes) if str(n).strip()]
    if not notes:
        return ""
    items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    return f"<div class='mp-h'>{T['notes']}</div><ul class='mp-note'>{items}</ul>"


class _AdaptiveLayerControl(folium.LayerControl):
    """folium's LayerControl, expanded on large windows and collapsed to its icon on small ones (so it does
    not hide part of Denmark)."""

    _template = Template("""
        {% macro script(this,kwargs) %}
            var {{ this.get_name() }}_layers = {
                base_layers : {
                    {%- for key, val in this.base_layers.items() %}
                    {{ key|tojson }} : {{val}},
                    {%- endfor %}
                },
                overlays :  {
                    {%- for key, val in this.overlays.items() %}
                    {{ key|tojson }} : {{val}},
                    {%- endfor %}
                },
            };
            let {{ this.get_name() }} = L.control.layers(
                {{ this.get_name() }}_layers.base_layers,
                {{ this.get_name() }}_layers.overlays,
                Object.assign({{ this.options|tojavascript }},
                              {collapsed: window.innerWidth < 1200 || window.innerHeight < 800})
            ).addTo({{this._parent.get_name()}});
        {% endmacro %}
        """)


def write_map(m: folium.Map, panel_body: str, title: str, out_path) -> Path:
    """Add the side panel and ``<title>``, inline Leaflet (offline) and write the HTML file."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    _AdaptiveLayerControl(position="topleft", collapsed=False).add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)  # a folium.Map's root is its Figure
    root.html.add_child(folium.Element(PANEL_CSS + f"<div id='mp-panel'>{panel_body}</div>"))
    root.header.add_child(folium.Element(f"<title>{esc(title)}</title>"))
    html = inline_assets(m.get_root().render())
    out_path.write_text(html, encoding="utf-8")
    return out_path
