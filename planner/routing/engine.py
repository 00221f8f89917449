"""OR-Tools search configuration shared by :func:`solve_day` and :func:`solve_vrptw`.

One recipe (see ``../shared/docs/solver-notes.md`` for the measurements behind it):

1. several first-solution strategies, each followed by a greedy descent (deterministic,
   stops by itself at a local optimum); keep the best by objective, i.e. by dropped
   penalty first, then travel (penalties dominate travel by construction). Pure
   PATH_CHEAPEST_ARC with droppable visits can drop everything; the insertion
   strategies never do, so the best of several is safe;
2. guided local search from that solution, stopped by a *solution limit* (reproducible)
   and, as a safety net only, by the time limit; :class:`Found` says when the time limit
   stopped a phase (the result may then differ on another machine).

Solver indices never leave :mod:`planner.routing`: callers get lists of node numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from google.protobuf.duration_pb2 import Duration
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

FIRST_SOLUTION_STRATEGIES: tuple[str, ...] = (
    "PARALLEL_CHEAPEST_INSERTION",
    "PATH_CHEAPEST_ARC",
    "LOCAL_CHEAPEST_INSERTION",
)


#: OR-Tools operators that rebuild routes with an insertion heuristic under
#: ``lns_time_limit`` (100 ms): their result depends on machine speed and load, so they
#: are off in every search (the same plan on any machine; measured on the horizon
#: model: same travel without them).
TIMED_OPERATORS = (
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
    "use_global_cheapest_insertion_expensive_chain_lns",
    "use_local_cheapest_insertion_expensive_chain_lns",
    "use_global_cheapest_insertion_close_nodes_lns",
    "use_local_cheapest_insertion_close_nodes_lns",
)


#: Safety net of the nested searches when the search itself has no time limit.
LNS_SAFETY_S = 3600.0


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
    # ``lns_time_limit`` (100 ms by default) also bounds the nested searches that place
    # lunch breaks and time every candidate solution: on a loaded machine they ran out and
    # candidates an idle machine accepts were rejected (docs/benchmarks/calendar.md). They
    # stop by themselves, so their limit is the search's own safety net.
    p.lns_time_limit.FromNanoseconds(int(max(time_limit_s or LNS_SAFETY_S, 0.001) * 1e9))
    if solution_limit is not None:
        p.solution_limit = int(solution_limit)
    for name in TIMED_OPERATORS:  # their sub-searches stop at a time limit
        setattr(p.local_search_operators, name, optional_boolean_pb2.BOOL_FALSE)
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


@dataclass(frozen=True)
class Found:
    """What :func:`solve_model` found.

    Attributes
    ----------
    routes : list of list of int
        Node numbers per vehicle (start and end nodes excluded).
    objective : int
        The routing model's objective of ``routes``.
    time_limit_hit : bool
        The wall-clock safety limit stopped a phase before its deterministic end (a local
        optimum for the first solutions, the solution limit for guided local search): the
        result may then depend on the machine's speed and load.
    """

    routes: list[list[int]]
    objective: int
    time_limit_hit: bool = False


# RoutingModel.status() values (routing_enums.proto): partial success = the time limit
# stopped the descent before a local optimum; fail timeout = no solution in time.
_STATUS_PARTIAL, _STATUS_FAIL_TIMEOUT = 2, 4


def solve_model(
    routing,
    manager,
    time_limit_s: float,
    solution_limit: int | None,
    strategies: tuple[str, ...] = FIRST_SOLUTION_STRATEGIES,
    metaheuristic: str = "GUIDED_LOCAL_SEARCH",
) -> Found | None:
    """Run the recipe of this module on a built model.

    Parameters
    ----------
    routing, manager : pywrapcp.RoutingModel, pywrapcp.RoutingIndexManager
        The model (all constraints added, not yet solved).
    time_limit_s : float
        Wall-clock safety limit for the whole recipe.
    solution_limit : int or None
        Solutions guided local search may visit (``None``: run until ``time_limit_s``;
        0: no guided local search).
    strategies : tuple of str
        First-solution strategies to try.
    metaheuristic : str
        Metaheuristic of the second phase.

    Returns
    -------
    Found or None
        ``None`` when no strategy found any solution (``time_limit_hit`` cannot be
        reported then: a day without a solution keeps none of its stops anyway).
    """
    t0 = time.perf_counter()
    best: tuple[int, list[list[int]]] | None = None
    hit = False
    for name in strategies:
        left = time_limit_s - (time.perf_counter() - t0)
        if left <= 0 and best is not None:
            hit = True  # strategies left untried
            break
        sol = routing.SolveWithParameters(search_parameters(name, "GREEDY_DESCENT", left))
        hit = hit or routing.status() in (_STATUS_PARTIAL, _STATUS_FAIL_TIMEOUT)
        if sol is None:
            continue
        obj = sol.ObjectiveValue()
        if best is None or obj < best[0]:
            best = (obj, assignment_routes(routing, manager, sol))
    if best is None:
        return None
    left = time_limit_s - (time.perf_counter() - t0)
    if solution_limit != 0 and left <= 0:
        hit = True
    elif solution_limit != 0:
        initial = routing.ReadAssignmentFromRoutes(best[1], True)
        if initial is not None:
            params = search_parameters(strategies[0], metaheuristic, left, solution_limit)
            t_gls = time.perf_counter()
            sol = routing.SolveFromAssignmentWithParameters(initial, params)
            # fewer solutions than the limit: the clock stopped the search, unless it ended
            # by itself (no move left) well before the clock (None = the clock is the budget)
            short = solution_limit is not None and routing.solver().Solutions() < solution_limit
            clock = time.perf_counter() - t_gls >= 0.99 * left
            hit = hit or (short and clock) or routing.status() == _STATUS_FAIL_TIMEOUT
            if sol is not None and sol.ObjectiveValue() <= best[0]:
                best = (sol.ObjectiveValue(), assignment_routes(routing, manager, sol))
    return Found(best[1], best[0], hit)
