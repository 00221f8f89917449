"""An interrupted ``planner plan`` leaves the earlier plan exactly as it was (issue 15,
item 2): the plan folder is written into a sibling temporary folder and swapped in whole.

A real ``planner plan`` process (tiny scenario, maps on) is killed at seeded random
points with SIGKILL, SIGTERM and SIGINT: some at a random moment of the run, some a
random few milliseconds after its temporary folder appears (the write phase, where a
per-file scheme would leave a half-new folder). After each kill the folder must be
byte-for-byte the earlier plan or byte-for-byte the complete new one that a last,
uninterrupted run writes (``plan.json`` aside: it records run times); SIGTERM/SIGINT
leave no temporary folder of their own; the next run removes what a SIGKILLed one left.
"""

from __future__ import annotations

import hashlib
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import TINY

ROOT = Path(__file__).resolve().parents[1]


def files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "plan.json"
    }


def debris(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".planner-" in p.name)


def start(out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "planner", "plan", str(TINY / "haversine.yaml"), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killed_plan_runs_leave_the_earlier_plan_intact(tmp_path):
    from planner.pipeline import run_plan, write_plan
    from planner.scenario import load_scenario

    parent = tmp_path / "plans"
    out = parent / "plan"
    plan = run_plan(load_scenario(TINY / "haversine.yaml"), workers=1)
    plan.meta["scenario"] = "the earlier plan"
    write_plan(plan, out, maps=False)  # the earlier plan: no maps, another name
    old = files(out)

    rnd = random.Random(15)
    kills = [(signal.SIGKILL, "write"), (signal.SIGTERM, "write"), (signal.SIGINT, "any")]
    seen = []
    for sig, when in kills:
        proc = start(out)
        if when == "any":
            time.sleep(rnd.uniform(1.0, 8.0))
        else:  # a few ms into the write phase: once the temporary folder exists
            deadline = time.monotonic() + 600
            while not debris(parent) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rnd.uniform(0.0, 0.15))
        proc.send_signal(sig)
        proc.wait(timeout=120)
        seen.append((sig.name, when, files(out)))
        if files(out) != old:  # the run finished first: start again from the earlier plan
            write_plan(plan, out, maps=False)
        if sig != signal.SIGKILL:  # cleaned up after itself
            assert not [d for d in debris(parent) if f"-{proc.pid}-" in d], debris(parent)
    p = start(out)
    assert p.wait(timeout=600) == 0
    new = files(out)
    assert "maps/index.html" in new and new != old
    for name, when, state in seen:
        assert state in (old, new), f"{name} during {when}: a mix of the two plans"
    assert any(state == old for _, _, state in seen)  # some kills did interrupt a run
    assert debris(parent) == []  # what the SIGKILLed run left is gone
