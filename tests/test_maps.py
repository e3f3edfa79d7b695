"""Offline catchment map: self-contained HTML, legend, and a headless-Chromium render."""
from __future__ import annotations

import re

import pytest
from browser import chromium, chromium_or_skip

from sundhed.geodata.dataset import load_dataset
from sundhed.maps import render_catchment_map
from sundhed.maps.offline import external_refs, inline_assets

MAX_BYTES = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


@pytest.fixture(scope="module")
def moved_assignment(ds):
    a = ds.baseline[["kode", "catchment"]].copy()
    a.loc[ds.baseline["navn"] == "Ballerup", "catchment"] = "Hillerød"
    return a


@pytest.fixture(scope="module")
def baseline_map(ds, tmp_path_factory):
    out = tmp_path_factory.mktemp("maps") / "baseline.html"
    return render_catchment_map(
        ds, ds.baseline, out, title="Basis", scenario="baseline", config_hash="deadbeef"
    )


@pytest.fixture(scope="module")
def moved_map(ds, moved_assignment, tmp_path_factory):
    out = tmp_path_factory.mktemp("maps") / "moved.html"
    return render_catchment_map(
        ds, moved_assignment, out, title="Test", scenario="flyt", baseline=ds.baseline
    )


def test_baseline_map_is_small_and_self_contained(baseline_map):
    assert baseline_map.exists()
    assert baseline_map.stat().st_size < MAX_BYTES
    html = baseline_map.read_text(encoding="utf-8")
    assert external_refs(html) == []
    # No script/link tag may load anything over the network (tile URL templates are JS strings).
    tags = re.findall(r"<(?:script|link)\b[^>]*>", html, flags=re.I)
    assert not [t for t in tags if re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", t, re.I)]
    assert "L.map(" in html and "Leaflet 1.9.4" in html  # inlined Leaflet
    assert "bootstrap" not in html.lower() and "awesome-markers" not in html


def test_baseline_map_legend_and_title(baseline_map, ds):
    html = baseline_map.read_text(encoding="utf-8")
    for text in ("Sundhedsfællesskaber", "Bispebjerg", "Bornholm", "undtagelse", "inden for",
                 "DAGI 2014, DST 1.1.2021, 2.141 sogne (DST 2021), Tabel B.1 2019", "deadbeef", "Scenarie",
                 "Kilde: Danmarks Statistik; indeholder data fra SDFI/DAGI; via dagir (MIT)", "Befolkning 2021"):
        assert text in html, text
    for name in ds.baseline["catchment"].unique():
        assert name in html
    assert "Flyttede kommuner (" not in html  # no baseline given -> no moved list


def test_moved_kommune_listed_and_english(ds, moved_map, moved_assignment, tmp_path):
    html = moved_map.read_text(encoding="utf-8")
    assert "Flyttede kommuner (1)" in html
    assert "Ballerup: Herlev → Hillerød" in html
    assert '"dashArray": "7 5"' in html
    en = render_catchment_map(ds, moved_assignment, tmp_path / "en.html", title="T", scenario="s",
                              baseline=ds.baseline, lang="en")
    html_en = en.read_text(encoding="utf-8")
    assert "Health-care communities" in html_en and "Moved municipalities (1)" in html_en
    assert "Sundhedsfællesskaber" not in html_en


def test_inline_assets_strips_cdns():
    html = (
        '<head><script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>'
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"/>'
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css"/>'
        "</head>"
    )
    out = inline_assets(html)
    assert external_refs(out) == []
    assert "Leaflet 1.9.4" in out and ".leaflet-container" in out
    assert "images/layers.png" not in out  # CSS images inlined as data URIs
    assert "window.$" in out  # jQuery shim for folium popups


@pytest.mark.browser
def test_map_renders_offline_in_chromium(moved_map, tmp_path):
    from PIL import Image, ImageStat

    exe = chromium_or_skip()
    url = moved_map.resolve().as_uri()

    png = tmp_path / "map.png"
    r = chromium(exe, tmp_path, f"--screenshot={png}", url)
    assert png.exists(), r.stderr[-2000:]
    im = Image.open(png).convert("RGB")
    assert im.size == (1400, 1000)
    assert max(ImageStat.Stat(im).stddev) > 20
    colours = im.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 200
    # The catchment palette is visible (a few distinct fill colours, alpha-blended on grey).
    assert sum(1 for n, _ in colours if n > 500) >= 15

    r = chromium(exe, tmp_path, "--dump-dom", url)
    dom = r.stdout
    assert "Sundhedsfællesskaber" in dom
    assert "Ballerup: Herlev → Hillerød" in dom
    assert dom.count("leaflet-interactive") >= 98  # kommune polygons + hospital markers
    assert "leaflet-control-layers" in dom
