"""One candidate-site rule for the house and akutbil models (geodata.sites.candidate_sites)."""
from __future__ import annotations

from sundhed.geodata.kommuner import scope_codes
from sundhed.geodata.sites import candidate_sites
from sundhed.model.national_akutbiler import candidate_stations


def test_candidate_sites_towns_hospitals_scope_and_include(ds):
    towns = ds.towns
    big = int((towns["geonames_befolkning"] >= 2000).sum())
    c = candidate_sites(ds, 2000)
    assert (c["kind"] == "town").sum() == big and (c["kind"] == "hospital").sum() == len(ds.hospitals) == 21
    assert list(c["kind"]) == sorted(c["kind"], key=["town", "hospital"].index)  # towns first, then hospitals
    small = towns[towns["geonames_befolkning"] < 2000].iloc[0]
    with_small = candidate_sites(ds, 2000, include=[f"T{small['geonameid']}"], hospitals=False)
    assert f"T{small['geonameid']}" in set(with_small["id"]) and (with_small["kind"] == "town").all()
    nj = scope_codes(ds.kommuner, ["Nordjylland"])
    c_nj = candidate_sites(ds, 2000, scope=nj)
    assert set(c_nj["kode"]) <= nj and len(c_nj) < len(c)
    assert set(c_nj["id"]) == {i for i, k in zip(c["id"], c["kode"]) if k in nj}
    # the akutbil model's candidates are the same rule
    st = candidate_stations(ds, 2000)
    assert st[["id", "kode", "kind"]].equals(c[["id", "kode", "kind"]])
