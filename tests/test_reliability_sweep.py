"""Issue 17, sweeps: the report with near-equal values (case 1), the skip key (case 2), Dask rules and
orphaned workers (case 11)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sundhed.cli import EXIT_USAGE, main
from sundhed.sweep import run_sweep

HERE = Path(__file__).resolve().parent


# ------------------------------------------------------------------------------------------ case 1
def gap_task(params: dict) -> dict:
    """The shipped band sweep's shape: metrics equal up to rounding (gaps 0 and 1.5e-16)."""
    lo = params["catchments"]["band"][0]
    return {"gap": 1.5e-16 if lo == 200_000 else 0.0, "mean_minutes": 20.0 + lo / 1e6,
            "outside_band": 4 if params["catchments"]["region_rule"] else 3}


def test_report_with_gaps_differing_by_rounding(tmp_path):
    from sundhed.maps.sweep_report import render_sweep_report
    from sundhed.sweep import expand

    spec = {"base": {}, "grid": {"catchments.band": [[150000, 350000], [200000, 400000], [250000, 450000]],
                                 "catchments.region_rule": [True, False]}}
    df = run_sweep(expand(spec), gap_task, tmp_path, progress=False)
    html = render_sweep_report(df, tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count('<svg class="chart"') >= 2


# ------------------------------------------------------------------------------------------ case 2
def _params(stations: Path) -> dict:
    return {"model": "akutbiler", "akutbiler": {"existing": "stations", "station_list": str(stations)}}


def test_skip_key_follows_station_list_contents_not_its_path(tmp_path):
    from sundhed.tasks import scenario_key

    st = tmp_path / "st.csv"
    st.write_text("navn,lat,lon\nA,57.0,9.9\n", encoding="utf-8")
    k1 = scenario_key(_params(st))
    assert scenario_key(_params(st)) == k1
    st.write_text("navn,lat,lon\nA,57.0,9.9\nB,56.0,10.0\n", encoding="utf-8")
    assert scenario_key(_params(st)) != k1


def test_skip_key_is_the_validated_config_and_versions(monkeypatch):
    from sundhed import provenance
    from sundhed.tasks import scenario_key

    plain = scenario_key({})
    # the same config spelt out (defaults given explicitly): one validated config, one key
    assert scenario_key({"catchments": {"band": [200000, 400000], "region_rule": True}}) == plain
    assert scenario_key({"catchments": {"band": [200000, 450000]}}) != plain
    monkeypatch.setattr(provenance, "data_version", lambda: "other-data")
    assert scenario_key({}) != plain
    monkeypatch.undo()
    monkeypatch.setattr(provenance, "code_version", lambda: "0.0.0+other")
    assert scenario_key({}) != plain


def test_sweep_key_reads_the_versions_once_and_equals_the_scenario_key(monkeypatch):
    from sundhed import provenance
    from sundhed.tasks import scenario_key, sweep_key

    params = [{}, {"catchments": {"band": [200000, 450000]}}, {"model": "houses", "houses": {"budget_mio_kr": 300}}]
    expected = [scenario_key(p) for p in params]
    calls: list[int] = []
    version = provenance.code_version

    def counted() -> str:
        calls.append(1)
        return version()

    monkeypatch.setattr(provenance, "code_version", counted)
    key = sweep_key()
    assert [key(p) for p in params] == expected and calls == [1]


def const_task(params: dict) -> dict:
    return {"value": 1.0}


def test_sweep_recomputes_when_a_station_list_changes(tmp_path):
    from sundhed.tasks import scenario_key

    st = tmp_path / "st.csv"
    st.write_text("navn,lat,lon\nA,57.0,9.9\n", encoding="utf-8")
    scen = [_params(st)]
    out = tmp_path / "sw"
    assert run_sweep(scen, const_task, out, key=scenario_key, progress=False).attrs["computed"] == 1
    assert run_sweep(scen, const_task, out, key=scenario_key, progress=False).attrs["skipped"] == 1
    st.write_text("navn,lat,lon\nA,57.0,9.9\nB,56.0,10.0\n", encoding="utf-8")
    assert run_sweep(scen, const_task, out, key=scenario_key, progress=False).attrs["computed"] == 1


# ------------------------------------------------------------------------------------------ case 11
@pytest.fixture
def sweep_file(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[grid]\n"catchments.region_rule" = [true, false]\n', encoding="utf-8")
    return p


@pytest.mark.parametrize("scheduler,needle", [
    ("tcp://203.0.113.7:8786", "unencrypted tcp:// to another machine is refused"),
    ("tls://203.0.113.7:8786", "needs --tls-ca-file and --tls-cert"),
    ("http://example.org", "use 'local', tls://host:port"),
    ("tcp://nohost", "expected tcp://host:port"),
])
def test_scheduler_refused_in_one_line_without_connecting(tmp_path, capsys, sweep_file, scheduler, needle):
    t0 = time.perf_counter()
    out = tmp_path / "out"
    assert main(["sweep", str(sweep_file), "--out", str(out), "--scheduler", scheduler, "--quiet"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert time.perf_counter() - t0 < 20 and not out.exists()  # no 30 s connect attempt (generous for loaded CI)


def test_unreachable_scheduler_one_line_within_seconds(tmp_path, capsys, sweep_file):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    t0 = time.perf_counter()
    assert main(["sweep", str(sweep_file), "--out", str(tmp_path / "o"), "--scheduler", f"tcp://127.0.0.1:{port}",
                 "--quiet"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "is not reachable within 5 s" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert time.perf_counter() - t0 < 15


def test_tls_settings_become_a_dask_security(tmp_path):
    from sundhed.dask_client import SchedulerError, check_scheduler, security_for

    ca, cert = tmp_path / "ca.pem", tmp_path / "c.pem"
    ca.write_text("x")
    cert.write_text("y")
    sec = security_for(str(ca), str(cert))
    assert sec.require_encryption and sec.tls_ca_file == str(ca) and sec.tls_client_cert == str(cert)
    check_scheduler("tls://10.0.0.1:8786", security=sec)  # accepted
    with pytest.raises(SchedulerError, match="use tls:// instead"):
        check_scheduler("tcp://127.0.0.1:8786", security=sec)
    with pytest.raises(SchedulerError, match="--tls-cert as well"):
        security_for(str(ca))
    check_scheduler("tcp://10.0.0.1:8786", allow_insecure=True)  # the user's explicit choice


_KILLED_SWEEP = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {here!r})
    from sweep_helpers import sleepy
    from sundhed.sweep import run_sweep
    run_sweep([{{"s": 120, "i": i}} for i in range(2)], sleepy, {out!r}, jobs=2, progress=False)
""")


def _children(pid: int) -> list[int]:
    try:
        txt = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in txt.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_sigkilled_process_sweep_leaves_no_orphaned_workers(tmp_path):
    script = _KILLED_SWEEP.format(here=str(HERE), out=str(tmp_path / "sw"))
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "SWEEP_MARK_DIR": str(tmp_path / "sw")})
    started: list[Path] = []
    deadline = time.time() + 60
    while time.time() < deadline and len(started) < 2:  # wait until both workers are busy in their task
        time.sleep(0.2)
        started = list((tmp_path / "sw").glob("started-*")) if (tmp_path / "sw").exists() else []
    workers = [int(p.read_text()) for p in started]
    assert len(started) >= 2 and workers, "the sweep did not start its workers"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    alive = [w for w in workers if _alive(w)]
    for w in alive:  # never leave them behind, even when the test fails
        os.kill(w, signal.SIGKILL)
    assert not alive, f"orphaned workers {alive}"


def test_run_sweep_records_stay_json(tmp_path):
    df = run_sweep([{"a": 1}], const_task, tmp_path, progress=False)
    (rec,) = list((tmp_path / "runs").glob("*.json"))
    assert json.loads(rec.read_text())["status"] == "ok" and df.attrs["ok"] == 1
