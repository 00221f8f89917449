"""Per-territory polygons and figures, and the warnings a planner needs to read."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from planner.domain import TierTable
from planner.territory.capacity import Capacity
from planner.territory.cells import Cells
from planner.territory.geometry import WGS84, dissolve, to_wgs84
from planner.territory.params import TerritoryParams
from planner.territory.repair import stray_pieces
from planner.territory.slots import Slot, pinned_reps


@dataclass(frozen=True)
class ReportInput:
    """Everything :func:`build_report` reads (arrays aligned with customers, cells or
    territories as named)."""

    cells: Cells
    labels: np.ndarray  # (m,) territory of each cell
    cust: pd.DataFrame
    cust_slot: np.ndarray  # (n,) territory of each customer
    slots: list[Slot]
    tiers: TierTable
    visits: np.ndarray  # (n,) visits per cycle
    workload_h: np.ndarray  # (n,) hours per cycle (visits x (service + travel))
    weight: np.ndarray  # (n,) the balanced quantity
    center_cost_s: np.ndarray  # (k, n) travel from each territory's start point
    start_xy: np.ndarray  # (k, 2) start point of each territory, metres
    capacity: Capacity
    commute: bool  # commute is part of the balanced load
    cell_pin: np.ndarray  # (m,) territory a cell is pinned to, or -1
    allowed: np.ndarray  # (k, m) bool, territories each cell may go to
    unreachable: np.ndarray  # (n,) bool, customers no rep can reach
    params: TerritoryParams
    crs: CRS


def build_report(inp: ReportInput) -> tuple[gpd.GeoDataFrame, shapely.Geometry, list[str]]:
    """The territories table (EPSG:4326), the service area (EPSG:4326) and warnings."""
    k = len(inp.slots)
    cells = inp.cells
    polys = dissolve(cells.polys, inp.labels, k)
    n_parts = [len(shapely.get_parts(p)) if not p.is_empty else 0 for p in polys]
    islands = [len({int(cells.part[a]) for a in np.flatnonzero(inp.labels == t)}) for t in range(k)]
    contiguous = [n_parts[t] > 0 and n_parts[t] == islands[t] for t in range(k)]
    notes = contiguity_notes(inp, contiguous, islands)
    count = np.bincount(inp.cust_slot, minlength=k)
    commute_h = inp.capacity.commute_h(inp.cust_slot)
    balanced = np.bincount(inp.cust_slot, weights=inp.weight, minlength=k)
    dev = inp.capacity.deviation_pct(balanced, commute_h if inp.commute else np.zeros(k))
    home = _home_position(inp, polys)
    rows = []
    tier = inp.cust["tier"].astype(str).to_numpy()
    for t, s in enumerate(inp.slots):
        mine = inp.cust_slot == t
        row: dict = {
            "territory_id": s.territory_id,
            "rep_id": s.rep_id,
            "rep_name": s.rep_name,
            "customers": int(count[t]),
        }
        for name in inp.tiers.names():
            row[f"customers_{name}"] = int((mine & (tier == name)).sum())
        work_h = float(inp.workload_h[mine].sum() + commute_h[t])
        cap_h = float(inp.capacity.hours[t])
        row["visits"] = round(float(inp.visits[mine].sum()), 2)
        row["workload_h"] = round(work_h, 2)
        row["commute_h"] = round(float(commute_h[t]), 2)
        row["capacity_h"] = round(cap_h, 2)
        row["load_pct"] = round(work_h / cap_h * 100.0, 1) if cap_h > 0 else float("nan")
        row["deviation_pct"] = round(float(dev[t]), 1) if np.isfinite(dev[t]) else float("nan")
        travel = inp.center_cost_s[t, mine]
        row["mean_home_travel_min"] = (
            round(float(travel.mean()) / 60.0, 1) if s.rep_id and mine.any() else float("nan")
        )
        row["contiguous"] = bool(contiguous[t])
        row["contiguity_note"] = notes[t]
        row.update(home[t] if s.rep_id else _NO_HOME)
        if inp.params.balance != "workload":
            row["balance_value"] = round(float(balanced[t]), 3)
        rows.append(row)
    table = pd.DataFrame(rows)
    gdf = gpd.GeoDataFrame(table, geometry=list(to_wgs84(polys, inp.crs)), crs=WGS84)
    warnings = _warnings(inp, table, dev, count, contiguous, notes)
    service_area = to_wgs84([shapely.coverage_union_all(cells.polys)], inp.crs)[0]
    return gdf, service_area, warnings


_NO_HOME = {
    "home_in_territory": False,
    "home_touches_territory": False,
    "home_distance_km": float("nan"),
}


def _home_position(inp: ReportInput, polys: list) -> list[dict]:
    """Per territory: its start point inside the polygon, inside or in a cell next to it,
    and its distance to the polygon (km)."""
    cells = inp.cells
    pts = shapely.points(inp.start_xy)
    tree = shapely.STRtree(cells.polys)
    hit = tree.query(pts, predicate="intersects")
    cell_of = np.full(len(pts), -1, dtype=np.int64)
    cell_of[hit[0][::-1]] = hit[1][::-1]
    missing = np.flatnonzero(cell_of < 0)
    if len(missing):
        near = tree.query_nearest(pts[missing], all_matches=False)
        cell_of[missing[near[0]]] = near[1]
    out = []
    for t, poly in enumerate(polys):
        if poly.is_empty:
            out.append(dict(_NO_HOME))
            continue
        x, y = inp.start_xy[t]
        inside = bool(shapely.intersects_xy(poly, x, y))
        a = int(cell_of[t])
        touches = inside or (
            a >= 0 and (inp.labels[a] == t or bool((inp.labels[cells.graph.nbrs(a)] == t).any()))
        )
        out.append(
            {
                "home_in_territory": inside,
                "home_touches_territory": bool(touches),
                "home_distance_km": round(float(shapely.distance(poly, pts[t])) / 1000.0, 2),
            }
        )
    return out


def contiguity_notes(inp: ReportInput, contiguous: list[bool], islands: list[int]) -> list[str]:
    """Per territory: ``""`` when it is one piece, else exactly why not (pinned customers
    inside other territories, customers no neighbouring rep can reach), or the islands
    a contiguous territory spans."""
    k, cells, labels = len(inp.slots), inp.cells, inp.labels
    of = cells.of_customer
    cids = inp.cust["customer_id"].astype(str).to_numpy()
    cell_w = np.bincount(of, weights=inp.weight, minlength=len(labels))
    comp, stray = stray_pieces(labels, cells.graph, cell_w, cells.part)
    why: list[list[str]] = [[] for _ in range(k)]
    pins = pinned_reps(inp.cust)
    for p in np.flatnonzero(stray):
        members = np.flatnonzero(comp == p)
        t = int(labels[members[0]])
        if t < 0:
            continue
        custs = np.flatnonzero(np.isin(of, members))
        pinned = custs[pins[custs] == inp.slots[t].rep_id] if inp.slots[t].rep_id else custs[:0]
        if len(pinned):
            why[t].append(f"pinned customers {_ids(cids[pinned])} lie inside other territories")
            continue
        nbr = {
            int(labels[b])
            for a in members.tolist()
            for b in cells.graph.nbrs(a).tolist()
            if labels[b] != t
        }
        if not any(inp.allowed[u, members].all() for u in nbr):
            why[t].append(f"no neighbouring rep can reach customers {_ids(cids[custs])}")
        else:
            why[t].append(f"a piece with customers {_ids(cids[custs])} could not be joined")
    split = (inp.cell_pin[of] != inp.cust_slot) & (pins != "")
    for t in range(k):
        mine = np.flatnonzero(split & (inp.cust_slot == t))
        if len(mine):
            why[t].append(
                f"pinned customers {_ids(cids[mine])} share their location with another "
                "rep's pinned customers and lie outside the polygon"
            )
    notes = []
    for t in range(k):
        if why[t] or not contiguous[t]:
            notes.append("; ".join(why[t]) or "in several pieces (cells touch only at corners)")
        elif islands[t] > 1:
            notes.append(f"one piece on each of {islands[t]} islands")
        else:
            notes.append("")
    return notes


def _ids(ids: np.ndarray, limit: int = 5) -> str:
    names = [str(i) for i in ids]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _warnings(
    inp: ReportInput,
    table: pd.DataFrame,
    dev: np.ndarray,
    count: np.ndarray,
    contiguous: list[bool],
    notes: list[str],
) -> list[str]:
    k, params, slots = len(inp.slots), inp.params, inp.slots
    warnings: list[str] = []
    tol = params.balance_tolerance * 100
    what = {
        "workload": "workload (commute included)",
        "count": "customer count",
        "column": f"'{params.balance_column}'",
    }[params.balance]
    load_pct = table["load_pct"].to_numpy(float)
    # below its share but its rep full (a team short of time): not a balance problem
    full = inp.commute & (load_pct >= 100.0 - tol)
    off = [
        (slots[t].territory_id, dev[t])
        for t in range(k)
        if np.isfinite(dev[t]) and (dev[t] > tol + 1e-9 or (dev[t] < -tol - 1e-9 and not full[t]))
    ]
    if off:
        listing = ", ".join(f"{tid} {d:+.1f} %" for tid, d in off[:20])
        warnings.append(
            f"{len(off)} territories are outside the balance tolerance of +-{tol:g} % "
            f"of their rep's share of the {what} (in proportion to capacity): {listing}. "
            f"{_why(inp, k)}"
        )
    over = table[(table["rep_id"] != "") & (table["load_pct"] > 100.0)]
    if len(over):
        warnings.append(
            f"{len(over)} territories hold more work than their rep has time for "
            f"(workload over capacity): {_listing(over, 'load_pct', '{:.0f} %', 20)}; the "
            "lowest-priority visits will be unscheduled ('planner size' shows how many "
            "reps the work needs)"
        )
    empty = [
        slots[t].territory_id
        for t in range(k)
        if count[t] == 0 and not (slots[t].rep_id and inp.capacity.hours[t] <= 0)
    ]
    if empty:
        warnings.append(
            f"{len(empty)} territories have no customers (more territories than "
            f"customer locations, or pins): {', '.join(empty[:20])}"
        )
    broken = [
        f"{slots[t].territory_id} ({notes[t]})"
        for t in range(k)
        if count[t] and (not contiguous[t] or (notes[t] and not notes[t].startswith("one piece")))
    ]
    if broken:
        warnings.append(
            f"{len(broken)} territories are in several pieces: {'; '.join(broken[:20])}"
        )
    outside = table[(table["rep_id"] != "") & (table["customers"] > 0)]
    away = outside[~outside["home_touches_territory"].astype(bool)]
    if len(away):
        warnings.append(
            f"{len(away)} of {len(outside)} reps start their day outside their territory "
            f"and not next to it: {_listing(away, 'home_distance_km', '{:.1f} km', 10)} "
            "(balance and reach came first; see docs/territories.md)"
        )
    if inp.cells.outside.any():
        warnings.append("customers outside every unit are not inside their territory polygon")
    area_parts = shapely.get_parts(inp.cells.area)
    if len(area_parts) > 1:
        warnings.append(
            f"the service area has {len(area_parts)} separate parts (islands); "
            "a territory spanning several is a MultiPolygon"
        )
    return warnings


def _listing(rows: pd.DataFrame, column: str, fmt: str, limit: int) -> str:
    """``T-R1 112 %, T-R7 104 %`` for the first ``limit`` rows."""
    return ", ".join(
        f"{tid} {fmt.format(v)}"
        for tid, v in zip(rows["territory_id"][:limit], rows[column][:limit], strict=True)
    )


def _why(inp: ReportInput, k: int) -> str:
    """A short guess at why balance was not reached."""
    reasons = []
    pinned = int((pinned_reps(inp.cust) != "").sum())
    if pinned:
        reasons.append(f"{pinned} customers are pinned to their rep")
    weight = inp.weight
    big = int((weight > 0.5 * weight.sum() / max(k, 1)).sum())
    if big:
        reasons.append(f"{big} customers each carry more than half a territory's share")
    if len(inp.cust) < 3 * k:
        reasons.append(f"only {len(inp.cust)} customers for {k} territories")
    if not inp.allowed.all():
        reasons.append("reps can only take the customers they can reach within a day")
    short = inp.commute and inp.capacity.short(
        float(inp.weight.sum()), inp.capacity.commute_h(inp.cust_slot)
    )
    if inp.params.method == "redesign" and short:
        reasons.append(
            "the team has more work than time, so every rep is filled to their time with "
            "the work nearest them and extra work is not sent more than an hour further "
            "than its nearest rep (a busy town with few reps nearby keeps it)"
        )
    if len(reasons) <= 1:
        reasons.append("contiguity and the pull towards each rep's home limit the moves")
    return "Likely cause: " + "; ".join(reasons) + "."
