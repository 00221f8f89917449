"""Fast travel estimates for a day's visits (no time windows): the calendar's yardstick.

A tour is a list of matrix indices ``[start, stop, ..., stop, end]``; ``T`` is the travel
matrix as nested Python lists (``matrix.travel_s.tolist()``: for tours of a dozen stops,
plain loops beat numpy's call overhead). The heuristics (cheapest insertion, then 2-opt
and or-opt on the asymmetric matrix) only estimate what a set of visits costs to drive
on one day; the real route comes from OR-Tools in :mod:`planner.routing`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

Matrix = list[list[int]]


def tour_cost(T: Matrix, tour: Sequence[int]) -> int:
    """Travel seconds along ``tour``."""
    return sum(T[tour[k]][tour[k + 1]] for k in range(len(tour) - 1))


def best_insertion(T: Matrix, tour: Sequence[int], x: int) -> tuple[int, int]:
    """Cheapest place for ``x`` in ``tour``: ``(extra travel seconds, insert position)``."""
    tx = T[x]
    best, pos = None, 1
    prev = tour[0]
    for k in range(1, len(tour)):
        nxt = tour[k]
        tp = T[prev]
        c = tp[x] + tx[nxt] - tp[nxt]
        if best is None or c < best:
            best, pos = c, k
        prev = nxt
    return int(best or 0), pos


def removal_gain(T: Matrix, tour: Sequence[int], pos: int) -> int:
    """Travel seconds saved by removing the stop at ``pos`` (0 < pos < len - 1)."""
    p, x, n = tour[pos - 1], tour[pos], tour[pos + 1]
    return T[p][x] + T[x][n] - T[p][n]


def build_tour(T: Matrix, start: int, end: int, nodes: Sequence[int]) -> list[int]:
    """Cheapest-insertion tour from ``start`` through ``nodes`` to ``end``, then improved."""
    tour = [start, end]
    rem = list(nodes)
    while rem:
        best = None
        for r, x in enumerate(rem):
            c, pos = best_insertion(T, tour, x)
            if best is None or c < best[0]:
                best = (c, pos, r)
        assert best is not None
        _, pos, r = best
        tour.insert(pos, rem.pop(r))
    return improve_tour(T, tour)


def _two_opt_pass(T: Matrix, tour: list[int]) -> bool:
    """First improving reversal of ``tour[i..j]`` (exact on an asymmetric matrix)."""
    n = len(tour)
    if n < 5:
        return False
    fwd = [0] * n
    bwd = [0] * n
    for k in range(1, n):
        fwd[k] = fwd[k - 1] + T[tour[k - 1]][tour[k]]
        bwd[k] = bwd[k - 1] + T[tour[k]][tour[k - 1]]
    for i in range(1, n - 2):
        a, ti = tour[i - 1], tour[i]
        Ta = T[a]
        for j in range(i + 1, n - 1):
            tj, b = tour[j], tour[j + 1]
            old = Ta[ti] + fwd[j] - fwd[i] + T[tj][b]
            new = Ta[tj] + bwd[j] - bwd[i] + T[ti][b]
            if new < old:
                tour[i : j + 1] = tour[i : j + 1][::-1]
                return True
    return False


def _or_opt_pass(T: Matrix, tour: list[int]) -> bool:
    """First improving move of a segment of 1-3 stops elsewhere in ``tour`` (same direction)."""
    n = len(tour)
    for seg in (1, 2, 3):
        for i in range(1, n - seg):
            j = i + seg - 1
            p, q = tour[i - 1], tour[j + 1]
            si, sj = tour[i], tour[j]
            gain = T[p][si] + T[sj][q] - T[p][q]
            if gain <= 0:
                continue
            Tj = T[sj]
            # edges (tour[k], tour[k+1]) that do not touch the segment
            for k in itertools.chain(range(0, i - 1), range(j + 1, n - 1)):
                a, b = tour[k], tour[k + 1]
                Ta = T[a]
                if Ta[si] + Tj[b] - Ta[b] < gain:
                    segment = tour[i : j + 1]
                    if k < i:
                        tour[k + 1 : j + 1] = segment + tour[k + 1 : i]
                    else:
                        tour[i : k + 1] = tour[j + 1 : k + 1] + segment
                    return True
    return False


def improve_tour(T: Matrix, tour: list[int], max_passes: int = 200) -> list[int]:
    """Improve ``tour`` in place with 2-opt and or-opt moves until none helps."""
    for _ in range(max_passes):
        if not (_two_opt_pass(T, tour) or _or_opt_pass(T, tour)):
            break
    return tour
