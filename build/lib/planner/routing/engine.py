"""OR-Tools search configuration shared by :func:`solve_day` and :func:`solve_vrptw`.

One recipe (see ``../shared/docs/solver-notes.md`` for the measurements behind it):

1. several first-solution strategies, each followed by a greedy descent (deterministic,
   stops by itself at a local optimum); keep the best by objective, i.e. by dropped
   penalty first, then travel (penalties dominate travel by construction). Pure
   PATH_CHEAPEST_ARC with droppable visits can drop everything; the insertion
   strategies never do, so the best of several is safe;
2. guided local search from that solution, stopped by a *solution limit* (reproducible)
   and, as a safety net only, by the time limit.

Solver indices never leave :mod:`planner.routing`: callers get lists of node numbers.
"""

from __future__ import annotations

import time

from google.protobuf.duration_pb2 import Duration
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

FIRST_SOLUTION_STRATEGIES: tuple[str, ...] = (
    "PARALLEL_CHEAPEST_INSERTION",
    "PATH_CHEAPEST_ARC",
    "LOCAL_CHEAPEST_INSERTION",
)


def search_parameters(
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION",
    metaheuristic: str = "GREEDY_DESCENT",
    time_limit_s: float | None = None,
    solution_limit: int | None = None,
):
    """OR-Tools ``RoutingSearchParameters`` with quiet logging.

    Parameters
    ----------
    first_solution : str
        A ``FirstSolutionStrategy`` name.
    metaheuristic : str
        A ``LocalSearchMetaheuristic`` name (``GREEDY_DESCENT`` stops by itself).
    time_limit_s : float or None
        Wall-clock limit; results depend on machine speed when it is reached.
    solution_limit : int or None
        Number of solutions the search may visit: the reproducible way to stop GLS.
    """
    p = pywrapcp.DefaultRoutingSearchParameters()
    p.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.Value.Value(first_solution)
    p.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.Value.Value(
        metaheuristic
    )
    p.log_search = False
    if time_limit_s is not None:
        d = Duration()
        d.FromNanoseconds(int(max(time_limit_s, 0.001) * 1e9))
        p.time_limit.CopyFrom(d)
    if solution_limit is not None:
        p.solution_limit = int(solution_limit)
    return p


def assignment_routes(routing, manager, assignment=None) -> list[list[int]]:
    """Node numbers visited by each vehicle (start and end nodes excluded).

    ``assignment=None`` reads the solution being reported to an at-solution callback.
    """
    value = (lambda var: var.Value()) if assignment is None else assignment.Value
    routes = []
    for v in range(manager.GetNumberOfVehicles()):
        idx = value(routing.NextVar(routing.Start(v)))
        route = []
        while not routing.IsEnd(idx):
            route.append(manager.IndexToNode(idx))
            idx = value(routing.NextVar(idx))
        routes.append(route)
    return routes


def solve_model(
    routing,
    manager,
    time_limit_s: float,
    solution_limit: int | None,
    strategies: tuple[str, ...] = FIRST_SOLUTION_STRATEGIES,
    metaheuristic: str = "GUIDED_LOCAL_SEARCH",
) -> tuple[list[list[int]], int] | None:
    """Run the recipe of this module on a built model.

    Parameters
    ----------
    routing, manager : pywrapcp.RoutingModel, pywrapcp.RoutingIndexManager
        The model (all constraints added, not yet solved).
    time_limit_s : float
        Wall-clock budget for the whole recipe.
    solution_limit : int or None
        Solutions guided local search may visit (``None``: run until ``time_limit_s``).
    strategies : tuple of str
        First-solution strategies to try.
    metaheuristic : str
        Metaheuristic of the second phase.

    Returns
    -------
    (routes, objective) or None
        Node numbers per vehicle and the objective value; ``None`` when no strategy
        found any solution within the time limit.
    """
    t0 = time.perf_counter()
    best: tuple[int, list[list[int]]] | None = None
    for name in strategies:
        left = time_limit_s - (time.perf_counter() - t0)
        if left <= 0 and best is not None:
            break
        sol = routing.SolveWithParameters(search_parameters(name, "GREEDY_DESCENT", left))
        if sol is None:
            continue
        obj = sol.ObjectiveValue()
        if best is None or obj < best[0]:
            best = (obj, assignment_routes(routing, manager, sol))
    if best is None:
        return None
    left = time_limit_s - (time.perf_counter() - t0)
    if left > 0 and solution_limit != 0:
        initial = routing.ReadAssignmentFromRoutes(best[1], True)
        if initial is not None:
            params = search_parameters(strategies[0], metaheuristic, left, solution_limit)
            sol = routing.SolveFromAssignmentWithParameters(initial, params)
            if sol is not None and sol.ObjectiveValue() <= best[0]:
                best = (sol.ObjectiveValue(), assignment_routes(routing, manager, sol))
    return best[1], best[0]
