"""Offline map reports of Model 2 (sundhedshuse) and Model 3 (akutbiler): self-contained HTML, legend
figures equal to the plan's, Danish/English, and a headless-Chromium render that is not blank."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
from browser import chromium, chromium_or_skip

from sundhed.geodata.sites import sites_frame as site_frame
from sundhed.maps import render_ems_map, render_house_map
from sundhed.maps.akutbiler import response_table
from sundhed.maps.common import SOGN_ATTRIBUTION, model_data_versions
from sundhed.maps.offline import external_refs

MAX_BYTES = 3 * 1024 * 1024
FLEET_NOTE = "Eksisterende akutbiler er en modelleret antagelse, ikke en stationsliste (test)."


def _pct_da(share: float) -> str:
    return f"{100 * share:.1f}".replace(".", ",") + " %"


def _pct_en(share: float) -> str:
    return f"{100 * share:.1f}%"


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def houses(ds):
    from sundhed.model.national_houses import house_instance
    from sundhed.solvers.houses import solve_houses

    inst = house_instance(ds, budget_mio_kr=600)
    plan = solve_houses(inst, "coverage")
    return inst, plan, site_frame(ds, plan.chosen_sites["site_id"])


@pytest.fixture(scope="module")
def ems(ds):
    from sundhed.model.national_akutbiler import ems_instance
    from sundhed.solvers.akutbiler import solve_ems

    inst = ems_instance(ds)
    plan = solve_ems(inst, "mclp", k=12)
    return inst, plan, site_frame(ds, [inst.station_ids[j] for j in plan.open])


@pytest.fixture(scope="module")
def house_map(ds, houses, tmp_path_factory):
    inst, plan, sites = houses
    out = tmp_path_factory.mktemp("maps") / "houses.html"
    return render_house_map(ds, plan, out, sites=sites, scenario="huse-600", config_hash="cafe1234",
                            notes=["Testnote: æøå ÆØÅ"])


@pytest.fixture(scope="module")
def ems_map(ds, ems, tmp_path_factory):
    inst, plan, stations = ems
    out = tmp_path_factory.mktemp("maps") / "ems.html"
    return render_ems_map(ds, plan, out, stations=stations, scenario="mclp-k12", config_hash="beef5678",
                          notes=[FLEET_NOTE])


def _assert_offline_and_small(path: Path) -> str:
    assert path.exists()
    assert path.stat().st_size < MAX_BYTES, path.stat().st_size
    html = path.read_text(encoding="utf-8")
    assert external_refs(html) == []
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html, flags=re.I)
    assert not [t for t in tags if re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", t, re.I)]
    assert "L.map(" in html and "Leaflet 1.9.4" in html
    assert "bootstrap" not in html.lower() and "awesome-markers" not in html
    return html


def _assert_title_block(html: str, scenario: str, config_hash: str, lang: str = "da") -> None:
    words = ("Scenarie", "Dato", "Konfiguration") if lang == "da" else ("Scenario", "Date", "Config")
    for text in (*words, scenario, config_hash, model_data_versions(2021), SOGN_ATTRIBUTION,
                 dt.date.today().isoformat()):
        assert text in html, text


# ------------------------------------------------------------------------------------------ site_frame
def test_site_frame_resolves_town_hospital_and_demand_ids(ds):
    t = f"T{ds.towns['geonameid'].iloc[0]}"
    h = f"H{ds.hospitals['akut_id'].iloc[0]}"
    d = str(ds.demand["punkt_id"].iloc[0])
    f = site_frame(ds, [h, t, d, t])
    assert list(f["id"]) == [h, t, d]
    assert list(f.columns[:2]) == ["id", "navn"] and {"x", "y", "kode"} <= set(f.columns)
    assert f.loc[0, "navn"] == ds.hospitals["fuldt_navn"].iloc[0]
    assert f.loc[1, "x"] == pytest.approx(ds.towns.geometry.x.iloc[0])
    with pytest.raises(ValueError, match="unknown site id"):
        site_frame(ds, ["X123"])


# ------------------------------------------------------------------------------------------ houses
def test_house_map_small_and_offline(house_map):
    _assert_offline_and_small(house_map)


def test_house_map_legend_equals_plan(house_map, houses, ds):
    inst, plan, _ = houses
    html = house_map.read_text(encoding="utf-8")
    _assert_title_block(html, "huse-600", "cafe1234")
    tw = plan.total_weight
    sb, sa = plan.covered_before / tw, plan.covered_after / tw
    assert f"Før <b>{_pct_da(sb)}</b> → Efter <b>{_pct_da(sa)}</b>" in html
    assert "Dækning inden for 20 min" in html
    # money: state spend of the budget, co-financing, total (mio. kr., Danish decimal comma)
    money = lambda v: f"{v:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")  # noqa: E731
    assert f"<b>{money(plan.state_spend_mio_kr)}</b> af budget {money(plan.budget_mio_kr)}" in html
    assert money(plan.kommune_spend_mio_kr) in html
    # houses by type: the legend row of each type carries the plan's count
    counts = plan.new_sites["type"].value_counts()
    for t in inst.house_types:
        n = int(counts.get(t.name, 0))
        assert re.search(rf"Nye: {re.escape(t.name)}(?: <span class='mp-note'>[^<]*</span>)?</td>"
                         rf"<td class='mp-num'><b>{n}</b>", html), t.name
    # per-region shares aggregated from the plan's per-kommune table
    pk = plan.per_kommune.merge(ds.kommuner[["kode", "region"]], left_on="kommune", right_on="kode")
    reg = pk.groupby("region")[["weight", "covered_before", "covered_after"]].sum()
    for r, v in reg.iterrows():
        row = (f"<tr><td>{r}</td><td class='mp-num'>{_pct_da(v['covered_before'] / v['weight'])}</td>"
               f"<td class='mp-num'><b>{_pct_da(v['covered_after'] / v['weight'])}</b></td></tr>")
        assert row in html, r
    worst = plan.per_catchment.sort_values("share_after").iloc[0]
    assert f"<td>{worst['catchment']}</td>" in html and _pct_da(worst["share_after"]) in html
    # modelled population is labelled, assumptions and notes shown
    assert "Efterspørgsel: ét punkt pr. sogn" in html and "befolkning 1.1.2021 (DST)" in html
    assert "Testnote: æøå ÆØÅ" in html
    assert "Hustyper, priser og kapaciteter er projektets antagelser" in html
    # every demand point is drawn (after and before layers)
    assert html.count('"p_cov_a"') >= 2 * len(plan.demand)


def test_house_map_english_and_existing_house(ds, houses, tmp_path):
    from sundhed.model.national_houses import house_instance
    from sundhed.solvers.houses import solve_houses

    h = f"H{ds.hospitals['akut_id'].iloc[0]}"
    inst = house_instance(ds, budget_mio_kr=600, existing=[h])
    plan = solve_houses(inst, "coverage")
    sites = site_frame(ds, plan.chosen_sites["site_id"])
    out = render_house_map(ds, plan, tmp_path / "en.html", sites=sites, scenario="s", config_hash="c",
                           lang="en")
    html = _assert_offline_and_small(out)
    tw = plan.total_weight
    assert f"Before <b>{_pct_en(plan.covered_before / tw)}</b> → After <b>{_pct_en(plan.covered_after / tw)}</b>" in html
    assert "Coverage within 20 min" in html and "Existing houses (1)" in html
    _assert_title_block(html, "s", "c", lang="en")
    assert "Dækning inden for" not in html and "Scenarie" not in html
    with pytest.raises(ValueError, match="lang"):
        render_house_map(ds, plan, tmp_path / "x.html", sites=sites, lang="de")
    with pytest.raises(ValueError, match="sites lacks"):
        render_house_map(ds, plan, tmp_path / "y.html", sites=sites.iloc[1:])


# ------------------------------------------------------------------------------------------ akutbiler
def test_house_map_words_solver_notes_for_readers(ds, houses, tmp_path):
    """A plan stopped at its time limit: the map says so in its own language with the plan's gap, leaves the
    skipped-stage note out, and keeps a note it does not know."""
    import dataclasses

    inst, plan, sites = houses
    stats = dataclasses.replace(plan.stats, status="maxTimeLimit", optimal=False, gap=0.0013)
    notes = ["solver status maxTimeLimit: plan not proven optimal (gap 0.13%)",
             "cheapest-plan stage skipped: it needs a proven optimum",
             "marginal value not computed: the plan is not proven optimal (gap 0.13%), so a re-solve ...",
             "an unknown note"]
    unproven = dataclasses.replace(plan, stats=stats, notes=notes)
    da = render_house_map(ds, unproven, tmp_path / "da.html", sites=sites).read_text(encoding="utf-8")
    assert "Planen er ikke bevist at være den bedste" in da and "højst 0,13 % fra den bedst mulige plan" in da
    assert "Værdien af den sidste mio. kr. er ikke beregnet" in da and "an unknown note" in da
    assert "solver status" not in da and "cheapest-plan" not in da and "marginal value" not in da
    en = render_house_map(ds, unproven, tmp_path / "en.html", sites=sites, lang="en").read_text(encoding="utf-8")
    assert "not proven to be the best" in en and "at most 0.13%" in en and "solver status" not in en
    proven = render_house_map(ds, plan, tmp_path / "ok.html", sites=sites).read_text(encoding="utf-8")
    assert "ikke bevist" not in proven
    # a maxmin bisection that closed its bracket did not stop at a time limit: it is proven that close
    closed = dataclasses.replace(plan, stats=dataclasses.replace(stats, status="maxmin bisection", gap=0.0009),
                                 notes=["solver status maxmin bisection: plan not proven optimal (gap 0.09%)"])
    da = render_house_map(ds, closed, tmp_path / "closed.html", sites=sites).read_text(encoding="utf-8")
    assert "Planen er bevist at være højst 0,09 % fra den bedst mulige plan" in da
    assert "tidsgrænse" not in da and "solver status" not in da


def test_ems_map_small_and_offline(ems_map):
    _assert_offline_and_small(ems_map)


def test_ems_map_legend_equals_plan(ems_map, ems):
    inst, plan, _ = ems
    html = ems_map.read_text(encoding="utf-8")
    _assert_title_block(html, "mclp-k12", "beef5678")
    rep = plan.region_report
    assert {"region", "before_15", "after_15"} <= set(rep.columns)
    for _, r in rep.iterrows():
        if r["region"] == "(total)":
            assert (f"Hele landet: før <b>{_pct_da(r['before_15'])}</b> → efter <b>{_pct_da(r['after_15'])}</b>"
                    in html)
            continue
        row = (f"<tr><td>{r['region']}</td><td class='mp-num'>{_pct_da(r['before_15'])}</td>"
               f"<td class='mp-num'><b>{_pct_da(r['after_15'])}</b></td></tr>")
        assert row in html, r["region"]
    assert f"Nye stationer ({len(plan.new)})" in html
    assert f"Eksisterende stationer ({len(plan.existing)})" in html
    for label in ("≤ 5 min", "5–10 min", "10–15 min", "&gt; 15 min"):
        assert label in html, label
    assert FLEET_NOTE in html and "Efterspørgsel: ét punkt pr. sogn" in html and "estimerede" in html
    # the marginal value of each new unit is in its popup
    first = plan.marginal.sort_values("greedy_rank").iloc[0]
    gain = f"{int(round(first['greedy_gain'])):,}".replace(",", ".")
    assert f"{gain} indb." in html


def test_ems_response_bands_match_region_report(ems):
    inst, plan, _ = ems
    rt = response_table(plan)
    assert list(rt["demand_id"]) == [str(i) for i in inst.demand_ids]
    tot = plan.region_report.set_index("region").loc["(total)"]
    w = rt["weight"].to_numpy()
    for col, band in (("before", rt["band_before"]), ("after", rt["band_after"])):
        within15 = w[np.isin(band, [0, 1, 2])].sum() / w.sum()
        assert within15 == pytest.approx(tot[f"{col}_15"], abs=1e-9)
        within5 = w[band.to_numpy() == 0].sum() / w.sum()
        assert within5 == pytest.approx(tot[f"{col}_5"], abs=1e-9)
    # after the plan nobody is slower than before
    fin = np.isfinite(rt["before_min"])
    assert (rt["after_min"][fin] <= rt["before_min"][fin] + 1e-9).all()


def test_ems_map_english(ds, ems, tmp_path):
    inst, plan, stations = ems
    out = render_ems_map(ds, plan, tmp_path / "en.html", stations=stations, scenario="s", lang="en")
    html = _assert_offline_and_small(out)
    tot = plan.region_report.set_index("region").loc["(total)"]
    assert f"Denmark: before <b>{_pct_en(tot['before_15'])}</b> → after <b>{_pct_en(tot['after_15'])}</b>" in html
    assert "Share of population reached within 15 min" in html and "New stations (" in html
    assert "Andel af befolkningen" not in html
    with pytest.raises(ValueError, match="stations lacks"):
        render_ems_map(ds, plan, tmp_path / "x.html", stations=stations.iloc[:1])


# ------------------------------------------------------------------------------------------ browser
def _near(colours, rgb, tol: int = 40) -> int:
    """Pixels whose colour is within ``tol`` (max channel difference) of ``rgb``."""
    return sum(n for n, c in colours if max(abs(a - b) for a, b in zip(c, rgb)) <= tol)


def _blend(hex_colour: str, alpha: float = 0.85, under=(251, 251, 247)) -> tuple[int, int, int]:
    c = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return tuple(round(alpha * a + (1 - alpha) * b) for a, b in zip(c, under))


def _render(path: Path, tmp_path: Path):
    from PIL import Image, ImageStat

    exe = chromium_or_skip()
    url = path.resolve().as_uri()
    png = tmp_path / "map.png"
    r = chromium(exe, tmp_path, f"--screenshot={png}", url)
    assert png.exists(), r.stderr[-2000:]
    im = Image.open(png).convert("RGB")
    assert im.size == (1400, 1000)
    assert max(ImageStat.Stat(im).stddev) > 20
    colours = im.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 200
    dom = chromium(exe, tmp_path, "--dump-dom", url).stdout
    assert "leaflet-control-layers" in dom and "mp-panel" in dom
    return colours, dom


@pytest.mark.browser
def test_house_map_renders_offline_in_chromium(house_map, houses, tmp_path):
    from sundhed.maps.houses import COVERED, UNCOVERED

    inst, plan, _ = houses
    colours, dom = _render(house_map, tmp_path)
    # covered (blue) and not-covered (red) demand points are both visible
    assert _near(colours, _blend(COVERED)) > 2000
    assert _near(colours, _blend(UNCOVERED)) > 500
    tw = plan.total_weight
    for text in ("Dækning inden for 20 min", f"Før {_pct_da(plan.covered_before / tw)}",
                 "Økonomi (mio. kr.)", "Dækning pr. region", "Hovedstaden", "Nordjylland",
                 "Dækning efter planen", "Testnote: æøå ÆØÅ",
                 *(f"Nye: {t} ({n})" for t, n in plan.new_sites["type"].value_counts().items())):
        assert text in re.sub(r"<[^>]+>", "", dom), text
    assert dom.count("leaflet-marker-icon mp-icon mp-glow") == len(plan.new_sites)
    assert dom.count("leaflet-interactive") >= len(plan.demand)


@pytest.mark.browser
def test_ems_map_renders_offline_in_chromium(ems_map, ems, tmp_path):
    from sundhed.maps.akutbiler import BAND_COLOURS

    inst, plan, _ = ems
    colours, dom = _render(ems_map, tmp_path)
    assert _near(colours, _blend(BAND_COLOURS[0])) > 500  # <= 5 min, dark green
    tot = plan.region_report.set_index("region").loc["(total)"]
    text = re.sub(r"<[^>]+>", "", dom)
    for t in ("Andel af befolkningen nået inden for 15 min", f"Hele landet: før {_pct_da(tot['before_15'])}",
              "Responstid efter planen", f"Nye stationer ({len(plan.new)})", "Hovedstaden", "Sjælland"):
        assert t in text, t
    if (response_table(plan)["band_after"] == -1).any():
        assert "Ikke nåbar uden færge" in text
    assert dom.count("leaflet-marker-icon mp-icon mp-glow") == len(plan.new)
    assert dom.count("leaflet-interactive") >= len(inst.demand_ids)
