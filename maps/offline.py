"""Make folium HTML self-contained (no CDN JS/CSS).

folium links Leaflet, jQuery, Bootstrap and Awesome-Markers from CDNs.
``inline_assets`` replaces the Leaflet links with the vendored copy in
``maps/assets`` (Leaflet 1.9.4, BSD-2, see LICENSE-leaflet.txt) and drops
every other external ``<script src>`` / ``<link href>``: the catchment maps
use only CircleMarkers, GeoJson and plain popups, which need none of them.
Tile URL templates inside JavaScript are left untouched (tiles simply fail
to load offline).
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from pathlib import Path

ASSETS = Path(__file__).with_name("assets")

_SCRIPT_RE = re.compile(
    r"<script[^>]*\bsrc\s*=\s*[\"'](?P<url>(?:https?:)?//[^\"']+)[\"'][^>]*>\s*</script>",
    re.IGNORECASE,
)
_LINK_RE = re.compile(
    r"<link[^>]*\bhref\s*=\s*[\"'](?P<url>(?:https?:)?//[^\"']+)[\"'][^>]*/?>",
    re.IGNORECASE,
)


@lru_cache(maxsize=None)
def leaflet_js() -> str:
    return (ASSETS / "leaflet.js").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def leaflet_css() -> str:
    css = (ASSETS / "leaflet.css").read_text(encoding="utf-8")

    def _data_uri(m: re.Match) -> str:
        img = ASSETS / "images" / m.group(1)
        if not img.exists():
            return m.group(0)
        b64 = base64.b64encode(img.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{b64})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", _data_uri, css)


# folium's Popup/Html/IFrame do ``$(`<div>...</div>`)[0]``.  With jQuery
# stripped, this minimal shim turns an HTML string into a DOM element.
JQUERY_SHIM = """<script>
if (typeof window.$ === "undefined") {
  window.$ = function (s) {
    if (typeof s === "string") {
      var t = document.createElement("template");
      t.innerHTML = s.trim();
      return [t.content.firstElementChild];
    }
    if (typeof s === "function") { document.addEventListener("DOMContentLoaded", s); return []; }
    return [s];
  };
}
</script>"""


def _is_leaflet(url: str, ext: str) -> bool:
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    return name in (f"leaflet{ext}", f"leaflet.min{ext}") and "/leaflet" in url


def inline_assets(html: str) -> str:
    """Return ``html`` with Leaflet inlined and all other CDN JS/CSS removed."""

    def _script(m: re.Match) -> str:
        if _is_leaflet(m.group("url"), ".js"):
            # A function replacement avoids backslash-escape processing.
            return "<script>\n" + leaflet_js() + "\n</script>\n" + JQUERY_SHIM
        return ""

    def _link(m: re.Match) -> str:
        tag = m.group(0).lower()
        if "stylesheet" not in tag:
            return ""
        if _is_leaflet(m.group("url"), ".css"):
            return "<style>\n" + leaflet_css() + "\n</style>"
        return ""

    html = _SCRIPT_RE.sub(_script, html)
    html = _LINK_RE.sub(_link, html)
    return html


def external_refs(html: str) -> list[str]:
    """URLs of external ``<script src>`` / ``<link href>`` left in ``html``."""
    return [m.group("url") for m in _SCRIPT_RE.finditer(html)] + [
        m.group("url") for m in _LINK_RE.finditer(html)
    ]
