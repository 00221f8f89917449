"""The calendar's day book: remembered insertion costs equal a fresh computation."""

from __future__ import annotations

import numpy as np
import pytest

from planner.schedule.search import DayBook


def _brute_insertions(T: list[list[int]], tour: list[int]) -> list[int]:
    """Cheapest extra travel to insert each node into ``tour``, in Python integers."""
    return [
        min(T[a][k] + T[k][b] - T[a][b] for a, b in zip(tour, tour[1:], strict=False))
        for k in range(len(T))
    ]


@pytest.mark.parametrize("scale", [3600, 10**9])  # int32 matrices, and the int64 fallback
def test_insertion_costs_equal_brute_force_across_changes_and_returns(scale):
    rng = np.random.default_rng(3)
    n = 12
    T = rng.integers(0, scale, size=(n, n)).tolist()
    book = DayBook(T, 0, 1, 2, capacity_s=8 * 3600, max_visits=20, balance_weight=0.0)
    for nodes in ([2, 3, 4], [5, 6, 7, 8], [2, 3, 4], [9]):  # the third is a memo hit
        book.rebuild(0, nodes)
        assert book.insertion_costs(0) == _brute_insertions(T, book.tours[0])
    assert book.insertion_costs(1) == _brute_insertions(T, [0, 1])
