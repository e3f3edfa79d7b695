"""Build the national council instance (geodata -> model): 98 kommuner, the 21 akutsygehuse, real links
with via-port leaves, the real 2027 councils as reference."""
from __future__ import annotations

from sundhed.geodata.adjacency import via_port_links
from sundhed.geodata.councils import load_councils
from sundhed.geodata.dataset import Dataset
from sundhed.model.councils import CouncilInstance


def council_instance(ds: Dataset, councils=None, *, source=None, cache_dir=None) -> CouncilInstance:
    """The instance on ``ds`` (whose ``region`` columns carry the chosen region set, see
    geodata.councils.with_regions). ``councils``: a frame from :func:`load_councils` (default: the shipped
    2027 councils) used as the reference for ``changes``. Minutes: population-weighted kommune means."""
    from sundhed.geodata.traveltimes import DEFAULT_CACHE_DIR

    councils = load_councils(ds.kommuner) if councils is None else councils
    minutes = ds.kommune_hospital_minutes(source, DEFAULT_CACHE_DIR if cache_dir is None else cache_dir)
    kom = ds.kommuner.sort_values("kode")
    hosp = ds.hospitals
    names = list(hosp["navn"])
    return CouncilInstance(
        kommuner=tuple(int(k) for k in kom["kode"]),
        population=kom["befolkning"].to_numpy(float),
        region=tuple(kom["region"]),
        hospitals=tuple(names),
        hospital_kommune=tuple(int(k) for k in hosp["kode"]),
        minutes=minutes[names].to_numpy(float),
        edges=tuple((int(a), int(b)) for a, b in ds.adjacency.edges()),
        leaf_links=via_port_links(ds.adjacency),
        reference=dict(zip(councils["kode"].astype(int), councils["sundhedsraad"])),
        names=dict(zip(kom["kode"].astype(int), kom["navn"])),
    )
