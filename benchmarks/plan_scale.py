"""End-to-end planning at scale: a generated instance through the whole pipeline.

    .venv/bin/python benchmarks/plan_scale.py --customers 5000 --reps 25 --workers 2

Generates the instance with ``benchmarks/generate.py`` (seeded, haversine travel), runs
``planner.pipeline.run_plan`` (territories, then every territory's calendar and OR-Tools
days in parallel processes), checks the result with ``planner.check`` and prints one
Markdown table row: runtime per stage, peak memory (this process and its workers),
coverage, travel, and the spread of reps' planned hours around the mean (issue 4's
"within 15 %" after routing).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_instance, write_instance  # noqa: E402

from planner.check import CheckParams, check_plan  # noqa: E402
from planner.pipeline import build_travel, read_scenario_inputs, run_plan  # noqa: E402
from planner.scenario import load_scenario  # noqa: E402


def peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child (MiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=5000)
    ap.add_argument("--reps", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--check", action="store_true", help="also run planner.check on the plan")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_instance(
            generate_instance(a.customers, a.reps, a.seed), Path(tmp), weeks=a.weeks
        )
        sc = load_scenario(path)
        t0 = time.perf_counter()
        plan = run_plan(sc, workers=a.workers)
        total = time.perf_counter() - t0
        own, kids = peak_mb()
        k = plan.kpis
        hours = list(k["rep_hours_by_rep"].values())
        mean = sum(hours) / len(hours)
        spread = max(abs(h - mean) / mean for h in hours) * 100 if mean else 0.0
        n_viol = "-"
        if a.check:
            travel = build_travel(sc, read_scenario_inputs(sc))
            params = CheckParams(
                sc.horizon(),
                sc.workday(),
                sc.tier_table(),
                sc.model.routing.max_shift_days,
                sc.seed,
            )
            n_viol = str(len(check_plan(plan, travel.matrix, params)))
        rt = plan.meta["runtimes"]
        terr = [s["runtime_s"] for s in plan.meta["territory_stats"]]
        print(
            "| customers / reps | weeks | workers | total s | territories s | routes s | "
            "slowest territory s | peak MiB (main / worker) | required | coverage % | "
            "travel h | rep hours min/mean/max | max dev. from mean % | check |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        print(
            f"| {a.customers} / {a.reps} | {a.weeks} | {a.workers} | {total:.1f} | "
            f"{rt['territories_s']:.1f} | {rt['routes_s']:.1f} | {max(terr):.1f} | "
            f"{own:.0f} / {kids:.0f} | {k['required_visits']} | {k['coverage_pct']} | "
            f"{k['travel_h']} | {k['rep_hours']['min']}/{k['rep_hours']['mean']}/"
            f"{k['rep_hours']['max']} | {spread:.1f} | {n_viol} |"
        )
        by_tier = k.get("unscheduled_by_tier", {})
        print(f"\nunscheduled by tier: {by_tier}")


if __name__ == "__main__":
    main()
