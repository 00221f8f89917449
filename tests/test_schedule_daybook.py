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


@pytest.mark.parametrize("seed", range(6))
def test_delta_add_and_delta_remove_equal_the_day_cost_they_stand_for(seed):
    """``delta_add`` writes :meth:`DayBook.cost` out for speed and ``delta_remove``
    remembers its answers: both must equal the cost of the day with / without the visit
    minus its cost now, exactly (same floats), over overload, a visit limit, a balance
    term and opening-hours costs, as the book changes."""
    import datetime as dt

    from planner.schedule.due import DueVisit
    from planner.schedule.search import DayHours, Slot
    from planner.schedule.tours import best_insertion, removal_gain

    rng = np.random.default_rng(seed)
    n, ws, days = 14, 8 * 3600, 3
    T = rng.integers(300, 2400, size=(n, n)).tolist()
    service = {k: int(rng.integers(10, 60)) * 60 for k in range(2, n)}
    windows = [{int(k): ((10 * 3600, 12 * 3600),) for k in rng.choice(range(2, n), 3)}] * days
    book = DayBook(T, 0, 1, days, 4 * 3600, 4, 0.3, 900.0, DayHours(windows, service, ws))
    day = dt.date(2026, 12, 7)
    slots = [
        Slot(i, f"c{k}", k, service[k], 0, DueVisit(f"c{k}", day, day, day, False, 0))
        for i, k in enumerate(range(2, n))
    ]
    for step in range(30):
        s = slots[int(rng.integers(len(slots)))]
        for d in range(days):
            if s.day == d:
                continue
            ins, _ = best_insertion(T, book.tours[d], s.node)
            want = book.cost(
                book.travel[d] + ins, book.service[d] + s.service_s, book.count[d] + 1, book.tw[d]
            ) - book.cost(book.travel[d], book.service[d], book.count[d], book.tw[d])
            assert book.delta_add(s, d) == want
        if s.day is not None:
            d, tour = s.day, book.tours[s.day]
            gain = removal_gain(T, tour, tour.index(s.node))
            want = book.cost(
                book.travel[d] - gain, book.service[d] - s.service_s, book.count[d] - 1, book.tw[d]
            ) - book.cost(book.travel[d], book.service[d], book.count[d], book.tw[d])
            assert book.delta_remove(s) == want
            assert book.delta_remove(s) == want  # the remembered answer
            book.remove(s)
        else:
            book.add(s, int(rng.integers(days)))
        if step % 5 == 4:
            book.polish(range(days))
