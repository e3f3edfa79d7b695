"""`sundhed map` re-renders from stored plans: CPU seconds of `sundhed solve` against `sundhed map` on the
same result folder (Nordjylland: houses, 300 mio. kr., and 3 new akutbiler), each in its own process.

    python benchmarks/map_rerender.py
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

CONFIG = ('scenario = "map-benchmark"\nmodel = ["houses", "akutbiler"]\nregions = ["Nordjylland"]\n'
          '[houses]\nbudget_mio_kr = 300\n[akutbiler]\nk = 3\n')


def cpu_of(cmd: list[str]) -> float:
    """User + system CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, capture_output=True, env=os.environ.copy())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        cfg, out = Path(d) / "c.toml", Path(d) / "out"
        cfg.write_text(CONFIG, encoding="utf-8")
        sundhed = [sys.executable, "-m", "sundhed.cli"]
        cpu_of(sundhed + ["solve", str(cfg), "--out", str(out), "--no-map"])  # warm the travel-time cache
        solve = cpu_of(sundhed + ["solve", str(cfg), "--out", str(out)])
        redraw = cpu_of(sundhed + ["map", str(out)])
        print(f"sundhed solve (solves, writes plans and 2 maps): {solve:.1f} CPU s")
        print(f"sundhed map   (reads plans, draws 2 maps):       {redraw:.1f} CPU s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
