"""Embedded-network build and travel-time matrix: this checkout against an older commit, in CPU seconds.

    python benchmarks/network_before_after.py [--ref b46b3f1] [--runs 5]

The older ``geodata/`` is taken from git (``git archive REF geodata``) into a temporary folder, imported as
``sundhed_old.geodata`` and run on the same data objects and points as the current one: all demand points x
all akutbil candidate sites, the benchmark instance of benchmarks/traveltimes_bench.py. The two versions
alternate run by run (so machine load hits both alike); best and median CPU seconds (``time.process_time``)
are printed for the network build (``network_for``) and the whole uncached ``travel_times``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _old_geodata(ref: str, into: Path) -> None:
    blob = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "geodata"], check=True, capture_output=True).stdout
    pkg = into / "sundhed_old"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(pkg, filter="data")
    for f in (pkg / "geodata").rglob("*.py"):
        f.write_text(f.read_text(encoding="utf-8").replace("sundhed.geodata", "sundhed_old.geodata"), encoding="utf-8")


def main(argv=None) -> int:
    import numpy as np
    import pandas as pd

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", default="b46b3f1", help="git commit of the 'before' version (default: before issue 19)")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)

    from sundhed.geodata.dataset import load_dataset
    from sundhed.geodata.traveltimes import points_frame, travel_times
    from sundhed.model.national_akutbiler import candidate_stations

    ds = load_dataset()
    dem = ds.demand_points_frame()
    st = candidate_stations(ds)
    cand = points_frame(st["id"], st["x"], st["y"])
    allpts = pd.concat([dem, cand]).drop_duplicates("id")
    with tempfile.TemporaryDirectory() as tmp:
        _old_geodata(args.ref, Path(tmp))
        sys.path.insert(0, tmp)
        import sundhed_old.geodata.traveltimes as old_tt

        versions = {"before": (old_tt.EmbeddedNetworkSource(ds.kommuner, ds.towns, ds.fixed_links, ds.ferries),
                               old_tt.travel_times),
                    "after": (ds.embedded_source(), travel_times)}
        times: dict[str, list[float]] = {f"{v} {w}": [] for v in versions for w in ("network", "travel_times")}
        size = {}
        for _ in range(args.runs):
            for v, (src, tt) in versions.items():
                c = time.process_time()
                net = src.network_for(allpts)
                times[f"{v} network"].append(time.process_time() - c)
                c = time.process_time()
                tt(src, dem, cand, cache_dir=None)
                times[f"{v} travel_times"].append(time.process_time() - c)
                size[v] = (net.n, len(net.edge_u))
    print(f"{len(dem):,} demand points x {len(cand):,} candidates; before = {args.ref}, after = this checkout")
    for v, (n, e) in size.items():
        print(f"  {v}: {n:,} nodes, {e:,} edges")
    print(f"{'what':28s} {'best CPU s':>10s} {'median CPU s':>12s}")
    for k, v in times.items():
        print(f"{k:28s} {min(v):10.3f} {float(np.median(v)):12.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
