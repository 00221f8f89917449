"""Shortest paths on the road graph plus one extra node per snapped point.

Each point becomes a node on its link (the link is split at the point; the original
link stays too), so one Dijkstra run per source point reaches every other point.

Edge weights carry time and distance in one exact integer (as float64)::

    w = time_ms * K + length_units       (K = 2**b > any path's length in units)

Dijkstra then minimises time first and, among equally fast paths, distance; decoding
``w`` gives the time of the fastest path and the length *of that same path*. ``K`` and
the length unit (0.1 m, else 1 m or 10 m on huge graphs) are chosen from an upper bound
on any shortest-path time so every sum stays below 2**53 and exact.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from planner.errors import NetworkError
from planner.network.graph import RoadGraph
from planner.network.snap import Snaps

CHUNK_BYTES = 64 * 2**20  # memory of one block of Dijkstra rows
PARALLEL_MIN_WORK = 20_000_000  # sources x graph nodes above which processes help
MAX_WORKERS = 4
_EXACT = 2.0**53


class AugmentedGraph:
    """The graph as a CSR matrix of encoded weights, with per-edge geometry references.

    Parameters
    ----------
    graph : RoadGraph
        Nodes ``0 .. n_nodes-1``.
    snaps : Snaps
        Point ``i`` becomes node ``n_nodes + i``.
    """

    def __init__(self, graph: RoadGraph, snaps: Snaps) -> None:
        self.graph = graph
        self.n_base = graph.n_nodes
        self.n = graph.n_nodes + len(snaps.link)
        a, b, link, fa, fb = self._edges(graph, snaps)
        span = np.abs(fb - fa)
        t_ms = np.rint(span * graph.link_time_s[link] * 1000.0)
        len_m = span * graph.link_len_m[link]
        self.unit_m, self.k = self._encoding(a, b, t_ms, len_m)
        w = t_ms * self.k + np.rint(len_m / self.unit_m)
        w = np.maximum(w, 1.0)  # csgraph ignores zero-weight entries
        order = np.lexsort((w, b, a))
        a, b, w, link, fa, fb = a[order], b[order], w[order], link[order], fa[order], fb[order]
        first = np.ones(len(a), bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        a, b, w = a[first], b[first], w[first]
        self.edge_link, self.edge_fa, self.edge_fb = link[first], fa[first], fb[first]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(a, minlength=self.n))])
        self.csr = csr_matrix((w, b.astype(np.int32), indptr), shape=(self.n, self.n))
        self._csr_t: csr_matrix | None = None

    @staticmethod
    def _edges(graph: RoadGraph, snaps: Snaps):
        """Directed edges ``(a, b, link, frac_from, frac_to)`` of links and link pieces."""
        n0 = graph.n_nodes
        lk = np.arange(graph.n_links)
        a = [graph.link_u, graph.link_v]
        b = [graph.link_v, graph.link_u]
        link = [lk, lk]
        fa = [np.zeros(graph.n_links), np.ones(graph.n_links)]
        fb = [np.ones(graph.n_links), np.zeros(graph.n_links)]
        keep = [graph.link_fwd, graph.link_bwd]
        if len(snaps.link):
            order = np.lexsort((np.arange(len(snaps.link)), snaps.frac, snaps.link))
            pl, pf, node = snaps.link[order], snaps.frac[order], n0 + order
            first = np.ones(len(pl), bool)
            first[1:] = pl[1:] != pl[:-1]
            last = np.append(first[1:], True)
            prev_node = np.where(first, graph.link_u[pl], np.roll(node, 1))
            prev_frac = np.where(first, 0.0, np.roll(pf, 1))
            # pieces: previous stop -> point, and last point -> link end v
            pa = np.concatenate([prev_node, node[last]])
            pb = np.concatenate([node, graph.link_v[pl[last]]])
            plk = np.concatenate([pl, pl[last]])
            pfa = np.concatenate([prev_frac, pf[last]])
            pfb = np.concatenate([pf, np.ones(int(last.sum()))])
            a += [pa, pb]
            b += [pb, pa]
            link += [plk, plk]
            fa += [pfa, pfb]
            fb += [pfb, pfa]
            keep += [graph.link_fwd[plk], graph.link_bwd[plk]]
        k = np.concatenate(keep)
        return (
            np.concatenate(a)[k].astype(np.int64),
            np.concatenate(b)[k].astype(np.int64),
            np.concatenate(link)[k],
            np.concatenate(fa)[k],
            np.concatenate(fb)[k],
        )

    def _encoding(self, a, b, t_ms, len_m) -> tuple[float, float]:
        """Length unit (m) and multiplier ``K`` that keep encoded sums exact."""
        t = np.maximum(t_ms, 1.0)
        g = csr_matrix((t, (a, b)), shape=(self.n, self.n))  # duplicates summed: still a bound
        out = dijkstra(g, directed=True, indices=0)
        back = dijkstra(g.T.tocsr(), directed=True, indices=0)
        t_bound_ms = float(np.max(out[np.isfinite(out)]) + np.max(back[np.isfinite(back)]))
        t_bound_ms = max(t_bound_ms, 1.0) + self.n
        vmax = float(np.max(len_m / t)) if len(t) else 1.0  # metres per ms
        for unit in (0.1, 1.0, 10.0):
            units = t_bound_ms * vmax / unit + self.n + 2
            k = 2.0 ** math.ceil(math.log2(units))
            if (t_bound_ms + self.n) * k < _EXACT:
                return unit, k
        raise NetworkError("the road network is too large for exact integer path weights")

    @property
    def csr_t(self) -> csr_matrix:
        if self._csr_t is None:
            self._csr_t = self.csr.T.tocsr()
        return self._csr_t

    def weights(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Encoded shortest-path weights from nodes ``src`` (rows) to nodes ``dst``."""
        src, dst = np.asarray(src, np.int64), np.asarray(dst, np.int64)
        out = np.empty((len(src), len(dst)))
        if len(src) == 0 or len(dst) == 0:
            return out
        if len(src) > len(dst):  # fewer runs on the reversed graph
            return self._rows(self.csr_t, dst, src).T.copy()
        return self._rows(self.csr, src, dst)

    def _rows(self, g: csr_matrix, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        uniq, inv = np.unique(src, return_inverse=True)
        step = max(1, int(CHUNK_BYTES // (8 * self.n)))
        blocks = [uniq[i : i + step] for i in range(0, len(uniq), step)]
        workers = min(MAX_WORKERS, os.cpu_count() or 1, len(blocks))
        if workers > 1 and len(uniq) * self.n >= PARALLEL_MIN_WORK:
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(
                workers, mp_context=ctx, initializer=_init_worker, initargs=(g, dst)
            ) as pool:
                parts = list(pool.map(_worker_rows, blocks))
        else:
            parts = [_dijkstra_rows(g, b, dst) for b in blocks]
        return np.concatenate(parts)[inv]

    def decode(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(time_s, dist_m)`` float arrays of encoded weights."""
        t_ms = np.floor(w / self.k)
        return t_ms / 1000.0, (w - t_ms * self.k) * self.unit_m

    def node_path(self, src: int, dst: int, guess_s: float) -> list[int]:
        """Nodes of the fastest path ``src`` .. ``dst`` (Dijkstra bounded by a growing
        time limit starting at ``guess_s``, so short legs stay cheap)."""
        limit = max(guess_s, 60.0) * 1000.0 * self.k
        while True:
            dist, pred = dijkstra(
                self.csr, directed=True, indices=src, return_predecessors=True, limit=limit
            )
            if np.isfinite(dist[dst]) or not np.isfinite(limit):
                break
            limit = limit * 4 if limit < _EXACT / 4 else np.inf
        if not np.isfinite(dist[dst]):
            raise NetworkError(f"no path between graph nodes {src} and {dst}")
        nodes = [dst]
        while nodes[-1] != src:
            nodes.append(int(pred[nodes[-1]]))
        return nodes[::-1]

    def edge_index(self, x: int, y: int) -> int:
        lo, hi = self.csr.indptr[x], self.csr.indptr[x + 1]
        return int(lo + np.searchsorted(self.csr.indices[lo:hi], y))

    def edge_geometry(self, e: int) -> tuple[np.ndarray, np.ndarray]:
        """``(lat, lon)`` vertices of edge ``e``, in travel order."""
        g = self.graph
        lk = self.edge_link[e]
        s, t = g.vtx_ptr[lk], g.vtx_ptr[lk + 1]
        cum, lat, lon = g.vtx_cum_m[s:t], g.vtx_lat[s:t], g.vtx_lon[s:t]
        fa, fb = self.edge_fa[e], self.edge_fb[e]
        lo, hi = sorted((fa * cum[-1], fb * cum[-1]))
        inner = (cum > lo) & (cum < hi)
        plat = np.concatenate([[np.interp(lo, cum, lat)], lat[inner], [np.interp(hi, cum, lat)]])
        plon = np.concatenate([[np.interp(lo, cum, lon)], lon[inner], [np.interp(hi, cum, lon)]])
        if fa > fb:
            plat, plon = plat[::-1], plon[::-1]
        return plat, plon


def _dijkstra_rows(g: csr_matrix, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Encoded weights from ``src`` to ``dst`` (one block of Dijkstra runs)."""
    return dijkstra(g, directed=True, indices=src)[:, dst]


_WORKER: dict = {}


def _init_worker(g: csr_matrix, dst: np.ndarray) -> None:
    _WORKER["g"], _WORKER["dst"] = g, dst


def _worker_rows(src: np.ndarray) -> np.ndarray:
    return _dijkstra_rows(_WORKER["g"], src, _WORKER["dst"])
