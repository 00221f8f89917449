"""One rep, several days: OR-Tools moves visits between days (a joint model of the horizon).

:func:`improve_days` takes a calendar that already gives every visit a day (and each day
an order) and lets OR-Tools move visits between the days each visit may take and reorder
them, as one VRPTW over the horizon:

- node 0 = the rep's start point, node 1 = home, nodes 2.. = the visits (a customer with
  several visits has several nodes); one vehicle per working day, from node 0 to node 1;
- one *compressed* timeline: working day ``k`` is ``[k S, k S + end - start]`` with
  ``S = end - start + 1`` (no nights, no weekends between days), so the time windows of
  a visit allowed on many days are one hull minus the hours it is closed inside those
  working days (``SetRange`` + ``RemoveInterval``; removing the nights too made the model
  take 157 s to build on a 4-week horizon, the compressed one takes seconds; OR-Tools
  removes a hole second by second, so holes are cut only where a route can put the
  visit, see :func:`_holes`);
- a visit's vehicles are restricted to its allowed days (``VehicleVar(index).SetValues``;
  ``SetAllowedVehiclesForIndex`` does not take a Python list in ortools 9.15), two visits
  of one customer never share a day, the lunch break is one break interval per day as in
  :func:`planner.routing.solve_day` (so an order the model accepts times exactly with
  :func:`planner.routing.schedule_route`), ``max_visits`` is a count dimension;
- arc cost = travel seconds (+ an optional fixed cost per day used); every visit is a
  disjunction whose penalty (times its ``penalty`` weight) dominates any travel, so
  nothing the start placed is dropped;
- the search starts from the given routes (``ReadAssignmentFromRoutes``) and runs a
  *greedy descent* (OR-Tools' local search operators: relocate, exchange, cross, 2-opt,
  or-opt ... until no move lowers travel), which stops by itself; a solution limit
  (``solutions_per_visit`` x visits) bounds it, and a time limit is only a safety net
  whose hit is reported (:attr:`HorizonResult.time_limit_hit`). Guided local search
  after the descent is optional (``guided_solutions_per_visit``): measured, it found
  little more at ~3 solutions/s on this model (docs/benchmarks/calendar.md).

Node numbers never leave this module.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp

from planner.domain import BreakRule
from planner.matrix import TravelMatrix
from planner.routing.engine import assignment_routes, search_parameters


@dataclass(frozen=True)
class HorizonVisit:
    """One visit: ``windows[k]`` = service-start ranges (local seconds, as
    :func:`planner.routing.timeline.start_ranges`) on working day ``k`` for every day
    ``k`` the visit may take (absent = not allowed); ``penalty`` weighs dropping it
    (the tier's drop penalty; the model never drops a visit to save travel)."""

    customer_id: str
    service_s: int
    windows: dict[int, tuple[tuple[int, int], ...]]
    penalty: int = 1


@dataclass(frozen=True)
class HorizonProblem:
    """The rep's working days (``n_days``, indexed 0..) and the visits to spread over
    them, with a starting solution: ``routes[k]`` lists visit indices of day ``k`` in
    visiting order (every visit appears once)."""

    matrix: TravelMatrix
    start_id: str
    end_id: str
    n_days: int
    work_start_s: int
    work_end_s: int
    visits: tuple[HorizonVisit, ...]
    routes: tuple[tuple[int, ...], ...]
    lunch: BreakRule | None = None
    max_visits: int = 0  # per day, 0 = no limit
    day_cost_s: int = 0


@dataclass(frozen=True)
class HorizonParams:
    """``solutions_per_visit`` x visits bounds the greedy descent (it normally stops
    earlier, at a local optimum); ``guided_solutions_per_visit`` x visits = solution
    limit of an optional guided local search after it (0 = none); ``time_limit_s`` is a
    safety net only (reaching it makes the result machine dependent, and
    :attr:`HorizonResult.time_limit_hit` says so)."""

    solutions_per_visit: int = 2
    guided_solutions_per_visit: int = 0
    time_limit_s: float = 120.0


@dataclass
class HorizonResult:
    """``routes[k]``: visit indices of day ``k`` in order; ``improved`` when better than
    the start; ``travel_s`` of the routes (every leg incl. the way home)."""

    routes: list[list[int]] = field(default_factory=list)
    travel_s: int = 0
    start_travel_s: int = 0
    improved: bool = False
    time_limit_hit: bool = False
    runtime_s: float = 0.0


def _timeline(problem: HorizonProblem, v: HorizonVisit) -> list[tuple[int, int]]:
    """The visit's service-start ranges on the compressed timeline, sorted."""
    ws, we = problem.work_start_s, problem.work_end_s
    stride = we - ws + 1
    out = []
    for k in sorted(v.windows):
        for a, b in sorted(v.windows[k]):
            a, b = max(a, ws), min(b, we - int(v.service_s))
            if a <= b:
                out.append((k * stride + a - ws, k * stride + b - ws))
    return out


def _holes(
    ranges: list[tuple[int, int]],
    days: list[int],
    stride: int,
    length: int,
    lead_s: int = 0,
    tail_s: int = 0,
) -> list[tuple[int, int]]:
    """The closed stretches a visit's cumul must leave out: the gaps between its sorted
    ``ranges`` inside the working days it may take, and there only between ``lead_s``
    after the day's start and ``tail_s`` before its end (no route reaches the visit
    sooner, or gets home from it in less). A day it may not take is never its vehicle
    and a vehicle's cumuls stay inside its own day, so the rest needs no hole: removing
    one costs time per removed second (a closed Wednesday is 30,600 of them)."""
    out = []
    for (_, b), (a2, _) in zip(ranges, ranges[1:]):
        for k in days:
            lo = max(b + 1, k * stride + lead_s)
            hi = min(a2 - 1, k * stride + length - tail_s)
            if lo <= hi:
                out.append((lo, hi))
    return out


def _lead_tail(transit: list[list[int]]) -> tuple[list[int], list[int]]:
    """Shortest time from the start (node 0) to each node and from each node home (node
    1) over the time dimension's transits (service + travel; zero transits are arcs too),
    so the bounds hold whatever the matrix (asymmetric, no triangle inequality)."""
    from scipy.sparse.csgraph import csgraph_from_dense, dijkstra

    g = csgraph_from_dense(np.asarray(transit, dtype=float), null_value=np.inf)
    lead = dijkstra(g, directed=True, indices=0)
    tail = dijkstra(g.T.tocsr(), directed=True, indices=1)
    return [int(x) for x in lead], [int(x) for x in tail]


def _build(problem: HorizonProblem):
    """The OR-Tools model (see the module docstring) and its travel matrix."""
    visits, n_days = problem.visits, problem.n_days
    ids = [problem.start_id, problem.end_id, *(v.customer_id for v in visits)]
    idx = problem.matrix.indices(ids)
    travel = problem.matrix.travel_s[idx][:, idx].astype(int).tolist()
    service = [0, 0, *(int(v.service_s) for v in visits)]
    n = len(ids)
    manager = pywrapcp.RoutingIndexManager(n, n_days, [0] * n_days, [1] * n_days)
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(travel))
    if problem.day_cost_s:
        routing.SetFixedCostOfAllVehicles(int(problem.day_cost_s))
    transit = [[service[a] + travel[a][b] for b in range(n)] for a in range(n)]
    time_cb = routing.RegisterTransitMatrix(transit)
    lead, tail = _lead_tail(transit)
    ws, we = problem.work_start_s, problem.work_end_s
    stride = we - ws + 1
    routing.AddDimension(time_cb, stride, stride * n_days, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    for k in range(n_days):
        for node in (routing.Start(k), routing.End(k)):
            tdim.CumulVar(node).SetRange(k * stride, k * stride + we - ws)
    lunch = problem.lunch
    if lunch is not None:
        solver = routing.solver()
        node_service = [service[manager.IndexToNode(i)] for i in range(routing.Size())]
        for k in range(n_days):
            lo = k * stride + lunch.earliest_s - ws
            hi = lo + lunch.latest_s - lunch.duration_s - lunch.earliest_s
            brk = solver.FixedDurationIntervalVar(lo, hi, lunch.duration_s, False, f"lunch{k}")
            tdim.SetBreakIntervalsOfVehicle([brk], k, node_service)
    if problem.max_visits:
        count_cb = routing.RegisterUnaryTransitVector([0, 0, *([1] * len(visits))])
        routing.AddDimension(count_cb, 0, int(problem.max_visits), True, "visits")
    base = max(max(r) for r in travel) * n + int(problem.day_cost_s) * n_days + 1
    for j, v in enumerate(visits):
        index = manager.NodeToIndex(j + 2)
        routing.AddDisjunction([index], base * max(1, int(v.penalty)))
        ranges = _timeline(problem, v)
        if not ranges:
            continue
        days = sorted({r[0] // stride for r in ranges})
        routing.VehicleVar(index).SetValues([-1, *days])
        cumul = tdim.CumulVar(index)
        cumul.SetRange(ranges[0][0], ranges[-1][1])
        for a, b in _holes(ranges, days, stride, we - ws, lead[j + 2], tail[j + 2]):
            cumul.RemoveInterval(a, b)
    _distinct_days(routing, manager, visits)
    return routing, manager, travel


def _distinct_days(routing, manager, visits: Sequence[HorizonVisit]) -> None:
    """Two visits of one customer whose allowed days overlap never share a day."""
    by_customer: dict[str, list[int]] = {}
    for j, v in enumerate(visits):
        by_customer.setdefault(v.customer_id, []).append(j)
    solver = routing.solver()
    for js in by_customer.values():
        for p, a in enumerate(js):
            for b in js[p + 1 :]:
                if set(visits[a].windows) & set(visits[b].windows):
                    va = routing.VehicleVar(manager.NodeToIndex(a + 2))
                    vb = routing.VehicleVar(manager.NodeToIndex(b + 2))
                    solver.Add(va != vb)


def improve_days(problem: HorizonProblem, params: HorizonParams = HorizonParams()) -> HorizonResult:
    """Move visits between days and reorder them to lower total travel (see the module
    docstring).

    Returns the starting routes unchanged (``improved`` False) when the search finds
    nothing better or cannot read the starting solution (e.g. a start that breaks a
    window of the model).
    """
    t0 = time.perf_counter()
    routing, manager, travel = _build(problem)
    start_routes = [[j + 2 for j in r] for r in problem.routes]
    start_travel = _travel(travel, start_routes)
    result = HorizonResult(
        routes=[list(r) for r in problem.routes], travel_s=start_travel, start_travel_s=start_travel
    )
    initial = routing.ReadAssignmentFromRoutes(
        [[manager.NodeToIndex(x) for x in r] for r in start_routes], True
    )
    stages = [("GREEDY_DESCENT", params.solutions_per_visit)]
    if params.guided_solutions_per_visit > 0:
        stages.append(("GUIDED_LOCAL_SEARCH", params.guided_solutions_per_visit))
    n = len(problem.visits)
    for meta, per_visit in stages:
        if initial is None:
            break
        left = params.time_limit_s - (time.perf_counter() - t0)
        if left <= 0:
            result.time_limit_hit = True
            break
        sp = search_parameters("PARALLEL_CHEAPEST_INSERTION", meta, left, max(1, per_visit * n))
        t_stage = time.perf_counter()
        sol = routing.SolveFromAssignmentWithParameters(initial, sp)
        if time.perf_counter() - t_stage >= left * 0.99:
            result.time_limit_hit = True
        if sol is None:
            break
        routes = assignment_routes(routing, manager, sol)
        new_travel = _travel(travel, routes)
        if sum(len(r) for r in routes) == n and new_travel < result.travel_s:
            result.routes = [[j - 2 for j in r] for r in routes]
            result.travel_s = new_travel
            result.improved = True
        initial = sol
    result.runtime_s = time.perf_counter() - t0
    return result


def _travel(travel: list[list[int]], routes: list[list[int]]) -> int:
    total = 0
    for r in routes:
        if r:
            seq = [0, *r, 1]
            total += sum(travel[a][b] for a, b in zip(seq, seq[1:]))
    return total


__all__ = ["HorizonParams", "HorizonProblem", "HorizonResult", "HorizonVisit", "improve_days"]
