"""One rep, one day: OR-Tools chooses the visits and their order; the timeline times them.

Steps of :func:`solve_day`:

1. pre-check every stop alone (closed, opening hours too short, too far, appointment
   outside the day ...): those are dropped with an exact reason, the solver never sees
   them;
2. OR-Tools routing model: node 0 = start point, 1..n = stops, n + 1 = end point.
   Arc cost = travel seconds. Time dimension: cumul = service start (departure at the
   start node, arrival at the end node), transit = service + travel, slack = waiting;
   start and end inside the workday; each stop's cumul restricted to its start ranges
   (``SetRange`` + ``RemoveInterval`` on the gaps between opening windows; an
   appointment pins it). Lunch = one break interval per
   ``SetBreakIntervalsOfVehicle`` (start in ``[earliest, latest - duration]``, never
   during a service). ``max_visits`` = a count dimension. Every stop is a disjunction
   whose penalty is ``stop.penalty`` times a factor that makes the smallest penalty
   larger than any possible travel: nothing is dropped when it fits, and a stop with a
   higher penalty is never dropped to keep one with a lower penalty;
3. search: see :mod:`planner.routing.engine` (best of several first solutions, then GLS
   stopped by a solution limit, so the same input gives the same day);
4. the order is timed exactly by :func:`planner.routing.timeline.schedule_route`
   (latest departure that keeps the earliest end: no padded day) and checked by
   :func:`~planner.routing.timeline.check_day`. A stop that the exact timing cannot
   place is dropped with a reason, never reported with wrong times.
"""

from __future__ import annotations

from ortools.constraint_solver import pywrapcp

from planner.routing import DayProblem, DayResult, RoutingParams, Stop
from planner.routing.engine import solve_model
from planner.routing.exact import solve_exact
from planner.routing.reasons import dropped_reason, precheck_day, precheck_stop
from planner.routing.timeline import check_day, day_travel, schedule_route, start_ranges

# GLS solution limit: a day of n stops may visit max(MIN_SOLUTIONS, SOLUTIONS_PER_STOP * n)
# solutions (docs/benchmarks/routing.md: 40 per stop cost 4x the time for the same result
# on most days). The floor was 200, i.e. 10.5-18 per stop on the 11-19-stop days a floor
# touches (smaller days are solved exactly): 100 gave the same travel within 0.05 % on the
# 20 plans of benchmarks/calendar_cpu.py (docs/benchmarks/calendar.md).
SOLUTIONS_PER_STOP = 10
MIN_SOLUTIONS = 100


def _validate(problem: DayProblem) -> None:
    ids = [s.customer_id for s in problem.stops]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{problem.rep_id} {problem.date}: a customer appears twice in a day")
    for pid in [problem.start_id, problem.end_id, *ids]:
        if pid not in problem.matrix:
            raise ValueError(f"{pid} is not in the day's travel matrix")
    for s in problem.stops:
        if s.penalty <= 0 or s.service_s < 0:
            raise ValueError(f"{s.customer_id}: penalty must be > 0 and service_s >= 0")


def _build(problem: DayProblem, stops: list[Stop]):
    """The OR-Tools model of a day (stops = those that passed the pre-check)."""
    n = len(stops)
    _, travel = day_travel(problem, stops)
    service = [0, *(int(s.service_s) for s in stops), 0]
    ws, we = problem.work_start_s, problem.work_end_s

    manager = pywrapcp.RoutingIndexManager(n + 2, 1, [0], [n + 1])
    routing = pywrapcp.RoutingModel(manager)
    cost_cb = routing.RegisterTransitMatrix(travel)
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    time_cb = routing.RegisterTransitMatrix(
        [[service[a] + travel[a][b] for b in range(n + 2)] for a in range(n + 2)]
    )
    routing.AddDimension(time_cb, we - ws, we, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    tdim.CumulVar(routing.Start(0)).SetRange(ws, we)
    tdim.CumulVar(routing.End(0)).SetRange(ws, we)

    min_pen = min(s.penalty for s in stops)
    factor = (we - ws) // min_pen + 1  # min_pen * factor > any route's travel
    cap = 2**62 // (n + 2)  # the objective stays inside int64 (absurd penalties only)
    for k, stop in enumerate(stops, start=1):
        index = manager.NodeToIndex(k)
        ranges = start_ranges(stop)
        cumul = tdim.CumulVar(index)
        cumul.SetRange(ranges[0][0], ranges[-1][1])
        for (_, hi), (lo, _) in zip(ranges, ranges[1:]):
            if lo > hi + 1:
                cumul.RemoveInterval(hi + 1, lo - 1)
        routing.AddDisjunction([index], min(int(stop.penalty) * factor, cap))

    if problem.max_visits:
        count_cb = routing.RegisterUnaryTransitVector([0, *([1] * n), 0])
        routing.AddDimension(count_cb, 0, int(problem.max_visits), True, "visits")

    lunch = problem.lunch
    if lunch is not None:
        brk = routing.solver().FixedDurationIntervalVar(
            lunch.earliest_s, lunch.latest_s - lunch.duration_s, lunch.duration_s, False, "lunch"
        )
        visits = [service[manager.IndexToNode(i)] for i in range(routing.Size())]
        tdim.SetBreakIntervalsOfVehicle([brk], 0, visits)
    return routing, manager


def _solve_order(
    problem: DayProblem, stops: list[Stop], params: RoutingParams
) -> tuple[list[str], bool]:
    """Visiting order of the kept stops (OR-Tools, then exact DP on small days) and
    whether the safety time limit stopped the search."""
    if len(stops) == 1:  # passed the exact pre-check: it fits (GLS would idle to its limit)
        return [stops[0].customer_id], False
    exact = len(stops) <= params.exact_max_stops
    routing, manager = _build(problem, stops)
    if exact:
        limit = 0  # first solutions only: they give the DP a travel bound
    else:
        limit = params.solution_limit or max(MIN_SOLUTIONS, SOLUTIONS_PER_STOP * len(stops))
    found = solve_model(routing, manager, params.time_limit_s, limit)
    order = [] if found is None else [stops[k - 1].customer_id for k in found.routes[0]]
    hit = found is None or found.time_limit_hit
    if not exact:
        return order, hit
    upper = found.objective if found is not None and len(order) == len(stops) else None
    return solve_exact(problem, stops, upper), False  # exact: the bound only prunes


def _repair(problem: DayProblem, order: list[str]) -> tuple[DayResult | None, list[str]]:
    """Time ``order``; drop the cheapest stops until the exact timing succeeds."""
    by_id = {s.customer_id: s for s in problem.stops}
    removed: list[str] = []
    sched = schedule_route(problem, order)
    while sched is None and order:
        fixes = [c for c in order if schedule_route(problem, [o for o in order if o != c])]
        pool = fixes or order
        worst = min(pool, key=lambda c: (by_id[c].penalty, -order.index(c)))
        order = [o for o in order if o != worst]
        removed.append(worst)
        sched = schedule_route(problem, order)
    return sched, removed


def solve_day(problem: DayProblem, params: RoutingParams = RoutingParams()) -> DayResult:
    """Choose and order one rep's visits for one day, with exact times.

    Parameters
    ----------
    problem : DayProblem
        Stops (opening windows, appointments, service, drop penalty), the travel matrix,
        the workday, optional lunch break and visit limit.
    params : RoutingParams
        ``time_limit_s`` (a safety net: a typical day stops at its solution limit in
        tens of milliseconds), ``solution_limit`` (0 = automatic).

    Returns
    -------
    DayResult
        Stops in visiting order with arrival/start/departure (seconds since midnight),
        leg travel and distance; day totals; the lunch break; ``dropped`` as
        ``(customer_id, reason)`` in the order of ``problem.stops``. A day without
        visits has ``start_s == end_s == 0`` and zero totals.

    Raises
    ------
    ValueError
        For a malformed problem (a customer twice, an id missing from the matrix, a
        non-positive penalty): a bug in the caller, not an infeasible day.

    Notes
    -----
    Deterministic: the same problem and params give the same result as long as the time
    limit is not reached (OR-Tools routing uses no random seed; ``params.seed`` is kept
    for the interface).
    """
    result = DayResult(rep_id=problem.rep_id, date=problem.date)
    if not problem.stops:
        return result
    _validate(problem)
    day_reason = precheck_day(problem)
    if day_reason is not None:
        result.dropped = [(s.customer_id, day_reason) for s in problem.stops]
        return result
    reasons: dict[str, str] = {}
    candidates = []
    for stop in problem.stops:
        why = precheck_stop(problem, stop)
        if why is None:
            candidates.append(stop)
        else:
            reasons[stop.customer_id] = why
    order, hit = _solve_order(problem, candidates, params) if candidates else ([], False)
    sched, _ = _repair(problem, order)
    if sched is None:  # pragma: no cover - an empty order always times
        sched, order = DayResult(rep_id=problem.rep_id, date=problem.date), []
    kept = [s.customer_id for s in sched.stops]
    for stop in candidates:
        if stop.customer_id not in kept:
            reasons[stop.customer_id] = dropped_reason(problem, stop, kept)
    sched.dropped = [
        (s.customer_id, reasons[s.customer_id]) for s in problem.stops if s.customer_id in reasons
    ]
    sched.time_limit_hit = hit
    violations = check_day(problem, sched)
    if violations:  # a bug: never hand out wrong times
        msg = "internal check failed: " + "; ".join(violations)
        bad = DayResult(rep_id=problem.rep_id, date=problem.date)
        bad.dropped = [(s.customer_id, reasons.get(s.customer_id, msg)) for s in problem.stops]
        bad.time_limit_hit = hit
        return bad
    return sched
