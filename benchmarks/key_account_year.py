"""A key-account year: period rules over 52 weeks, checked, and how full the days are.

Run (one heavy job at a time on the shared machine)::

    flock /tmp/bench.lock nice -n 10 timeout 1800 \\
        .venv/bin/python benchmarks/key_account_year.py --seeds 0 1 \\
        --write docs/benchmarks/key-account.md

Instance: :func:`planner.schedule.synthetic.synthetic_territory` with 200 customers in
clusters within ~12 km of the rep's home, tiers ``{count: 1, per: quarter}`` (60 min),
``{count: 1, per: half_year}`` (45 min) and ``{count: 3, per: year}`` (30 min) in shares
20/30/50 %, half of the customers with a last visit; 52 weeks from Monday 2026-01-05,
Mo-Fr 08:00-16:30 with lunch, haversine x 1.3 at 35 km/h, Chinese public holidays
(``holidays: CN``, with the make-up working days). Measured: every rule met
(``planner check`` on the plan), share of rep-days with a single visit, runtime.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.check import CheckParams, check_plan  # noqa: E402
from planner.domain import BreakRule, Horizon, TierRule, TierTable, Workday  # noqa: E402
from planner.files import write_text  # noqa: E402
from planner.plan import Plan  # noqa: E402
from planner.routing import RoutingParams  # noqa: E402
from planner.schedule.synthetic import haversine_travel, synthetic_territory  # noqa: E402
from planner.territory_plan import TerritoryProblem, plan_territory  # noqa: E402
from planner.workdays import build_work_calendar  # noqa: E402

HORIZON = Horizon(dt.date(2026, 1, 5), 52)
WORKDAY = Workday(8 * 3600, 16 * 3600 + 1800, BreakRule(11 * 3600 + 1800, 13 * 3600 + 1800, 1800))
TIERS = TierTable(
    {
        "K1": TierRule("K1", 13, 60, 3, visits_count=1, visits_per="quarter"),
        "K2": TierRule("K2", 26, 45, 2, visits_count=1, visits_per="half_year"),
        "K3": TierRule("K3", 17, 30, 1, visits_count=3, visits_per="year"),
    }
)


def run_one(seed: int, n: int = 200) -> dict:
    customers, rep = synthetic_territory(
        n,
        seed=seed,
        tier_shares=(0.2, 0.3, 0.5),
        horizon=HORIZON,
        tiers=TIERS,
        last_visit_share=0.5,
    )
    calendar = build_work_calendar("CN", [2025, 2026, 2027])
    matrix = haversine_travel(customers, rep)
    appts = pd.DataFrame(columns=["customer_id", "date", "start_s", "source_row"])
    problem = TerritoryProblem(
        "T1",
        rep,
        customers,
        appts,
        matrix,
        HORIZON,
        WORKDAY,
        TIERS,
        RoutingParams(seed=seed),
        seed=seed,
        calendar=calendar,
    )
    t0, c0 = time.perf_counter(), time.process_time()
    tp = plan_territory(problem)
    runtime, cpu = time.perf_counter() - t0, time.process_time() - c0
    plan = Plan(
        visits=tp.visits,
        routes=tp.routes,
        unscheduled=tp.unscheduled,
        assignments=pd.DataFrame(
            {"customer_id": customers["customer_id"], "territory_id": "T1", "rep_id": rep["rep_id"]}
        ),
        customers=customers,
        reps=pd.DataFrame([rep]),
        kpis={},
        appointments=appts,
    )
    params = CheckParams(HORIZON, WORKDAY, TIERS, seed=seed, calendar=calendar)
    violations = check_plan(plan, matrix, params)
    per_day = tp.routes["visits"]
    national = tp.visits[
        (tp.visits["date"] >= dt.date(2026, 10, 1)) & (tp.visits["date"] <= dt.date(2026, 10, 7))
    ]
    return {
        "seed": seed,
        "customers": n,
        "required_visits": tp.stats["required_visits"],
        "scheduled": tp.stats["scheduled_visits"],
        "rep_days": len(tp.routes),
        "single_visit_days": int((per_day == 1).sum()),
        "single_pct": round(100 * float((per_day == 1).mean()), 1) if len(per_day) else 0.0,
        "mean_visits_per_day": round(float(per_day.mean()), 2),
        "travel_h": round(tp.stats["travel_s"] / 3600, 1),
        "violations": len(violations),
        "violation_kinds": ",".join(sorted({v.kind for v in violations})) or "-",
        "national_day_visits": len(national),
        "calendar_s": tp.stats["calendar_s"],
        "runtime_s": round(runtime, 1),
        "cpu_s": round(cpu, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--write", type=Path, default=None)
    args = ap.parse_args()
    rows = []
    for s in args.seeds:
        rows.append(run_one(s))
        print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    print(df.to_string(index=False))
    if args.write:
        cmd = (
            "flock /tmp/bench.lock nice -n 10 timeout 1800 .venv/bin/python "
            f"benchmarks/key_account_year.py --seeds {' '.join(map(str, args.seeds))} "
            f"--write {args.write}"
        )
        head = "| " + " | ".join(df.columns) + " |\n|" + " --- |" * len(df.columns)
        body = "\n".join("| " + " | ".join(str(x) for x in r) + " |" for r in df.to_numpy())
        text = (
            "## Key-account year: period rules over 52 weeks\n\n"
            f"Command: `{cmd}` ({platform.machine()}, 2 shared cores, "
            f"{dt.date.today().isoformat()}; one run).\n\n"
            + (__doc__ or "").split("Instance:")[1].strip()
            + "\n\n"
            + head
            + "\n"
            + body
            + "\n"
        )
        write_text(args.write, text)


if __name__ == "__main__":
    main()
