"""End-to-end planning at scale: a generated instance through the whole pipeline.

    .venv/bin/python benchmarks/plan_scale.py --customers 5000 --reps 25 --workers 2
    .venv/bin/python benchmarks/plan_scale.py --customers 5000 --reps 25 --workers 1,2
    .venv/bin/python benchmarks/plan_scale.py --national --customers 40000 --reps 200

Generates the instance with ``benchmarks/generate.py`` (seeded, haversine travel; with
``--national`` its national instance: towns plus countryside, reps living in towns), runs
``planner.pipeline.run_plan`` (territories, then every territory's calendar and OR-Tools
days as tasks of a local Dask cluster of ``--workers`` processes), checks the result with
``planner.check`` and prints one Markdown table row per worker count: runtime per stage,
peak memory of the client process and of the largest worker process, coverage, travel,
the spread of reps' planned hours around the mean (issue 4's "within 15 %" after
routing), per-territory times and the days stopped by the safety time limit. Each worker
count runs in a fresh process (its own peak memory); with several counts the speed-up of
the routes stage against the first count is printed too, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_instance, national_instance, write_instance  # noqa: E402

HEADER = (
    "| customers / reps | weeks | workers | total s | territories s | routes s | "
    "territory s mean / max | peak MiB (client / largest worker) | required | coverage % | "
    "travel h | rep hours min/mean/max | max dev. from mean % | safety-limit days | check |"
)


def peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child (MiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def run_case(scenario: Path, workers: int, check: bool) -> dict:
    """Plan ``scenario`` once in this process (the ``--case`` mode) and measure it."""
    from planner.check import CheckParams, check_plan
    from planner.pipeline import build_travel, read_scenario_inputs, run_plan
    from planner.scenario import load_scenario

    sc = load_scenario(scenario)
    t0 = time.perf_counter()
    plan = run_plan(sc, workers=workers)
    total = time.perf_counter() - t0
    own, kids = peak_mb()
    k = plan.kpis
    hours = list(k["rep_hours_by_rep"].values())
    mean = sum(hours) / len(hours)
    n_viol = None
    if check:
        travel = build_travel(sc, read_scenario_inputs(sc))
        params = CheckParams(
            sc.horizon(), sc.workday(), sc.tier_table(), sc.model.routing.max_shift_days, sc.seed
        )
        n_viol = len(check_plan(plan, travel.matrix, params))
    rt = plan.meta["runtimes"]
    terr = [t["runtime_s"] for t in rt["territories"]]
    return {
        "workers": workers,
        "total_s": round(total, 1),
        "territories_s": rt["territories_s"],
        "routes_s": rt["routes_s"],
        "territory_mean_s": round(statistics.mean(terr), 2),
        "territory_max_s": round(max(terr), 2),
        "territory_sum_s": round(sum(terr), 1),
        "client_mb": round(own),
        "worker_mb": round(kids),
        "required": k["required_visits"],
        "coverage": k["coverage_pct"],
        "travel_h": k["travel_h"],
        "hours": k["rep_hours"],
        "spread_pct": round(max(abs(h - mean) / mean for h in hours) * 100, 1) if mean else 0,
        "limit_days": sum(len(s["time_limit_days"]) for s in plan.meta["territory_stats"]),
        "violations": n_viol,
        "unscheduled_by_tier": k.get("unscheduled_by_tier", {}),
        "load_after": round(os.getloadavg()[0], 1),
    }


def row(a: argparse.Namespace, r: dict) -> str:
    h = r["hours"]
    return (
        f"| {a.customers} / {a.reps} | {a.weeks} | {r['workers']} | {r['total_s']} | "
        f"{r['territories_s']:.1f} | {r['routes_s']:.1f} | {r['territory_mean_s']} / "
        f"{r['territory_max_s']} | {r['client_mb']} / {r['worker_mb']} | {r['required']} | "
        f"{r['coverage']} | {r['travel_h']} | {h['min']}/{h['mean']}/{h['max']} | "
        f"{r['spread_pct']} | {r['limit_days']} | "
        f"{'-' if r['violations'] is None else r['violations']} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=5000)
    ap.add_argument("--reps", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--workers", default="2", help="worker counts, e.g. 1,2")
    ap.add_argument("--check", action="store_true", help="also run planner.check on the plan")
    ap.add_argument(
        "--national",
        action="store_true",
        help="generate.py's national instance (towns + countryside, reps in towns) at this size",
    )
    ap.add_argument("--case", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.case:  # one measurement, in a fresh process
        print(json.dumps(run_case(a.case, int(a.workers), a.check)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        make = national_instance if a.national else generate_instance
        path = write_instance(make(a.customers, a.reps, a.seed), Path(tmp), weeks=a.weeks)
        print(f"instance generated in {time.perf_counter() - t0:.1f} s; load {os.getloadavg()}")
        results = []
        for w in [int(x) for x in a.workers.split(",")]:
            cmd = [sys.executable, __file__, "--case", str(path), "--workers", str(w)]
            out = subprocess.run(
                cmd + (["--check"] if a.check else []), check=True, capture_output=True, text=True
            )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(results[-1]), flush=True)
        print()
        print(HEADER)
        print("|" + "---|" * 15)
        for r in results:
            print(row(a, r))
        base = results[0]
        for r in results[1:]:
            print(
                f"\nroutes stage {base['workers']} -> {r['workers']} workers: "
                f"{base['routes_s']:.1f} s -> {r['routes_s']:.1f} s, speed-up "
                f"{base['routes_s'] / r['routes_s']:.2f}; whole plan "
                f"{base['total_s'] / r['total_s']:.2f}"
            )
        print(f"\nunscheduled by tier: {base['unscheduled_by_tier']}")


if __name__ == "__main__":
    main()
