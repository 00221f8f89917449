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


def test_pair_exchange_estimate_keeps_the_days_opening_hours_cost():
    """The pair exchange's estimate (:func:`planner.schedule.exchange._joint_delta`) of one
    visit coming to, or leaving, a day equals the day book's own :meth:`DayBook.delta_add`
    / :meth:`DayBook.delta_remove`, which keep the day's opening-hours cost. Before, the
    estimate dropped that cost, so a day with one looked cheaper by it."""
    import datetime as dt

    from planner.schedule.due import DueVisit
    from planner.schedule.exchange import _joint_delta
    from planner.schedule.search import DayHours, Search, Slot

    rng = np.random.default_rng(5)
    n, ws = 8, 8 * 3600
    T = rng.integers(300, 1800, size=(n, n)).tolist()
    service = {k: 1800 for k in range(2, n)}
    # node 2 opens at 12:00 only: the rep waits for it, an opening-hours cost on day 0
    windows = [{2: ((12 * 3600, 13 * 3600),)}, {}]
    book = DayBook(T, 0, 1, 2, 8 * 3600, 20, 0.0, 900.0, DayHours(windows, service, ws))
    day = dt.date(2026, 12, 7)
    slots = [
        Slot(i, f"c{k}", k, 1800, 0, DueVisit(f"c{k}", day, day, day, False, 0))
        for i, k in enumerate(range(2, n))
    ]
    search = Search(book, slots, [])
    for s in slots[:3]:
        book.add(s, 0)
    book.polish([0])
    assert book.tw[0] > 0
    assert _joint_delta(search, {0: ([], [3])}) == pytest.approx(book.delta_add(slots[3], 0))
    assert _joint_delta(search, {0: ([1], [])}) == pytest.approx(book.delta_remove(slots[1]))
