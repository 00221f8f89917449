"""Per-territory planning: the calendar, then OR-Tools for each day, then repairs.

:func:`plan_territory` is a pure function of one picklable :class:`TerritoryProblem`
(the territory's customers, its rep, its own travel matrix and the scenario's rules), so
territories are planned in parallel processes (:func:`planner.pipeline.solve_territories`)
and later on a distributed engine.

Steps
-----
1. :func:`planner.schedule.due_visits` lists every visit due in the horizon (tier
   interval and last visit); appointments fix some of them
   (:func:`planner.schedule.match_appointments`).
2. :func:`planner.schedule.assign_days` gives each due visit a working day (cadence,
   opening days, travel estimate, balanced load) or a reason why none exists.
3. :func:`planner.routing.solve_day` orders each day's visits inside the workday with
   OR-Tools (opening hours, lunch, appointments, ``max_visits_per_day``, tier-weighted
   drop penalties: an A visit is never dropped to keep a C).
4. A visit a day could not hold is tried on the other days its window allows (the same
   week for weekly-pattern customers, due date +- ``max_shift_days`` working days for the
   others), cheapest insertion first: it is inserted into the day's route where it adds
   the least travel and the exact timeline still holds (every visit the day had is
   kept). Days that received visits are re-optimised by OR-Tools at the end (kept only
   when no worse). What still does not fit goes to ``unscheduled`` with the day's reason
   and the days that were tried.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import pandas as pd

from planner.domain import Horizon, TierTable, Workday
from planner.matrix import TravelMatrix, home_id, start_id
from planner.plan import ROUTE_COLUMNS, UNSCHEDULED_COLUMNS, VISIT_COLUMNS, empty_frame
from planner.routing import DayProblem, DayResult, RoutingParams, Stop, schedule_route, solve_day
from planner.schedule import (
    CalendarParams,
    CalendarResult,
    DueVisit,
    assign_days,
    due_visits,
    rep_window,
    rep_work_dates,
)

#: Drop penalty base: a visit of tier rank r costs PENALTY_BASE ** r to drop, so one visit
#: of a higher tier outweighs up to PENALTY_BASE - 1 visits of the tier below it.
PENALTY_BASE = 100

#: How many other days a dropped visit is tried on (nearest / cheapest first).
MAX_RETRY_DAYS = 6


@dataclass(frozen=True)
class TerritoryProblem:
    """Everything needed to plan one territory (picklable; no open files, no solver).

    Parameters
    ----------
    territory_id : str
        The territory.
    rep : dict
        One row of the validated rep table (:data:`planner.domain.REP_COLUMNS`).
    customers : pandas.DataFrame
        The territory's active customers (:data:`planner.domain.CUSTOMER_COLUMNS`).
    appointments : pandas.DataFrame
        ``customer_id, date, start_s`` of this territory's customers.
    matrix : TravelMatrix
        Holds ``start_id(rep_id)``, ``home_id(rep_id)`` and every customer id.
    horizon, workday, tiers
        The scenario's rules.
    routing : RoutingParams
        Search knobs of :func:`planner.routing.solve_day`.
    max_shift_days : int
        Working days a 3-weekly or rarer visit may move from its due date.
    seed : int
        Same problem and seed give the same plan.
    """

    territory_id: str
    rep: dict
    customers: pd.DataFrame
    appointments: pd.DataFrame
    matrix: TravelMatrix
    horizon: Horizon
    workday: Workday
    tiers: TierTable
    routing: RoutingParams = field(default_factory=RoutingParams)
    max_shift_days: int = 1
    seed: int = 0


@dataclass
class TerritoryPlan:
    """The plan of one territory (internal units, columns as in :mod:`planner.plan`).

    ``routes`` has one row per rep-day with at least one visit. ``stats`` holds
    ``territory_id, rep_id, customers, required_visits, scheduled_visits,
    unscheduled_visits, moved_visits`` (visits placed on another day than the calendar's
    after their day dropped them), ``work_days``, ``calendar_s``, ``routing_s``,
    ``runtime_s``, ``est_travel_s`` (calendar estimate) and ``travel_s`` (routed).
    """

    visits: pd.DataFrame
    routes: pd.DataFrame
    unscheduled: pd.DataFrame
    stats: dict


def _is_blank(x) -> bool:
    return x is None or (isinstance(x, float) and pd.isna(x))


def stop_penalty(rank: int) -> int:
    """Drop penalty of a visit of tier rank ``rank`` (1 = lowest tier)."""
    return PENALTY_BASE ** max(1, int(rank))


def customers_by_id(customers: pd.DataFrame) -> dict[str, dict]:
    """Customer rows as dicts keyed by ``customer_id``."""
    return {str(r["customer_id"]): r for r in customers.to_dict("records")}


def day_problem(
    problem: TerritoryProblem, day: dt.date, rows: list[dict], cust: dict[str, dict] | None = None
) -> DayProblem:
    """The routing problem of one rep-day for calendar rows (``customer_id``,
    ``priority``, ``fixed_start_s``); ``cust`` = :func:`customers_by_id` (computed when
    not given)."""
    rep = problem.rep
    rep_id = str(rep["rep_id"])
    ws, we = rep_window(rep, problem.workday)
    if cust is None:
        cust = customers_by_id(problem.customers)
    stops = []
    for r in sorted(rows, key=lambda r: r["customer_id"]):
        c = cust[r["customer_id"]]
        fixed = r.get("fixed_start_s")
        stops.append(
            Stop(
                customer_id=r["customer_id"],
                service_s=int(c["service_s"]),
                windows=tuple(c["hours"][day.weekday()]),
                penalty=stop_penalty(r["priority"]),
                fixed_start_s=None if _is_blank(fixed) else int(fixed),
            )
        )
    max_visits = rep.get("max_visits_per_day")
    return DayProblem(
        rep_id=rep_id,
        date=day,
        start_id=start_id(rep_id),
        end_id=home_id(rep_id),
        stops=tuple(stops),
        matrix=problem.matrix,
        work_start_s=ws,
        work_end_s=we,
        lunch=problem.workday.lunch,
        max_visits=0 if _is_blank(max_visits) else int(max_visits),
    )


def _insertion_s(matrix: TravelMatrix, result: DayResult, start: str, end: str, cid: str) -> int:
    """Cheapest extra travel to insert ``cid`` into a day's route (a ranking heuristic)."""
    seq = [start, *(s.customer_id for s in result.stops), end]
    return min(
        matrix.time_s(a, cid) + matrix.time_s(cid, b) - matrix.time_s(a, b)
        for a, b in zip(seq, seq[1:])
    )


def _insert(dp: DayProblem, current: DayResult | None, cid: str) -> DayResult | None:
    """The day's route with ``cid`` inserted where it adds least travel and still fits.

    Keeps the order of the visits the day already has (exact timing by
    :func:`planner.routing.schedule_route`); ``None`` when no position works.
    """
    order = [] if current is None else [s.customer_id for s in current.stops]
    m = dp.matrix
    seq = [dp.start_id, *order, dp.end_id]
    positions = sorted(
        range(len(order) + 1),
        key=lambda k: (
            m.time_s(seq[k], cid) + m.time_s(cid, seq[k + 1]) - m.time_s(seq[k], seq[k + 1]),
            k,
        ),
    )
    for k in positions:
        res = schedule_route(dp, [*order[:k], cid, *order[k:]])
        if res is not None and (not dp.max_visits or len(res.stops) <= dp.max_visits):
            return res
    return None


def allowed_days(cal: CalendarResult, cid: str, due_date: dt.date) -> list[dt.date]:
    """Working dates the calendar allows for one due visit (sorted): the dated visit's
    window, or, for a weekly-pattern customer, that visit's date on each weekday the
    customer may take."""
    opts = cal.flexible_options.get((cid, due_date))
    if opts is not None:
        return sorted(opts)
    dues = cal.pattern_due.get(cid, ())
    if due_date not in dues:
        return []
    k = dues.index(due_date)
    return sorted({ds[k] for ds in cal.pattern_options[cid].values() if ds[k] is not None})


def _fmt_days(days: list[dt.date]) -> str:
    shown = ", ".join(d.strftime("%a %d %b") for d in days[:4])
    return shown + (f" and {len(days) - 4} more" if len(days) > 4 else "")


def plan_territory(problem: TerritoryProblem) -> TerritoryPlan:
    """Plan one territory over the horizon: calendar, daily routes, repairs.

    Parameters
    ----------
    problem : TerritoryProblem
        The territory, its rep, its travel matrix and the scenario's rules.

    Returns
    -------
    TerritoryPlan
        Every due visit is in ``visits`` (with exact times) or in ``unscheduled`` (with
        a reason a planner understands). Deterministic for a given problem.
    """
    t0 = time.perf_counter()
    rep = problem.rep
    rep_id = str(rep["rep_id"])
    tid = problem.territory_id
    customers = problem.customers.sort_values("customer_id", kind="stable").reset_index(drop=True)
    work_dates = rep_work_dates(rep, problem.horizon)
    due = due_visits(
        customers,
        problem.horizon,
        problem.tiers,
        problem.seed,
        work_dates=work_dates,
        max_shift_days=problem.max_shift_days,
    )
    params = CalendarParams(
        horizon=problem.horizon,
        tiers=problem.tiers,
        workday=problem.workday,
        max_shift_days=problem.max_shift_days,
        seed=problem.seed,
    )
    cal = assign_days(customers, rep, due, problem.matrix, problem.appointments, params)
    t_cal = time.perf_counter()

    cust = customers_by_id(customers)
    due_by_key: dict[tuple[str, dt.date], DueVisit] = {(v.customer_id, v.due_date): v for v in due}
    # calendar rows per day
    by_day: dict[dt.date, list[dict]] = {}
    for r in cal.visits.to_dict("records"):
        by_day.setdefault(r["date"], []).append(r)
    results: dict[dt.date, DayResult] = {}
    for day in sorted(by_day):
        results[day] = solve_day(day_problem(problem, day, by_day[day], cust), problem.routing)

    unscheduled: list[dict] = [
        {
            "customer_id": r["customer_id"],
            "due_date": r["due_date"],
            "tier": r["tier"],
            "reason": r["reason"],
        }
        for r in cal.unplaced.to_dict("records")
    ]

    # visits each day dropped, highest tier first
    dropped: list[tuple[dict, str, dt.date]] = []
    for day in sorted(results):
        reasons = dict(results[day].dropped)
        for r in by_day[day]:
            if r["customer_id"] in reasons:
                dropped.append((r, reasons[r["customer_id"]], day))
    dropped.sort(key=lambda x: (-int(x[0]["priority"]), x[0]["due_date"], x[0]["customer_id"]))
    for day in results:  # from here on, by_day holds exactly the visits each route keeps
        kept_ids = {s.customer_id for s in results[day].stops}
        by_day[day] = [r for r in by_day[day] if r["customer_id"] in kept_ids]

    s_id, e_id = start_id(rep_id), home_id(rep_id)
    visit_days: dict[str, set[dt.date]] = {}
    for day, rows in by_day.items():
        for r in rows:
            visit_days.setdefault(r["customer_id"], set()).add(day)
    moved = 0
    dirty: set[dt.date] = set()
    for row, reason, day in dropped:
        cid = row["customer_id"]
        if not _is_blank(row.get("fixed_start_s")):
            unscheduled.append(
                {
                    "customer_id": cid,
                    "due_date": row["due_date"],
                    "tier": row["tier"],
                    "reason": f"appointment on {day.isoformat()}: {reason}",
                }
            )
            continue
        v = due_by_key.get((cid, row["due_date"]))
        busy = visit_days.get(cid, set())
        cands = [d for d in allowed_days(cal, cid, row["due_date"]) if d != day and d not in busy]
        cands.sort(
            key=lambda d: (
                _insertion_s(problem.matrix, results[d], s_id, e_id, cid) if d in results else 0,
                abs((d - day).days),
                d,
            )
        )
        placed = False
        for d in cands[:MAX_RETRY_DAYS]:
            rows = [*by_day.get(d, []), row]
            res = _insert(day_problem(problem, d, rows, cust), results.get(d), cid)
            if res is not None:
                by_day[d] = rows
                results[d] = res
                visit_days.setdefault(cid, set()).add(d)
                dirty.add(d)
                placed = True
                moved += 1
                break
        if placed:
            continue
        tried = cands[:MAX_RETRY_DAYS]
        if tried:
            why = (
                f"{reason} on {day.strftime('%a %d %b')}; no room either on the other "
                f"allowed day{'s' if len(tried) > 1 else ''} {_fmt_days(tried)} "
                f"(territory {tid} is at capacity that week)"
            )
        else:
            why = (
                f"{reason} on {day.strftime('%a %d %b')}; no other allowed day "
                f"({v.earliest.isoformat()}..{v.latest.isoformat()} on the customer's "
                f"open weekdays)"
                if v is not None
                else reason
            )
        unscheduled.append(
            {"customer_id": cid, "due_date": row["due_date"], "tier": row["tier"], "reason": why}
        )
    for d in sorted(dirty):  # re-optimise days that received visits by insertion
        res = solve_day(day_problem(problem, d, by_day[d], cust), problem.routing)
        if (
            len(res.stops) == len(results[d].stops)
            and not res.dropped
            and res.travel_s <= results[d].travel_s
        ):
            results[d] = res
    t_route = time.perf_counter()

    visit_rows, route_rows = [], []
    due_of = {}
    for day, rows in by_day.items():
        for r in rows:
            due_of[(day, r["customer_id"])] = r["due_date"]
    for day in sorted(results):
        res = results[day]
        if not res.stops:
            continue
        for seq, s in enumerate(res.stops, start=1):
            visit_rows.append(
                {
                    "rep_id": rep_id,
                    "territory_id": tid,
                    "date": day,
                    "seq": seq,
                    "customer_id": s.customer_id,
                    "customer_name": cust[s.customer_id]["name"],
                    "tier": cust[s.customer_id]["tier"],
                    "arrival_s": s.arrival_s,
                    "start_s": s.start_s,
                    "departure_s": s.departure_s,
                    "travel_s": s.travel_s,
                    "dist_m": s.dist_m,
                    "due_date": due_of[(day, s.customer_id)],
                }
            )
        route_rows.append(
            {
                "rep_id": rep_id,
                "territory_id": tid,
                "date": day,
                "start_s": res.start_s,
                "end_s": res.end_s,
                "visits": len(res.stops),
                "travel_s": res.travel_s,
                "service_s": res.service_s,
                "wait_s": res.wait_s,
                "dist_m": res.dist_m,
                "break_start_s": res.break_start_s,
                "break_end_s": res.break_end_s,
            }
        )
    visits = (
        pd.DataFrame(visit_rows, columns=VISIT_COLUMNS)
        if visit_rows
        else empty_frame(VISIT_COLUMNS)
    )
    routes = (
        pd.DataFrame(route_rows, columns=ROUTE_COLUMNS)
        if route_rows
        else empty_frame(ROUTE_COLUMNS)
    )
    for u in unscheduled:
        u.update(
            {
                "customer_name": cust[u["customer_id"]]["name"] if u["customer_id"] in cust else "",
                "rep_id": rep_id,
                "territory_id": tid,
            }
        )
    uns = (
        pd.DataFrame(unscheduled, columns=UNSCHEDULED_COLUMNS)
        if unscheduled
        else empty_frame(UNSCHEDULED_COLUMNS)
    )
    if len(uns):
        uns = uns.sort_values(["due_date", "customer_id"], kind="stable").reset_index(drop=True)
    t_end = time.perf_counter()
    stats = {
        "territory_id": tid,
        "rep_id": rep_id,
        "customers": int(len(customers)),
        "required_visits": int(len(visits) + len(uns)),
        "scheduled_visits": int(len(visits)),
        "unscheduled_visits": int(len(uns)),
        "moved_visits": moved,
        "work_days": len(work_dates),
        "calendar_s": round(t_cal - t0, 3),
        "routing_s": round(t_route - t_cal, 3),
        "runtime_s": round(t_end - t0, 3),
        "est_travel_s": int(sum(cal.est_travel_s.values())),
        "travel_s": int(routes["travel_s"].sum()) if len(routes) else 0,
    }
    return TerritoryPlan(visits=visits, routes=routes, unscheduled=uns, stats=stats)
