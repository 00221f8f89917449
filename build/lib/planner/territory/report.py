"""Per-territory polygons and figures, and the warnings a planner needs to read."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from planner.domain import TierTable
from planner.territory.cells import Cells
from planner.territory.geometry import WGS84, dissolve, to_wgs84
from planner.territory.params import TerritoryParams
from planner.territory.slots import Slot, pinned_reps


def build_report(
    cells: Cells,
    labels: np.ndarray,
    cust: pd.DataFrame,
    cust_slot: np.ndarray,
    slots: list[Slot],
    tiers: TierTable,
    visits: np.ndarray,
    workload_h: np.ndarray,
    weight: np.ndarray,
    center_cost_s: np.ndarray,
    home_xy: np.ndarray,
    rep_ids: list[str],
    params: TerritoryParams,
    crs: CRS,
) -> tuple[gpd.GeoDataFrame, shapely.Geometry, list[str]]:
    """The territories table (EPSG:4326), the service area (EPSG:4326) and warnings."""
    k = len(slots)
    warnings: list[str] = []
    polys = dissolve(cells.polys, labels, k)
    n_parts = [len(shapely.get_parts(p)) if not p.is_empty else 0 for p in polys]
    area_parts = shapely.get_parts(cells.area)
    parts_touched = [
        len({int(cells.part[a]) for a in np.flatnonzero(labels == t)}) for t in range(k)
    ]
    contiguous = [n_parts[t] > 0 and n_parts[t] == parts_touched[t] for t in range(k)]
    count = np.bincount(cust_slot, minlength=k)
    load = np.bincount(cust_slot, weights=weight, minlength=k)
    mean = load.mean() if k else 0.0
    dev = np.where(mean > 0, (load - mean) / mean * 100.0, 0.0) if k else np.zeros(0)
    rows = []
    tier = cust["tier"].astype(str).to_numpy()
    for t, s in enumerate(slots):
        mine = cust_slot == t
        row: dict = {
            "territory_id": s.territory_id,
            "rep_id": s.rep_id,
            "rep_name": s.rep_name,
            "customers": int(count[t]),
        }
        for name in tiers.names():
            row[f"customers_{name}"] = int((mine & (tier == name)).sum())
        row["visits"] = round(float(visits[mine].sum()), 2)
        row["workload_h"] = round(float(workload_h[mine].sum()), 2)
        row["deviation_pct"] = round(float(dev[t]), 1)
        travel = center_cost_s[t, mine]
        row["mean_home_travel_min"] = (
            round(float(travel.mean()) / 60.0, 1) if s.rep_id and mine.any() else float("nan")
        )
        row["contiguous"] = bool(contiguous[t])
        if s.rep_id:
            hx, hy = home_xy[rep_ids.index(s.rep_id)]
            row["home_in_territory"] = bool(
                not polys[t].is_empty and shapely.intersects_xy(polys[t], hx, hy)
            )
        else:
            row["home_in_territory"] = False
        if params.balance != "workload":
            row["balance_value"] = round(float(load[t]), 3)
        rows.append(row)
    table = pd.DataFrame(rows)
    gdf = gpd.GeoDataFrame(table, geometry=list(to_wgs84(polys, crs)), crs=WGS84)

    tol = params.balance_tolerance * 100
    what = {
        "workload": "workload",
        "count": "customer count",
        "column": f"'{params.balance_column}'",
    }[params.balance]
    off = [(slots[t].territory_id, dev[t]) for t in range(k) if abs(dev[t]) > tol + 1e-9]
    if off:
        listing = ", ".join(f"{tid} {d:+.1f} %" for tid, d in off[:20])
        warnings.append(
            f"{len(off)} territories are outside the balance tolerance of +-{tol:g} % "
            f"of the mean {what}: {listing}. {_why(cust, cust_slot, weight, k)}"
        )
    empty = [slots[t].territory_id for t in range(k) if count[t] == 0]
    if empty:
        warnings.append(
            f"{len(empty)} territories have no customers (more territories than "
            f"customer locations, or pins): {', '.join(empty[:20])}"
        )
    broken = [slots[t].territory_id for t in range(k) if count[t] and not contiguous[t]]
    if broken:
        warnings.append(
            f"{len(broken)} territories are in several pieces because pinned "
            f"customers lie inside other territories: {', '.join(broken[:20])}"
        )
    if cells.outside.any():
        warnings.append("customers outside every unit are not inside their territory polygon")
    if len(area_parts) > 1:
        warnings.append(
            f"the service area has {len(area_parts)} separate parts (islands); "
            "a territory spanning several is a MultiPolygon"
        )
    service_area = to_wgs84([shapely.coverage_union_all(cells.polys)], crs)[0]
    return gdf, service_area, warnings


def _why(cust: pd.DataFrame, cust_slot: np.ndarray, weight: np.ndarray, k: int) -> str:
    """A short guess at why balance was not reached."""
    reasons = []
    pinned = int((pinned_reps(cust) != "").sum())
    if pinned:
        reasons.append(f"{pinned} customers are pinned to their rep")
    big = int((weight > 0.5 * weight.sum() / max(k, 1)).sum())
    if big:
        reasons.append(f"{big} customers each carry more than half a territory's share")
    if len(cust) < 3 * k:
        reasons.append(f"only {len(cust)} customers for {k} territories")
    if not reasons:
        reasons.append("contiguity and the pull towards each rep's home limit the moves")
    return "Likely cause: " + "; ".join(reasons) + "."
