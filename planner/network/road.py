"""Travel model on an OpenStreetMap road network.

Time between two points = snap leg of the first (point -> its position on the road, on
foot at ``snap_speed_kmh``) + fastest road path between the two road positions + snap
leg of the second. Distances add the same way. Two points less than
:data:`SAME_PLACE_M` apart are 0 s / 0 m apart.
"""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import NetworkError
from planner.files import atomic_path
from planner.matrix import TravelMatrix
from planner.network.graph import RoadGraph
from planner.network.model import TravelModel, describe_point, drop_repeats
from planner.network.params import TravelParams, cache_root, text_sha256
from planner.network.shortest import AugmentedGraph
from planner.network.snap import snap_points
from planner.units import haversine_m

SAME_PLACE_M = 1.0
MATRIX_CACHE_MIN_CELLS = 40_000  # cache matrices of at least 200 x 200 on disk
ROW_SOURCES_MAX = 64  # rect_s from at most this many points keeps their rows in memory
ROW_CACHE_BYTES = 64 * 2**20  # memory for those rows (oldest dropped first)
WRONG_NETWORK_SHARE = 0.5  # more than this share of points far from roads: wrong file


def door_to_door(
    model: TravelModel,
    a: np.ndarray,
    b: np.ndarray,
    road_s: np.ndarray,
    road_m: np.ndarray,
    snap_s: np.ndarray,
    snap_m: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Whole seconds and metres from points ``a`` (rows of ``model.points``) to points
    ``b``: the road part between their snapped positions plus both snap legs; 0 for two
    points less than :data:`SAME_PLACE_M` apart (shared by the scipy and OSRM engines)."""
    travel = snap_s[a][:, None] + road_s + snap_s[b][None, :]
    dist = snap_m[a][:, None] + road_m + snap_m[b][None, :]
    lat, lon = model.points["lat"].to_numpy(), model.points["lon"].to_numpy()
    same = (
        haversine_m(lat[a][:, None], lon[a][:, None], lat[b][None, :], lon[b][None, :])
        < SAME_PLACE_M
    )
    travel[same] = 0
    dist[same] = 0
    return np.rint(travel).astype(np.int32), np.rint(dist).astype(np.int32)


def format_m(m: float) -> str:
    return f"{m / 1000:.1f} km" if m >= 1000 else f"{m:.0f} m"


def far_point_warnings(
    points: pd.DataFrame, snap_m: np.ndarray, far: np.ndarray, network_type: str
) -> list[str]:
    """One warning per point (rows ``far``) farther than ``snap_warn_m`` from a road
    (shared by the scipy and OSRM engines)."""
    return [
        f"{describe_point(points['point_id'].iat[i])} is {format_m(snap_m[i])} "
        f"from the nearest {network_type} road"
        for i in far
    ]


class RoadModel(TravelModel):
    """Travel times on a road graph (see the module docstring).

    Parameters
    ----------
    points : pandas.DataFrame
        ``point_id, lat, lon``.
    graph : RoadGraph
        The road graph.
    params : TravelParams
        ``snap_warn_m``, ``snap_speed_kmh``, ``cache_dir``, ``network_type``.
    label : str
        Network name for :attr:`source`.
    graph_key : str
        Content hash of the graph (for the matrix cache).

    Raises
    ------
    NetworkError
        More than half of the points are farther than ``snap_warn_m`` from any road
        (the network does not cover them: probably the wrong file).
    """

    def __init__(
        self,
        points: pd.DataFrame,
        graph: RoadGraph,
        params: TravelParams,
        label: str,
        graph_key: str,
    ) -> None:
        super().__init__(points)
        self.graph = graph
        self.params = params
        self.source = f"road:{label}:{params.network_type}"
        snaps = snap_points(graph, self._lat, self._lon)
        self._snaps = snaps
        near_u = snaps.frac < 0.5
        node = np.where(near_u, graph.link_u[snaps.link], graph.link_v[snaps.link])
        self.points["node"] = graph.node_osmid[node] if len(node) else np.zeros(0, np.int64)
        self.points["snap_m"] = np.round(snaps.snap_m, 1)
        self.points["snap_lat"] = snaps.lat
        self.points["snap_lon"] = snaps.lon
        self.snaps = self.points[["point_id", "snap_m"]].copy()
        far = np.flatnonzero(snaps.snap_m > params.snap_warn_m)
        self._check_coverage(far, label)
        self.warnings = far_point_warnings(self.points, snaps.snap_m, far, params.network_type)
        self._off_s = snaps.snap_m / (params.snap_speed_kmh / 3.6)
        self._aug = AugmentedGraph(graph, snaps)
        self._cache = cache_root(params.cache_dir) / "matrices"
        pts = self.points[["point_id", "lat", "lon"]].to_numpy().tolist()
        self._key = text_sha256("matrix", graph_key, params.snap_speed_kmh, SAME_PLACE_M, pts)
        speeds = graph.link_len_m / np.maximum(graph.link_time_s, 1e-9)
        self._median_speed_mps = float(np.median(speeds)) if len(speeds) else 10.0
        self._row_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._row_cache_max = max(1, ROW_CACHE_BYTES // (8 * max(1, len(self.points))))

    def _check_coverage(self, far: np.ndarray, label: str) -> None:
        n = len(self.points)
        if n and len(far) > WRONG_NETWORK_SHARE * n:
            s, w, no, e = self.graph.bounds()
            lat, lon = self.points["lat"], self.points["lon"]
            raise NetworkError(
                f"{len(far)} of {n} points are more than {format_m(self.params.snap_warn_m)} "
                f"from any {self.params.network_type} road in {label}: is it the right network "
                f"for these customers? The network covers lat {s:.3f}..{no:.3f}, lon "
                f"{w:.3f}..{e:.3f}; the points lie in lat {lat.min():.3f}..{lat.max():.3f}, "
                f"lon {lon.min():.3f}..{lon.max():.3f}."
            )

    def _compute(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n0 = self._aug.n_base
        w = self._aug.weights(n0 + a, n0 + b)
        t_s, d_m = self._aug.decode(w)
        return door_to_door(self, a, b, t_s, d_m, self._off_s, self._snaps.snap_m)

    def _from_rows(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`_compute` for few sources, from rows to *all* points kept in memory,
        so asking again from the same point (territory design does) runs no Dijkstra."""
        missing = [i for i in dict.fromkeys(a.tolist()) if i not in self._row_cache]
        if missing:
            travel, dist = self._compute(np.array(missing, np.int64), np.arange(len(self.points)))
            for k, i in enumerate(missing):
                self._row_cache[i] = (travel[k], dist[k])
        rows = [self._row_cache[i] for i in a.tolist()]
        for i in list(self._row_cache)[: max(0, len(self._row_cache) - self._row_cache_max)]:
            del self._row_cache[i]
        return np.stack([t for t, _ in rows])[:, b], np.stack([d for _, d in rows])[:, b]

    def _rect(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if 0 < len(a) <= min(ROW_SOURCES_MAX, len(b)):
            return self._from_rows(a, b)
        return self._compute(a, b)

    def _cached(self, a: np.ndarray, b: np.ndarray, compute) -> tuple[np.ndarray, np.ndarray]:
        if len(a) * len(b) < MATRIX_CACHE_MIN_CELLS:
            return compute(a, b)
        key = text_sha256(self._key, a.tolist(), b.tolist())[:32]
        path = self._cache / f"{key}.npz"
        got = _load_npz(path, "travel_s", "dist_m")
        if got is not None:
            return got[0], got[1]
        travel, dist = compute(a, b)
        _save_npz(path, travel_s=travel, dist_m=dist)
        return travel, dist

    def matrix(self, ids: Sequence[str]) -> TravelMatrix:
        ids = tuple(ids)
        r = self.rows(ids)
        travel, dist = self._cached(r, r, self._compute)
        np.fill_diagonal(travel, 0)
        np.fill_diagonal(dist, 0)
        return TravelMatrix(ids, travel, dist, self.source)

    def rect_s(self, from_ids: Sequence[str], to_ids: Sequence[str]) -> np.ndarray:
        return self._cached(self.rows(list(from_ids)), self.rows(list(to_ids)), self._rect)[0]

    def path(self, ids: Sequence[str]) -> list[tuple[float, float]]:
        r = self.rows(list(ids))
        lat, lon = self._lat, self._lon
        n0 = self._aug.n_base
        out_lat: list[float] = []
        out_lon: list[float] = []
        for k, i in enumerate(r):
            out_lat.append(float(lat[i]))
            out_lon.append(float(lon[i]))
            if k + 1 == len(r):
                break
            j = r[k + 1]
            d = float(haversine_m(lat[i], lon[i], lat[j], lon[j]))
            if i == j or d < SAME_PLACE_M:
                continue
            guess_s = 120.0 + 3.0 * d / self._median_speed_mps
            nodes = self._aug.node_path(n0 + i, n0 + j, guess_s)
            for x, y in itertools.pairwise(nodes):
                plat, plon = self._aug.edge_geometry(self._aug.edge_index(x, y))
                out_lat.extend(plat.tolist())
                out_lon.extend(plon.tolist())
        return drop_repeats(out_lat, out_lon)


def _load_npz(path: Path, *names: str) -> list[np.ndarray] | None:
    """Cached arrays, or None when absent or unreadable (then they are recomputed)."""
    try:
        with np.load(path) as z:
            return [z[n] for n in names]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def _save_npz(path: Path, **arrays) -> None:
    """Write atomically; a cache that cannot be written is skipped."""
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, **arrays)
    except OSError:
        pass


def build_road_model(params: TravelParams, points: pd.DataFrame) -> RoadModel:
    """Load the network ``params`` names and snap ``points`` onto it."""
    from planner.network.graph import load_graph

    graph, label, key = load_graph(params)
    return RoadModel(points, graph, params, label, key)
