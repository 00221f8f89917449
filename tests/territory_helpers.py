"""Helpers of the territory tests: seeded instances, the haversine travel model, and
checks of the geometric contract (partition, coverage, customers inside, contiguity)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from planner.network import TravelParams, build_travel_model
from planner.territory import TerritoryParams, TerritoryResult, design_territories

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    name = "planner_bench_generate"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "generate.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def instance(n_customers: int, n_reps: int, seed: int, **kw):
    """A seeded clustered-towns instance (benchmarks/generate.py)."""
    return _generator().generate_instance(n_customers, n_reps, seed, **kw)


def travel_for(customers: pd.DataFrame, reps: pd.DataFrame):
    """The real haversine travel model over customers and rep homes (start points are the
    homes: the generated reps start from home)."""
    pts = pd.concat(
        [
            pd.DataFrame(
                {
                    "point_id": customers["customer_id"],
                    "lat": customers["lat"],
                    "lon": customers["lon"],
                }
            ),
            pd.DataFrame(
                {
                    "point_id": "home:" + reps["rep_id"],
                    "lat": reps["home_lat"],
                    "lon": reps["home_lon"],
                }
            ),
        ],
        ignore_index=True,
    )
    return build_travel_model(TravelParams(mode="haversine"), pts)


def design(
    inst_or_tables, params: TerritoryParams | None = None, customers=None, reps=None
) -> TerritoryResult:
    cust = inst_or_tables.customers if customers is None else customers
    rps = inst_or_tables.reps if reps is None else reps
    return design_territories(
        cust,
        rps,
        travel_for(cust, rps),
        inst_or_tables.tiers,
        inst_or_tables.workday,
        params or TerritoryParams(),
    )


def check_contract(
    res: TerritoryResult,
    customers: pd.DataFrame,
    *,
    contiguous: bool = True,
    inside: bool = True,
    holes: bool = False,
) -> None:
    """Assert the territory contract; raises AssertionError naming what failed.

    ``contiguous=False`` skips the one-piece check, ``inside=False`` the customer-in-its-
    polygon check, ``holes=True`` allows holes in the covered area (a boundary with holes).
    """
    a = res.assignments
    # partition: every customer exactly once, in input order
    assert list(a["customer_id"]) == list(customers["customer_id"])
    assert a["customer_id"].is_unique
    t = res.territories
    assert set(a["territory_id"]) <= set(t["territory_id"])
    counts = a["territory_id"].value_counts()
    for row in t.itertuples():
        assert row.customers == counts.get(row.territory_id, 0), row.territory_id
    assert t.crs.to_epsg() == 4326
    geoms = t.geometry.to_numpy()
    # no overlaps: a valid coverage, and the areas add up to the union's area
    nonempty = geoms[~shapely.is_empty(geoms)]
    assert shapely.coverage_is_valid(nonempty)
    assert shapely.is_empty(shapely.coverage_invalid_edges(nonempty)).all()
    assert shapely.is_valid(nonempty).all()
    total = shapely.area(nonempty).sum()
    union = shapely.union_all(nonempty)
    assert abs(total - union.area) <= 1e-9 * union.area
    # no gaps: the territories cover the whole service area
    sa = res.service_area
    assert abs(union.area - sa.area) <= 1e-9 * sa.area
    assert shapely.symmetric_difference(union, sa).area <= 1e-9 * sa.area
    # gaps checked without trusting res.service_area: the union has no holes (unless the
    # boundary file has) and holds every customer
    if not holes:
        assert all(len(p.interiors) == 0 for p in shapely.get_parts(union))
    lon, lat = customers["lon"].to_numpy(float), customers["lat"].to_numpy(float)
    assert shapely.intersects_xy(union, lon, lat).all()
    if inside:
        poly = dict(zip(t["territory_id"], geoms, strict=True))
        tid = a["territory_id"].to_numpy()
        lon, lat = customers["lon"].to_numpy(float), customers["lat"].to_numpy(float)
        for k in np.unique(tid):
            mine = tid == k
            # within 1 mm: a shared-out location is the corner where its wedges meet,
            # and the projection there and back moves it by rounding
            pts = shapely.points(lon[mine], lat[mine])
            assert shapely.dwithin(poly[k], pts, 1e-8).all(), k
    if contiguous:
        pins = customers["rep_id"].fillna("").astype(str).to_numpy()
        lon, lat = customers["lon"].to_numpy(float), customers["lat"].to_numpy(float)
        for row in t[t["customers"] > 0].itertuples():
            if row.contiguous:
                # one polygon per part of the service area (island) it lies on
                islands = shapely.get_parts(sa)
                on = shapely.area(shapely.intersection(islands, row.geometry))
                n_on = int((on > 1e-9 * row.geometry.area).sum())
                assert len(shapely.get_parts(row.geometry)) == n_on, row.territory_id
                continue
            # only pins and reach may split a territory, and the note says which: every
            # piece but the largest holds a customer pinned to the territory's rep or one
            # the note names
            assert row.contiguity_note, row.territory_id
            parts = sorted(shapely.get_parts(row.geometry), key=lambda p: -p.area)
            named = np.array([c in row.contiguity_note for c in customers["customer_id"]])
            mine = (pins == row.rep_id) | named
            assert mine.any(), row.territory_id
            for part in parts[1:]:
                assert shapely.intersects_xy(part, lon[mine], lat[mine]).any(), row.territory_id


def max_deviation_pct(res: TerritoryResult) -> float:
    return float(res.territories["deviation_pct"].abs().max())
