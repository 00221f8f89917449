"""Multi-vehicle VRPTW with the search recipe of :func:`planner.routing.solve_day`.

For benchmarks (``benchmarks/solomon_bench.py``): the same OR-Tools configuration as the
day solver (travel as arc cost, a time dimension whose cumul is the service start, slack
for waiting, droppable visits with a penalty that dominates travel, several first
solutions then guided local search, :mod:`planner.routing.engine`) on a classic
depot-and-fleet instance. Node numbers in and out are the caller's rows (0 = depot), never
OR-Tools indices.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp

from planner.routing.engine import assignment_routes, solve_model


@dataclass(frozen=True)
class VrptwParams:
    """Search knobs of :func:`solve_vrptw`.

    ``time_limit_s`` bounds the whole search (first solutions + guided local search);
    ``checkpoints_s`` are elapsed times at which the best solution so far is recorded
    (e.g. ``(10, 30)`` with a 30-s limit gives the 10-s result of the same run);
    ``vehicle_cost`` is a fixed cost per used vehicle (0 = pure travel objective).
    """

    time_limit_s: float = 10.0
    checkpoints_s: tuple[float, ...] = ()
    vehicle_cost: int = 0


@dataclass
class VrptwResult:
    """Routes as lists of customer rows (1..n, depot 0 excluded), in visiting order.

    ``checkpoints`` maps each requested elapsed time to the best ``(objective, routes)``
    found by then (``None`` when none yet); ``dropped`` lists unvisited customers.
    """

    routes: list[list[int]] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    objective: int = 0
    runtime_s: float = 0.0
    checkpoints: dict[float, tuple[int, list[list[int]]] | None] = field(default_factory=dict)


def solve_vrptw(
    travel: np.ndarray,
    service: Sequence[int],
    windows: Sequence[tuple[int, int]],
    demand: Sequence[int],
    capacity: int,
    vehicles: int,
    params: VrptwParams = VrptwParams(),
    cost: np.ndarray | None = None,
) -> VrptwResult:
    """Solve a VRPTW from one depot (row 0) with the day solver's recipe.

    Parameters
    ----------
    travel : numpy.ndarray
        ``(n + 1, n + 1)`` integer travel times (row 0 = depot).
    service : sequence of int
        Service time per row (0 for the depot).
    windows : sequence of (int, int)
        Service-start window per row; the depot's is the horizon (leave after its start,
        back by its end).
    demand : sequence of int
        Load per row; ``capacity`` per vehicle.
    vehicles : int
        Fleet size (not all need to be used).
    params : VrptwParams
        Time limit, checkpoints, fixed cost per vehicle.
    cost : numpy.ndarray or None
        Integer arc costs (default: ``travel``).

    Returns
    -------
    VrptwResult
        Best routes found within the time limit, and the best at each checkpoint.

    Notes
    -----
    Every customer is a disjunction with a penalty larger than any route plan's total
    cost, so the search never stalls on infeasible partial plans; a result that still
    drops customers says so in ``dropped``. Not reproducible across machines (stopped by
    the time limit), unlike :func:`solve_day`.
    """
    t0 = time.perf_counter()
    n1 = len(travel)
    travel_l = np.asarray(travel, dtype=np.int64).tolist()
    cost_l = travel_l if cost is None else np.asarray(cost, dtype=np.int64).tolist()
    manager = pywrapcp.RoutingIndexManager(n1, int(vehicles), 0)
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitMatrix(cost_l)
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    if params.vehicle_cost:
        routing.SetFixedCostOfAllVehicles(int(params.vehicle_cost))
    svc = [int(s) for s in service]
    time_cb = routing.RegisterTransitMatrix(
        [[svc[a] + travel_l[a][b] for b in range(n1)] for a in range(n1)]
    )
    horizon = int(windows[0][1])
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    for node in range(1, n1):
        lo, hi = (int(x) for x in windows[node])
        tdim.CumulVar(manager.NodeToIndex(node)).SetRange(lo, hi)
    for v in range(int(vehicles)):
        tdim.CumulVar(routing.Start(v)).SetRange(int(windows[0][0]), horizon)
        tdim.CumulVar(routing.End(v)).SetRange(int(windows[0][0]), horizon)
    load_cb = routing.RegisterUnaryTransitVector([int(d) for d in demand])
    routing.AddDimensionWithVehicleCapacity(
        load_cb, 0, [int(capacity)] * int(vehicles), True, "load"
    )
    penalty = int(max(max(row) for row in cost_l)) * n1 + int(params.vehicle_cost) * vehicles + 1
    for node in range(1, n1):
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)

    history: list[tuple[float, int, list[list[int]]]] = []

    def record() -> None:
        obj = routing.CostVar().Max()
        if history and obj >= history[-1][1]:
            return
        routes = [r for r in assignment_routes(routing, manager) if r]
        history.append((time.perf_counter() - t0, obj, routes))

    routing.AddAtSolutionCallback(record)
    found = solve_model(routing, manager, params.time_limit_s, None)
    result = VrptwResult(runtime_s=time.perf_counter() - t0)
    if found is None:
        return result
    routes, objective = found.routes, found.objective
    result.routes = [r for r in routes if r]
    result.objective = objective
    seen = {c for r in routes for c in r}
    result.dropped = [c for c in range(1, n1) if c not in seen]
    for cp in params.checkpoints_s:
        before = [h for h in history if h[0] <= cp]
        result.checkpoints[cp] = (before[-1][1], before[-1][2]) if before else None
    return result


__all__ = ["VrptwParams", "VrptwResult", "solve_vrptw"]
