"""Local repairs on a cell labelling: contiguity and balance.

A *cell* is what goes whole to one territory (a customer location's Voronoi cell or a
building-block unit); ``labels[a]`` is the territory index of cell ``a`` (-1 = none yet).
Cells are neighbours when their polygons share a boundary line.

- :func:`fill_unlabelled` gives cells without customers (empty units) to a neighbouring
  territory, so the whole service area is covered.
- :func:`repair_contiguity` moves each stray piece of a territory (a connected group of
  its cells apart from its main piece on the same island) to the neighbour it shares
  most border with, among the neighbours whose rep can reach all of it. Pieces holding
  a pinned customer stay, and so do pieces no neighbour may take.
- :func:`rebalance` plans workload transfers between neighbouring territories
  (:func:`planner.territory.solver.plan_transfers`) and carries each one out by moving
  border cells, cheapest first, never cutting the giving territory in two and never
  giving a cell to a rep who cannot reach it.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from planner.territory.solver import plan_transfers

_BFS_LIMIT = 50_000


@dataclass(frozen=True)
class Graph:
    """Cell adjacency in CSR form plus the undirected edge list."""

    indptr: np.ndarray
    indices: np.ndarray
    edges: np.ndarray  # (m, 2), i < j

    @classmethod
    def from_edges(cls, n: int, edges: np.ndarray) -> Graph:
        edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        both = np.concatenate([edges, edges[:, ::-1]])
        order = np.lexsort((both[:, 1], both[:, 0]))
        both = both[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, both[:, 0] + 1, 1)
        return cls(np.cumsum(indptr), both[:, 1].copy(), edges)

    def nbrs(self, a: int) -> np.ndarray:
        return self.indices[self.indptr[a] : self.indptr[a + 1]]


def fill_unlabelled(labels: np.ndarray, graph: Graph, xy: np.ndarray) -> np.ndarray:
    """Label every ``-1`` cell like its nearest labelled cell through the graph.

    Breadth-first from all labelled cells at once (in cell order, so deterministic);
    cells no path reaches take the label of the nearest labelled cell by distance.
    """
    labels = labels.copy()
    if (labels >= 0).sum() == 0:
        return labels
    queue = deque(np.flatnonzero(labels >= 0).tolist())
    while queue:
        a = queue.popleft()
        for b in graph.nbrs(a).tolist():
            if labels[b] < 0:
                labels[b] = labels[a]
                queue.append(b)
    rest = np.flatnonzero(labels < 0)
    if len(rest):
        have = np.flatnonzero(labels >= 0)
        d = ((xy[rest, None, :] - xy[None, have, :]) ** 2).sum(axis=2)
        labels[rest] = labels[have[np.argmin(d, axis=1)]]
    return labels


def components(labels: np.ndarray, graph: Graph) -> np.ndarray:
    """Connected piece id of each cell, pieces made of same-label neighbours."""
    n = len(labels)
    e = graph.edges
    same = labels[e[:, 0]] == labels[e[:, 1]] if len(e) else np.zeros(0, bool)
    m = coo_matrix((np.ones(int(same.sum())), (e[same, 0], e[same, 1])), shape=(n, n))
    return connected_components(m, directed=False)[1]


def stray_pieces(
    labels: np.ndarray, graph: Graph, weight: np.ndarray, part: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Piece id per cell and a boolean per piece: True when it is not its territory's
    main piece on its island (main = the heaviest; ties to the lowest piece id)."""
    comp = components(labels, graph)
    npieces = int(comp.max()) + 1 if len(comp) else 0
    first = np.full(npieces, len(labels), dtype=np.int64)
    np.minimum.at(first, comp, np.arange(len(labels)))
    p_label, p_part = labels[first], part[first]
    p_weight = np.bincount(comp, weights=weight, minlength=npieces)
    order = np.lexsort((np.arange(npieces), -p_weight, p_part, p_label))
    key = np.stack([p_label[order], p_part[order]], axis=1)
    is_first = np.ones(npieces, dtype=bool)
    is_first[1:] = (key[1:] != key[:-1]).any(axis=1)
    stray = np.zeros(npieces, dtype=bool)
    stray[order] = ~is_first
    return comp, stray


def repair_contiguity(
    labels: np.ndarray,
    graph: Graph,
    weight: np.ndarray,
    pinned: np.ndarray,
    part: np.ndarray,
    max_rounds: int = 50,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """Move stray pieces to a neighbouring territory. Returns the new labels.

    A stray piece joins the neighbour whose main piece it shares most border with; a
    piece touching only other stray pieces joins the one it shares most border with, one
    such piece per round (the lightest), so two stray pieces never swap back and forth.
    Pieces holding a pinned cell never move; with ``allowed`` (``(k, m)`` bool, the
    territories each cell may go to) a piece only joins a neighbour allowed for all of
    its cells.
    """
    labels = labels.copy()
    e = graph.edges
    for _ in range(max_rounds):
        comp, stray = stray_pieces(labels, graph, weight, part)
        has_pin = np.bincount(comp, weights=pinned.astype(float), minlength=len(stray)) > 0
        movable = stray & ~has_pin
        if not movable.any() or len(e) == 0:
            break
        # border edges leaving a movable piece: (piece, other label), and whether the
        # other side is that label's main piece
        ca, cb = comp[e[:, 0]], comp[e[:, 1]]
        la, lb = labels[e[:, 0]], labels[e[:, 1]]
        cross = la != lb
        src = np.concatenate([ca[cross], cb[cross]])
        dst = np.concatenate([lb[cross], la[cross]])
        to_main = ~stray[np.concatenate([cb[cross], ca[cross]])]
        keep = movable[src]
        src, dst, to_main = src[keep], dst[keep], to_main[keep]
        if allowed is not None and len(src):
            fits = _piece_fits(comp, src, dst, allowed)
            src, dst, to_main = src[fits], dst[fits], to_main[fits]
        if len(src) == 0:
            break
        pairs, inverse = np.unique(np.stack([src, dst], axis=1), axis=0, return_inverse=True)
        inverse = inverse.ravel()
        edges_n = np.bincount(inverse, minlength=len(pairs))
        main_n = np.bincount(inverse, weights=to_main.astype(float), minlength=len(pairs))
        # per piece: most border with a main piece, then most border; ties to the lower label
        order = np.lexsort((pairs[:, 1], -edges_n, -main_n, pairs[:, 0]))
        pairs, main_n = pairs[order], main_n[order]
        firsts = np.ones(len(pairs), dtype=bool)
        firsts[1:] = pairs[1:, 0] != pairs[:-1, 0]
        piece, target, via_main = pairs[firsts, 0], pairs[firsts, 1], main_n[firsts] > 0
        if via_main.any():
            piece, target = piece[via_main], target[via_main]
        else:
            piece_w = np.bincount(comp, weights=weight, minlength=len(stray))[piece]
            pick = np.lexsort((piece, piece_w))[0]
            piece, target = piece[pick : pick + 1], target[pick : pick + 1]
        new = labels.copy()
        relabel = np.full(len(stray), -1, dtype=np.int64)
        relabel[piece] = target
        moving = relabel[comp] >= 0
        new[moving] = relabel[comp][moving]
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _piece_fits(
    comp: np.ndarray, src: np.ndarray, dst: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """For each (piece ``src``, territory ``dst``) pair: whether every cell of the piece
    may go to ``dst``."""
    pairs, inverse = np.unique(np.stack([src, dst], axis=1), axis=0, return_inverse=True)
    order = np.argsort(comp, kind="stable")
    starts = np.searchsorted(comp[order], np.arange(int(comp.max()) + 2))
    ok = np.array(
        [bool(allowed[t, order[starts[p] : starts[p + 1]]].all()) for p, t in pairs.tolist()],
        dtype=bool,
    )
    return ok[inverse.ravel()]


def _safe_to_remove(a: int, t: int, labels: np.ndarray, graph: Graph) -> bool:
    """Whether taking cell ``a`` out of territory ``t`` keeps ``t``'s piece connected."""
    mine = [b for b in graph.nbrs(a).tolist() if labels[b] == t]
    if len(mine) <= 1:
        return True
    want = set(mine)
    # local test: the same-territory neighbours connected among themselves
    seen = {mine[0]}
    stack = [mine[0]]
    while stack:
        c = stack.pop()
        for d in graph.nbrs(c).tolist():
            if d in want and d not in seen:
                seen.add(d)
                stack.append(d)
    if len(seen) == len(want):
        return True
    # exact test: search territory t without a
    seen = {a, mine[0]}
    stack = [mine[0]]
    while stack and len(seen) < _BFS_LIMIT:
        c = stack.pop()
        for d in graph.nbrs(c).tolist():
            if labels[d] == t and d not in seen:
                seen.add(d)
                stack.append(d)
    return want <= seen


@dataclass
class BalanceState:
    """What :func:`rebalance` needs about the cells and territories."""

    weight: np.ndarray  # (n,) balanced quantity of each cell's movable customers
    fixed: np.ndarray  # (k,) load held outside the cells (pins split from their cell)
    pinned: np.ndarray  # (n,) bool
    cost: np.ndarray  # (k, n) cost of giving each cell to each territory
    orig: np.ndarray  # (n,) original label (keep mode) or -1
    lower: np.ndarray  # (k,) bounds of each territory's balanced quantity
    upper: np.ndarray
    target_lower: np.ndarray  # (k,) the band transfers aim for (inside [lower, upper])
    target_upper: np.ndarray
    allowed: np.ndarray  # (k, n) bool: territories each cell may go to
    keep: bool = False
    count: np.ndarray | None = None  # (n,) movable customers of each cell (used in keep mode)


def loads(labels: np.ndarray, state: BalanceState) -> np.ndarray:
    k = len(state.fixed)
    ok = labels >= 0
    return np.bincount(labels[ok], weights=state.weight[ok], minlength=k) + state.fixed


def within_bounds(load: np.ndarray, state: BalanceState) -> bool:
    """Whether every territory's load is inside ``[state.lower, state.upper]``."""
    return bool(((load >= state.lower - 1e-9) & (load <= state.upper + 1e-9)).all())


def rebalance(
    labels: np.ndarray, graph: Graph, state: BalanceState, max_rounds: int = 12
) -> np.ndarray:
    """Move border cells between neighbours until every load is within bounds.

    Returns the new labels (the input is not changed). Stops early when a round moves
    nothing; the caller reports what remains out of bounds.
    """
    labels = labels.copy()
    scale = 1e6 / max(float(state.weight.sum() + state.fixed.sum()), 1e-12)
    for _ in range(max_rounds):
        load = loads(labels, state)
        if within_bounds(load, state):
            break
        e = graph.edges
        la, lb = labels[e[:, 0]], labels[e[:, 1]]
        cross = (la != lb) & (la >= 0) & (lb >= 0)
        tedges = np.unique(np.sort(np.stack([la[cross], lb[cross]], axis=1), axis=1), axis=0)
        units = np.round(load * scale).astype(np.int64)
        lo = np.ceil(np.asarray(state.target_lower) * scale).astype(np.int64)
        up = np.maximum(np.floor(np.asarray(state.target_upper) * scale).astype(np.int64), lo)
        transfers = plan_transfers(units, lo, up, tedges)
        moved_any = False
        for t, u, amount in sorted(transfers, key=lambda x: (-x[2], x[0], x[1])):
            moved_any |= _carry_out(labels, graph, state, t, u, amount / scale)
        if not moved_any:
            break
    return labels


def _move_class(orig: int, t: int, u: int) -> int:
    """Keep mode: what moving a cell from ``t`` to ``u`` does to the count of customers
    whose territory changed. 0: it brings them back to their own territory (the count
    drops); 1: no change (their territory is gone, e.g. a leaver's, or they have already
    left it); 2: they leave their own (the count grows). :func:`_carry_out` moves cells
    in this order, and within class 2 the cells with the fewest customers per unit of
    load first: on 1,000 customers / 8 reps, every rep leaving in turn, the others whose
    rep changes fell from 1.1-7.9 % to 0.1-4.8 % (docs/benchmarks/territories-people.md)."""
    if orig == u:
        return 0
    return 2 if orig == t else 1


def _carry_out(
    labels: np.ndarray, graph: Graph, state: BalanceState, t: int, u: int, amount: float
) -> bool:
    """Move up to ``amount`` of load from territory ``t`` to its neighbour ``u``."""

    def key(a: int) -> tuple:
        delta = float(state.cost[u, a] - state.cost[t, a])
        if state.keep:
            cls = _move_class(state.orig[a], t, u)
            per_w = 0.0  # customers per unit of load: fewer customers change for the same load
            if cls == 2 and state.count is not None:
                per_w = float(state.count[a]) / max(float(state.weight[a]), 1e-12)
            return (cls, per_w, delta, a)
        return (delta, a)

    heap: list[tuple] = []
    queued: set[int] = set()
    for a in np.flatnonzero((labels == t) & state.allowed[u]).tolist():
        if state.pinned[a]:
            continue
        if any(labels[b] == u for b in graph.nbrs(a).tolist()):
            heapq.heappush(heap, (key(a), a))
            queued.add(a)
    size = int((labels == t).sum())
    moved = 0.0
    any_move = False
    while heap and moved < amount and size > 1:
        _, a = heapq.heappop(heap)
        if labels[a] != t:
            continue
        w = float(state.weight[a])
        if w <= 0 or moved + w / 2 > amount or not _safe_to_remove(a, t, labels, graph):
            continue
        labels[a] = u
        moved += w
        size -= 1
        any_move = True
        for b in graph.nbrs(a).tolist():
            if labels[b] == t and not state.pinned[b] and state.allowed[u, b]:
                # a neighbour skipped earlier may be safe to take now
                heapq.heappush(heap, (key(b), b))
                queued.add(b)
    return any_move
