"""Road graph: OSM ways -> links between intersections, with speeds, largest SCC.

A *link* is a run of one way between two graph nodes (way ends and nodes shared by
ways or with more than two neighbours), keeping every OSM node in between as geometry.
Ways cut by the extract border (references to nodes the file lacks) are split at the
gap, never joined across it. Only the largest strongly connected component is kept, so
every pair of graph nodes has a finite travel time.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from planner.errors import NetworkError
from planner.files import atomic_path
from planner.network.osm_read import RawWays
from planner.network.params import (
    MAXSPEED_FACTOR,
    TravelParams,
    cache_root,
    file_sha256,
    speed_table,
    text_sha256,
)
from planner.network.sources import read_source, resolve_network
from planner.units import haversine_m

GRAPH_VERSION = 1  # bump when the graph layout or the build rules change


@dataclass
class RoadGraph:
    """Directed road graph with link geometry (all arrays numpy; picklable).

    Attributes
    ----------
    node_osmid, node_lat, node_lon : numpy.ndarray
        Graph nodes (intersections and way ends): OSM id, WGS84 degrees.
    link_u, link_v : numpy.ndarray
        int32 node indices of each link's first and last vertex.
    link_fwd, link_bwd : numpy.ndarray
        bool: usable from u to v / from v to u.
    link_len_m, link_time_s : numpy.ndarray
        float64 length (sum of great-circle segments) and travel time of each link.
    link_highway : numpy.ndarray
        object: the OSM ``highway`` value.
    vtx_ptr, vtx_lat, vtx_lon, vtx_cum_m : numpy.ndarray
        Link ``i``'s geometry is ``vtx_*[vtx_ptr[i]:vtx_ptr[i+1]]``, from u to v;
        ``vtx_cum_m`` is the distance along the link at each vertex.
    stats : dict
        Figures of the build (ways, clipped ways, SCC share ...).
    """

    network_type: str
    node_osmid: np.ndarray
    node_lat: np.ndarray
    node_lon: np.ndarray
    link_u: np.ndarray
    link_v: np.ndarray
    link_fwd: np.ndarray
    link_bwd: np.ndarray
    link_len_m: np.ndarray
    link_time_s: np.ndarray
    link_highway: np.ndarray
    vtx_ptr: np.ndarray
    vtx_lat: np.ndarray
    vtx_lon: np.ndarray
    vtx_cum_m: np.ndarray
    stats: dict

    @property
    def n_nodes(self) -> int:
        return len(self.node_osmid)

    @property
    def n_links(self) -> int:
        return len(self.link_u)

    def bounds(self) -> tuple[float, float, float, float]:
        """``(south, west, north, east)`` of the graph's nodes, degrees."""
        return (
            float(self.node_lat.min()),
            float(self.node_lon.min()),
            float(self.node_lat.max()),
            float(self.node_lon.max()),
        )


def _way_speeds_kmh(raw: RawWays, network_type: str, overrides: dict) -> np.ndarray:
    table = speed_table(network_type, overrides)
    default = table["default"]
    speed = np.array([table.get(h, default) for h in raw.highway], dtype=float)
    if network_type == "drive":
        tagged = ~np.isnan(raw.maxspeed_kmh) & ~np.isin(raw.highway.astype(str), list(overrides))
        speed[tagged] = raw.maxspeed_kmh[tagged] * MAXSPEED_FACTOR
    return speed


def build_graph(
    raw: RawWays, network_type: str, speeds_kmh: dict | None = None, label: str = "network"
) -> RoadGraph:
    """Build the routable graph from raw ways (see the module docstring).

    Raises
    ------
    NetworkError
        No usable road segment (every way lacks its nodes, or none passed the filter).
    """
    overrides = dict(speeds_kmh or {})
    order = np.argsort(raw.node_id, kind="stable")
    sorted_ids = raw.node_id[order]
    refs = raw.way_nodes
    pos = np.clip(np.searchsorted(sorted_ids, refs), 0, max(len(sorted_ids) - 1, 0))
    present = (sorted_ids[pos] == refs) if len(sorted_ids) else np.zeros(len(refs), bool)
    row = order[pos]  # row in raw.node_* of each reference (valid where present)
    counts = np.diff(raw.way_ptr)
    way_of = np.repeat(np.arange(raw.n_ways), counts)
    clipped = np.bincount(way_of[~present], minlength=raw.n_ways) > 0

    j = np.flatnonzero(
        (way_of[:-1] == way_of[1:]) & present[:-1] & present[1:] & (refs[:-1] != refs[1:])
    )
    if len(j) == 0:
        raise NetworkError(
            f"{label} has no usable {network_type} road segment (its ways lack their nodes)"
        )
    seg_u, seg_v, seg_way = refs[j], refs[j + 1], way_of[j]
    ru, rv = row[j], row[j + 1]
    seg_len = haversine_m(raw.node_lat[ru], raw.node_lon[ru], raw.node_lat[rv], raw.node_lon[rv])

    # Graph nodes: more (or fewer) than two segment ends, or shared by several ways.
    ends = np.concatenate([seg_u, seg_v])
    uniq, inc = np.unique(ends, return_counts=True)
    pairs = np.unique(np.stack([ends, np.concatenate([seg_way, seg_way])], axis=1), axis=0)
    ways_per_node = np.bincount(np.searchsorted(uniq, pairs[:, 0]), minlength=len(uniq))
    is_node = (inc != 2) | (ways_per_node > 1)
    start = np.ones(len(j), bool)
    start[1:] = (
        (seg_way[1:] != seg_way[:-1])
        | (seg_u[1:] != seg_v[:-1])
        | is_node[np.searchsorted(uniq, seg_u[1:])]
    )
    piece = np.cumsum(start) - 1
    n_links = int(piece[-1]) + 1
    first = np.flatnonzero(start)
    last = np.append(first[1:] - 1, len(j) - 1)

    # Geometry: each link's vertices u .. v (its segments' starts, then the last end).
    n_vtx = len(j) + n_links
    vtx_row = np.empty(n_vtx, np.int64)
    vtx_row[np.arange(len(j)) + piece] = ru
    vtx_row[last + np.arange(n_links) + 1] = rv[last]
    vtx_ptr = np.concatenate([[0], np.cumsum(last - first + 2)]).astype(np.int64)
    seg_cum = np.cumsum(seg_len)
    before = seg_cum[first] - seg_len[first]
    vtx_cum = np.zeros(n_vtx)
    vtx_cum[np.arange(len(j)) + piece + 1] = seg_cum - before[piece]

    link_way = seg_way[first]
    link_len = np.bincount(piece, weights=seg_len, minlength=n_links)
    u_osm, v_osm = seg_u[first], seg_v[last]
    node_ids, inv = np.unique(np.concatenate([u_osm, v_osm]), return_inverse=True)
    lu, lv = inv[:n_links], inv[n_links:]
    fwd, bwd = raw.fwd[link_way], raw.bwd[link_way]
    speed = _way_speeds_kmh(raw, network_type, overrides)[link_way]
    link_time = link_len / (speed / 3.6)

    # Largest strongly connected component.
    n = len(node_ids)
    a = np.concatenate([lu[fwd], lv[bwd]])
    b = np.concatenate([lv[fwd], lu[bwd]])
    adj = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)).tocsr()
    _, comp = connected_components(adj, directed=True, connection="strong")
    big = np.argmax(np.bincount(comp))
    in_big = comp == big
    keep = in_big[lu] & in_big[lv]
    if not keep.any():
        raise NetworkError(f"{label}: no two {network_type} road junctions are connected")
    new_index = np.cumsum(in_big) - 1
    node_rows = order[np.searchsorted(sorted_ids, node_ids[in_big])]
    vkeep = np.repeat(keep, np.diff(vtx_ptr))
    kept_counts = np.diff(vtx_ptr)[keep]
    vr = vtx_row[vkeep]
    stats = {
        "ways": int(raw.n_ways),
        "clipped_ways": int(clipped.sum()),
        "segments": len(j),
        "nodes_before_scc": int(n),
        "scc_node_share": round(float(in_big.sum()) / n, 4),
        "nodes": int(in_big.sum()),
        "links": int(keep.sum()),
        "street_km": round(float(link_len[keep].sum()) / 1000, 1),
    }
    return RoadGraph(
        network_type=network_type,
        node_osmid=node_ids[in_big],
        node_lat=raw.node_lat[node_rows],
        node_lon=raw.node_lon[node_rows],
        link_u=new_index[lu[keep]].astype(np.int32),
        link_v=new_index[lv[keep]].astype(np.int32),
        link_fwd=fwd[keep],
        link_bwd=bwd[keep],
        link_len_m=link_len[keep],
        link_time_s=link_time[keep],
        link_highway=raw.highway[link_way[keep]],
        vtx_ptr=np.concatenate([[0], np.cumsum(kept_counts)]).astype(np.int64),
        vtx_lat=raw.node_lat[vr],
        vtx_lon=raw.node_lon[vr],
        vtx_cum_m=vtx_cum[vkeep],
        stats=stats,
    )


def graph_key(content_sha: str, params: TravelParams) -> str:
    """Cache key of a graph: file content, network type, speeds, build rules."""
    speeds = sorted(speed_table(params.network_type, params.speeds_kmh).items())
    return text_sha256(
        "graph", GRAPH_VERSION, content_sha, params.network_type, speeds, MAXSPEED_FACTOR
    )


def load_graph(params: TravelParams) -> tuple[RoadGraph, str, str]:
    """Build (or load from the cache) the road graph ``params`` names.

    Returns
    -------
    (graph, label, key)
        ``label`` names the network for the model's ``source``; ``key`` is the graph's
        content hash (file sha256 + network type + speeds).

    Raises
    ------
    NetworkError
        Missing, unreadable or unusable network data (exit 3).
    """
    cache = cache_root(params.cache_dir)
    src = resolve_network(params.network)
    if src.kind == "file":
        try:
            content = file_sha256(src.path)
        except OSError as e:
            raise NetworkError(f"cannot read the road network file {src.path}: {e}") from e
    else:
        content = text_sha256(src.kind, src.value)
    key = graph_key(content, params)
    path = cache / "graphs" / f"{key[:32]}.pkl"
    graph = _read_pickle(path)
    if graph is None:
        raw = read_source(src, params.network_type, cache)
        graph = build_graph(raw, params.network_type, params.speeds_kmh, src.label)
        _write_pickle(path, graph)
    return graph, src.label, key


def _read_pickle(path: Path) -> RoadGraph | None:
    """A cached graph, or None when absent or unreadable (then it is rebuilt)."""
    try:
        with open(path, "rb") as f:
            obj = pickle.load(f)
        return obj if isinstance(obj, RoadGraph) else None
    except (
        OSError,
        EOFError,
        pickle.UnpicklingError,
        AttributeError,
        ImportError,
        TypeError,
        ValueError,
    ):
        return None


def _write_pickle(path: Path, obj) -> None:
    """Write atomically; a cache that cannot be written is skipped, not an error."""
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        pass
