"""Travel model on a tiny hand-made OSM file: matrix equals hand computation, one-way,
clipped way, snapping, haversine formula, bad network input."""

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from planner.errors import NetworkError
from planner.network import TravelParams, build_travel_model, haversine_matrix

R_M = 6_371_008.8

# A 638 m x 1001 m square n1-n2-n3-n4 at 55 N; n2->n3 is one-way; a footway n1-n3; a
# way clipped by the extract border: n3, (n99 missing), n5, n6 north of the square.
NODES = {
    1: (55.0000, 12.0000),
    2: (55.0000, 12.0100),
    3: (55.0090, 12.0100),
    4: (55.0090, 12.0000),
    5: (55.0180, 12.0100),
    6: (55.0200, 12.0100),
}
WAYS = [
    (10, [1, 2], {"highway": "residential"}),
    (11, [2, 3], {"highway": "residential", "oneway": "yes"}),
    (12, [3, 4], {"highway": "residential"}),
    (13, [4, 1], {"highway": "residential"}),
    (14, [1, 3], {"highway": "footway"}),
    (15, [3, 99, 5, 6], {"highway": "residential"}),
]
SPEEDS = {"residential": 36.0, "footway": 36.0}  # 10 m/s: easy sums


def write_osm(path: Path, nodes=NODES, ways=WAYS) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    lines += [f'  <node id="{i}" lat="{la}" lon="{lo}"/>' for i, (la, lo) in nodes.items()]
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def hav(a, b) -> float:
    """Great-circle metres, written out independently of planner.units."""
    (la1, lo1), (la2, lo2) = a, b
    p1, p2 = math.radians(la1), math.radians(la2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lo2 - lo1) / 2) ** 2
    )
    return 2 * R_M * math.asin(math.sqrt(h))


def points_at(node_ids) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "point_id": [f"P{i}" for i in node_ids],
            "lat": [NODES[i][0] for i in node_ids],
            "lon": [NODES[i][1] for i in node_ids],
        }
    )


@pytest.fixture
def tiny_osm(tmp_path) -> Path:
    return write_osm(tmp_path / "tiny.osm")


def road(network, tmp_path, network_type="drive", **kw) -> TravelParams:
    return TravelParams(
        mode="road",
        network=str(network),
        network_type=network_type,
        speeds_kmh=SPEEDS,
        cache_dir=tmp_path / "cache",
        **kw,
    )


def test_tiny_drive_matrix_equals_hand_computation(tiny_osm, tmp_path):
    model = build_travel_model(road(tiny_osm, tmp_path), points_at([1, 2, 3, 4]))
    m = model.matrix(["P1", "P2", "P3", "P4"])
    d12, d23 = hav(NODES[1], NODES[2]), hav(NODES[2], NODES[3])
    d34, d41 = hav(NODES[3], NODES[4]), hav(NODES[4], NODES[1])
    assert 630 < d12 < 645 and 995 < d23 < 1005  # the fixture is what we think it is
    assert m.time_s("P1", "P2") == round(d12 / 10) == m.time_s("P2", "P1")
    assert m.time_s("P2", "P3") == round(d23 / 10)  # along the one-way
    assert m.time_s("P3", "P2") == round((d34 + d41 + d12) / 10)  # around the square
    assert m.distance_m("P3", "P2") == round(d34 + d41 + d12)
    assert m.time_s("P1", "P3") == round(min(d12 + d23, d41 + d34) / 10)
    assert m.travel_s.dtype == np.int32 and m.dist_m.dtype == np.int32
    assert (np.diag(m.travel_s) == 0).all() and (np.diag(m.dist_m) == 0).all()
    assert model.source == "road:tiny.osm:drive"
    assert model.warnings == []


def test_rect_from_one_point_again_runs_no_dijkstra(tiny_osm, tmp_path, monkeypatch):
    # territory design asks rect_s([centre], customers) more than once per centre
    model = build_travel_model(road(tiny_osm, tmp_path), points_at([1, 2, 3, 4]))
    ids = ["P1", "P2", "P3", "P4"]
    m = model.matrix(ids)
    sources = []
    weights = model._aug.weights

    def counting(src, dst):
        sources.extend(np.asarray(src).tolist())
        return weights(src, dst)

    monkeypatch.setattr(model._aug, "weights", counting)
    first = model.rect_s(["P3"], ids)
    assert (first == m.travel_s[2:3]).all()
    assert len(sources) == 1
    assert (model.rect_s(["P3"], ids[::-1]) == m.travel_s[2:3, ::-1]).all()
    assert (model.rect_s(["P3", "P1"], ["P2", "P4"]) == m.travel_s[np.ix_([2, 0], [1, 3])]).all()
    assert len(sources) == 2  # only P1 was new
    first[0, 0] = 999  # the caller's array is its own
    assert (model.rect_s(["P3"], ids) == m.travel_s[2:3]).all()


def test_large_matrix_is_cached_on_disk_and_read_back(tiny_osm, tmp_path, monkeypatch):
    from planner.network import road as road_module

    monkeypatch.setattr(road_module, "MATRIX_CACHE_MIN_CELLS", 1)
    ids = ["P1", "P2", "P3", "P4"]
    m = build_travel_model(road(tiny_osm, tmp_path), points_at([1, 2, 3, 4])).matrix(ids)
    assert [p.suffix for p in (tmp_path / "cache" / "matrices").iterdir()] == [".npz"]
    again = build_travel_model(road(tiny_osm, tmp_path), points_at([1, 2, 3, 4]))
    monkeypatch.setattr(again, "_compute", None)  # a cache miss would fail
    m2 = again.matrix(ids)
    assert (m2.travel_s == m.travel_s).all() and (m2.dist_m == m.dist_m).all()


def test_clipped_way_loads_and_is_not_joined_across_the_gap(tiny_osm, tmp_path):
    model = build_travel_model(road(tiny_osm, tmp_path), points_at([1, 3]))
    g = model.graph
    assert g.stats["clipped_ways"] == 1
    # n5-n6 is a dangling piece (its link to n3 went through the missing n99): dropped by
    # the strongly-connected-component step, and no link runs n3 -> n5.
    assert set(g.node_osmid.tolist()) == {1, 2, 3, 4}
    assert not np.isclose(g.vtx_lat, NODES[5][0]).any()


def test_snapped_point_pays_the_walk_to_the_road(tiny_osm, tmp_path):
    pts = points_at([2])
    pts.loc[1] = ["MID", 55.0001, 12.0050]  # 11 m north of the middle of n1-n2
    model = build_travel_model(road(tiny_osm, tmp_path), pts)
    snap = float(model.snaps.set_index("point_id").loc["MID", "snap_m"])
    assert snap == pytest.approx(hav((55.0001, 12.005), (55.0, 12.005)), abs=0.2)
    along = hav((55.0, 12.005), NODES[2])
    expect = snap / (5 / 3.6) + along / 10
    assert model.matrix(["MID", "P2"]).time_s("MID", "P2") == pytest.approx(expect, abs=1)
    assert model.matrix(["MID", "P2"]).distance_m("P2", "MID") == pytest.approx(along + snap, abs=1)


def test_walk_uses_footway_both_ways_and_is_symmetric(tiny_osm, tmp_path):
    model = build_travel_model(road(tiny_osm, tmp_path, "walk"), points_at([1, 2, 3, 4]))
    m = model.matrix(["P1", "P2", "P3", "P4"])
    assert (m.travel_s == m.travel_s.T).all() and (m.dist_m == m.dist_m.T).all()
    d13 = hav(NODES[1], NODES[3])  # the diagonal footway beats the streets on foot
    assert m.time_s("P3", "P1") == round(d13 / 10)
    assert m.time_s("P3", "P2") == round(hav(NODES[2], NODES[3]) / 10)  # one-way ignored
    drive = build_travel_model(road(tiny_osm, tmp_path), points_at([1, 3]))
    assert drive.matrix(["P1", "P3"]).time_s("P3", "P1") == round(
        (hav(NODES[3], NODES[4]) + hav(NODES[4], NODES[1])) / 10
    )  # no footway by car


def test_graphml_gives_the_same_times_as_osm_xml(tiny_osm, tmp_path):
    import osmnx as ox

    g = nx.MultiDiGraph(crs="epsg:4326")
    for i in (1, 2, 3, 4):
        g.add_node(i, y=NODES[i][0], x=NODES[i][1])
    for wid, (a, b), oneway in (
        (10, (1, 2), False),
        (11, (2, 3), True),
        (12, (3, 4), False),
        (13, (4, 1), False),
    ):
        for u, v in [(a, b)] if oneway else [(a, b), (b, a)]:
            g.add_edge(
                u,
                v,
                osmid=wid,
                highway="residential",
                oneway=oneway,
                length=hav(NODES[u], NODES[v]),
            )
    path = tmp_path / "tiny.graphml"
    ox.save_graphml(g, path)
    ids = ["P1", "P2", "P3", "P4"]
    from_xml = build_travel_model(road(tiny_osm, tmp_path), points_at([1, 2, 3, 4]))
    from_graphml = build_travel_model(road(path, tmp_path), points_at([1, 2, 3, 4]))
    assert (from_graphml.matrix(ids).travel_s == from_xml.matrix(ids).travel_s).all()


def test_haversine_matrix_equals_the_documented_formula():
    helsinki, tallinn = (60.1699, 24.9384), (59.4370, 24.7536)
    d = hav(helsinki, tallinn)
    travel_s, dist_m = haversine_matrix(
        [helsinki[0], tallinn[0]], [helsinki[1], tallinn[1]], speed_kmh=35.0, circuity=1.3
    )
    assert travel_s[0, 1] == travel_s[1, 0] == round(d / 1000 * 1.3 / 35 * 3600)
    assert dist_m[0, 1] == round(d * 1.3)
    # the worked example in docs/travel.md
    assert round(d) == 82_148 and dist_m[0, 1] == 106_792 and travel_s[0, 1] == 10_984
    assert travel_s[0, 0] == 0
    pts = pd.DataFrame(
        {"point_id": ["H", "T"], "lat": [helsinki[0], tallinn[0]], "lon": [helsinki[1], tallinn[1]]}
    )
    model = build_travel_model(TravelParams(speed_kmh=50, circuity=1.2), pts)
    assert model.matrix(["H", "T"]).time_s("T", "H") == round(d / 1000 * 1.2 / 50 * 3600)
    assert model.source == "haversine(speed_kmh=50,circuity=1.2)"
    assert model.path(["H", "T"]) == [helsinki, tallinn]
    assert (model.snaps["snap_m"] == 0).all()


@pytest.mark.parametrize(
    "name, content, match",
    [
        ("broken.osm.pbf", b"\x00\x01 this is not a pbf file" * 40, "cannot read"),
        ("broken.osm", b"<osm><node id='1' lat='1' lon='2'><way", "cannot read"),
        ("broken.osm.bz2", b"BZh9 not really bzip2", "cannot read"),
        ("roads.shp", b"shapefile", "unsupported network file type"),
    ],
)
def test_corrupt_network_file_is_a_network_error(tmp_path, name, content, match):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(NetworkError, match=match) as info:
        build_travel_model(road(tmp_path / name, tmp_path), points_at([1]))
    assert info.value.exit_code == 3


def test_missing_file_no_roads_and_offline_place(tmp_path):
    with pytest.raises(NetworkError, match="not found"):
        build_travel_model(road(tmp_path / "nowhere.osm.pbf", tmp_path), points_at([1]))
    only_paths = write_osm(tmp_path / "paths.osm", ways=[(1, [1, 2, 3], {"highway": "footway"})])
    with pytest.raises(NetworkError, match="no drive roads"):
        build_travel_model(road(only_paths, tmp_path), points_at([1]))
    with pytest.raises(NetworkError, match="could not download"):
        build_travel_model(road("Xyzzy-Nowhere-Planner-Test-Town", tmp_path), points_at([1]))
    assert not list((tmp_path / "cache").glob("downloads/*.graphml"))
    with pytest.raises(NetworkError, match="needs travel.network"):
        build_travel_model(TravelParams(mode="road"), points_at([1]))


def test_wrong_network_for_the_points(tiny_osm, tmp_path):
    far = pd.DataFrame(
        {"point_id": ["A", "B", "C"], "lat": [35.9, 35.91, 55.0], "lon": [14.5, 14.51, 12.0]}
    )  # two in Malta, one on the square
    with pytest.raises(NetworkError, match="2 of 3 points .* right network"):
        build_travel_model(road(tiny_osm, tmp_path), far)
