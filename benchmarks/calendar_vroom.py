"""Our 4-week territory plan against VROOM solving the same horizon as one VRPTW.

Run (one heavy job at a time on the shared machine)::

    flock /tmp/bench.lock nice -n 10 timeout 1500 \\
        .venv/bin/python benchmarks/calendar_vroom.py --seeds 0 1 2 3 4 \\
        --write docs/benchmarks/calendar.md

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

from planner.domain import DEFAULT_TIERS, BreakRule, Horizon, Workday  # noqa: E402
from planner.files import write_text  # noqa: E402
from planner.matrix import TravelMatrix, home_id, start_id  # noqa: E402
from planner.schedule import DueVisit, due_visits, rep_window, rep_work_dates  # noqa: E402
from planner.schedule.synthetic import haversine_travel, synthetic_territory  # noqa: E402

HORIZON = Horizon(dt.date(2026, 1, 5), 4)
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
    for vid, grp in routes.groupby("vehicle_id"):
        steps = grp[grp["type"].isin(["start", "job", "end"])].reset_index(drop=True)
        if (steps["type"] == "job").sum() == 0:
            continue
        locs = steps["location_index"].to_numpy()
        travel += int(sum(matrix.travel_s[locs[i], locs[i + 1]] for i in range(len(locs) - 1)))
        for jid in steps.loc[steps["type"] == "job", "id"]:
            v = jobs[int(jid)]
            days.setdefault(v.customer_id, []).append(dates[int(vid) - 1])
    assigned = sum(len(x) for x in days.values())
    return {
        "travel_s": travel,
        "assigned": assigned,
        "unassigned": len(due) - assigned,
        "runtime_s": runtime,
        "same_weekday_pct": same_weekday_pct(days),
        "days": days,
        "est_travel_s": tsp_estimate(days, matrix, rid),
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


def free_calendar_estimate(
    customers: pd.DataFrame, rep: dict, due: list[DueVisit], matrix: TravelMatrix, seed: int
) -> int:
    """Diagnostic: our calendar's estimated travel when it may ignore the weekday cadence
    (every visit free within its window, as VROOM is)."""
    from planner.schedule import CalendarParams, assign_days

    free = [dataclasses.replace(v, weekly_pattern=False) for v in due]
    cal = assign_days(
        customers,
        rep,
        free,
        matrix,
        None,
        CalendarParams(HORIZON, DEFAULT_TIERS, WORKDAY, seed=seed),
    )
    return int(sum(cal.est_travel_s.values()))


def same_weekday_pct(days: dict[str, list[dt.date]]) -> float:
    """Share (%) of customers with several visits whose visits all fall on one weekday."""
    multi = [ds for ds in days.values() if len(ds) > 1]
    if not multi:
        return 100.0
    return round(100.0 * sum(len({d.weekday() for d in ds}) == 1 for ds in multi) / len(multi), 1)


def our_plan(customers: pd.DataFrame, rep: dict, matrix: TravelMatrix, seed: int) -> dict:
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
        DEFAULT_TIERS,
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
    }


def run(seeds: list[int], exploration_level: int) -> pd.DataFrame:
    rows = []
    for seed in seeds:
        n = 120 + (seed * 17) % 31
        customers, rep = synthetic_territory(
            n, seed=seed, tier_shares=(0.1, 0.3, 0.6), horizon=HORIZON
        )
        matrix = haversine_travel(customers, rep)
        due = due_visits(
            customers,
            HORIZON,
            DEFAULT_TIERS,
            seed,
            work_dates=rep_work_dates(rep, HORIZON),
            max_shift_days=1,
        )
        ours = our_plan(customers, rep, matrix, seed)
        peer = vroom_plan(customers, rep, due, matrix, HORIZON, WORKDAY, exploration_level)
        free_est = free_calendar_estimate(customers, rep, due, matrix, seed)
        row = {
            "seed": seed,
            "customers": n,
            "due_visits": len(due),
            "ours_travel_min": round(ours["travel_s"] / 60),
            "vroom_travel_min": round(peer["travel_s"] / 60),
            "ratio": round(ours["travel_s"] / peer["travel_s"], 3),
            "ours_coverage_pct": round(100 * ours["assigned"] / len(due), 1),
            "vroom_coverage_pct": round(100 * peer["assigned"] / len(due), 1),
            "ours_same_weekday_pct": ours["same_weekday_pct"],
            "vroom_same_weekday_pct": peer["same_weekday_pct"],
            "ours_s": round(ours["runtime_s"], 1),
            "ours_calendar_s": ours["stats"]["calendar_s"],
            "vroom_s": round(peer["runtime_s"], 1),
            "ours_est_min": round(ours["stats"]["est_travel_s"] / 60),
            "ours_free_est_min": round(free_est / 60),
            "vroom_est_min": round(peer["est_travel_s"] / 60),
            "ours_moved": ours["stats"]["moved_visits"],
        }
        rows.append(row)
        print(row, flush=True)
        for r in ours["reasons"][:3]:
            print("   unscheduled:", r, flush=True)
    return pd.DataFrame(rows)


NOTES = """### Reading (from development runs on the same generator, 2026-11)

- Both plans visit every due visit. Ours keeps every weekly and two-weekly customer on
  one weekday; VROOM keeps 9-27 % of them (it is not asked to).
- **The target (ours / VROOM <= 1.00) is not met.** The largest part is the day choice
  itself, with or without cadence: VROOM (exploration 5, 7-12 s) packs days to the full
  8 working hours with exact time windows (its fullest days reach 479 of 480 min) and
  leaves a day empty when that saves a trip; our calendar plans days to 97 % of the
  workday with travel estimated without opening hours, in about 1 s. Planning to 100 %
  lowered estimated travel by ~2 % but left 1-2 visits per territory unscheduled after
  routing (days that looked full enough fitted no waiting), so 97 % stays.
- The cadence itself costs ~3 %; opening hours and lunch add ~2 % to our routes over
  the calendar's estimate (~1 % for VROOM, which optimises with them).
- VROOM exploration 1 (about 1 s) drives ~5 % more than exploration 5; against it our
  ratio was 1.08 over 6 seeds.
- Tried, with effect on the calendar's estimated travel (3 territories x 3 seeds):
  planning to 97 % instead of 90 % of the day and a lighter balance term, -2.4 %
  (ratio vs VROOM exploration 1 from 1.100 to 1.084, coverage kept); swapping whole
  weekday zones, -1.2 %; exchanging two customers' days, -0.3 %; worst-visit and
  same-day ruin operators, SA temperature x3 or /3, 4000 instead of ~300 LNS
  iterations: within +-0.5 % (the search is on a plateau, not short of iterations).
  Without any day capacity, travel would drop ~14 %: full days are what the
  calendar fights with.
- Next steps that should pay: an opening-hours-aware day estimate (a morning-only shop
  and a 10:00 opener on the same day cost a detour the estimate does not see), and
  letting the calendar choose the week of customers without a last visit instead of
  fixing it in advance (more freedom for both plans).
"""


def to_markdown(df: pd.DataFrame, exploration_level: int, command: str) -> str:
    cols = [
        "seed",
        "customers",
        "due_visits",
        "ours_travel_min",
        "vroom_travel_min",
        "ratio",
        "ours_coverage_pct",
        "vroom_coverage_pct",
        "ours_same_weekday_pct",
        "vroom_same_weekday_pct",
        "ours_s",
        "ours_calendar_s",
        "vroom_s",
    ]
    head = [
        "seed",
        "customers",
        "due visits",
        "ours travel min",
        "VROOM travel min",
        "ours / VROOM",
        "ours coverage %",
        "VROOM coverage %",
        "ours same weekday %",
        "VROOM same weekday %",
        "ours s",
        "of which calendar s",
        "VROOM s",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in df[cols].itertuples(index=False):
        lines.append(
            "| " + " | ".join(f"{x:,}" if isinstance(x, int) else str(x) for x in r) + " |"
        )
    tot_ours, tot_vroom = df["ours_travel_min"].sum(), df["vroom_travel_min"].sum()
    diag_cols = [
        "seed",
        "ours_travel_min",
        "ours_est_min",
        "ours_free_est_min",
        "vroom_est_min",
        "vroom_travel_min",
    ]
    diag = [
        "| seed | ours routed | ours calendar estimate | ours estimate, cadence off | "
        "VROOM's days, same estimate | VROOM routed |",
        "|" + " --- |" * 6,
    ]
    for r in df[diag_cols].itertuples(index=False):
        diag.append("| " + " | ".join(f"{x:,}" for x in r) + " |")
    s = df[diag_cols[1:]].sum()
    cadence = s["ours_est_min"] / s["ours_free_est_min"]
    search = s["ours_free_est_min"] / s["vroom_est_min"]
    tw_ours = s["ours_travel_min"] / s["ours_est_min"]
    tw_vroom = s["vroom_travel_min"] / s["vroom_est_min"]
    return "\n".join(
        [
            "## Visit calendar: our 4-week plan vs VROOM on the same horizon",
            "",
            f"Command: `{command}` ({platform.machine()}, 2 shared cores, "
            f"{dt.date.today().isoformat()}; one run).",
            "",
            "Generated territories (`planner.schedule.synthetic`): 1 rep, 120-150 customers in "
            "clusters, tiers A/B/C = 10/30/60 % (weekly 45 min, two-weekly 30 min, four-weekly "
            "20 min), 70 % with a last visit, varied opening hours; 4 weeks Mo-Fr, workday "
            "08:00-16:30 with 30 min lunch in 11:30-13:30, haversine x 1.3 at 35 km/h. "
            "**Ours** = `plan_territory` (calendar keeping the cadence, then OR-Tools per day, "
            "then repairs). **VROOM** (pyvroom, exploration level "
            f"{exploration_level}, 1 thread) = the whole horizon as one VRPTW, one vehicle per "
            "working day, each due visit a job with time windows on every allowed day of its "
            "window (due week for weekly-pattern visits, due date +- 1 working day otherwise); "
            "VROOM keeps no weekday cadence. Travel is summed from the same matrix, every leg "
            "incl. the way home. *Same weekday* = share of customers with several visits whose "
            "visits all fall on one weekday.",
            "",
            *lines,
            "",
            f"Total travel over all seeds: ours {tot_ours:,} min, VROOM {tot_vroom:,} min, "
            f"ratio **{tot_ours / tot_vroom:.3f}** (mean of per-seed ratios "
            f"{df['ratio'].mean():.3f}).",
            "",
            "### Where the difference comes from (travel minutes)",
            "",
            "The *estimate* is the calendar's yardstick: a round trip per day through the day's "
            "visits without opening hours or lunch. *Cadence off* reruns our calendar with "
            "every visit free inside its window (what VROOM is allowed); *VROOM's days, same "
            "estimate* applies our estimate to VROOM's choice of visits per day.",
            "",
            *diag,
            "",
            f"- price of the cadence (ours estimate / ours with cadence off): {cadence:.3f}",
            f"- day choice without cadence (ours, cadence off / VROOM's days): {search:.3f}",
            f"- opening hours and lunch (routed / estimate): ours {tw_ours:.3f}, VROOM "
            f"{tw_vroom:.3f}",
            "",
            NOTES,
        ]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--exploration", type=int, default=5)
    ap.add_argument("--write", type=Path, default=None, help="markdown file to write")
    args = ap.parse_args()
    df = run(args.seeds, args.exploration)
    print(df.to_string(index=False))
    if args.write:
        cmd = (
            "flock /tmp/bench.lock nice -n 10 timeout 1500 .venv/bin/python "
            f"benchmarks/calendar_vroom.py --seeds {' '.join(map(str, args.seeds))} "
            f"--exploration {args.exploration} --write {args.write}"
        )
        write_text(args.write, to_markdown(df, args.exploration, cmd) + "\n")


if __name__ == "__main__":
    main()
