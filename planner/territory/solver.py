"""The territory stage's OR-Tools adapter: balanced assignment as min-cost flow.

The only module of :mod:`planner.territory` that imports ortools. Both problems are
transportation problems with *soft* territory bounds, so they are always feasible:

- :func:`assign_balanced`: cells (supply = their workload, in integer units) flow to
  territories along allowed arcs (cost = travel cost per unit); each territory takes up
  to ``lower`` units at no extra cost, up to ``upper`` at cost ``penalty`` and anything
  beyond at ``penalty + over`` (``over`` defaults to ``penalty``). With ``penalty``
  larger than any arc cost, the optimum fills every territory to its lower bound
  whenever the arcs allow it; with ``over`` larger than any arc cost too it also meets
  the upper bounds, and with a smaller ``over`` it sends a unit to a territory further
  away only when that costs less than ``over`` more (a limit on detours for balance).
  An optimal basic solution splits at most ``k - 1`` cells between territories; the
  caller gives each split cell to its largest share.
- :func:`plan_transfers`: how much workload to pass between neighbouring territories
  so that every territory ends inside its bounds, at least hops.

Solver indices never leave this module: inputs and outputs are numpy arrays aligned
with the caller's cells and territories.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

_MAX_COST = 2**62


def _solve(smcf: min_cost_flow.SimpleMinCostFlow) -> None:
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")


def _sink_arcs(
    smcf,
    first_node: int,
    sink: int,
    lower: np.ndarray,
    upper: np.ndarray,
    total: int,
    penalty: int,
    over_penalty: int | None = None,
) -> None:
    k = len(lower)
    nodes = np.arange(first_node, first_node + k)
    lo = np.maximum(lower, 0).astype(np.int64)
    mid = np.maximum(upper - lo, 0).astype(np.int64)
    over = np.full(k, max(total, 1), dtype=np.int64)
    smcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([nodes, nodes, nodes]),
        np.full(3 * k, sink),
        np.concatenate([lo, mid, over]),
        np.concatenate(
            [
                np.zeros(k, np.int64),
                np.full(k, penalty, np.int64),
                np.full(k, penalty + (penalty if over_penalty is None else over_penalty), np.int64),
            ]
        ),
    )


def assign_balanced(
    supply: np.ndarray,
    arc_cell: np.ndarray,
    arc_terr: np.ndarray,
    arc_cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    penalty: int,
    over_penalty: int | None = None,
) -> np.ndarray:
    """Flow on each cell -> territory arc of the cheapest softly balanced assignment.

    Parameters
    ----------
    supply : numpy.ndarray
        ``(n,)`` int units of each cell (>= 1).
    arc_cell, arc_terr, arc_cost : numpy.ndarray
        Allowed arcs: cell index, territory index (``0..k-1``), int cost per unit.
        Every cell needs at least one arc.
    lower, upper : numpy.ndarray
        ``(k,)`` int bounds of each territory's units.
    penalty : int
        Cost per unit above ``lower``; larger than any arc cost.
    over_penalty : int, optional
        Extra cost per unit above ``upper`` (default ``penalty``).

    Returns
    -------
    numpy.ndarray
        ``(len(arc_cell),)`` int flow on each arc; each cell's flows sum to its supply.
    """
    n, k = len(supply), len(lower)
    total = int(supply.sum())
    worst = 2 * penalty + (0 if over_penalty is None else over_penalty)
    if total * worst >= _MAX_COST or int(arc_cost.max(initial=0)) >= penalty:
        raise ValueError("assignment costs overflow: lower the unit scale")
    smcf = min_cost_flow.SimpleMinCostFlow()
    sink = n + k
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        arc_cell.astype(np.int64),
        (n + arc_terr).astype(np.int64),
        supply[arc_cell].astype(np.int64),
        arc_cost.astype(np.int64),
    )
    _sink_arcs(smcf, n, sink, lower, upper, total, penalty, over_penalty)
    smcf.set_nodes_supplies(
        np.arange(n + k + 1),
        np.concatenate([supply.astype(np.int64), np.zeros(k, np.int64), [-total]]),
    )
    _solve(smcf)
    return smcf.flows(arcs)


def plan_transfers(
    load: np.ndarray, lower: np.ndarray, upper: np.ndarray, edges: np.ndarray
) -> list[tuple[int, int, int]]:
    """Workload units to pass between neighbouring territories to meet the bounds.

    Parameters
    ----------
    load : numpy.ndarray
        ``(k,)`` int units each territory holds now.
    lower, upper : numpy.ndarray
        ``(k,)`` int bounds.
    edges : numpy.ndarray
        ``(m, 2)`` neighbouring territory pairs (either order; both directions allowed).

    Returns
    -------
    list of (from, to, units)
        Transfers with ``units > 0``, sorted by (from, to).
    """
    k = len(load)
    if k == 0 or len(edges) == 0:
        return []
    total = int(load.sum())
    penalty = 4 * k + 4  # more than the longest chain of hops
    smcf = min_cost_flow.SimpleMinCostFlow()
    sink = k
    both = np.concatenate([edges, edges[:, ::-1]]).astype(np.int64)
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        both[:, 0],
        both[:, 1],
        np.full(len(both), max(total, 1), np.int64),
        np.ones(len(both), np.int64),
    )
    _sink_arcs(smcf, 0, sink, lower, upper, total, penalty)
    smcf.set_nodes_supplies(np.arange(k + 1), np.concatenate([load.astype(np.int64), [-total]]))
    _solve(smcf)
    flows = smcf.flows(arcs)
    net: dict[tuple[int, int], int] = {}
    for (a, b), f in zip(both.tolist(), flows.tolist(), strict=True):
        if f:
            net[(a, b)] = net.get((a, b), 0) + int(f)
    out = []
    for (a, b), f in net.items():
        back = net.get((b, a), 0)
        if f > back:
            out.append((a, b, f - back))
    return sorted(out)
