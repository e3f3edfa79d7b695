"""Build model instances from the national dataset (geodata -> model)."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from sundhed.geodata.dataset import Dataset
from sundhed.geodata.traveltimes import DEFAULT_CACHE_DIR, TravelTimeSource, points_frame, travel_times
from sundhed.model.catchments import CatchmentInstance, CatchmentRules


def catchment_instance(ds: Dataset, *, close: tuple[str, ...] = (), add: tuple[dict, ...] = (),
                       source: TravelTimeSource | None = None,
                       cache_dir: str | Path | None = DEFAULT_CACHE_DIR) -> CatchmentInstance:
    """The 98-kommune instance: DST population on 1 January of ``ds.population_year``, population-weighted
    minutes from the demand points (sogne) of each kommune to each akutsygehus, adjacency over land, bridges
    and ferries (real links; via-port links as leaves only), Table B.1 as baseline.

    ``close``: hospital short names to remove. Their kommuner keep Table B.1 as baseline (so they count as
    moved: they must join another catchment; the ``moves`` objective sees them as a constant).
    ``add``: new sites as dicts with ``navn``, ``lat``, ``lon`` (WGS84) and optionally ``region``
    (default: the region of the kommune the site lies in).
    ``cache_dir``: travel-time cache folder (None = no cache, as in :func:`geodata.traveltimes.travel_times`).
    """
    import geopandas as gpd

    hosp = ds.hospitals
    unknown = [c for c in close if c not in set(hosp["navn"])]
    if unknown:
        raise ValueError(f"cannot close unknown akutsygehus {unknown}; known: {sorted(hosp['navn'])}")
    minutes = ds.kommune_hospital_minutes(source, cache_dir)
    km = ds.kommune_hospital_km(source, cache_dir)
    names = list(hosp["navn"])
    regions = list(hosp["region"])
    hosts = list(hosp["kode"])
    if add:
        pts = gpd.GeoSeries(gpd.points_from_xy([a["lon"] for a in add], [a["lat"] for a in add]),
                            crs=4326).to_crs(25832)
        joined = gpd.sjoin(gpd.GeoDataFrame(geometry=pts), ds.kommuner[["kode", "region", "geometry"]],
                           how="left", predicate="within")
        for a, (_, r) in zip(add, joined.iterrows()):
            if pd.isna(r["kode"]):
                raise ValueError(f"new akutsygehus {a['navn']!r} at ({a['lat']}, {a['lon']}) is outside every kommune")
            if a["navn"] in names:
                raise ValueError(f"akutsygehus name {a['navn']!r} already exists")
            names.append(a["navn"]); hosts.append(int(r["kode"])); regions.append(a.get("region") or r["region"])
        tm = travel_times(source or ds.embedded_source(), ds.demand_points_frame(),
                          points_frame([f"new:{a['navn']}" for a in add], pts.x, pts.y), cache_dir=cache_dir)
        extra = ds.kommune_mean_minutes(tm.minutes, [a["navn"] for a in add])
        minutes = pd.concat([minutes, extra.loc[minutes.index]], axis=1)
        extra_km = ds.kommune_mean_minutes(tm.km, [a["navn"] for a in add])
        km = pd.concat([km, extra_km.loc[km.index]], axis=1)
    keep = [i for i, n in enumerate(names) if n not in close]
    names = [names[i] for i in keep]
    kom = ds.kommuner.sort_values("kode")
    base = dict(zip(ds.baseline["kode"], ds.baseline["catchment"]))
    edges = tuple((int(a), int(b)) for a, b in ds.adjacency.edges())
    from sundhed.geodata.adjacency import via_port_links
    return CatchmentInstance(
        kommuner=tuple(int(k) for k in kom["kode"]),
        population=kom["befolkning"].to_numpy(float),
        region=tuple(kom["region"]),
        hospitals=tuple(names),
        hospital_region=tuple(regions[i] for i in keep),
        hospital_kommune=tuple(int(hosts[i]) for i in keep),
        minutes=minutes[names].to_numpy(float),
        km=km[names].to_numpy(float),
        edges=edges,
        baseline=base,
        names=dict(zip(kom["kode"].astype(int), kom["navn"])),
        leaf_links=via_port_links(ds.adjacency),
    )


def catchment_rules(inst: CatchmentInstance, *, region_rule: bool = True,
                    band: tuple[float, float] | None = (200_000, 400_000), band_hard: bool = False,
                    band_exceptions: Sequence[str] = ("Bornholm", "Thisted", "Nykøbing F"),
                    fixed: Mapping[str, str] | None = None,
                    forbidden: Sequence[tuple[str, str]] = (),
                    nearness_min: float | None = None) -> CatchmentRules:
    """:class:`model.catchments.CatchmentRules` with kommuner and akutsygehuse given by name, as in config
    files (``fixed``: kommune name -> akutsygehus; ``forbidden``: (kommune, akutsygehus) pairs; ``nearness_min``:
    minutes, see CatchmentRules). Unknown names raise ValueError naming them."""
    code_of = {v: k for k, v in inst.names.items()}

    def code(name: str) -> int:
        if name not in code_of:
            raise ValueError(f"unknown kommune {name!r} in config (use official names, e.g. 'Høje-Taastrup')")
        return code_of[name]

    def hosp(name: str) -> str:
        if name not in inst.hospitals:
            raise ValueError(f"unknown akutsygehus {name!r} in config; known: {', '.join(inst.hospitals)}")
        return name

    return CatchmentRules(
        region_rule=region_rule, band=(float(band[0]), float(band[1])) if band else None, band_hard=band_hard,
        band_exceptions=tuple(band_exceptions), fixed={code(k): hosp(h) for k, h in (fixed or {}).items()},
        forbidden=tuple((code(k), hosp(h)) for k, h in forbidden), nearness_min=nearness_min)


def table_b1_score(ds: Dataset, *, band: tuple[float, float] | None = (200_000, 400_000),
                   band_exceptions: Sequence[str] = ("Bornholm", "Thisted", "Nykøbing F"),
                   close: Sequence[str] = (), cache_dir: str | Path | None = DEFAULT_CACHE_DIR) -> dict:
    """Table B.1 scored (``PlanScore.summary()``) under a scenario's band, on the 21 akutsygehuse of 2019: the
    reference beside every catchment headline figure. Hospitals the scenario closes count as exceptions (they
    existed, exempt or not, in 2019), so Table B.1's figures do not change with a closure."""
    from sundhed.model.evaluate import evaluate_plan

    inst = catchment_instance(ds, cache_dir=cache_dir)
    rules = CatchmentRules(band=(float(band[0]), float(band[1])) if band else None,
                           band_exceptions=tuple(dict.fromkeys([*band_exceptions, *close])))
    return evaluate_plan(inst, dict(inst.baseline), rules).summary()
