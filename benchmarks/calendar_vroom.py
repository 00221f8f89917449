"""Our 4-week territory plan against VROOM solving the same horizon as one VRPTW.

Run (one heavy job at a time on the shared machine)::

    flock /tmp/bench.lock nice -n 10 timeout 1500 \\
        .venv/bin/python benchmarks/calendar_vroom.py --seeds 0 1 2 3 4 \\
        --write docs/benchmarks/calendar.md

VROOM takes 3-26 min per territory at exploration level 5, and its problem depends only
on the territory and the due visits' windows, so its side can run once on its own
(``--vroom-only``, printing the rows; ``--dump DIR`` also writes its routes as JSON)
and our side re-use those rows (``--vroom-from LOG``)::

    .venv/bin/python benchmarks/calendar_vroom.py --vroom-only --seeds 2 3 4 \\
        --history 0 >> vroom.log
    .venv/bin/python benchmarks/calendar_vroom.py --seeds 0 1 2 3 4 --history 0 0.7 \\
        --vroom-from vroom.log --write docs/benchmarks/calendar.md

Instances: :func:`planner.schedule.synthetic.synthetic_territory` (1 rep, 120-150
customers in clusters within ~12 km of the rep's home, tiers A/B/C = 10/30/60 % with
intervals 1/2/4 weeks and 45/30/20 min on site, 70 % with a last visit, varied opening
hours incl. closed-Wednesday and mornings-only shops), 4 weeks Monday-Friday, workday
08:00-16:30 with a 30-min lunch in 11:30-13:30, haversine travel x 1.3 at 35 km/h.

- **ours**: :func:`planner.territory_plan.plan_territory` (due visits, calendar with
  cadence, OR-Tools per day, repairs) with default parameters.
- **VROOM** (pyvroom): one vehicle per working day on a multi-day timeline (day ``i``
  runs from ``86400 * i + 08:00`` to ``86400 * i + 16:30``, from the rep's start point
  to home, with the lunch break). Each due visit is a job whose time windows are the
  opening hours on every allowed day of its window (the same window our calendar
  respects: the due week for weekly-pattern visits, due date +- 1 working day for
  dated ones), so VROOM picks day and order freely, without a weekday cadence.

Travel is recomputed from the same matrix for both (every leg incl. the way home).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.domain import DEFAULT_TIERS, BreakRule, Horizon, TierTable, Workday  # noqa: E402
from planner.files import write_text  # noqa: E402
from planner.matrix import TravelMatrix, home_id, start_id  # noqa: E402
from planner.schedule import DueVisit, due_visits, rep_window, rep_work_dates  # noqa: E402
from planner.schedule.synthetic import haversine_travel, synthetic_territory  # noqa: E402

HORIZON = Horizon(dt.date(2026, 1, 5), 4)
#: every tier flexible: the problem VROOM solves (each visit free in its window)
FLEXIBLE_TIERS = TierTable(
    {n: dataclasses.replace(DEFAULT_TIERS[n], cadence="flexible") for n in DEFAULT_TIERS.names()}
)
WORKDAY = Workday(8 * 3600, 16 * 3600 + 1800, BreakRule(11 * 3600 + 1800, 13 * 3600 + 1800, 1800))


def vroom_plan(
    customers: pd.DataFrame,
    rep: dict,
    due: list[DueVisit],
    matrix: TravelMatrix,
    horizon: Horizon,
    workday: Workday,
    exploration_level: int = 5,
    threads: int = 1,
) -> dict:
    """Solve the horizon with VROOM; returns travel, assigned visits, runtime and cadence.

    Returns
    -------
    dict
        ``travel_s`` (all routes, incl. the way home), ``assigned``, ``unassigned``,
        ``runtime_s``, ``same_weekday_pct`` (share of customers with several visits whose
        visits all fall on one weekday), ``days`` (customer_id -> dates).
    """
    import vroom

    rid = str(rep["rep_id"])
    ws, we = rep_window(rep, workday)
    dates = rep_work_dates(rep, horizon)
    s_idx, e_idx = matrix.index(start_id(rid)), matrix.index(home_id(rid))
    cust = customers.set_index("customer_id")
    inp = vroom.Input()
    inp.set_durations_matrix("car", np.asarray(matrix.travel_s, dtype=np.uint32))
    for k, d in enumerate(dates):
        off = 86400 * (d - horizon.start).days
        breaks = []
        if workday.lunch:
            lb = workday.lunch
            breaks = [
                vroom.Break(
                    k + 1,
                    [vroom.TimeWindow(off + lb.earliest_s, off + lb.latest_s - lb.duration_s)],
                    service=lb.duration_s,
                )
            ]
        inp.add_vehicle(
            vroom.Vehicle(
                k + 1,
                start=s_idx,
                end=e_idx,
                time_window=vroom.TimeWindow(off + ws, off + we),
                breaks=breaks,
            )
        )
    jobs = {}
    for j, v in enumerate(due):
        c = cust.loc[v.customer_id]
        svc = int(c["service_s"])
        tws = []
        for d in dates:
            if not v.earliest <= d <= v.latest:
                continue
            off = 86400 * (d - horizon.start).days
            for a, b in c["hours"][d.weekday()]:
                lo, hi = max(a, ws), min(b, we) - svc
                if lo <= hi:
                    tws.append(vroom.TimeWindow(off + lo, off + hi))
        if not tws:
            continue
        jobs[j + 1] = v
        inp.add_job(
            vroom.Job(
                j + 1, location=matrix.index(v.customer_id), default_service=svc, time_windows=tws
            )
        )
    t0 = time.perf_counter()
    sol = inp.solve(exploration_level=exploration_level, nb_threads=threads)
    runtime = time.perf_counter() - t0
    routes = sol.routes
    travel = 0
    days: dict[str, list[dt.date]] = {}
    orders: dict[str, list[str]] = {}
    for vid, grp in routes.groupby("vehicle_id"):
        steps = grp[grp["type"].isin(["start", "job", "end"])].reset_index(drop=True)
        if (steps["type"] == "job").sum() == 0:
            continue
        locs = steps["location_index"].to_numpy()
        travel += int(sum(matrix.travel_s[locs[i], locs[i + 1]] for i in range(len(locs) - 1)))
        for jid in steps.loc[steps["type"] == "job", "id"]:
            v = jobs[int(jid)]
            days.setdefault(v.customer_id, []).append(dates[int(vid) - 1])
            orders.setdefault(dates[int(vid) - 1].isoformat(), []).append(v.customer_id)
    assigned = sum(len(x) for x in days.values())
    return {
        "travel_s": travel,
        "assigned": assigned,
        "unassigned": len(due) - assigned,
        "runtime_s": runtime,
        "same_weekday_pct": same_weekday_pct(days),
        "days": days,
        "est_travel_s": tsp_estimate(days, matrix, rid),
        "days_used": len({d for ds in days.values() for d in ds}),
        "orders": orders,
    }


def tsp_estimate(days: dict[str, list[dt.date]], matrix: TravelMatrix, rep_id: str) -> int:
    """Our calendar's travel yardstick (no time windows) for given day sets."""
    from planner.schedule.tours import build_tour, tour_cost

    T = matrix.travel_s.astype(np.int64).tolist()
    by_day: dict[dt.date, list[int]] = {}
    for cid, ds in days.items():
        for d in ds:
            by_day.setdefault(d, []).append(matrix.index(cid))
    s, e = matrix.index(start_id(rep_id)), matrix.index(home_id(rep_id))
    return sum(tour_cost(T, build_tour(T, s, e, sorted(nodes))) for nodes in by_day.values())


def same_weekday_pct(days: dict[str, list[dt.date]]) -> float:
    """Share (%) of customers with several visits whose visits all fall on one weekday."""
    multi = [ds for ds in days.values() if len(ds) > 1]
    if not multi:
        return 100.0
    return round(100.0 * sum(len({d.weekday() for d in ds}) == 1 for ds in multi) / len(multi), 1)


def our_plan(
    customers: pd.DataFrame, rep: dict, matrix: TravelMatrix, seed: int, tiers: TierTable
) -> dict:
    """:func:`planner.territory_plan.plan_territory` with default parameters."""
    from planner.routing import RoutingParams
    from planner.territory_plan import TerritoryProblem, plan_territory

    appts = pd.DataFrame(columns=["customer_id", "date", "start_s", "source_row"])
    prob = TerritoryProblem(
        "T1",
        rep,
        customers,
        appts,
        matrix,
        HORIZON,
        WORKDAY,
        tiers,
        RoutingParams(seed=seed),
        max_shift_days=1,
        seed=seed,
    )
    t0 = time.perf_counter()
    plan = plan_territory(prob)
    runtime = time.perf_counter() - t0
    days: dict[str, list[dt.date]] = {}
    for cid, d in zip(plan.visits["customer_id"], plan.visits["date"], strict=True):
        days.setdefault(cid, []).append(d)
    return {
        "travel_s": int(plan.routes["travel_s"].sum()),
        "assigned": len(plan.visits),
        "unassigned": len(plan.unscheduled),
        "runtime_s": runtime,
        "same_weekday_pct": same_weekday_pct(days),
        "stats": plan.stats,
        "reasons": list(plan.unscheduled["reason"]),
        "days_used": len(plan.routes),
    }


VROOM_KEYS = ("vroom_travel_min", "vroom_coverage_pct", "vroom_s", "vroom_est_min", "vroom_days")


def vroom_rows(log: Path | None) -> dict[tuple[int, int], dict]:
    """VROOM figures of an earlier run (its printed rows), keyed by (seed, history %).

    VROOM's problem depends only on the territory and the due visits' windows, so a run
    of our side alone may reuse them when the windows did not change."""
    import ast

    out = {}
    if log is None:
        return out
    for line in log.read_text().splitlines():
        if line.startswith("{'seed'"):
            r = ast.literal_eval(line)
            out[(r["seed"], r["history_pct"])] = {k: r[k] for k in VROOM_KEYS}
    return out


def instance(seed: int, history: float) -> tuple:
    """``(customers count, customers, rep, matrix, flexible due visits)`` of one seed."""
    n = 120 + (seed * 17) % 31
    customers, rep = synthetic_territory(
        n, seed=seed, tier_shares=(0.1, 0.3, 0.6), horizon=HORIZON, last_visit_share=history
    )
    matrix = haversine_travel(customers, rep)
    due = due_visits(
        customers,
        HORIZON,
        FLEXIBLE_TIERS,
        seed,
        work_dates=rep_work_dates(rep, HORIZON),
        max_shift_days=1,
    )
    return n, customers, rep, matrix, due


def vroom_only(seeds: list[int], exploration_level: int, history: float, dump: Path | None) -> None:
    """VROOM's side alone: prints rows that ``--vroom-from`` reads; with ``dump``, writes
    VROOM's routes (date -> customer ids in order) to ``dump/vroom_s{seed}_h{pct}.json``."""
    import json

    for seed in seeds:
        n, customers, rep, matrix, due = instance(seed, history)
        peer = vroom_plan(customers, rep, due, matrix, HORIZON, WORKDAY, exploration_level)
        row = {
            "seed": seed,
            "history_pct": round(100 * history),
            "customers": n,
            "due_visits": len(due),
            "vroom_travel_min": round(peer["travel_s"] / 60),
            "vroom_coverage_pct": round(100 * peer["assigned"] / len(due), 1),
            "vroom_s": round(peer["runtime_s"], 1),
            "vroom_est_min": round(peer["est_travel_s"] / 60),
            "vroom_days": peer["days_used"],
        }
        print(row, flush=True)
        if dump is not None:
            dump.mkdir(parents=True, exist_ok=True)
            out = dump / f"vroom_s{seed}_h{round(100 * history)}.json"
            out.write_text(
                json.dumps({**row, "travel_s": peer["travel_s"], "orders": peer["orders"]})
            )


def run(
    seeds: list[int], exploration_level: int, history: float, reuse: dict | None = None
) -> pd.DataFrame:
    """Per seed: ours with flexible cadence, ours with the default cadences, and VROOM
    on the flexible problem (the same due visits and windows as ours flexible)."""
    rows = []
    reuse = reuse or {}
    for seed in seeds:
        n, customers, rep, matrix, due = instance(seed, history)
        flex = our_plan(customers, rep, matrix, seed, FLEXIBLE_TIERS)
        default = our_plan(customers, rep, matrix, seed, DEFAULT_TIERS)
        old = reuse.get((seed, round(100 * history)))
        if old is None:
            peer = vroom_plan(customers, rep, due, matrix, HORIZON, WORKDAY, exploration_level)
        else:
            peer = {
                "travel_s": old["vroom_travel_min"] * 60,
                "assigned": round(old["vroom_coverage_pct"] * len(due) / 100),
                "runtime_s": old["vroom_s"],
                "est_travel_s": old["vroom_est_min"] * 60,
                "days_used": old["vroom_days"],
            }
        row = {
            "seed": seed,
            "history_pct": round(100 * history),
            "customers": n,
            "due_visits": len(due),
            "flex_travel_min": round(flex["travel_s"] / 60),
            "default_travel_min": round(default["travel_s"] / 60),
            "vroom_travel_min": round(peer["travel_s"] / 60),
            "flex_ratio": round(flex["travel_s"] / peer["travel_s"], 3),
            "default_ratio": round(default["travel_s"] / peer["travel_s"], 3),
            "flex_coverage_pct": round(100 * flex["assigned"] / len(due), 1),
            "default_coverage_pct": round(
                100 * default["assigned"] / max(1, default["assigned"] + default["unassigned"]), 1
            ),
            "vroom_coverage_pct": round(100 * peer["assigned"] / len(due), 1),
            "flex_s": round(flex["runtime_s"], 1),
            "default_s": round(default["runtime_s"], 1),
            "vroom_s": round(peer["runtime_s"], 1),
            "flex_est_min": round(flex["stats"]["est_travel_s"] / 60),
            "vroom_est_min": round(peer["est_travel_s"] / 60),
            "flex_days": flex["days_used"],
            "vroom_days": peer["days_used"],
        }
        rows.append(row)
        print(row, flush=True)
        for r in flex["reasons"][:3]:
            print("   unscheduled:", r, flush=True)
    return pd.DataFrame(rows)


NOTES = """### Reading

See docs/benchmarks/calendar.md (the notes below the tables are written by hand after
each run: what was tried, and where the remaining difference comes from).
"""

COLS = [
    ("seed", "seed"),
    ("history_pct", "history %"),
    ("customers", "customers"),
    ("due_visits", "due visits"),
    ("flex_travel_min", "ours flexible min"),
    ("default_travel_min", "ours default cadence min"),
    ("vroom_travel_min", "VROOM min"),
    ("flex_ratio", "flexible / VROOM"),
    ("default_ratio", "default / VROOM"),
    ("flex_coverage_pct", "ours flexible coverage %"),
    ("default_coverage_pct", "ours default coverage %"),
    ("vroom_coverage_pct", "VROOM coverage %"),
    ("flex_days", "ours days used"),
    ("vroom_days", "VROOM days used"),
    ("flex_s", "ours flexible s"),
    ("default_s", "ours default s"),
    ("vroom_s", "VROOM s"),
]


def to_markdown(df: pd.DataFrame, exploration_level: int, command: str) -> str:
    head = [h for _, h in COLS]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in df[[c for c, _ in COLS]].itertuples(index=False):
        lines.append(
            "| " + " | ".join(f"{x:,}" if isinstance(x, int) else str(x) for x in r) + " |"
        )
    out = [
        "## Visit calendar: our 4-week plan vs VROOM on the same problem",
        "",
        f"Command: `{command}` ({platform.machine()}, 2 shared cores, "
        f"{dt.date.today().isoformat()}; one run).",
        "",
        "Generated territories (`planner.schedule.synthetic`): 1 rep, 120-150 customers in "
        "clusters, tiers A/B/C = 10/30/60 % (every 1/2/4 weeks, 45/30/20 min), varied opening "
        "hours; 4 weeks Mo-Fr, workday 08:00-16:30 with 30 min lunch in 11:30-13:30, "
        "haversine x 1.3 at 35 km/h. *History* = share of customers with a last visit. "
        "**Ours flexible** = `plan_territory` with `cadence: flexible` on every tier; "
        "**ours default** = the default cadences (weekly and two-weekly on one weekday, "
        "four-weekly flexible); **VROOM** (pyvroom, exploration level "
        f"{exploration_level}, 1 thread) = the flexible problem as one VRPTW: one vehicle "
        "per working day on a multi-day timeline, each due visit a job with one time window "
        "per allowed day of its window (the same due visits and windows as ours flexible), "
        "opening hours, lunch, same matrix. Travel is summed from the same matrix, every "
        "leg incl. the way home.",
        "",
        *lines,
        "",
    ]
    for hist, g in df.groupby("history_pct"):
        f, d, v = (
            g["flex_travel_min"].sum(),
            g["default_travel_min"].sum(),
            g["vroom_travel_min"].sum(),
        )
        out.append(
            f"- history {hist} %: total travel ours flexible {f:,} min, ours default {d:,} min, "
            f"VROOM {v:,} min; flexible / VROOM **{f / v:.3f}**, default / VROOM **{d / v:.3f}**, "
            f"price of the cadence (default / flexible) {d / f:.3f}"
        )
    return "\n".join([*out, "", NOTES])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--history", type=float, nargs="+", default=[0.0, 0.7])
    ap.add_argument("--exploration", type=int, default=5)
    ap.add_argument("--write", type=Path, default=None, help="markdown file to write")
    ap.add_argument(
        "--vroom-from", type=Path, default=None, help="reuse VROOM rows printed by an earlier run"
    )
    ap.add_argument("--vroom-only", action="store_true", help="run VROOM's side alone")
    ap.add_argument("--dump", type=Path, default=None, help="with --vroom-only: routes to JSON")
    args = ap.parse_args()
    if args.vroom_only:
        for h in args.history:
            vroom_only(args.seeds, args.exploration, h, args.dump)
        return
    reuse = vroom_rows(args.vroom_from)
    df = pd.concat(
        [run(args.seeds, args.exploration, h, reuse) for h in args.history], ignore_index=True
    )
    print(df.to_string(index=False))
    if args.write:
        cmd = (
            "flock /tmp/bench.lock nice -n 10 timeout 3000 .venv/bin/python "
            f"benchmarks/calendar_vroom.py --seeds {' '.join(map(str, args.seeds))} "
            f"--history {' '.join(map(str, args.history))} "
            f"--exploration {args.exploration} --write {args.write}"
            + (f" --vroom-from {args.vroom_from}" if args.vroom_from else "")
        )
        write_text(args.write, to_markdown(df, args.exploration, cmd) + "\n")


if __name__ == "__main__":
    main()
