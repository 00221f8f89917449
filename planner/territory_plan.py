"""Per-territory planning: the calendar, then OR-Tools for each day, then repairs.

:func:`plan_territory` is a pure function of one picklable :class:`TerritoryProblem`
(the territory's customers, its rep, its own travel matrix and the scenario's rules), so
territories are planned in parallel processes (:func:`planner.pipeline.solve_territories`)
and later on a distributed engine.

Steps (one function each)
------------------------
1. :func:`_due`: the rep's working dates (holidays included) and every visit due in the
   horizon (:func:`planner.schedule.due_visits`: frequency rules, history, gaps).
2. :func:`_calendar`: :func:`planner.schedule.assign_days` gives each due visit a working
   day (cadence, phases of never-visited customers, opening hours, full days, gaps) or a
   reason why none exists.
3. :func:`_route_days`: :func:`planner.routing.solve_day` orders each day's visits inside
   the workday with OR-Tools (opening hours, lunch, appointments, ``max_visits_per_day``,
   tier-weighted drop penalties: a visit of a higher tier is never dropped to keep a
   lower one).
4. :func:`_repair`: a visit a day could not hold is tried on the other days its window
   allows, cheapest first (insertion into the day's route, or the round trip of a day
   without a route yet), keeping every visit the day had; what fits nowhere goes to
   ``unscheduled`` with the day's reason and the days tried.
5. :func:`_reoptimise`: days that received visits are re-solved (kept when no worse).
   :func:`_improve_jointly`: one OR-Tools model of the whole horizon (a vehicle per
   working day, each flexible visit allowed on the days of its window, weekday-cadence
   visits, appointments and visits with gap rules or preferred dates on their own day;
   only the days that already have a route, so it never sends the rep out on a new day)
   started from these routes; a greedy descent moves visits between days and reorders
   them; kept only when every day still times exactly and routed travel drops.
6. :func:`_tables`, :func:`_unscheduled_table`, :func:`_frequency`: the output tables.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace

import pandas as pd

from planner.domain import NO_DAYS_OFF, Horizon, TierTable, WorkCalendar, Workday
from planner.matrix import TravelMatrix, home_id, start_id
from planner.plan import ROUTE_COLUMNS, UNSCHEDULED_COLUMNS, VISIT_COLUMNS, empty_frame
from planner.routing import DayProblem, DayResult, RoutingParams, Stop, schedule_route, solve_day
from planner.routing.timeline import start_ranges
from planner.schedule import (
    FREQUENCY_COLUMNS,
    CalendarParams,
    CalendarResult,
    DueVisit,
    assign_days,
    due_visits,
    frequency_table,
    rep_window,
    rep_work_dates,
    tier_ranks,
    trim_over_capacity,
    visit_floor_s,
)
from planner.schedule.preferred import (
    CARRIED_REASON,
    carry_deadline,
    clip_carried,
    deadline_reason,
    first_due_visits,
    frozen_subset,
    make_up_deadline,
    previous_preferred,
    rule_deadline,
)

#: Drop penalty base: a visit of tier rank r costs PENALTY_BASE ** r to drop, so one visit
#: of a higher tier outweighs up to PENALTY_BASE - 1 visits of the tier below it.
PENALTY_BASE = 100

#: How many other days a dropped visit is tried on (nearest / cheapest first).
MAX_RETRY_DAYS = 6

#: In a rolled plan, each day after its due date costs a dropped visit this much in the
#: choice of its new day (seconds of extra driving; the calendar's default
#: ``preferred_cost_s``): a visit that makes room for a make-up visit moves to an early
#: day of its window rather than its last one, where the next roll's make-ups would push it
#: past its interval.
REPAIR_LATE_DAY_COST_S = 600

#: Safety net of the joint improvement (reaching it is reported in ``stats``; the search
#: normally stops by itself at a local optimum, in seconds).
JOINT_TIME_LIMIT_S = 120.0

#: The joint improvement is skipped when its visits have more (visit, allowed day)
#: options than this: building the model's time windows costs ~1.5 ms of CPU per option.
#: A 52-week key-account plan (576 visits, 11,700 options) took 16 s to build and the
#: descent found no better move; a 4-week territory of 120-150 customers has 2,000-3,000.
JOINT_MAX_OPTIONS = 6000


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
        Working days a visit of a weekday-cadence rule of 3 weeks or more may move from
        its due date.
    seed : int
        Same problem and seed give the same plan.
    calendar : WorkCalendar
        Public holidays, company days off and make-up working days.
    visit_history : dict
        ``customer_id -> (date, ...)`` visits already made (e.g. from a visit log);
        merged with ``last_visit``. Counts visits already made in a partly elapsed
        period; gaps count from the real last visit.
    preferred_dates : dict
        ``(customer_id, due_date) -> date`` each visit should keep (e.g. the previous
        plan's day); moving away costs the calendar ``preferred_cost_s`` per day.
    joint_solutions_per_visit : int
        Bound of the joint improvement (:func:`planner.routing.horizon.improve_days`):
        its greedy descent may visit this many solutions per visit (it stops by itself
        at a local optimum, normally well before; 0 skips the step).
    previous_dates : dict
        A rolled plan's ``customer_id -> (date, ...)``: the previous plan's days inside
        the horizon, preferred per due visit (:func:`planner.schedule.previous_preferred`).
    carried : frozenset of str
        Customers with a missed or cancelled visit carried forward: their overdue visit
        prefers the first working day.
    frozen_until : date or None
        Previous-plan days before it are frozen (``freeze_days``).
    carried_from : dict
        ``customer_id -> (date, status)`` of the missed / cancelled visit each carried
        customer makes up: its first due visit must take a day within
        :data:`planner.schedule.preferred.CARRY_WORKING_DAYS` working days of that date
        (:func:`planner.schedule.preferred.carry_deadline`) and, when that day is still
        in the horizon, by the day its rule runs out
        (:func:`planner.schedule.preferred.rule_deadline`), else it is unscheduled with
        the reason.
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
    calendar: WorkCalendar = NO_DAYS_OFF
    visit_history: dict = field(default_factory=dict)
    preferred_dates: dict = field(default_factory=dict)
    joint_solutions_per_visit: int = 2
    previous_dates: dict = field(default_factory=dict)
    carried: frozenset = frozenset()
    frozen_until: dt.date | None = None
    carried_from: dict = field(default_factory=dict)


@dataclass
class TerritoryPlan:
    """The plan of one territory (internal units, columns as in :mod:`planner.plan`).

    ``routes`` has one row per rep-day with at least one visit. ``stats`` holds
    ``territory_id, rep_id, customers, required_visits, scheduled_visits,
    unscheduled_visits, moved_visits`` (visits placed on another day than the calendar's
    after their day dropped them), ``work_days``, ``calendar_s``, ``routing_s``,
    ``runtime_s``, ``est_travel_s`` (calendar estimate), ``travel_s`` (routed) and
    ``time_limit_days`` (ISO dates whose route search stopped at the safety time limit;
    every routed day when the joint improvement's safety net was reached);
    ``joint_moved_visits`` (visits the joint improvement put on another day),
    ``joint_saved_travel_s`` (routed travel it saved), ``joint_s`` (its seconds) and
    ``joint_time_limit_hit`` (its safety net was reached: the plan may then depend on
    machine speed).
    ``frequency`` lists required vs planned visits per customer and period
    (:data:`planner.schedule.FREQUENCY_COLUMNS`).
    """

    visits: pd.DataFrame
    routes: pd.DataFrame
    unscheduled: pd.DataFrame
    stats: dict
    frequency: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FREQUENCY_COLUMNS))


def _is_blank(x) -> bool:
    return x is None or (isinstance(x, float) and pd.isna(x))


def stop_penalty(rank: int, make_up: bool = False) -> int:
    """Drop penalty of a visit of tier rank ``rank`` (1 = lowest tier). A make-up visit
    (a missed or cancelled visit carried forward, due by its deadline) outweighs one other
    visit of its tier, not two: on a full day a kept visit of the same tier makes room
    for it (and moves to another day of its window) rather than the make-up being lost."""
    base = PENALTY_BASE ** max(1, int(rank))
    return base + base // 2 if make_up else base


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
                penalty=stop_penalty(r["priority"], bool(r.get("make_up"))),
                fixed_start_s=None if fixed is None or _is_blank(fixed) else int(fixed),
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
        max_visits=0 if max_visits is None or _is_blank(max_visits) else int(max_visits),
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
    return sorted({d for ds in cal.pattern_options[cid].values() if (d := ds[k]) is not None})


def _window_days(work: _Work, v: DueVisit | None) -> list[dt.date]:
    """The rep's working dates in a due visit's window: where a visit the calendar kept on
    its previous-plan day (frozen, no options) may go when its day's route drops it."""
    if v is None:
        return []
    return [d for d in work.work_dates if v.earliest <= d <= v.latest]


def _fmt_days(days: list[dt.date]) -> str:
    shown = ", ".join(d.strftime("%a %d %b") for d in days[:4])
    return shown + (f" and {len(days) - 4} more" if len(days) > 4 else "")


@dataclass
class _Work:
    """What the steps of :func:`plan_territory` share."""

    customers: pd.DataFrame
    cust: dict[str, dict]
    work_dates: list[dt.date]
    due: list[DueVisit]
    cal: CalendarResult | None = None
    by_day: dict[dt.date, list[dict]] = field(default_factory=dict)  # rows each route keeps
    results: dict[dt.date, DayResult] = field(default_factory=dict)
    unscheduled: list[dict] = field(default_factory=list)
    moved: int = 0
    limit_days: set[dt.date] = field(default_factory=set)  # searches the safety limit stopped
    joint_moved: int = 0
    joint_saved_s: int = 0
    joint_s: float = 0.0
    joint_time_limit_hit: bool = False
    carry_by: dict[tuple[str, dt.date], dt.date] = field(default_factory=dict)  # clipped
    carry_why: dict[str, str] = field(default_factory=dict)  # customer -> why that deadline
    left_out: list[DueVisit] = field(default_factory=list)  # trimmed before the calendar

    @property
    def due_by_key(self) -> dict[tuple[str, dt.date], DueVisit]:
        return {(v.customer_id, v.due_date): v for v in self.due}


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
    work = _due(problem)
    work.cal = _calendar(problem, work)
    t_cal = time.perf_counter()
    dropped = _route_days(problem, work)
    dirty = _repair(problem, work, dropped)
    _carried_reasons(problem, work)
    _reoptimise(problem, work, dirty)
    if problem.joint_solutions_per_visit > 0:
        t_joint = time.perf_counter()
        _improve_jointly(problem, work)
        work.joint_s = time.perf_counter() - t_joint
    t_route = time.perf_counter()
    visits, routes = _tables(problem, work)
    uns = _unscheduled_table(problem, work)
    frequency = _frequency(problem, work, visits, uns)
    t_end = time.perf_counter()
    stats = {
        "territory_id": problem.territory_id,
        "rep_id": str(problem.rep["rep_id"]),
        "customers": int(len(work.customers)),
        "required_visits": int(len(visits) + len(uns)),
        "scheduled_visits": int(len(visits)),
        "unscheduled_visits": int(len(uns)),
        "moved_visits": work.moved,
        "joint_moved_visits": work.joint_moved,
        "joint_saved_travel_s": work.joint_saved_s,
        "joint_s": round(work.joint_s, 3),
        "joint_time_limit_hit": work.joint_time_limit_hit,
        "work_days": len(work.work_dates),
        "calendar_s": round(t_cal - t0, 3),
        "routing_s": round(t_route - t_cal, 3),
        "runtime_s": round(t_end - t0, 3),
        "est_travel_s": int(sum(work.cal.est_travel_s.values())),
        "travel_s": int(routes["travel_s"].sum()) if len(routes) else 0,
        "time_limit_days": [d.isoformat() for d in sorted(work.limit_days)],
    }
    return TerritoryPlan(visits, routes, uns, stats, frequency)


def _due(problem: TerritoryProblem) -> _Work:
    """Step 1: the customers, the rep's working dates and every due visit."""
    customers = problem.customers.sort_values("customer_id", kind="stable").reset_index(drop=True)
    work_dates = rep_work_dates(problem.rep, problem.horizon, problem.calendar)
    due = due_visits(
        customers,
        problem.horizon,
        problem.tiers,
        problem.seed,
        work_dates=work_dates,
        max_shift_days=problem.max_shift_days,
        history=problem.visit_history,
    )
    return _Work(customers, customers_by_id(customers), work_dates, due)


def _after(horizon) -> dt.date:
    """The day after the horizon (every previous-plan date lies before it)."""
    return horizon.end + dt.timedelta(days=1)


def _calendar(problem: TerritoryProblem, work: _Work) -> CalendarResult:
    """Step 2: a working day for every due visit (or a reason why there is none)."""
    params = CalendarParams(
        horizon=problem.horizon,
        tiers=problem.tiers,
        workday=problem.workday,
        max_shift_days=problem.max_shift_days,
        seed=problem.seed,
        calendar=problem.calendar,
        preferred_dates=problem.preferred_dates,
    )
    if problem.carried_from:  # made up within CARRY_WORKING_DAYS of the miss
        work.due, work.carry_by = clip_carried(work.due, _carry_deadlines(problem, work))
    if problem.previous_dates or problem.carried:  # a rolled plan
        first = work.work_dates[0] if work.work_dates else None
        prev = previous_preferred(work.due, problem.previous_dates, problem.carried, first)
        params = replace(
            params,
            preferred_dates={**prev, **problem.preferred_dates},
            # stability: every previous day still inside its visit's window is kept as it is
            # (a move only when the rules or the log force it); freeze_days also closes the
            # published days to new flexible visits
            frozen_dates=frozen_subset(prev, problem.previous_dates, _after(problem.horizon)),
            closed_dates=frozenset(
                d for d in work.work_dates if problem.frozen_until and d < problem.frozen_until
            ),
        )
    left_out = _trim(problem, work)
    cal = assign_days(
        work.customers, problem.rep, work.due, problem.matrix, problem.appointments, params
    )
    work.unscheduled = [
        {k: r[k] for k in ("customer_id", "due_date", "tier", "reason")}
        for r in cal.unplaced.to_dict("records")
    ] + left_out
    return cal


def _trim(problem: TerritoryProblem, work: _Work) -> list[dict]:
    """A territory holding over :data:`planner.schedule.trim.TRIM_MARGIN` times its rep's
    time (by the visits' lower bound): its lowest-priority customers are left out before
    the calendar (kept in ``work.left_out``); returns their unscheduled rows."""
    rep_id = str(problem.rep["rep_id"])
    ws, we = rep_window(problem.rep, problem.workday)
    day_s = max(0, we - ws)  # lunch not taken off: a bound must not understate the time
    capacity_s = len(work.work_dates) * day_s
    if capacity_s <= 0 or not work.due:  # no working day: the calendar says why
        return []
    floor_s = visit_floor_s(work.customers, problem.matrix, rep_id)
    ranks = tier_ranks(problem.tiers)
    always = set(problem.appointments["customer_id"].astype(str)) | set(problem.previous_dates)

    def penalty(v: DueVisit) -> int:
        return stop_penalty(ranks.get(v.tier, 1), v.customer_id in problem.carried_from)

    work.due, work.left_out, ratio = trim_over_capacity(
        work.due, floor_s, capacity_s, penalty, always, day_s
    )
    reason = (
        f"territory {problem.territory_id} holds {ratio:.2f}x its rep's working time even "
        "counting each visit at its service time and shortest drive; its lowest-priority "
        "customers are left out of this plan ('planner size' shows how many reps the work "
        "needs)"
    )
    return [
        {"customer_id": v.customer_id, "due_date": v.due_date, "tier": v.tier, "reason": reason}
        for v in work.left_out
    ]


def _carry_deadlines(problem: TerritoryProblem, work: _Work) -> dict[str, dt.date]:
    """Per carried customer, the last day its make-up visit may take (and, in
    ``work.carry_why``, why that day)."""
    weekdays = {int(d) for d in (problem.rep.get("working_days") or (0, 1, 2, 3, 4))}
    first = first_due_visits(work.due)
    out = {}
    for cid, (missed, _status) in problem.carried_from.items():
        carry_by = carry_deadline(missed, problem.horizon.start, work.work_dates, weekdays)
        if carry_by is None:
            continue
        v = first.get(cid)
        rule_by = rule_deadline(v) if v is not None else None
        out[cid], by_rule = make_up_deadline(carry_by, rule_by, work.work_dates)
        work.carry_why[cid] = deadline_reason(v, by_rule)
    return out


def _carried_reasons(problem: TerritoryProblem, work: _Work) -> None:
    """Unscheduled make-up visits say which visit they make up and by when."""
    for u in work.unscheduled:
        last = work.carry_by.get((u["customer_id"], u["due_date"]))
        if last is not None:
            missed, status = problem.carried_from[u["customer_id"]]
            why = work.carry_why.get(u["customer_id"], "")
            u["reason"] = (
                f"{CARRIED_REASON} (the visit of {missed.isoformat()} was {status}): no room "
                f"by {last.isoformat()}, {why}: {u['reason']}"
            )


def _route_days(problem: TerritoryProblem, work: _Work) -> list[tuple[dict, str, dt.date]]:
    """Step 3: OR-Tools orders each day; returns the visits days dropped, highest tier first."""
    assert work.cal is not None
    by_day: dict[dt.date, list[dict]] = {}
    for r in work.cal.visits.to_dict("records"):
        if (r["customer_id"], r["due_date"]) in work.carry_by:
            r["make_up"] = True  # due by its deadline: outweighs a visit of its tier
        by_day.setdefault(r["date"], []).append(r)
    for day in sorted(by_day):
        work.results[day] = solve_day(
            day_problem(problem, day, by_day[day], work.cust), problem.routing
        )
    work.limit_days.update(d for d, r in work.results.items() if r.time_limit_hit)
    dropped: list[tuple[dict, str, dt.date]] = []
    for day in sorted(work.results):
        reasons = dict(work.results[day].dropped)
        dropped += [
            (r, reasons[r["customer_id"]], day) for r in by_day[day] if r["customer_id"] in reasons
        ]
        kept = {s.customer_id for s in work.results[day].stops}
        by_day[day] = [r for r in by_day[day] if r["customer_id"] in kept]
    work.by_day = by_day
    dropped.sort(key=lambda x: (-int(x[0]["priority"]), x[0]["due_date"], x[0]["customer_id"]))
    return dropped


def _retry_cost(problem: TerritoryProblem, work: _Work, day: dt.date, cid: str) -> int:
    """Extra travel of putting ``cid`` on ``day``: insertion into its route, or the round
    trip of a day that has no route yet (such days are not tried first any more)."""
    rep_id = str(problem.rep["rep_id"])
    s_id, e_id = start_id(rep_id), home_id(rep_id)
    if day in work.results and work.results[day].stops:
        return _insertion_s(problem.matrix, work.results[day], s_id, e_id, cid)
    m = problem.matrix
    return m.time_s(s_id, cid) + m.time_s(cid, e_id) - m.time_s(s_id, e_id)


def _late_day_cost(problem: TerritoryProblem, v: DueVisit | None):
    """``day -> cost`` of the days after ``v``'s due date (:data:`REPAIR_LATE_DAY_COST_S`
    each) in a rolled plan; nothing in a first plan (its repairs stay travel-first)."""
    if v is None or not (problem.previous_dates or problem.carried):
        return lambda d: 0
    due = v.due_date
    return lambda d: REPAIR_LATE_DAY_COST_S * max(0, (d - due).days)


def _repair(
    problem: TerritoryProblem, work: _Work, dropped: list[tuple[dict, str, dt.date]]
) -> set[dt.date]:
    """Step 4: a dropped visit is inserted into another allowed day where it still fits;
    returns the days that received visits. What fits nowhere is unscheduled."""
    assert work.cal is not None
    due_by_key = {(v.customer_id, v.due_date): v for v in work.due}
    visit_days: dict[str, set[dt.date]] = {}
    for day, rows in work.by_day.items():
        for r in rows:
            visit_days.setdefault(r["customer_id"], set()).add(day)
    dirty: set[dt.date] = set()
    for row, reason, day in dropped:
        cid = row["customer_id"]
        if not _is_blank(row.get("fixed_start_s")):
            work.unscheduled.append(
                {
                    "customer_id": cid,
                    "due_date": row["due_date"],
                    "tier": row["tier"],
                    "reason": f"appointment on {day.isoformat()}: {reason}",
                }
            )
            continue
        busy = visit_days.get(cid, set())
        v = due_by_key.get((cid, row["due_date"]))
        allowed = allowed_days(work.cal, cid, row["due_date"]) or _window_days(work, v)
        cands = [d for d in allowed if d != day and d not in busy]
        late = _late_day_cost(problem, v)
        cands.sort(
            key=lambda d: (_retry_cost(problem, work, d, cid) + late(d), abs((d - day).days), d)
        )
        tried = cands[:MAX_RETRY_DAYS]
        empty = [d for d in cands if not (d in work.results and work.results[d].stops)]
        if empty and empty[0] not in tried:  # full days first, but one free day too
            tried = [*tried[: MAX_RETRY_DAYS - 1], empty[0]]
        for d in tried:
            rows = [*work.by_day.get(d, []), row]
            res = _insert(day_problem(problem, d, rows, work.cust), work.results.get(d), cid)
            if res is not None:
                work.by_day[d] = rows
                work.results[d] = res
                visit_days.setdefault(cid, set()).add(d)
                dirty.add(d)
                work.moved += 1
                break
        else:
            work.unscheduled.append(
                {
                    "customer_id": cid,
                    "due_date": row["due_date"],
                    "tier": row["tier"],
                    "reason": _repair_reason(problem, reason, day, tried, v),
                }
            )
    return dirty


def _repair_reason(
    problem: TerritoryProblem, reason: str, day: dt.date, tried: list[dt.date], v
) -> str:
    if tried:
        return (
            f"{reason} on {day.strftime('%a %d %b')}; no room either on the other "
            f"allowed day{'s' if len(tried) > 1 else ''} {_fmt_days(tried)} "
            f"(territory {problem.territory_id} is at capacity that week)"
        )
    if v is None:
        return reason
    return (
        f"{reason} on {day.strftime('%a %d %b')}; no other allowed day "
        f"({v.earliest.isoformat()}..{v.latest.isoformat()} on the customer's "
        f"open weekdays)"
    )


def _reoptimise(problem: TerritoryProblem, work: _Work, dirty: set[dt.date]) -> None:
    """Step 5: days that received visits by insertion are re-solved (kept when no worse)."""
    for d in sorted(dirty):
        res = solve_day(day_problem(problem, d, work.by_day[d], work.cust), problem.routing)
        if res.time_limit_hit:
            work.limit_days.add(d)
        old = work.results[d]
        if len(res.stops) == len(old.stops) and not res.dropped and res.travel_s <= old.travel_s:
            work.results[d] = res


def _movable_days(
    problem: TerritoryProblem, work: _Work, row: dict, day: dt.date, due_by_key: dict
) -> list[dt.date]:
    """Days a routed visit may move to in the joint step: its calendar window for a
    flexible visit without gap rules; only its own day otherwise (weekday cadence,
    appointments, gap rules the joint model does not see)."""
    assert work.cal is not None
    key = (row["customer_id"], row["due_date"])
    if not _is_blank(row.get("fixed_start_s")) or key not in work.cal.flexible_options:
        return [day]
    v = due_by_key.get(key)
    if v is not None and (
        v.min_gap_days or v.max_gap_days or problem.preferred_dates or problem.previous_dates
    ):
        return [day]
    return sorted(set(work.cal.flexible_options[key]) | {day})


def _improve_jointly(problem: TerritoryProblem, work: _Work) -> None:
    """Step 5b: OR-Tools moves flexible visits between days and reorders every day on one
    model of the horizon (:func:`planner.routing.horizon.improve_days`); the days that
    changed are timed again (the model's order; :func:`solve_day` if it does not time), and
    the change is kept only when every visit still fits and the routed travel drops."""
    from planner.routing.horizon import HorizonParams, improve_days

    days = sorted(d for d, r in work.results.items() if r.stops)  # never opens a day
    hp, rows = _horizon_problem(problem, work, days)
    options = sum(len(v.windows) for v in hp.visits)
    if options <= len(hp.visits) or options > JOINT_MAX_OPTIONS:
        return  # nothing can change day, or a model too big to pay (see the constant)
    res = improve_days(
        hp, HorizonParams(problem.joint_solutions_per_visit, time_limit_s=JOINT_TIME_LIMIT_S)
    )
    work.joint_time_limit_hit = res.time_limit_hit
    if res.time_limit_hit:  # the whole horizon's search depended on the clock
        work.limit_days.update(work.results)
    if not res.improved:
        return
    new_by_day = {days[k]: [rows[j] for j in r] for k, r in enumerate(res.routes) if r}
    before = _day_of(work.by_day)
    new_results = {}
    for k, r in enumerate(res.routes):
        d = days[k]
        if not r or [rows[j]["customer_id"] for j in r] == _order(work.results.get(d)):
            continue
        order = [hp.visits[j].customer_id for j in r]
        dp = day_problem(problem, d, new_by_day[d], work.cust)
        timed = schedule_route(dp, order)  # the model times lunch and windows as routing
        if timed is None:
            timed = solve_day(dp, problem.routing)
            if timed.time_limit_hit:
                work.limit_days.add(d)
        if len(timed.stops) != len(order):
            return  # a day no longer fits: keep the plan as it was
        new_results[d] = timed
    gone = [d for d in work.results if d not in new_by_day]
    changed = set(new_results) | set(gone)
    old = sum(work.results[d].travel_s for d in changed if d in work.results)
    saved = old - sum(x.travel_s for x in new_results.values())
    if saved <= 0:
        return
    work.joint_saved_s = int(saved)
    for d in changed:
        work.results.pop(d, None)
        work.by_day.pop(d, None)
    work.results.update(new_results)
    work.by_day.update({d: new_by_day[d] for d in new_results})
    work.joint_moved = sum(1 for k in _day_of(new_by_day).items() ^ before.items()) // 2


def _day_of(by_day: dict[dt.date, list[dict]]) -> dict[tuple, dt.date]:
    return {(r["customer_id"], r["due_date"]): d for d, rows in by_day.items() for r in rows}


def _order(result: DayResult | None) -> list[str]:
    return [] if result is None else [s.customer_id for s in result.stops]


def _horizon_problem(problem: TerritoryProblem, work: _Work, days: list[dt.date]):
    """The joint model's problem from the routed days: every routed visit with the
    start ranges of each day it may take (:func:`_movable_days`), and the routes as the
    start; returns it with the calendar row of each visit."""
    from planner.routing.horizon import HorizonProblem, HorizonVisit

    rep_id = str(problem.rep["rep_id"])
    ws, we = rep_window(problem.rep, problem.workday)
    day_ix = {d: k for k, d in enumerate(days)}
    due_by_key = work.due_by_key
    rows: list[dict] = []
    routes: list[list[int]] = [[] for _ in days]
    visits: list[HorizonVisit] = []
    for day in sorted(work.results):
        by_cid = {r["customer_id"]: r for r in work.by_day.get(day, [])}
        for s in work.results[day].stops:
            row = by_cid[s.customer_id]
            c = work.cust[s.customer_id]
            fixed = row.get("fixed_start_s")
            wins = {}
            for d in _movable_days(problem, work, row, day, due_by_key):
                stop = Stop(
                    s.customer_id,
                    int(c["service_s"]),
                    tuple(c["hours"][d.weekday()]),
                    fixed_start_s=None if fixed is None or _is_blank(fixed) else int(fixed),
                )
                if d in day_ix and start_ranges(stop):
                    wins[day_ix[d]] = start_ranges(stop)
            routes[day_ix[day]].append(len(visits))
            visits.append(
                HorizonVisit(
                    s.customer_id,
                    int(c["service_s"]),
                    wins,
                    stop_penalty(row["priority"], bool(row.get("make_up"))),
                )
            )
            rows.append(row)
    max_visits = problem.rep.get("max_visits_per_day")
    hp = HorizonProblem(
        problem.matrix,
        start_id(rep_id),
        home_id(rep_id),
        len(days),
        ws,
        we,
        tuple(visits),
        tuple(tuple(r) for r in routes),
        lunch=problem.workday.lunch,
        max_visits=0 if max_visits is None or _is_blank(max_visits) else int(max_visits),
    )
    return hp, rows


def _tables(problem: TerritoryProblem, work: _Work) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step 6: the visits and routes tables."""
    rep_id, tid = str(problem.rep["rep_id"]), problem.territory_id
    due_of = {
        (day, r["customer_id"]): r["due_date"] for day, rows in work.by_day.items() for r in rows
    }
    visit_rows, route_rows = [], []
    for day in sorted(work.results):
        res = work.results[day]
        if not res.stops:
            continue
        for seq, s in enumerate(res.stops, start=1):
            c = work.cust[s.customer_id]
            visit_rows.append(
                {
                    "rep_id": rep_id,
                    "territory_id": tid,
                    "date": day,
                    "seq": seq,
                    "customer_id": s.customer_id,
                    "customer_name": c["name"],
                    "tier": c["tier"],
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
    return visits, routes


def _unscheduled_table(problem: TerritoryProblem, work: _Work) -> pd.DataFrame:
    """Step 7: the unscheduled table (with the customer's name, rep and territory)."""
    rows = [
        {
            **u,
            "customer_name": work.cust[u["customer_id"]]["name"]
            if u["customer_id"] in work.cust
            else "",
            "rep_id": str(problem.rep["rep_id"]),
            "territory_id": problem.territory_id,
        }
        for u in work.unscheduled
    ]
    if not rows:
        return empty_frame(UNSCHEDULED_COLUMNS)
    uns = pd.DataFrame(rows, columns=UNSCHEDULED_COLUMNS)
    return uns.sort_values(["due_date", "customer_id"], kind="stable").reset_index(drop=True)


def _frequency(
    problem: TerritoryProblem, work: _Work, visits: pd.DataFrame, uns: pd.DataFrame
) -> pd.DataFrame:
    """Step 8: required vs planned visits per customer and period."""
    planned: dict[str, list[dt.date]] = {}
    for cid, d in zip(visits["customer_id"], visits["date"]):
        planned.setdefault(str(cid), []).append(d)
    missing = list(zip(uns["customer_id"].astype(str), uns["due_date"]))
    return frequency_table(
        work.customers,
        problem.tiers,
        problem.horizon,
        [*work.due, *work.left_out],
        planned,
        missing,
        problem.visit_history,
    )
