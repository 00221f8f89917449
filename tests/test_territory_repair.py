"""Contiguity repair on small cell grids: every territory ends in one piece."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from planner.territory.repair import (
    BalanceState,
    Graph,
    rebalance,
    repair_contiguity,
    stray_pieces,
)


def grid_graph(w: int, h: int) -> Graph:
    """Cells of a w x h grid, neighbours sharing a side."""
    edges = [(y * w + x, y * w + x + 1) for y in range(h) for x in range(w - 1)]
    edges += [(y * w + x, (y + 1) * w + x) for y in range(h - 1) for x in range(w)]
    return Graph.from_edges(w * h, np.array(edges))


def repaired(labels: np.ndarray, graph: Graph, pinned: np.ndarray | None = None):
    n = len(labels)
    weight, part = np.ones(n), np.zeros(n, dtype=np.int64)
    pinned = np.zeros(n, dtype=bool) if pinned is None else pinned
    out = repair_contiguity(labels, graph, weight, pinned, part)
    return out, int(stray_pieces(out, graph, weight, part)[1].sum())


def test_stray_pieces_that_border_each_other_do_not_swap_forever():
    # label 0 in three single cells, label 1 in two; 7 borders 6 and 8 only among strays
    labels = np.array([2, 0, 1, 2, 2, 2, 0, 1, 0])
    out, stray = repaired(labels, grid_graph(3, 3))
    assert stray == 0, out.reshape(3, 3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_grids_end_contiguous(seed):
    rng = np.random.default_rng(seed)
    graph = grid_graph(5, 4)
    for _ in range(200):
        labels = rng.integers(0, 4, 20)
        out, stray = repaired(labels, graph)
        assert stray == 0, labels.reshape(4, 5)
        assert set(out.tolist()) <= set(labels.tolist())


def test_pinned_piece_stays_where_it_is():
    labels = np.array(
        [0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0]
    )  # cell 14 is a stray piece of territory 0
    pinned = np.zeros(15, dtype=bool)
    pinned[14] = True
    out, stray = repaired(labels, grid_graph(5, 3), pinned)
    assert out[14] == 0 and stray == 1
    out, stray = repaired(labels, grid_graph(5, 3))
    assert out[14] == 1 and stray == 0


def _keep_state(orig: np.ndarray, count: np.ndarray, cost: np.ndarray, load_u: float):
    n = len(orig)
    lower = np.array([n - load_u, load_u])
    return BalanceState(
        weight=np.ones(n),
        fixed=np.zeros(2),
        pinned=np.zeros(n, dtype=bool),
        cost=cost,
        orig=orig,
        lower=lower,
        upper=lower.copy(),
        target_lower=lower,
        target_upper=lower.copy(),
        allowed=np.ones((2, n), dtype=bool),
        keep=True,
        count=count,
    )


def test_keep_rebalance_moves_the_cells_that_change_fewest_customers():
    """Territory 1 (left column of a 3 x 3 grid) needs two more cells from territory 0.
    Of territory 0's border cells (1, 4, 7, and 2 once 1 has moved): 1 belonged to a rep
    who left (moving it changes no one's territory), 4 holds three customers, 2 two and 7
    one; travel alone favours 4."""
    labels = np.array([1, 0, 0, 1, 0, 0, 1, 0, 0])
    orig = np.array([1, -1, 0, 1, 0, 0, 1, 0, 0])
    count = np.array([1, 1, 2, 1, 3, 1, 1, 1, 1], dtype=float)
    cost = np.full((2, 9), 10.0)
    cost[1, 4] = 0.0
    out = rebalance(labels, grid_graph(3, 3), _keep_state(orig, count, cost, 5.0))
    assert sorted(np.flatnonzero(out != labels).tolist()) == [1, 7]
    # one cell only: the leaver's
    out = rebalance(labels, grid_graph(3, 3), _keep_state(orig, count, cost, 4.0))
    assert np.flatnonzero(out != labels).tolist() == [1]
    # not keep mode: travel decides
    state = replace(_keep_state(orig, count, cost, 4.0), keep=False)
    assert np.flatnonzero(rebalance(labels, grid_graph(3, 3), state) != labels).tolist() == [4]
