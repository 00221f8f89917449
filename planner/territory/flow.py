"""The balanced assignment of cells to territories, as a min-cost flow.

Each cell holding customers sends its weight (the balanced quantity, in integer units)
to one territory; a territory takes its rep's capacity share of the total within a band
(soft bounds, :func:`planner.territory.solver.assign_balanced`), and only cells its rep
can reach. The cost of a unit is the travel from the territory's start point
(:func:`redesign_cost`): squared minutes when the team has time to spare (compact, close
to a power diagram of the start points), plain minutes when it is short of time (then
every rep is filled to their own time with the nearest work and extra work does not
travel more than :data:`MAX_DETOUR_MIN` past its nearest rep). In ``keep`` mode moving a
customer out of its current territory costs more than any travel saving.

A cell is offered only its nearest territories (10), which keeps the flow small. Where
that cannot meet the bounds, e.g. a city holding many territories' worth of work but few
reps' homes, the offer is widened and the flow solved again: cells that ended in an
overloaded territory get twice as many nearest territories, and an underloaded territory
is offered its own nearest cells.
"""

from __future__ import annotations

import numpy as np

from planner.territory.solver import assign_balanced

NEAREST_TERRITORIES = 10  # territories first offered to each cell
MAX_WIDENINGS = 6  # 10 -> 640 nearest territories at most
LINEAR_SCALE = 16.0  # cost units per travel minute when the team is short of time
MAX_DETOUR_MIN = 60.0  # a team short of time: work goes no further than this past its nearest rep


def flow_labels(
    cell_w: np.ndarray,
    has_cust: np.ndarray,
    cell_pin: np.ndarray,
    cell_cost: np.ndarray,
    fixed: np.ndarray,
    of: np.ndarray,
    orig: np.ndarray,
    cell_orig: np.ndarray,
    keep: bool,
    bounds: tuple[np.ndarray, np.ndarray],
    allowed: np.ndarray,
    seed: int,
    detour_min: float = 0.0,
) -> np.ndarray:
    """Territory index of each cell (``-1`` for cells without customers).

    Parameters
    ----------
    cell_w : numpy.ndarray
        ``(m,)`` balanced quantity of each cell's movable customers.
    has_cust : numpy.ndarray
        ``(m,)`` bool, cells holding customers (only these are assigned).
    cell_pin : numpy.ndarray
        ``(m,)`` territory a cell is pinned to, or -1.
    cell_cost : numpy.ndarray
        ``(k, m)`` travel seconds from each territory's centre to each cell.
    fixed : numpy.ndarray
        ``(k,)`` load each territory holds outside the cells (split pins).
    of, orig : numpy.ndarray
        ``(n,)`` cell of each customer, and its current territory (keep) or -1.
    cell_orig : numpy.ndarray
        ``(m,)`` current territory of each cell (keep) or -1.
    keep : bool
        Minimise moved customers first, travel second.
    bounds : (numpy.ndarray, numpy.ndarray)
        ``(k,)`` lower and upper load of each territory the flow aims for (the balanced
        quantity, ``fixed`` included): each rep's capacity share, see
        :mod:`planner.territory.capacity`.
    allowed : numpy.ndarray
        ``(k, m)`` bool: territories a cell may go to (its rep can reach every customer
        in it). A pin wins over it; a cell allowed nowhere may go anywhere.
    seed : int
        Breaks ties between equally good assignments.
    detour_min : float
        > 0: the upper bounds give way where meeting them would send work more than
        this many minutes further than its nearest territory (a team short of time keeps
        its extra work near where it is); 0: bounds first.
    """
    k, m = cell_cost.shape
    cells = np.flatnonzero(has_cust)
    nc = len(cells)
    labels = np.full(m, -1, dtype=np.int64)
    if nc == 0:
        return labels
    total_w = float(cell_w.sum() + fixed.sum())
    scale = (1e6 if keep else 4e6) / max(total_w, 1e-12)
    supply = np.maximum(1, np.round(cell_w[cells] * scale)).astype(np.int64)
    ok = allowed[:, cells]
    ok[:, ~ok.any(axis=0)] = True
    if detour_min > 0:  # arcs beyond the detour limit are never worth it
        near = np.where(ok, cell_cost[:, cells], np.inf).min(axis=0)
        ok &= cell_cost[:, cells] <= near[None, :] + 60.0 * detour_min
        ok |= cell_pin[cells][None, :] == np.arange(k)[:, None]
    cost_c = np.where(ok, cell_cost[:, cells], np.inf)
    rank = np.argsort(cost_c, axis=0, kind="stable")  # rank[r, c]: r-th nearest of cell c
    cost_c = np.where(ok, cell_cost[:, cells], 0.0)
    n_ok = ok.sum(axis=0)
    pin = cell_pin[cells]
    orig_c = cell_orig[cells] if keep else np.full(nc, -1, dtype=np.int64)
    has_orig = orig_c >= 0
    orig_c = np.where(has_orig & ok[np.maximum(orig_c, 0), np.arange(nc)], orig_c, -1)
    # a per-seed tie-break per (territory, cell): below one cost unit's resolution
    jitter = np.random.default_rng(seed).integers(0, 2, (k, nc), dtype=np.int8)
    fixed_u = np.round(fixed * scale).astype(np.int64)
    lower = np.maximum(np.ceil(bounds[0] * scale) - fixed_u, 0).astype(np.int64)
    upper = np.maximum(np.floor(bounds[1] * scale) - fixed_u, lower).astype(np.int64)

    width = np.minimum(n_ok, NEAREST_TERRITORIES).astype(np.int64)
    offered = [np.zeros(0, dtype=np.int64)] * 2  # extra (cell, territory) arcs
    per_territory = int(np.ceil(nc / k))
    for widening in range(MAX_WIDENINGS + 1):
        arc_c, arc_t = _arcs(rank, width, offered, pin, orig_c)
        unit_cost = _unit_costs(cost_c, arc_c, arc_t, supply, of, orig, cells, keep, detour_min > 0)
        unit_cost = unit_cost * 8 + jitter[arc_t, arc_c]
        penalty = int(unit_cost.max(initial=0)) * 4 + 1
        over = None
        if detour_min > 0:  # work goes no further than this for balance
            over = int(redesign_cost(np.array([detour_min]), True)[0]) * 8 + 1
        flow = assign_balanced(supply, arc_c, arc_t, unit_cost, lower, upper, penalty, over)
        main = largest_share(arc_c, arc_t, flow, nc)
        load = np.bincount(arc_t, weights=flow, minlength=k)
        heavy, under = load > upper, load < lower
        if widening == MAX_WIDENINGS or not (heavy.any() or under.any()):
            break
        grow = heavy[main] & (width < n_ok) & (pin < 0)
        width[grow] = np.minimum(2 * width[grow], n_ok[grow])
        q = min(nc, per_territory * 2 ** (widening + 1))
        new_c, new_t = [], []
        for t in np.flatnonzero(under):
            near = np.argsort(np.where(ok[t], cost_c[t], np.inf), kind="stable")[:q]
            near = near[ok[t, near]]
            new_c.append(near)
            new_t.append(np.full(len(near), t, dtype=np.int64))
        if not grow.any() and not new_c:
            break
        offered = [np.concatenate([offered[0], *new_c]), np.concatenate([offered[1], *new_t])]
    labels[cells] = main
    return labels


def _arcs(
    rank: np.ndarray,
    width: np.ndarray,
    offered: list[np.ndarray],
    pin: np.ndarray,
    orig_c: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Allowed (cell, territory) arcs, unique and sorted: each cell's ``width`` nearest
    territories, the offered extras and its current territory; a pinned cell only its pin."""
    k, nc = rank.shape
    r, c = np.nonzero(np.arange(k)[:, None] < width[None, :])
    arc_c = np.concatenate([c, offered[0], np.flatnonzero(orig_c >= 0)])
    arc_t = np.concatenate([rank[r, c], offered[1], orig_c[orig_c >= 0]])
    free = pin[arc_c] < 0
    pc = np.flatnonzero(pin >= 0)
    arc_c = np.concatenate([arc_c[free], pc])
    arc_t = np.concatenate([arc_t[free], pin[pc]])
    uniq = np.unique(arc_c.astype(np.int64) * k + arc_t)
    return uniq // k, uniq % k


def _unit_costs(
    cost_c: np.ndarray,
    arc_c: np.ndarray,
    arc_t: np.ndarray,
    supply: np.ndarray,
    of: np.ndarray,
    orig: np.ndarray,
    cells: np.ndarray,
    keep: bool,
    short: bool = False,
) -> np.ndarray:
    """Integer cost per unit of each arc (see :func:`redesign_cost`), or moved customers
    first and travel minutes second (keep)."""
    minutes = cost_c[arc_t, arc_c] / 60.0
    if not keep:
        return redesign_cost(minutes, short)
    moved = _moved_counts(cells, arc_c, arc_t, of, orig, cost_c.shape[0])
    big_m = int(supply.max()) * 10_000 + 1
    return (np.minimum(np.round(minutes), 9_999) + np.ceil(big_m * moved / supply[arc_c])).astype(
        np.int64
    )


TIE_LEVELS = 4096  # squared-minute levels that break ties between equally long drives


def redesign_cost(minutes: np.ndarray, short: bool = False) -> np.ndarray:
    """Integer cost per unit of work ``minutes`` from a territory's start point.

    A team with time to spare: squared minutes, so long drives are avoided first and
    territories come out compact (near a power diagram of the start points; balance is
    met through short shifts between neighbours). A team short of time (``short``):
    plain minutes (1/16 min resolution), so work never travels further than it must;
    the territories are then star-shaped around their start points, and among equally
    long drives the squared minutes decide (ties split into compact pieces, not
    fragments).
    """
    m = np.minimum(np.asarray(minutes, dtype=float), 6000.0)
    if not short:
        return np.minimum(np.round(m**2), 1e6).astype(np.int64)
    tie = np.minimum(np.round(m**2 / 16.0), TIE_LEVELS - 1)
    return (np.round(LINEAR_SCALE * m) * TIE_LEVELS + tie).astype(np.int64)


def largest_share(cell: np.ndarray, terr: np.ndarray, amount: np.ndarray, m: int) -> np.ndarray:
    """``(m,)`` territory of each cell: of its ``(cell, terr, amount)`` rows the one with
    the largest amount (ties: lower territory); -1 for a cell without rows."""
    order = np.lexsort((terr, -amount, cell))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cell[order][1:] != cell[order][:-1]
    out = np.full(m, -1, dtype=np.int64)
    out[cell[order][first]] = terr[order][first]
    return out


def _moved_counts(cells, arc_c, arc_t, of, orig, k) -> np.ndarray:
    """Customers of each arc's cell whose original territory is not the arc's."""
    pos = np.full(int(of.max()) + 1, -1, dtype=np.int64)
    pos[cells] = np.arange(len(cells))
    ok = (orig >= 0) & (pos[of] >= 0)
    known = np.bincount(pos[of[ok]], minlength=len(cells))
    key = pos[of[ok]] * k + orig[ok]
    uk, uc = np.unique(key, return_counts=True)
    arc_key = arc_c * k + arc_t
    if not len(uk):
        return known[arc_c]
    idx = np.minimum(np.searchsorted(uk, arc_key), len(uk) - 1)
    return known[arc_c] - np.where(uk[idx] == arc_key, uc[idx], 0)
