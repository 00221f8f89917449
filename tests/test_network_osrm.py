"""The OSRM travel engine on real Malta data (../shared/osm): a dataset prepared with the
real OSRM binaries, served by a real osrm-routed on 127.0.0.1, against the scipy engine.

To stay fast, the dataset is prepared from central Malta (Valletta to Sliema and Msida),
cut out of malta-latest.osm.pbf by these tests; ``benchmarks/network_bench.py`` measures
whole Malta and Porto.
"""

from __future__ import annotations

import xml.sax.saxutils as su
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.errors import NetworkError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "osm"
MALTA = SHARED / "malta-latest.osm.pbf"
BBOX = (14.470, 35.880, 14.520, 35.915)  # west, south, east, north

pytestmark = pytest.mark.skipif(not MALTA.exists(), reason="needs ../shared/osm (Malta)")


def _clip_osm(pbf: Path, out: Path) -> tuple[Path, np.ndarray]:
    """OSM XML of the drivable ways of ``pbf`` lying wholly inside :data:`BBOX`, and the
    ``(lat, lon)`` of its nodes."""
    from planner.network.osm_read import read_pbf

    raw = read_pbf(pbf, "drive")
    w, s, e, n = BBOX
    inside = (raw.node_lon >= w) & (raw.node_lon <= e) & (raw.node_lat >= s) & (raw.node_lat <= n)
    keep_node = dict(zip(raw.node_id.tolist(), inside.tolist(), strict=True))
    pos = {nid: k for k, nid in enumerate(raw.node_id.tolist())}
    ways, used = [], set()
    for i in range(raw.n_ways):
        refs = raw.way_nodes[raw.way_ptr[i] : raw.way_ptr[i + 1]].tolist()
        if len(refs) < 2 or not all(keep_node.get(r, False) for r in refs):
            continue
        oneway = "yes" if raw.fwd[i] and not raw.bwd[i] else "-1" if raw.bwd[i] else "no"
        ways.append((refs, str(raw.highway[i]), oneway, raw.maxspeed_kmh[i]))
        used.update(refs)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for nid in sorted(used):
        k = pos[nid]
        lines.append(f'<node id="{nid}" lat="{raw.node_lat[k]:.7f}" lon="{raw.node_lon[k]:.7f}"/>')
    for wid, (refs, hw, oneway, maxspeed) in enumerate(ways, start=1):
        lines.append(f'<way id="{wid}">')
        lines += [f'<nd ref="{r}"/>' for r in refs]
        lines.append(f'<tag k="highway" v="{su.escape(hw)}"/><tag k="oneway" v="{oneway}"/>')
        if np.isfinite(maxspeed):
            lines.append(f'<tag k="maxspeed" v="{maxspeed:.0f}"/>')
        lines.append("</way>")
    lines.append("</osm>")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    k = [pos[nid] for nid in sorted(used)]
    return out, np.column_stack([raw.node_lat[k], raw.node_lon[k]])


@pytest.fixture(scope="module")
def central_malta(tmp_path_factory):
    """(the clipped .osm file, its prepared CH dataset, its nodes' coordinates)."""
    from planner.network.osrm import prepare_osrm

    tmp = tmp_path_factory.mktemp("osrm")
    osm, nodes = _clip_osm(MALTA, tmp / "central-malta.osm")
    return osm, prepare_osrm(osm, tmp / "data", threads=2), nodes


def _points(nodes: np.ndarray, n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` street nodes moved by N(0, 20 m), like addresses along the streets."""
    rng = np.random.default_rng(seed)
    pick = nodes[rng.choice(len(nodes), n, replace=False)]
    lat = pick[:, 0] + rng.normal(0, 20 / 111_195, n)
    lon = pick[:, 1] + rng.normal(0, 20 / 90_000, n)
    return pd.DataFrame({"point_id": [f"C{i:03d}" for i in range(n)], "lat": lat, "lon": lon})


@pytest.mark.timeout(300)
def test_osrm_engine_agrees_with_the_scipy_engine(central_malta, tmp_path):
    from planner.network import TravelParams, build_travel_model

    osm, dataset, nodes = central_malta
    pts = _points(nodes, 60)
    ours = build_travel_model(
        TravelParams(mode="road", network=str(osm), cache_dir=tmp_path / "cache"), pts
    )
    osrm = build_travel_model(TravelParams(mode="road", engine="osrm", network=str(dataset)), pts)
    try:
        assert osrm.source == f"osrm:{dataset.name}:drive"
        ids = list(pts["point_id"])
        a, b = ours.matrix(ids), osrm.matrix(ids)
        assert b.travel_s.dtype == np.int32 and (np.diag(b.travel_s) == 0).all()
        off = ~np.eye(len(ids), dtype=bool) & (a.travel_s > 60)
        ratio = a.travel_s[off] / b.travel_s[off]
        # the same roads and speeds; OSRM adds turn and signal penalties (docs/travel.md)
        assert 0.85 < np.median(ratio) <= 1.0
        assert abs(np.median(a.dist_m[off] / b.dist_m[off]) - 1) < 0.05
        # rectangular asks agree with the square matrix
        rect = osrm.rect_s(ids[:3], ids[10:20])
        assert (rect == b.travel_s[:3, 10:20]).all()
        # a day's path follows the streets: many more vertices than stops
        line = osrm.path([ids[0], ids[1], ids[2]])
        assert len(line) > 10 and line[0] == (pts["lat"][0], pts["lon"][0])
        both = ours.snaps["snap_m"].to_numpy(), osrm.snaps["snap_m"].to_numpy()
        assert np.median(np.abs(both[0] - both[1])) < 5  # both snap to the same streets
    finally:
        osrm.close()
    assert osrm._server.proc.poll() is not None  # osrm-routed stopped


@pytest.mark.timeout(300)
def test_osrm_matrix_in_blocks_equals_one_request(central_malta, monkeypatch):
    """A matrix larger than one request (BLOCK points a side) is assembled from blocks."""
    import planner.network.osrm as osrm_module
    from planner.network import TravelParams, build_travel_model

    _, dataset, nodes = central_malta
    pts = _points(nodes, 23, seed=3)
    ids = list(pts["point_id"])
    params = TravelParams(mode="road", engine="osrm", network=str(dataset))
    whole = build_travel_model(params, pts)
    try:
        one = whole.matrix(ids)
    finally:
        whole.close()
    monkeypatch.setattr(osrm_module, "BLOCK", 5)  # 5 x 5 requests, ragged at the edges
    blocks = build_travel_model(params, pts)
    try:
        many = blocks.matrix(ids)
        rect = blocks.rect_s(ids[:7], ids[4:])
    finally:
        blocks.close()
    assert (many.travel_s == one.travel_s).all() and (many.dist_m == one.dist_m).all()
    assert (rect == one.travel_s[:7, 4:]).all()
    # a large matrix goes as row blocks requested side by side: the same figures
    monkeypatch.setattr(osrm_module, "BLOCK", 2000)
    monkeypatch.setattr(osrm_module, "SPLIT_CELLS", 1)
    monkeypatch.setattr(osrm_module, "ROW_BLOCKS", 3)
    assert osrm_module._row_block(23, 23) == 8
    split = build_travel_model(params, pts)
    try:
        rows = split.matrix(ids)
    finally:
        split.close()
    assert (rows.travel_s == one.travel_s).all() and (rows.dist_m == one.dist_m).all()


def test_osrm_engine_needs_a_prepared_dataset(central_malta):
    from planner.network import TravelParams, build_travel_model

    osm, _, nodes = central_malta
    pts = _points(nodes, 3)
    with pytest.raises(NetworkError, match="prepare-osrm"):
        build_travel_model(TravelParams(mode="road", engine="osrm", network=str(osm)), pts)
    with pytest.raises(NetworkError, match="not a prepared OSRM dataset"):
        build_travel_model(
            TravelParams(mode="road", engine="osrm", network=str(osm.with_suffix(".osrm"))), pts
        )


@pytest.mark.timeout(300)
def test_plan_with_the_osrm_engine(central_malta, tmp_path):
    """A whole plan on the OSRM engine; planner check recomputes it with the same engine."""
    from planner.check import check_plan_dir
    from planner.pipeline import run_plan, write_plan
    from planner.scenario import load_scenario

    _, dataset, nodes = central_malta
    pts = _points(nodes, 24, seed=3)
    cust = pd.DataFrame(
        {
            "id": pts["point_id"],
            "name": [f"Shop {i}" for i in range(len(pts))],
            "lat": pts["lat"].round(6),
            "lon": pts["lon"].round(6),
            "tier": ["A", "B", "C"] * 8,
        }
    )
    cust.to_csv(tmp_path / "customers.csv", index=False)
    (tmp_path / "reps.csv").write_text(
        "id,name,home_lat,home_lon\nR1,Rita,35.8990,14.5000\n", encoding="utf-8"
    )
    (tmp_path / "s.yaml").write_text(
        "customers: customers.csv\nreps: reps.csv\nhorizon: {start: 2026-11-30, weeks: 1}\n"
        f"travel: {{mode: road, engine: osrm, network: {dataset}}}\nworkers: 1\n",
        encoding="utf-8",
    )
    plan = run_plan(load_scenario(tmp_path / "s.yaml"))
    assert plan.meta["travel_source"].startswith("osrm:")
    assert len(plan.visits) > 0
    write_plan(plan, tmp_path / "plan", maps=False)
    assert check_plan_dir(tmp_path / "plan") == []


@pytest.mark.timeout(300)
def test_prepare_osrm_command_mld_gives_the_same_times(central_malta, tmp_path):
    """`planner prepare-osrm` (multi-level Dijkstra this time) and the CH dataset of the
    fixture: the same fastest times."""
    from typer.testing import CliRunner

    from planner.cli import app
    from planner.network import TravelParams, build_travel_model

    osm, ch, nodes = central_malta
    r = CliRunner().invoke(
        app, ["prepare-osrm", str(osm), "--out", str(tmp_path / "mld"), "--algorithm", "mld"]
    )
    assert r.exit_code == 0, r.output
    mld = tmp_path / "mld" / "central-malta.osrm"
    assert str(mld) in r.output.replace("\n", "")
    pts = _points(nodes, 30, seed=11)
    ids = list(pts["point_id"])
    times = []
    for dataset in (ch, mld):
        model = build_travel_model(
            TravelParams(mode="road", engine="osrm", network=str(dataset)), pts
        )
        try:
            times.append(model.matrix(ids).travel_s)
        finally:
            model.close()
    assert (abs(times[0].astype(int) - times[1]) <= 1).all()
