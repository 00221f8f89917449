"""The calendar's first solution: weekday sectors by a balanced angular sweep.

Internal to :mod:`planner.schedule.calendar`: the customers that keep one weekday are
split by angle around a centre into as many sectors as the rep has working weekdays,
each holding the same weekly workload; sectors are matched to weekdays so that most
customers are open on theirs; dated visits are then placed by regret insertion.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from planner.schedule.search import Search, Unit


def _sector_weekdays(
    sector: np.ndarray, k: int, weights: np.ndarray, opts: list[set[int]], working_days: list[int]
) -> tuple[int, ...]:
    """The weekday of each sector that lets most (weighted) customers keep their sector."""
    A = np.zeros((k, len(working_days)))
    for i, s in enumerate(sector):
        for j, wd in enumerate(working_days):
            if wd in opts[i]:
                A[s, j] += weights[i]
    best, best_perm = -1.0, tuple(range(k))
    for perm in itertools.permutations(range(len(working_days)), k):
        score = float(sum(A[s, perm[s]] for s in range(k)))
        if score > best + 1e-9:
            best, best_perm = score, perm
    return tuple(working_days[j] for j in best_perm)


def _sweep(
    lat: np.ndarray,
    lon: np.ndarray,
    centre: tuple[float, float],
    weights: np.ndarray,
    k: int,
    offset: float,
) -> np.ndarray:
    """Sector (0..k-1) of each point: equal total weight per sector, by angle."""
    ang = np.arctan2(lat - centre[0], (lon - centre[1]) * math.cos(math.radians(centre[0])))
    order = np.lexsort((np.arange(len(lat)), np.round(ang, 9)))
    w = weights[order]
    total = float(w.sum()) or 1.0
    pos = (np.cumsum(w) - w / 2) / total
    sec_sorted = np.floor(((pos + offset / k) % 1.0) * k).astype(int).clip(0, k - 1)
    sector = np.empty(len(lat), dtype=int)
    sector[order] = sec_sorted
    return sector


def first_calendar(
    search: Search,
    patterns: list[Unit],
    dated: list[Unit],
    coords: np.ndarray,
    centres: list[tuple[float, float]],
    working_days: list[int],
    sweep_starts: int,
    seed: int,
) -> None:
    """Weekdays by a balanced angular sweep, dated visits by regret insertion.

    Tries ``sweep_starts`` rotations around each centre and keeps the cheapest calendar.
    ``coords`` holds ``(lat, lon)`` of each pattern unit.
    """
    book, slots = search.book, search.slots
    base = search.save()
    k = max(1, len(working_days))
    best_cost, best_state = math.inf, None
    if patterns:
        nodes = [u.node for u in patterns]
        nn = [min((book.T[a][b] for b in nodes if b != a), default=0) for a in nodes]
        tau = float(np.median(nn))
        weights = np.array(
            [len(u.slots) * (slots[u.slots[0]].service_s + 2 * tau) for u in patterns]
        )
        opts = [{w % 7 for w in u.labels} for u in patterns]
    for centre in (centres or [(0.0, 0.0)]) if patterns else [None]:
        for j in range(max(1, sweep_starts) if patterns else 1):
            search.restore(base)
            by_day: dict[int, list[int]] = {}
            if patterns:
                assert centre is not None
                offset = (j + (seed % 7) / 7.0) / max(1, sweep_starts)
                sector = _sweep(coords[:, 0], coords[:, 1], centre, weights, k, offset)
                sector_wd = list(_sector_weekdays(sector, k, weights, opts, working_days))
                for i, u in enumerate(patterns):
                    s0 = int(sector[i])

                    dist = []
                    n_ph = 1 + max(w // 7 for w in u.labels)
                    for w in u.labels:  # label = week offset * 7 + weekday
                        wd, ph = w % 7, w // 7
                        turn = (ph - i) % n_ph  # phases dealt out in turn
                        if wd not in sector_wd:
                            dist.append((k + 1, turn, w))
                            continue
                        jj = sector_wd.index(wd)
                        dist.append((min(abs(jj - s0), k - abs(jj - s0)), turn, w))
                    o = min(range(len(u.options)), key=dist.__getitem__)
                    u.choice = o
                    for i_s, d in zip(u.slots, u.options[o], strict=True):
                        slots[i_s].day = d
                        if d is not None:
                            by_day.setdefault(d, []).append(i_s)
            for d, idx in by_day.items():
                book.rebuild(d, book.tours[d][1:-1] + [slots[i].node for i in idx])
                book.service[d] += sum(slots[i].service_s for i in idx)
                book.count[d] += len(idx)
                book.version[d] += 1
            search.recreate(dated)
            book.polish(range(book.n))
            cost = search.total()
            if cost < best_cost - 1e-6:
                best_cost, best_state = cost, search.save()
    assert best_state is not None
    search.restore(best_state)
