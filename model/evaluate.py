"""Score any catchment plan (the optimum, Table B.1, a user's CSV) with the same metrics."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sundhed.model.connectivity import connected_with_leaves
from sundhed.model.catchments import CatchmentInstance, CatchmentRules


@dataclass
class PlanScore:
    """Metrics of one plan. Minutes are population-weighted kommune means; population in inhabitants."""

    per_catchment: pd.DataFrame   # catchment, region(s), kommuner, befolkning, band_status, connected, minutter_gns
    per_kommune: pd.DataFrame     # kode, navn, catchment, region, befolkning, minutter, moved, baseline
    mean_minutes: float
    max_minutes: float
    moves: int
    band_violations: list[str]
    disconnected: list[str]
    region_breaks: list[str]

    @property
    def max_kommune(self) -> str:
        """Name of the kommune with the longest (population-weighted mean) travel time."""
        pk = self.per_kommune
        return str(pk.loc[pk["minutter"].idxmax(), "navn"]) if len(pk) else ""

    @property
    def feasible(self) -> bool:
        return not self.disconnected and not self.region_breaks

    def summary(self) -> dict:
        return {
            "mean_minutes": round(self.mean_minutes, 3), "max_minutes": round(self.max_minutes, 3),
            "max_kommune": self.max_kommune,
            "moves_vs_baseline": self.moves, "catchments": int(len(self.per_catchment)),
            "outside_band": self.band_violations, "disconnected": self.disconnected,
            "region_breaks": self.region_breaks,
        }


def evaluate_plan(inst: CatchmentInstance, assignment: dict[int, str], rules: CatchmentRules | None = None,
                  gp_capacity: dict[str, float] | None = None) -> PlanScore:
    """Score ``assignment`` (kommune code -> hospital name).

    Raises ValueError if a kommune is missing or a hospital is unknown. ``gp_capacity`` (catchment ->
    GP capacities, e.g. from Table B.1) is shown where a catchment's membership equals the baseline's.
    """
    rules = rules or CatchmentRules()
    missing = [k for k in inst.kommuner if k not in assignment]
    if missing:
        raise ValueError(f"plan assigns no catchment to kommune(s) {missing[:10]}")
    unknown = sorted({h for h in assignment.values() if h not in inst.hospitals})
    if unknown:
        raise ValueError(f"plan names unknown akutsygehus(e) {unknown}")
    ki, hj = inst.k_index, {h: j for j, h in enumerate(inst.hospitals)}
    pop = np.asarray(inst.population, float)
    rows = []
    for k in inst.kommuner:
        h = assignment[k]
        base = inst.baseline.get(k)
        km = float(inst.km[ki[k], hj[h]]) if inst.km is not None else float("nan")
        rows.append((k, inst.name(k), h, inst.region[ki[k]], int(pop[ki[k]]), float(inst.minutes[ki[k], hj[h]]),
                     base is not None and base != h, base, km))
    pk = pd.DataFrame(rows, columns=["kode", "navn", "catchment", "region", "befolkning", "minutter", "moved",
                                     "baseline", "km"])
    root = dict(zip(inst.hospitals, inst.hospital_kommune))
    hreg = dict(zip(inst.hospitals, inst.hospital_region))
    base_members: dict[str, set] = {}
    for k, h in inst.baseline.items():
        base_members.setdefault(h, set()).add(k)
    crow, violations, disconnected, breaks = [], [], [], []
    for h in inst.hospitals:
        sub = pk[pk["catchment"] == h]
        members = set(sub["kode"])
        popu = int(sub["befolkning"].sum())
        connected = bool(members) and connected_with_leaves(members, root[h], inst.edges, inst.leaf_links)
        regions = sorted(set(sub["region"]) | {hreg[h]})
        if rules.band is None:
            status = "-"
        elif h in rules.band_exceptions:
            status = "undtagelse"
        elif rules.band[0] <= popu <= rules.band[1]:
            status = "inden for"
        else:
            status = "uden for"
            violations.append(h)
        if members and not connected:
            disconnected.append(h)
        if len(regions) > 1:
            breaks.append(h)
        mean_min = float(np.average(sub["minutter"], weights=sub["befolkning"])) if popu else float("nan")
        gp = gp_capacity.get(h) if gp_capacity and members == base_members.get(h) else None
        crow.append((h, "/".join(regions), len(members), popu, status, connected, mean_min, gp))
    pc = pd.DataFrame(crow, columns=["catchment", "region", "kommuner", "befolkning", "band_status",
                                     "connected", "minutter_gns", "almen_praksis_kapaciteter"])
    mean = float(np.average(pk["minutter"], weights=pk["befolkning"]))
    return PlanScore(pc, pk, mean, float(pk["minutter"].max()), int(pk["moved"].sum()), violations, disconnected,
                     breaks)


def with_table_b1_population(per_catchment: pd.DataFrame, baseline_table: pd.DataFrame,
                             population_year: int) -> pd.DataFrame:
    """``per_catchment`` with Table B.1's own 1 Jan 2018 population beside the model's year (inhabitants).

    The ``befolkning`` column is renamed ``befolkning_<population_year>``; ``befolkning_2018_tabel_b1`` is the
    figure printed in Table B.1 (2019) for the catchment, ``forskel`` the model's year minus it, and a last
    row ``I alt`` holds the totals (Table B.1: 5,781,190)."""
    col = f"befolkning_{population_year}"
    b1 = baseline_table.set_index("catchment")["befolkning_2018_01_01"].astype("int64")
    out = per_catchment.rename(columns={"befolkning": col}).copy()
    pos = out.columns.get_loc(col)
    out.insert(pos, "befolkning_2018_tabel_b1", out["catchment"].map(b1).astype("Int64"))
    out.insert(pos + 2, "forskel", out[col] - out["befolkning_2018_tabel_b1"])
    total: dict[str, object] = {c: "" for c in out.columns}
    total.update({"catchment": "I alt", "kommuner": int(out["kommuner"].sum()),
                  "befolkning_2018_tabel_b1": int(b1.sum()), col: int(out[col].sum())})
    total["forskel"] = int(out[col].sum()) - int(b1.sum())
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)
