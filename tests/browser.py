"""Headless Chromium for the map tests: one place for the executable lookup and the offline flags.

Chromium runs with ``--proxy-server=127.0.0.1:9`` so that nothing (tiles, any CDN) can load: a report must
render from its own file. Without chromium the browser tests skip, except under CI (env ``CI`` set), where
they fail: CI installs Debian's chromium.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"


def chromium_or_skip() -> str:
    exe = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but chromium is not installed")
        pytest.skip("chromium not installed")
    return exe


def chromium(exe: str, tmp_path: Path, *args: str, window: str = "1400,1000",
             timeout: int = 90) -> subprocess.CompletedProcess:
    """Run headless Chromium offline with a fresh profile in ``tmp_path``; ``args`` e.g. ``--screenshot=…`` URL."""
    cmd = [
        exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={window}", "--virtual-time-budget=5000",
        "--proxy-server=127.0.0.1:9",  # force offline: tiles (and any CDN) cannot load
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
