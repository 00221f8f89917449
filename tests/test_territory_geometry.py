"""Territory polygons against a boundary file with an island, and with building-block
units (tiny GeoJSON files the tests write)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box, mapping
from territory_helpers import check_contract, design, instance, max_deviation_pct

from planner.territory import TerritoryParams

LAT0, LON0 = 56.0, 9.5
KM_LAT = 1 / 111.195
KM_LON = 1 / (111.195 * np.cos(np.radians(LAT0)))


def km_box(x0, y0, x1, y1):
    """A lon/lat box from km offsets around (LAT0, LON0)."""
    return box(LON0 + x0 * KM_LON, LAT0 + y0 * KM_LAT, LON0 + x1 * KM_LON, LAT0 + y1 * KM_LAT)


def write_geojson(path, geoms, props=None):
    feats = [
        {"type": "Feature", "properties": (props or [{}] * len(geoms))[i], "geometry": mapping(g)}
        for i, g in enumerate(geoms)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def island_instance(seed: int):
    """A 40 x 40 km mainland and a 10 x 10 km island 8 km off its east coast."""
    inst = instance(300, 3, seed, side_km=36.0)
    rng = np.random.default_rng(seed)
    cust = inst.customers.copy()
    on_island = rng.random(len(cust)) < 0.12
    cust.loc[on_island, "lat"] = LAT0 + rng.uniform(-4, 4, on_island.sum()) * KM_LAT
    cust.loc[on_island, "lon"] = LON0 + rng.uniform(30, 36, on_island.sum()) * KM_LON
    return inst, cust


def test_boundary_with_an_island(tmp_path):
    inst, cust = island_instance(0)
    mainland, island = km_box(-20, -20, 20, 20), km_box(28, -5, 38, 5)
    path = write_geojson(tmp_path / "boundary.geojson", [shapely.MultiPolygon([mainland, island])])
    res = design(inst, TerritoryParams(boundary=path), customers=cust)
    check_contract(res, cust)
    assert max_deviation_pct(res) <= 10.0
    # the territories cover exactly the boundary (within reprojection rounding)
    union = shapely.union_all(res.territories.geometry.to_numpy())
    outline = mainland.union(island)
    assert shapely.symmetric_difference(union, outline).area <= 1e-6 * outline.area
    # a territory is a MultiPolygon only when it holds land on both sides of the water
    for row in res.territories.itertuples():
        parts = shapely.get_parts(row.geometry)
        on_i = [p.intersects(island) and p.within(island.buffer(1e-6)) for p in parts]
        assert len(parts) == 1 or (len(parts) == 2 and sum(on_i) == 1), row.territory_id
    assert any("islands" in w for w in res.warnings)


def test_customers_outside_the_boundary_still_get_a_territory(tmp_path):
    inst = instance(200, 2, 1, side_km=30.0)
    path = write_geojson(tmp_path / "b.geojson", [km_box(-10, -10, 10, 10)])
    res = design(inst, TerritoryParams(boundary=path))
    check_contract(res, inst.customers, contiguous=False)
    assert any("outside the boundary" in w for w in res.warnings)


def test_units_are_never_split(tmp_path):
    inst = instance(300, 3, 2, side_km=30.0)
    # 6 x 6 grid of 5 km "postcode" squares; an extra empty unit on the edge
    units = [km_box(x, y, x + 5, y + 5) for x in range(-15, 15, 5) for y in range(-15, 15, 5)]
    path = write_geojson(
        tmp_path / "units.geojson", units, [{"code": f"P{i:02d}"} for i in range(len(units))]
    )
    res = design(inst, TerritoryParams(units=path, balance_tolerance=0.25))
    check_contract(res, inst.customers)
    geoms = res.territories.geometry.to_numpy()
    for u in units:
        share = shapely.area(shapely.intersection(geoms, u)) / u.area
        assert np.isclose(share, 1.0, atol=1e-6).sum() == 1, "a unit was split"
        assert (share < 1e-6).sum() == len(geoms) - 1
    # customers in one unit share a territory
    unit_of = gpd.GeoSeries(units).sindex.query(
        gpd.points_from_xy(inst.customers["lon"], inst.customers["lat"]), predicate="within"
    )
    df = pd.DataFrame(
        {"unit": unit_of[1], "t": res.assignments["territory_id"].to_numpy()[unit_of[0]]}
    )
    assert (df.groupby("unit")["t"].nunique() == 1).all()


def test_unreadable_units_file_is_an_input_error(tmp_path):
    import pytest

    from planner.errors import InputError

    inst = instance(50, 2, 0)
    bad = tmp_path / "units.geojson"
    bad.write_text("not json at all")
    with pytest.raises(InputError, match="cannot read the units file"):
        design(inst, TerritoryParams(units=bad))
    pts = write_geojson(tmp_path / "points.geojson", [shapely.Point(LON0, LAT0)])
    with pytest.raises(InputError, match="holds no polygons"):
        design(inst, TerritoryParams(boundary=pts))


def test_written_geojson_round_trips(tmp_path):
    inst = instance(200, 3, 3)
    res = design(inst)
    out = tmp_path / "territories.geojson"
    out.write_text(res.territories.to_json(drop_id=True))
    back = gpd.read_file(out)
    assert list(back["territory_id"]) == list(res.territories["territory_id"])
    assert back.crs.to_epsg() == 4326
    assert shapely.coverage_is_valid(back.geometry.to_numpy())
