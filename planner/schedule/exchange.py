"""Exchange moves of the calendar's search: whole weekday zones, and pairs of units.

Internal to :mod:`planner.schedule.calendar`. Single moves (one unit to another day) are
in :meth:`planner.schedule.search.Search.local_search`; when days are full they are
blocked by the overload penalty, and exchanging two units (each takes the other's day)
is what keeps improving.
"""

from __future__ import annotations

import itertools

import numpy as np

from planner.schedule.search import MIN_GAIN, Search, Unit
from planner.schedule.tours import removal_gain


def swap_zones(search: Search, patterns: list[Unit], dated: list[Unit]) -> int:
    """Swap the weekdays of two whole day zones when that lowers the cost.

    For each pair of weekdays, every weekly-pattern customer of one takes the other
    (when it may) and dated visits on the days involved are re-inserted; kept only when
    the total cost drops. Returns the number of swaps kept.
    """
    labels = sorted({u.labels[u.choice] % 7 for u in patterns if u.choice >= 0})
    kept = 0
    for a, b in itertools.combinations(labels, 2):
        swap = {a: b, b: a}
        movers = []
        for u in patterns:  # label = week offset * 7 + weekday: swap the weekday only
            if u.choice < 0 or u.labels[u.choice] % 7 not in swap:
                continue
            cur = u.labels[u.choice]
            target = cur - cur % 7 + swap[cur % 7]
            if target in u.labels:
                movers.append((u, u.labels.index(target)))
        if not movers:
            continue
        before = search.total()
        state = search.save()
        touched: set[int] = set()
        for u, _ in movers:
            touched |= search.lift(u)
        for u, o in movers:
            search.place(u, o)
            touched |= {d for d in u.options[o] if d is not None}
        loose = [
            u
            for u in dated
            if u.choice >= 0
            and len(u.options) > 1
            and any(search.slots[i].day in touched for i in u.slots)
        ]
        for u in loose:
            touched |= search.lift(u)
        touched |= search.recreate(loose)
        search.book.polish(sorted(touched))
        if search.total() < before - MIN_GAIN:
            kept += 1
        else:
            search.restore(state)
    return kept


def _joint_delta(search: Search, changes: dict[int, tuple[list[int], list[int]]]) -> float:
    """Estimated cost change when, per day, the slots ``removed`` leave and ``added`` come.

    Removal gains and insertion costs are taken on the current tours (independently of
    each other); the day's cost function sees the combined travel, service and count, and
    the day's current opening-hours cost (as :meth:`DayBook.delta_add` does).
    """
    book, slots, T = search.book, search.slots, search.book.T
    total = 0.0
    for d, (removed, added) in changes.items():
        travel, service, count = book.travel[d], book.service[d], book.count[d]
        tour = book.tours[d]
        for i in removed:
            s = slots[i]
            travel -= removal_gain(T, tour, tour.index(s.node))
            service -= s.service_s
            count -= 1
        ins = book.insertion_costs(d)
        for i in added:
            s = slots[i]
            travel += ins[s.node]
            service += s.service_s
            count += 1
        # the day's opening-hours cost as it is now (the tours are not re-timed here)
        total += book.cost(travel, service, count, book.tw[d]) - book.day_cost(d)
    return total


def _movable(search: Search, u: Unit, o: int) -> bool:
    """True when option ``o`` places exactly the visits of ``u`` that are placed now."""
    return all(
        (search.slots[i].day is None) == (d is None)
        for i, d in zip(u.slots, u.options[o], strict=True)
    )


def _changes(pairs: list[tuple[Unit, int]], search: Search) -> dict[int, tuple[list, list]]:
    out: dict[int, tuple[list, list]] = {}
    for u, o in pairs:
        for i, new in zip(u.slots, u.options[o], strict=True):
            old = search.slots[i].day
            if old == new:
                continue
            if old is not None:
                out.setdefault(old, ([], []))[0].append(i)
            if new is not None:
                out.setdefault(new, ([], []))[1].append(i)
    return out


def swap_units(search: Search, group: list[Unit], rounds: int, rng: np.random.Generator) -> int:
    """Exchange the options of two units of ``group`` (each takes the other's label).

    ``group`` holds units of one kind (weekly-pattern customers, labelled by weekday, or
    dated visits, labelled by day). A pair is evaluated with :func:`_joint_delta`,
    applied when it promises a gain, and kept only when the total cost really drops.
    Returns the number of exchanges kept.
    """
    kept = 0
    units = [u for u in group if len(u.options) > 1 and u.choice >= 0]
    for _ in range(rounds):
        by_label: dict[int, list[Unit]] = {}
        for u in units:
            by_label.setdefault(u.labels[u.choice], []).append(u)
        improved = 0
        for k in rng.permutation(len(units)):
            u = units[int(k)]
            lab_u = u.labels[u.choice]
            best, best_pair = -MIN_GAIN, None
            for ou, lab in enumerate(u.labels):
                if ou == u.choice or not _movable(search, u, ou):
                    continue
                for v in by_label.get(lab, ()):
                    if v is u or lab_u not in v.labels or v.labels[v.choice] != lab:
                        continue
                    ov = v.labels.index(lab_u)
                    if not _movable(search, v, ov):
                        continue
                    pair = [(u, ou), (v, ov)]
                    delta = _joint_delta(search, _changes(pair, search))
                    if delta < best:
                        best, best_pair = delta, pair
            if best_pair is None:
                continue
            before = search.total()
            state = search.save()
            touched: set[int] = set()
            for w, o in best_pair:
                touched |= search.apply_move(w, o)
            search.book.polish(sorted(touched))
            if search.total() < before - MIN_GAIN:
                improved += 1
                v = best_pair[1][0]
                lab_v = u.labels[u.choice]  # u took v's old label
                by_label[lab_u].remove(u)
                by_label[lab_v].remove(v)
                by_label[lab_v].append(u)
                by_label[lab_u].append(v)
            else:
                search.restore(state)
        kept += improved
        if not improved:
            break
    return kept
