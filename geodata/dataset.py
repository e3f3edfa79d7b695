"""The national dataset in one object, loaded once per process and validated on load."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from sundhed.geodata.hospitals import load_akutsygehuse, load_table_b1
from sundhed.geodata import derived
from sundhed.geodata.kommuner import CRS_MAP, load_kommuner
from sundhed.geodata.errors import DataError
from sundhed.geodata.population import DEFAULT_POPULATION_YEAR, load_population, load_population_2022
from sundhed.geodata.sogne import (
    SOGNE_FILE, build_demand_points, load_kommune_ages_2014, load_sogn_ages_2014, load_sogne,
)
from sundhed.geodata.towns import load_towns
from sundhed.geodata.traveltimes import (
    DEFAULT_CACHE_DIR, EmbeddedNetworkSource, TravelMatrix, TravelTimeSource, points_frame, travel_times,
)

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class Dataset:
    """Everything the models need, on real data.

    * ``kommuner``: 98 rows, ``kode``, ``navn``, ``region``, ``areal_km2``, ``befolkning`` (DST, 1 January of
      ``population_year``), ``befolkning_2022``, ``aeldre_65plus_estimeret``, ``aeldre_80plus_estimeret``
      (sums of the sogn estimates), geometry (EPSG:25832).
    * ``hospitals``: the 21 akutsygehuse (see :func:`geodata.hospitals.load_akutsygehuse`).
    * ``baseline``: Table B.1 assignment per kommune; ``baseline_table``: Table B.1's own rows.
    * ``towns`` / ``towns_dropped``: GeoNames places kept / removed with reasons (candidate sites, labels).
    * ``demand``: one point per sogn (:func:`geodata.sogne.build_demand_points`) whose ``befolkning`` sums to
      each kommune's population of ``population_year``.
    * ``adjacency``: kommune graph with typed edges (land, bridge, ferry); a networkx Graph, built on first use
      when the dataset was read from the dataset cache (``_adjacency`` then holds the function that builds it).
    * ``fixed_links``, ``ferries``: the link tables.
    * ``population_year``: the 1 January of the kommune populations; ``sogn_ages_2014``: the 2014 age bands.
    """

    kommuner: gpd.GeoDataFrame
    hospitals: gpd.GeoDataFrame
    baseline: pd.DataFrame
    baseline_table: pd.DataFrame
    towns: gpd.GeoDataFrame
    towns_dropped: pd.DataFrame
    demand: gpd.GeoDataFrame
    _adjacency: Any  # nx.Graph, or a function without arguments that returns it (see ``adjacency``)
    fixed_links: pd.DataFrame
    ferries: pd.DataFrame
    hospital_sites: str = "current"
    population_year: int = DEFAULT_POPULATION_YEAR
    sogn_ages_2014: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _matrices: dict = field(default_factory=dict, repr=False)
    #: embedded-network sources by the identity of the frames they were made from (and the ferry wait), so
    #: their fingerprint (about 0.15 CPU s of hashing) is computed once per process
    _sources: dict = field(default_factory=dict, repr=False)
    #: the region set in ``kommuner.region`` / ``hospitals.region``: 2019 (five regions) or 2027 (four);
    #: see geodata.councils.with_regions
    regions_year: int = 2019

    @property
    def adjacency(self) -> nx.Graph:
        """The kommune graph (built here on first use when the dataset came from the dataset cache)."""
        if callable(self._adjacency):
            self._adjacency = self._adjacency()
        return self._adjacency

    # ---- travel times -------------------------------------------------------------------------
    def embedded_source(self, ferry_wait_min: float | None = None) -> EmbeddedNetworkSource:
        """The embedded road/ferry network of this dataset's tables; one object per set of tables (a source
        holds its tables, so the ids in the key stay theirs)."""
        key = (id(self.kommuner), id(self.towns), id(self.fixed_links), id(self.ferries), ferry_wait_min)
        if key not in self._sources:
            self._sources[key] = EmbeddedNetworkSource(self.kommuner, self.towns, self.fixed_links, self.ferries,
                                                       ferry_wait_min)
        return self._sources[key]

    def demand_points_frame(self) -> pd.DataFrame:
        return points_frame(self.demand["punkt_id"], self.demand.geometry.x, self.demand.geometry.y)

    def hospital_points_frame(self) -> pd.DataFrame:
        return points_frame([f"H{a}" for a in self.hospitals["akut_id"]], self.hospitals.geometry.x,
                            self.hospitals.geometry.y)

    def demand_to_hospitals(self, source: TravelTimeSource | None = None,
                            cache_dir=DEFAULT_CACHE_DIR) -> TravelMatrix:
        """Minutes from every demand point to every akutsygehus (destination ids ``H<akut_id>``)."""
        source = source or self.embedded_source()
        key = ("dh", source.fingerprint())
        if key not in self._matrices:
            self._matrices[key] = travel_times(source, self.demand_points_frame(), self.hospital_points_frame(),
                                               cache_dir=cache_dir)
        return self._matrices[key]

    def kommune_hospital_minutes(self, source: TravelTimeSource | None = None,
                                 cache_dir=DEFAULT_CACHE_DIR) -> pd.DataFrame:
        """Population-weighted mean minutes from each kommune to each akutsygehus.

        Rows: kommune codes (sorted); columns: hospital short names (``navn``).
        """
        tm = self.demand_to_hospitals(source, cache_dir)
        return self.kommune_mean_minutes(tm.minutes, list(self.hospitals["navn"]))

    def kommune_hospital_km(self, source: TravelTimeSource | None = None,
                            cache_dir=DEFAULT_CACHE_DIR) -> pd.DataFrame:
        """Population-weighted mean road km (along the fastest route) from each kommune to each akutsygehus.

        Same rows and columns as :meth:`kommune_hospital_minutes`; ``nan`` where the source has no km.
        """
        tm = self.demand_to_hospitals(source, cache_dir)
        return self.kommune_mean_minutes(tm.km, list(self.hospitals["navn"]))

    def kommune_mean_minutes(self, minutes: np.ndarray, columns: list[str]) -> pd.DataFrame:
        """Population-weighted mean per kommune of a (demand points × columns) minutes matrix.

        Rows: kommune codes (sorted); weights: ``befolkning`` of the demand points.
        """
        w = self.demand["befolkning"].to_numpy(float)
        codes = self.demand["kode"].to_numpy()
        num = pd.DataFrame(np.asarray(minutes) * w[:, None]).groupby(codes).sum()
        out = num.div(pd.Series(w).groupby(codes).sum(), axis=0)
        out.columns = list(columns)
        out.index.name = "kode"
        return out.loc[sorted(self.kommuner["kode"])]

    # ---- views --------------------------------------------------------------------------------
    def kommuner_map(self) -> gpd.GeoDataFrame:
        """Kommuner in EPSG:4326 for maps."""
        return self.kommuner.to_crs(CRS_MAP)

    @property
    def total_population(self) -> int:
        return int(self.kommuner["befolkning"].sum())


def build_dataset(hospital_sites: str = "current", population_year: int = DEFAULT_POPULATION_YEAR,
                  derived_cache: bool = False) -> Dataset:
    """Load every shipped file (no per-process caching; see :func:`load_dataset`).

    ``population_year``: the 1 January whose DST kommune populations weight the demand (2020 or 2021).
    ``derived_cache``: take the kommune polygons and their land borders from the on-disk cache of
    geodata/derived.py (content-hashed; what :func:`load_dataset` does) instead of deriving them again."""
    from sundhed.geodata.adjacency import build_adjacency, load_ferries, load_fixed_links

    kom = derived.kommuner() if derived_cache else load_kommuner()
    pop, pop_file = load_population(population_year)
    col = f"befolkning_{population_year}"
    unknown = sorted(set(pop["kode"]) - set(kom["kode"]))
    if unknown:
        raise DataError(pop_file, f"unknown kommune code(s) {unknown}")
    kom = kom.merge(pop[["kode", col]].rename(columns={col: "befolkning"}), on="kode", how="left",
                    validate="one_to_one")
    if kom["befolkning"].isna().any():
        missing = kom.loc[kom["befolkning"].isna(), "kode"].tolist()
        raise DataError(pop_file, f"no population for kommune code(s) {missing}")
    kom["befolkning"] = kom["befolkning"].astype("int64")
    p22 = load_population_2022(dict(zip(kom["navn"], kom["kode"])))
    kom = kom.merge(p22, on="kode", how="left", validate="one_to_one")
    sogne = load_sogne(kom, SOGNE_FILE)
    sogn_ages = load_sogn_ages_2014()
    demand = build_demand_points(sogne, kom.set_index("kode")["befolkning"], sogn_ages,
                                 load_kommune_ages_2014(dict(zip(kom["navn"], kom["kode"]))), population_year)
    elderly = demand.groupby("kode")[["aeldre_65plus_estimeret", "aeldre_80plus_estimeret"]].sum()
    kom = kom.merge(elderly, left_on="kode", right_index=True, how="left", validate="one_to_one")
    kom = gpd.GeoDataFrame(kom, geometry="geometry", crs=kom.crs)
    kom.attrs["population_year"] = int(population_year)
    hosp = load_akutsygehuse(kom, sites=hospital_sites)
    baseline, table = load_table_b1(kom, hosp)
    towns, dropped = load_towns(kom)
    fixed, ferries = load_fixed_links(), load_ferries()
    borders = derived.land_borders(kom[derived.KOMMUNER_COLUMNS]) if derived_cache else None
    adj = build_adjacency(kom, fixed, ferries, land_borders=borders)
    return Dataset(kom, hosp, baseline, table, towns, dropped, demand, adj, fixed, ferries, hospital_sites,
                   int(population_year), sogn_ages)


@functools.lru_cache(maxsize=4)
def load_dataset(hospital_sites: str = "current", population_year: int = DEFAULT_POPULATION_YEAR) -> Dataset:
    """The national dataset, loaded once per process and checked with the same checks as
    ``sundhed data check`` (:func:`sundhed.geodata.check.validate`): implausible data raise DataError.

    A load whose checks passed is stored on disk (geodata/dataset_cache.py, keyed by the content of the data,
    the geodata code and the library versions) and read back by later processes: about 0.2 s, against about
    1 CPU s to build and check it again."""
    from sundhed.geodata import dataset_cache

    def build() -> Dataset:
        from sundhed.geodata.check import validate

        ds = build_dataset(hospital_sites, population_year, derived_cache=True)
        validate(ds)
        return ds

    return dataset_cache.load_or_build(hospital_sites, population_year, build)
