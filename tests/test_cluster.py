"""Dask: the same plan from a local cluster, from a real ``dask scheduler`` + ``dask worker``
pair and from the sequential run; a killed worker's task is re-run; Ctrl-C stops cleanly.

Every cluster listens on 127.0.0.1 only; every start-up has a timeout and every process
is stopped by its fixture, so a broken cluster fails a test instead of hanging the run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TINY

from planner.cluster import SCHEDULER_ENV, ClusterError, ClusterParams, choose_engine, run_tasks

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _plan_bytes(plan_dir: Path, root: Path | None = None) -> dict[str, bytes]:
    """Every file of a plan folder; plan.json without ``created`` and ``runtimes``, and
    with the folder ``root`` (a compare run's output, named by ``keep_from``) as ``OUT``."""
    out = {}
    for p in sorted(plan_dir.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if p.name == "plan.json":
                meta = json.loads(data)
                meta.pop("created"), meta.pop("runtimes")
                data = json.dumps(meta, sort_keys=True).encode()
                if root is not None:
                    data = data.replace(str(root).encode(), b"OUT")
            out[str(p.relative_to(plan_dir))] = data
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """The tiny haversine scenario with the routing safety limit at its maximum (600 s).

    At the default 10 s, a day searched by a worker process that gets a few per cent of a
    core (a loaded 2-core machine) can be stopped by the clock; the plan then lists the day
    (``time_limit_days``) and may differ, by design. These tests compare engines, not
    clocks, so no day of theirs may depend on one (tests/test_routing_budget.py tests the
    limit itself)."""
    path = tmp_path_factory.mktemp("scenario") / "tiny.yaml"
    path.write_text(
        f"extends: {TINY / 'haversine.yaml'}\nrouting: {{time_limit_s: 600}}\n", encoding="utf-8"
    )
    return path


def _plan(scenario: Path, tmp: Path, name: str, **kw) -> dict[str, bytes]:
    from planner.pipeline import run_plan, write_plan
    from planner.scenario import load_scenario

    plan = run_plan(load_scenario(scenario), **kw)
    assert not any(t["time_limit_days"] for t in plan.meta["territory_stats"])
    write_plan(plan, tmp / name, maps=False)
    return _plan_bytes(tmp / name)


@pytest.fixture(scope="module")
def sequential(tiny, tmp_path_factory):
    return _plan(tiny, tmp_path_factory.mktemp("seq"), "plan", workers=1)


# ------------------------------------------------------------------ where tasks run
def test_engine_choice(monkeypatch):
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert choose_engine(ClusterParams(workers=2), 5) == ("local", 2)
    assert choose_engine(ClusterParams(workers=4), 3) == ("local", 3)  # no idle workers
    assert choose_engine(ClusterParams(workers=2), 1) == ("inline", 1)
    assert choose_engine(ClusterParams(workers=1), 9) == ("inline", 1)
    assert choose_engine(ClusterParams("tcp://h:1", workers=1), 9) == ("scheduler", "tcp://h:1")
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://env:2")
    assert choose_engine(ClusterParams(workers=0), 9) == ("scheduler", "tcp://env:2")
    assert choose_engine(ClusterParams(workers=1), 9) == ("inline", 1)  # tasks inside tasks
    assert choose_engine(ClusterParams("tcp://h:1"), 9) == ("scheduler", "tcp://h:1")


def test_unreachable_scheduler_is_a_clear_error():
    from planner.errors import PlannerError

    closed = _free_port()
    with pytest.raises(ClusterError, match=f"127.0.0.1:{closed}") as e:
        list(run_tasks(abs, [1, 2], ClusterParams(f"tcp://127.0.0.1:{closed}", start_timeout_s=2)))
    assert isinstance(e.value, PlannerError) and e.value.exit_code == 2


# ------------------------------------------------------------------ local cluster
def _nbytes(a) -> int:
    return int(a.nbytes)


@pytest.mark.timeout(240)
def test_local_cluster_is_quiet_with_big_tasks_and_port_8787_taken(monkeypatch):
    """Another run (or any program) on Dask's dashboard port 8787 and tasks that carry
    big inputs (a territory's matrices) give the user no Dask warnings."""
    import socket
    import warnings

    import numpy as np

    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    holder = socket.socket()
    try:
        holder.bind(("", 8787))
        holder.listen()
    except OSError:  # already taken by someone else: the same situation
        pass
    arrays = [np.ones(2_000_000, dtype=np.float64) for _ in range(3)]  # 16 MB each
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            got = dict(run_tasks(_nbytes, arrays, ClusterParams(workers=2)))
    finally:
        holder.close()
    assert got == {0: 16_000_000, 1: 16_000_000, 2: 16_000_000}
    dask_warnings = [str(w.message) for w in seen if "distributed" in w.filename]
    assert dask_warnings == []


@pytest.mark.timeout(240)
def test_local_cluster_plan_is_byte_identical(tiny, tmp_path, sequential, monkeypatch):
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert _plan(tiny, tmp_path, "local", workers=2) == sequential


def _plan_or_die(job):
    """Plan a territory; the first attempt of the job marked ``die`` kills its worker."""
    from planner.territory_plan import plan_territory

    marker, die, problem = job
    if die and not os.path.exists(marker):
        Path(marker).write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return plan_territory(problem)


@pytest.mark.timeout(240)
def test_killed_worker_task_is_retried(tiny, tmp_path, monkeypatch):
    from planner.pipeline import (
        build_travel,
        design,
        read_scenario_inputs,
        territory_problems,
    )
    from planner.scenario import load_scenario
    from planner.territory_plan import plan_territory

    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    sc = load_scenario(tiny)
    inputs = read_scenario_inputs(sc)
    travel = build_travel(sc, inputs)
    problems = territory_problems(sc, inputs, travel, design(sc, inputs, travel).assignments)
    assert len(problems) >= 2
    marker = tmp_path / "killed.pid"
    jobs = [(str(marker), i == 0, p) for i, p in enumerate(problems)]
    got = dict(run_tasks(_plan_or_die, jobs, ClusterParams(workers=2)))
    assert marker.exists(), "the first attempt did not run (no worker was killed)"
    assert int(marker.read_text()) != os.getpid()  # it was a worker that died
    for i, p in enumerate(problems):
        want = plan_territory(p)
        assert got[i].visits.equals(want.visits)
        assert got[i].unscheduled.equals(want.unscheduled)


# ------------------------------------------------------------------ dask scheduler + worker
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(cond, timeout_s: float, what: str, procs=()):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():
            return
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"{what}: process exited with {p.returncode}")
        time.sleep(0.2)
    raise TimeoutError(f"{what} after {timeout_s} s")


def _stop(procs) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """``dask scheduler`` and one ``dask worker`` (2 processes) on 127.0.0.1, as
    subprocesses started from a folder without the repository (workers need only the
    installed package)."""
    tmp = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != SCHEDULER_ENV}
    log = open(tmp / "dask.log", "wb")  # closed below (a pipe could fill up and block)
    common = {"cwd": tmp, "env": env, "stdout": subprocess.DEVNULL, "stderr": log}
    sched = subprocess.Popen(
        [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        **common,
    )
    procs = [sched]
    try:
        worker = subprocess.Popen(
            [
                *(BIN / "dask", "worker", address, "--host", "127.0.0.1"),
                *("--nworkers", "2", "--nthreads", "1", "--no-dashboard"),
                *("--local-directory", str(tmp / "work"), "--death-timeout", "60"),
            ],
            **common,
        )
        procs.append(worker)
        from distributed import Client

        with Client(address, timeout="60s", set_as_default=False) as client:
            _wait_for(lambda: len(client.nthreads()) >= 2, 120, "2 dask workers", procs)
        yield address
    finally:
        _stop(procs[::-1])
        log.close()


@pytest.mark.timeout(300)
def test_dask_scheduler_and_worker_plan_is_byte_identical(
    tiny, tmp_path, sequential, dask_cluster, monkeypatch
):
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert _plan(tiny, tmp_path, "remote", scheduler=dask_cluster) == sequential
    # the environment variable is Dask's own way to name the scheduler
    monkeypatch.setenv(SCHEDULER_ENV, dask_cluster)
    assert _plan(tiny, tmp_path, "env", workers=0) == sequential


@pytest.mark.timeout(300)
def test_compare_on_the_dask_cluster_equals_local(tiny, tmp_path, dask_cluster, monkeypatch):
    from planner.compare import CompareParams, compare_scenarios

    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    what_if = tmp_path / "lose.yaml"
    what_if.write_text(
        f"extends: {tiny}\nname: lose R2\nchanges: {{reps: {{remove: [R2]}}}}\n",
        encoding="utf-8",
    )
    scenarios = [tiny, what_if]
    remote = compare_scenarios(
        CompareParams(scenarios, tmp_path / "remote", maps=False, scheduler=dask_cluster)
    )
    local = compare_scenarios(CompareParams(scenarios, tmp_path / "local", maps=False, processes=1))
    assert (
        remote.csv_path.read_text().splitlines()[:-1]
        == (
            local.csv_path.read_text().splitlines()[:-1]  # the last row is the runtime
        )
    )
    for a, b in zip(remote.plan_dirs, local.plan_dirs, strict=True):
        assert _plan_bytes(a, tmp_path / "remote") == _plan_bytes(b, tmp_path / "local")


# ------------------------------------------------------------------ Ctrl-C
def _cmd(p) -> str:
    try:
        return " ".join(p.cmdline())
    except Exception:  # exited meanwhile
        return ""


AS_FROM_A_SHELL = (
    "import runpy, signal, sys; "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
    "signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'planner'; "
    "runpy.run_module('planner', run_name='__main__', alter_sys=True)"
)


@pytest.mark.timeout(240)
def test_ctrl_c_stops_workers_and_keeps_the_earlier_plan(tmp_path, sequential):
    import psutil

    out = tmp_path / "plan"  # an earlier plan (the sequential one)
    for name, data in sequential.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    env = {k: v for k, v in os.environ.items() if k != SCHEDULER_ENV}
    # twelve weeks of the tiny scenario: the plan still runs well after its workers start
    # (two weeks could finish between the check for the workers and the interrupt)
    long = tmp_path / "long.yaml"
    long.write_text(
        f"extends: {TINY / 'haversine.yaml'}\nhorizon: {{start: 2026-11-30, weeks: 12}}\n",
        encoding="utf-8",
    )
    # started as a shell starts a foreground job: SIGINT at its default and not blocked,
    # whatever the test process inherited (under pytest-xdist the planner once started
    # with SIGINT held back, ignored the interrupt and finished with exit 0)
    cmd = [sys.executable, "-c", AS_FROM_A_SHELL, "plan", str(long)]
    proc = subprocess.Popen(
        [*cmd, "--out", str(out), "--workers", "2", "--no-maps"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        me = psutil.Process(proc.pid)

        def workers():  # spawned, forked or fork-server worker processes
            out = []
            for c in me.children(recursive=True):
                cmd = _cmd(c)
                from_server = "multiprocessing.forkserver" in cmd and c.ppid() != proc.pid
                if "spawn_main" in cmd or cmd == _cmd(me) or from_server:
                    out.append(c)
            return out

        # the local cluster's two worker processes run: interrupt as a terminal does
        _wait_for(lambda: len(workers()) >= 2, 180, "2 worker processes", [proc])
        started = workers()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=10)
    assert proc.returncode == 130, err.decode()
    assert b"Traceback" not in err, err.decode()
    _, alive = psutil.wait_procs(started, timeout=30)
    assert not alive, f"worker processes left running: {alive}"
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


# ------------------------------------------------------------------ progress
@pytest.mark.parametrize("terminal", [True, False])
def test_progress_bars_only_on_a_terminal(monkeypatch, terminal):
    import io

    from rich.console import Console

    from planner import cli

    buf = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=buf, force_terminal=terminal, width=120))
    with cli._Bars() as bars:
        bars("routes", 3, 7)
        bars.plans("what-if", 1, 4)
    out = buf.getvalue()
    if terminal:
        assert "calendar + routes" in out and "3/7" in out and "1/4" in out and "ETA" in out
    else:
        assert out == ""
