"""One rep, several days: OR-Tools moves visits between days (a joint model of the horizon).

:func:`improve_days` takes a calendar that already gives every visit a day (and each day
an order) and lets OR-Tools' guided local search move visits between the days each visit
may take, as one VRPTW on a multi-day timeline:

- node 0 = the rep's start point, node 1 = home, nodes 2.. = the visits (a customer with
  several visits has several nodes); one vehicle per working day, from node 0 to node 1;
- time dimension on one timeline: day ``k`` is ``[86400 k + start, 86400 k + end -
  lunch]`` (the lunch break is taken off the day's end, so the day's capacity is right;
  the exact daily routes, with the break, come from :func:`planner.routing.solve_day`
  afterwards); a visit's cumul (service start) is restricted to its opening intervals on
  its allowed days (``SetRange`` + ``RemoveInterval``) and its vehicles to those days
  (``VehicleVar(index).SetValues``; ``SetAllowedVehiclesForIndex`` does not take a
  Python list in ortools 9.15);
- arc cost = travel seconds (+ a fixed cost per day used); every visit is a disjunction
  whose penalty dominates any travel;
- the search starts from the given routes (``ReadAssignmentFromRoutes``) and stops at a
  solution limit (reproducible), with a time limit only as a safety net.

Only what the calendar cannot see is left to this step: exact opening hours and
service order across days. Node numbers never leave this module.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp

from planner.matrix import TravelMatrix
from planner.routing.engine import assignment_routes, search_parameters

DAY_S = 86400


@dataclass(frozen=True)
class HorizonVisit:
    """One visit: ``windows[k]`` = service-start intervals (local seconds) on day ``k``
    for every day ``k`` the visit may take (absent = not allowed)."""

    customer_id: str
    service_s: int
    windows: dict[int, tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class HorizonProblem:
    """The rep's days and the visits to spread over them, with a starting solution.

    ``day_offsets`` are whole days from the first day (day ``k`` starts at
    ``86400 * day_offsets[k]`` on the timeline); ``routes[k]`` lists visit indices in
    visiting order (the starting solution; every visit appears once).
    """

    matrix: TravelMatrix
    start_id: str
    end_id: str
    day_offsets: tuple[int, ...]
    work_start_s: int
    work_end_s: int
    lunch_s: int
    visits: tuple[HorizonVisit, ...]
    routes: tuple[tuple[int, ...], ...]
    day_cost_s: int = 0


@dataclass(frozen=True)
class HorizonParams:
    """``solutions_per_visit`` x visits = the GLS solution limit (reproducible);
    ``time_limit_s`` is a safety net only (reaching it makes the result machine
    dependent, and :attr:`HorizonResult.time_limit_hit` says so)."""

    solutions_per_visit: int = 20
    time_limit_s: float = 60.0


@dataclass
class HorizonResult:
    """``routes[k]``: visit indices of day ``k`` in order; ``improved`` when better than
    the start; ``travel_s`` of the routes on the model's timeline (no lunch)."""

    routes: list[list[int]] = field(default_factory=list)
    travel_s: int = 0
    start_travel_s: int = 0
    improved: bool = False
    time_limit_hit: bool = False
    runtime_s: float = 0.0


def _cut(intervals: Sequence[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    out = []
    for a, b in sorted(intervals):
        a, b = max(a, lo), min(b, hi)
        if a <= b:
            out.append((a, b))
    return out


def improve_days(problem: HorizonProblem, params: HorizonParams = HorizonParams()) -> HorizonResult:
    """Move visits between days to lower total travel (see the module docstring).

    Returns the starting routes unchanged (``improved`` False) when the search finds
    nothing better or cannot read the starting solution.
    """
    t0 = time.perf_counter()
    visits, n_days = problem.visits, len(problem.day_offsets)
    ids = [problem.start_id, problem.end_id, *(v.customer_id for v in visits)]
    idx = [problem.matrix.index(i) for i in ids]
    full = problem.matrix.travel_s
    travel = [[int(full[a, b]) for b in idx] for a in idx]
    service = [0, 0, *(int(v.service_s) for v in visits)]
    n = len(ids)
    manager = pywrapcp.RoutingIndexManager(n, n_days, [0] * n_days, [1] * n_days)
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitMatrix(travel)
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    if problem.day_cost_s:
        routing.SetFixedCostOfAllVehicles(int(problem.day_cost_s))
    time_cb = routing.RegisterTransitMatrix(
        [[service[a] + travel[a][b] for b in range(n)] for a in range(n)]
    )
    end = DAY_S * (max(problem.day_offsets) + 1)
    routing.AddDimension(time_cb, DAY_S, end, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    ws, we = problem.work_start_s, problem.work_end_s - problem.lunch_s
    for k, off in enumerate(problem.day_offsets):
        for node in (routing.Start(k), routing.End(k)):
            tdim.CumulVar(node).SetRange(DAY_S * off + ws, DAY_S * off + we)
    penalty = max(max(r) for r in travel) * n + int(problem.day_cost_s) * n_days + 1
    for j, v in enumerate(visits):
        index = manager.NodeToIndex(j + 2)
        ranges = []
        for k in sorted(v.windows):
            off = DAY_S * problem.day_offsets[k]
            for a, b in _cut(v.windows[k], ws, we - v.service_s):
                ranges.append((off + a, off + b))
        routing.AddDisjunction([index], penalty)
        if not ranges:
            continue
        routing.VehicleVar(index).SetValues([-1, *sorted(v.windows)])  # allowed days
        cumul = tdim.CumulVar(index)
        cumul.SetRange(ranges[0][0], ranges[-1][1])
        for (_, b), (a2, _) in zip(ranges, ranges[1:]):
            if a2 > b + 1:
                cumul.RemoveInterval(b + 1, a2 - 1)
    start_routes = [[j + 2 for j in r] for r in problem.routes]
    initial = routing.ReadAssignmentFromRoutes(
        [[manager.NodeToIndex(x) for x in r] for r in start_routes], True
    )
    start_travel = _travel(travel, start_routes)
    result = HorizonResult(
        routes=[list(r) for r in problem.routes], travel_s=start_travel, start_travel_s=start_travel
    )
    if initial is None:
        result.runtime_s = time.perf_counter() - t0
        return result
    limit = max(1, params.solutions_per_visit * len(visits))
    sp = search_parameters(
        "PARALLEL_CHEAPEST_INSERTION", "GUIDED_LOCAL_SEARCH", params.time_limit_s, limit
    )
    sol = routing.SolveFromAssignmentWithParameters(initial, sp)
    result.runtime_s = time.perf_counter() - t0
    result.time_limit_hit = result.runtime_s >= params.time_limit_s * 0.99
    if sol is None:
        return result
    routes = assignment_routes(routing, manager, sol)
    placed = sum(len(r) for r in routes)
    new_travel = _travel(travel, routes)
    if placed == len(visits) and new_travel < start_travel:
        result.routes = [[j - 2 for j in r] for r in routes]
        result.travel_s = new_travel
        result.improved = True
    return result


def _travel(travel: list[list[int]], routes: list[list[int]]) -> int:
    total = 0
    for r in routes:
        if r:
            seq = [0, *r, 1]
            total += sum(travel[a][b] for a, b in zip(seq, seq[1:]))
    return total


__all__ = ["HorizonParams", "HorizonProblem", "HorizonResult", "HorizonVisit", "improve_days"]
