"""Sogn demand points: totals against DST, 2014 age bands, every point inside its kommune, bad sogn files."""
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from sundhed.geodata.errors import DataError
from sundhed.geodata.population import DST_TOTAL_2020, DST_TOTAL_2021
from sundhed.geodata.sogne import (
    DST_TOTAL_2014, SOGNE_FILE, apportion, demand_weights, load_kommune_ages_2014, load_sogn_ages_2014, load_sogne,
)


def test_population_totals_against_dst(ds):
    d = ds.demand
    assert len(d) == 2_141 and d["sognekode"].is_unique
    assert DST_TOTAL_2021 == 5_840_045
    assert int(ds.kommuner["befolkning"].sum()) == DST_TOTAL_2021
    assert int(d["befolkning"].sum()) == DST_TOTAL_2021
    assert int(d["befolkning_sogn_2021"].sum()) == 5_829_212  # as published: 0.19 % below, no sogn address
    per_k = d.groupby("kode")["befolkning"].sum()
    assert (per_k == ds.kommuner.set_index("kode")["befolkning"].loc[per_k.index]).all()
    # one factor per kommune (± 1 inhabitant of rounding); the factors absorb the unplaced persons and the
    # sogne that cross a kommune border: Skive gains Kobberup's/Hvam's Viborg part (x 1.031), Egedal loses
    # Jørlunde's Frederikssund part (x 0.982); every other kommune within 1 %
    f = d.groupby("kode")["befolkning"].sum() / d.groupby("kode")["befolkning_sogn_2021"].sum()
    k = d["kode"].map(f)
    assert (np.abs(d["befolkning"] - d["befolkning_sogn_2021"] * k) <= 1).all()
    assert f.between(0.98, 1.035).all()
    # Egedal, Allerød, Hørsholm, Frederikssund, Skanderborg, Skive, Viborg: all next to a border-crossing sogn
    assert set(f.index[~f.between(0.99, 1.01)]) == {240, 201, 223, 250, 746, 779, 791}


def test_population_year_2020():
    from sundhed.geodata.dataset import build_dataset

    ds20 = build_dataset(population_year=2020)
    assert ds20.population_year == 2020
    assert int(ds20.kommuner["befolkning"].sum()) == int(ds20.demand["befolkning"].sum()) == DST_TOTAL_2020
    with pytest.raises(ValueError, match="population year 2019 is not shipped"):
        build_dataset(population_year=2019)


def test_age_bands_against_dst_2014(ds):
    sa = load_sogn_ages_2014()
    assert int(sa[["pop_0_64", "pop_65_79", "pop_80p"]].to_numpy().sum()) == DST_TOTAL_2014 == 5_627_235
    ka = load_kommune_ages_2014(dict(zip(ds.kommuner["navn"], ds.kommuner["kode"])))
    assert len(ka) == 98 and int(ka[["pop_0_64", "pop_65_79", "pop_80p"]].to_numpy().sum()) == DST_TOTAL_2014
    # sogne with a 2014 match carry their own 2014 shares, the others their kommune's
    d = ds.demand.set_index("sognekode")
    own = d[d["aldersandel_kilde"] == "sogn 2014"]
    assert len(own) == len(set(sa["sognekode"]) & set(d.index)) == 2_111
    r = sa.set_index("sognekode").loc[own.index]
    assert np.allclose(own["andel_65plus_2014"], (r["pop_65_79"] + r["pop_80p"]) / r.sum(axis=1))
    fb = d[d["aldersandel_kilde"] == "kommune 2014"]
    kr = ka.set_index("kode").loc[fb["kode"]]
    assert len(fb) == 30 and np.allclose(fb["andel_80plus_2014"], kr["pop_80p"].to_numpy() / kr.sum(axis=1).to_numpy())
    assert np.allclose(d["aeldre_65plus_estimeret"], d["befolkning"] * d["andel_65plus_2014"])


def test_national_elderly_shares_and_weights(ds):
    d = ds.demand
    share65 = d["aeldre_65plus_estimeret"].sum() / d["befolkning"].sum()
    share80 = d["aeldre_80plus_estimeret"].sum() / d["befolkning"].sum()
    print(f"\nESTIMATED national shares (2014 sogn shares on 2021): 65+ {100 * share65:.2f} %, 80+ {100 * share80:.2f} %")
    # DST 1 Jan 2014: 18.2 % aged 65+ (1,025,000 of 5,627,235); applied to 2021's population the share stays 2014's
    assert 0.175 < share65 < 0.19 and 0.038 < share80 < 0.046
    w, e, o = (demand_weights(d, x) for x in ("population", "elderly", "80plus"))
    assert (o <= e).all() and (e <= w).all() and w.sum() == DST_TOTAL_2021
    assert {c for c in d.columns if c.startswith("aeldre_")} == {"aeldre_65plus_estimeret", "aeldre_80plus_estimeret"}
    assert np.isclose(ds.kommuner["aeldre_80plus_estimeret"].sum(), o.sum())
    with pytest.raises(ValueError, match="unknown weight"):
        demand_weights(d, "children")


def test_no_demand_point_outside_its_kommune(ds):
    k = ds.kommuner.set_index("kode")
    d = ds.demand
    own = gpd.GeoSeries(k.geometry.loc[d["kode"]].to_numpy(), crs=k.crs, index=d.index)
    assert d.geometry.within(own).all()
    moved = d[d["flyttet_m"] > 0]
    assert list(moved["navn"]) == ["Aarhus Domsogn"] and float(moved["flyttet_m"].iloc[0]) < 100


def test_apportion_exact():
    rng = np.random.default_rng(1)
    for _ in range(50):
        w = rng.integers(0, 5000, size=rng.integers(1, 40))
        total = int(rng.integers(0, 200_000))
        a = apportion(w, total)
        assert a.sum() == total and (a >= 0).all()
        if w.sum():
            assert (np.abs(a - w * total / w.sum()) < 1).all()


# ------------------------------------------------------------------------------------------ bad input
@pytest.fixture(scope="module")
def sogne_raw():
    return gpd.read_parquet(SOGNE_FILE)


def _write(tmp_path, gdf) -> str:
    p = tmp_path / "sogne.parquet"
    gdf.to_parquet(p)
    return str(p)


def test_bad_sogn_file_missing_column(ds, tmp_path, sogne_raw):
    p = _write(tmp_path, sogne_raw.drop(columns=["befolkning_2021"]))
    with pytest.raises(DataError) as e:
        load_sogne(ds.kommuner, p)
    msg = str(e.value)
    assert msg.startswith(p) and "missing column(s) ['befolkning_2021']" in msg and "\n" not in msg


def test_bad_sogn_file_negative_population(ds, tmp_path, sogne_raw):
    bad = sogne_raw.copy()
    bad.loc[41, "befolkning_2021"] = -5
    p = _write(tmp_path, bad)
    with pytest.raises(DataError) as e:
        load_sogne(ds.kommuner, p)
    assert str(e.value) == f"{p}, row 42: sogn {bad.loc[41, 'sognekode']} has a negative population (-5)"


@pytest.mark.parametrize("lon, lat, what", [(18.07, 59.33, "outside Denmark"),       # Stockholm
                                            (8.30, 55.90, "km from the nearest kommune")])  # North Sea off Jylland
def test_bad_sogn_file_point_outside_denmark(ds, tmp_path, sogne_raw, lon, lat, what):
    from shapely.geometry import Point

    bad = sogne_raw.copy()
    bad.loc[7, "geometry"] = Point(lon, lat)
    p = _write(tmp_path, bad)
    with pytest.raises(DataError) as e:
        load_sogne(ds.kommuner, p)
    msg = str(e.value)
    assert msg.startswith(f"{p}, row 8: sogn {bad.loc[7, 'sognekode']} point") and what in msg and "\n" not in msg


def test_bad_sogn_file_through_cli(tmp_path, sogne_raw, monkeypatch, capsys):
    """The CLI prints the one line and exits 3 (bad data file)."""
    from sundhed import cli
    from sundhed.geodata import dataset

    bad = sogne_raw.copy()
    bad.loc[0, "befolkning_2021"] = -1
    p = _write(tmp_path, bad)
    monkeypatch.setattr(dataset, "SOGNE_FILE", p)
    assert cli.main(["data", "check", "--no-travel"]) == 3
    err = capsys.readouterr().err.strip()
    assert err == f"sundhed: error: {p}, row 1: sogn {bad.loc[0, 'sognekode']} has a negative population (-1)"


def test_points_file_is_small_and_has_no_polygons(sogne_raw):
    assert SOGNE_FILE.stat().st_size < 200_000
    assert set(sogne_raw.geom_type) == {"Point"}
    assert list(sogne_raw.columns) == ["sognekode", "navn", "befolkning_2021", "geometry"]
    assert isinstance(sogne_raw, pd.DataFrame)
