"""Territory design: the stage's entry function :func:`design_territories`.

Steps (docs/territories.md explains them for planners):

1. workload of every customer (:mod:`planner.territory.workload`) and the quantity
   balanced (workload hours, customer count or a column);
2. the territories: one per rep around their home, or the existing ones (``keep``);
3. cells: Voronoi cells of customer locations or the user's units, clipped to the
   service area (:mod:`planner.territory.cells`);
4. a balanced assignment of cells to territories that keeps travel from home low, as
   min-cost flow with OR-Tools (:mod:`planner.territory.flow`,
   :mod:`planner.territory.solver`); in ``keep`` mode the cost of moving a customer
   dominates, so few customers move;
5. repairs: stray pieces join a neighbour, then border cells move between neighbours
   until every territory is within the tolerance (:mod:`planner.territory.repair`);
6. polygons (dissolved cells, EPSG:4326) and the per-territory report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from planner.domain import TierTable, Workday
from planner.errors import InputError, Problem
from planner.matrix import home_id
from planner.territory.cells import Cells, build_cells
from planner.territory.flow import flow_labels, largest_share
from planner.territory.geometry import project_points
from planner.territory.params import TerritoryParams, TerritoryResult
from planner.territory.repair import (
    BalanceState,
    fill_unlabelled,
    loads,
    rebalance,
    repair_contiguity,
    within_bounds,
)
from planner.territory.report import build_report
from planner.territory.slots import (
    Slots,
    current_territories,
    keep_slots,
    pinned_reps,
    redesign_slots,
)
from planner.territory.workload import balance_weights, estimate_workload


def design_territories(
    customers: pd.DataFrame,
    reps: pd.DataFrame,
    travel,
    tiers: TierTable,
    workday: Workday,
    params: TerritoryParams,
) -> TerritoryResult:
    """Split the active customers into balanced, compact, contiguous territories.

    Parameters
    ----------
    customers : pandas.DataFrame
        Validated active customers (:data:`planner.domain.CUSTOMER_COLUMNS`, plus any
        extra columns such as ``revenue`` as text).
    reps : pandas.DataFrame
        Validated reps (:data:`planner.domain.REP_COLUMNS`).
    travel : TravelModel
        Knows every customer id and ``home:<rep_id>``; only ``rect_s`` is used (homes x
        customers, plus one row per vacant territory), never a full square matrix.
    tiers : TierTable
        Visit frequency and default service time per tier.
    workday : Workday
        Caps the travel estimated for one visit at half a working day.
    params : TerritoryParams
        Method, count, balance, tolerance, boundary, units, cycle, seed.

    Returns
    -------
    TerritoryResult
        Assignments (every customer once), territory polygons and figures, moved
        customers (keep mode) and warnings. A balance or contiguity the input does not
        allow (pins, too few customers) is reported in ``warnings``, not raised.

    Raises
    ------
    InputError
        No customers or reps, a rep without a home, a customer pinned to an unknown rep,
        an unusable balance column or boundary/units file.
    """
    cust = customers.reset_index(drop=True)
    reps = reps.reset_index(drop=True)
    _check_inputs(cust, reps, params)
    cids = cust["customer_id"].astype(str).tolist()
    rep_ids = reps["rep_id"].astype(str).tolist()
    crs, xy, home_xy = project_points(cust, reps)

    rep_cost_s = np.asarray(travel.rect_s([home_id(r) for r in rep_ids], cids), dtype=float)
    wl = estimate_workload(cust, reps, xy, home_xy, rep_cost_s, tiers, workday, params.cycle_weeks)
    fit, visits, workload_h = wl.fit, wl.visits, wl.workload_h
    weight = balance_weights(cust, workload_h, params.balance, params.balance_column)
    pins = pinned_reps(cust)

    point_cost_s = _point_costs(travel, cids)
    slots = _slots(cust, reps, params, pins, rep_cost_s, weight, cids, point_cost_s)
    warnings = list(slots.warnings)
    slot_of_rep = {s.rep_id: i for i, s in enumerate(slots.slots) if s.rep_id}
    rep_row = {r: i for i, r in enumerate(rep_ids)}
    center_cost_s = np.vstack(
        [
            rep_cost_s[rep_row[s.rep_id]] if s.rep_id else point_cost_s(s.center_id)
            for s in slots.slots
        ]
    )
    pin_slot = np.array([slot_of_rep.get(p, -1) if p else -1 for p in pins], dtype=np.int64)

    cells = build_cells(xy, home_xy, params.boundary, params.units, crs)
    warnings += cells.warnings
    labels, cust_slot = _assign(
        cells,
        slots,
        weight,
        pin_slot,
        center_cost_s,
        params,
        warnings,
        _center_xy(slots, rep_ids, home_xy, cids, xy),
        fit,
    )

    tids = [s.territory_id for s in slots.slots]
    final_tid = [tids[s] for s in cust_slot]
    moved_mask = np.array(
        [o is not None and o != f for o, f in zip(slots.orig_tid, final_tid, strict=True)],
        dtype=bool,
    )
    assignments = pd.DataFrame(
        {
            "customer_id": cids,
            "territory_id": final_tid,
            "rep_id": [slots.slots[s].rep_id for s in cust_slot],
        }
    )
    territories, service_area, report_warnings = build_report(
        cells,
        labels,
        cust,
        cust_slot,
        slots.slots,
        tiers,
        visits,
        workload_h,
        weight,
        center_cost_s,
        home_xy,
        rep_ids,
        params,
        crs,
    )
    warnings += report_warnings
    if params.method == "keep":
        warnings.append(
            f"{int(moved_mask.sum())} customers moved territory "
            f"({workload_h[moved_mask].sum():.1f} h of workload per cycle)"
        )
    return TerritoryResult(
        assignments=assignments,
        territories=territories,
        moved=int(moved_mask.sum()),
        moved_workload_h=round(float(workload_h[moved_mask].sum()), 3),
        warnings=warnings,
        service_area=service_area,
    )


def _check_inputs(cust: pd.DataFrame, reps: pd.DataFrame, params: TerritoryParams) -> None:
    problems: list[Problem] = []
    if len(cust) == 0:
        problems.append(
            Problem(
                "customers",
                "there are no active customers to put into territories",
                fix="mark customers active or add some",
            )
        )
    if len(reps) == 0:
        problems.append(Problem("reps", "there are no reps to give territories to"))
    for r in reps.itertuples():
        if not (np.isfinite(r.home_lat) and np.isfinite(r.home_lon)):
            problems.append(
                Problem(
                    "reps",
                    f"rep {r.rep_id} has no home location",
                    row=getattr(r, "source_row", None),
                    column="home_lat",
                    fix="territories are built around homes: give home_lat and home_lon",
                )
            )
    bad = ~(np.isfinite(cust["lat"].to_numpy(float)) & np.isfinite(cust["lon"].to_numpy(float)))
    for i in np.flatnonzero(bad)[:20]:
        problems.append(
            Problem(
                "customers",
                f"customer {cust['customer_id'].iloc[i]} has no location",
                row=_source_row(cust, i),
                column="lat",
            )
        )
    dup = cust["customer_id"][cust["customer_id"].duplicated()].astype(str).unique()
    if len(dup):
        problems.append(
            Problem("customers", f"duplicate customer ids: {', '.join(dup[:10])}", column="id")
        )
    known = set(reps["rep_id"].astype(str))
    pins = pinned_reps(cust)
    for i in np.flatnonzero((pins != "") & ~np.isin(pins, list(known)))[:20]:
        problems.append(
            Problem(
                "customers",
                f"customer {cust['customer_id'].iloc[i]} is pinned "
                f"to rep '{pins[i]}', which is not in the reps file",
                row=_source_row(cust, i),
                column="rep_id",
            )
        )
    for key in ("boundary", "units"):
        p = getattr(params, key)
        if p is not None and not p.exists():
            problems.append(
                Problem(
                    "scenario",
                    f"territories.{key} file {p} does not exist",
                    column=f"territories.{key}",
                )
            )
    if problems:
        raise InputError(problems)


def _source_row(cust: pd.DataFrame, i: int) -> int | None:
    if "source_row" not in cust.columns:
        return None
    v = cust["source_row"].iloc[i]
    return int(v) if pd.notna(v) else None


def _center_xy(
    slots: Slots, rep_ids: list[str], home_xy: np.ndarray, cids: list[str], xy: np.ndarray
) -> np.ndarray:
    rep_row = {r: i for i, r in enumerate(rep_ids)}
    cust_row = {c: i for i, c in enumerate(cids)}
    out = [
        home_xy[rep_row[s.rep_id]] if s.rep_id else xy[cust_row[s.center_id]] for s in slots.slots
    ]
    return np.array(out, dtype=float).reshape(-1, 2)


def _point_costs(travel, cids: list[str]):
    """``cost(point_id)``: travel seconds from a point to every customer, one ``rect_s``
    row per point, remembered (a vacant territory's centre is asked for twice)."""
    rows: dict[str, np.ndarray] = {}

    def cost(pid: str) -> np.ndarray:
        if pid not in rows:
            rows[pid] = np.asarray(travel.rect_s([pid], cids), dtype=float)[0]
        return rows[pid]

    return cost


def _slots(cust, reps, params, pins, rep_cost_s, weight, cids, point_cost_s) -> Slots:
    if params.method == "keep":
        current = current_territories(cust)
        if any(t is not None for t in current):
            slots = keep_slots(reps, current, pins, rep_cost_s, weight)
            if params.count is not None and params.count != len(slots.slots):
                slots.warnings.append(
                    f"territories.count ({params.count}) is ignored with "
                    "method 'keep': one territory per rep"
                )
            return slots
        note = "method 'keep' but no customer has a territory_id: territories designed afresh"
    else:
        note = None
    slots = redesign_slots(
        reps, params.count, pins, rep_cost_s, weight, cids, lambda c: point_cost_s(cids[c])
    )
    if note:
        slots.warnings.insert(0, note)
    return slots


def _assign(
    cells: Cells,
    slots: Slots,
    weight: np.ndarray,
    pin_slot: np.ndarray,
    center_cost_s: np.ndarray,
    params: TerritoryParams,
    warnings: list[str],
    center_xy: np.ndarray,
    fit,
) -> tuple[np.ndarray, np.ndarray]:
    """Cell labels and customer slots: flow assignment, then repairs."""
    k, m, n = len(slots.slots), len(cells.polys), len(weight)
    of = cells.of_customer
    keep = bool(params.method == "keep" and (slots.orig >= 0).any())
    # the pin of each cell: its heaviest pinned customer's territory
    cell_pin = np.full(m, -1, dtype=np.int64)
    pinned_idx = np.flatnonzero(pin_slot >= 0)
    for i in pinned_idx[np.lexsort((pinned_idx, -weight[pinned_idx]))][::-1]:
        cell_pin[of[i]] = pin_slot[i]
    split = (pin_slot >= 0) & (pin_slot != cell_pin[of])
    if split.any():
        warnings.append(
            f"{int(split.sum())} pinned customers share a location or unit with "
            "customers pinned to another rep; their territory's polygon does not "
            f"contain them: {', '.join(map(str, np.flatnonzero(split)[:10]))}"
        )
    follow = ~split
    fixed = np.bincount(pin_slot[split], weights=weight[split], minlength=k)
    cell_w = np.bincount(of[follow], weights=weight[follow], minlength=m)
    has_cust = np.bincount(of, minlength=m) > 0
    # travel cost of each cell from each territory's centre: weighted mean over customers
    wm = csr_matrix((weight[follow] + 1e-6, (np.flatnonzero(follow), of[follow])), shape=(n, m))
    denom = np.asarray(wm.sum(axis=0)).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        cell_cost = np.asarray((wm.T @ center_cost_s.T).T) / denom
    d = np.hypot(
        center_xy[:, None, 0] - cells.xy[None, :, 0], center_xy[:, None, 1] - cells.xy[None, :, 1]
    )
    cell_cost = np.where(np.isfinite(cell_cost), cell_cost, fit.travel_s(d))
    cell_orig = _cell_orig(of, slots.orig, m)

    labels = flow_labels(
        cell_w, has_cust, cell_pin, cell_cost, fixed, of, slots.orig, cell_orig, keep, params
    )
    labels = fill_unlabelled(labels, cells.graph, cells.xy)
    total = float(cell_w.sum() + fixed.sum())
    mean = total / k
    tol = params.balance_tolerance
    band = 0.9 * tol if keep else 0.5 * tol
    state = BalanceState(
        cell_w,
        fixed,
        cell_pin >= 0,
        cell_cost,
        cell_orig,
        mean * (1 - tol),
        mean * (1 + tol),
        mean * (1 - band),
        mean * (1 + band),
        keep,
    )
    for _ in range(3):
        labels = repair_contiguity(labels, cells.graph, cell_w, state.pinned, cells.part)
        if within_bounds(loads(labels, state), state):
            break
        labels = rebalance(labels, cells.graph, state)
    labels = repair_contiguity(labels, cells.graph, cell_w, state.pinned, cells.part)
    cust_slot = labels[of].copy()
    cust_slot[split] = pin_slot[split]
    return labels, cust_slot


def _cell_orig(of: np.ndarray, orig: np.ndarray, m: int) -> np.ndarray:
    """Most common original slot of each cell's customers (-1 = none; ties: lower slot)."""
    ok = orig >= 0
    if not ok.any():
        return np.full(m, -1, dtype=np.int64)
    pairs, counts = np.unique(np.stack([of[ok], orig[ok]], axis=1), axis=0, return_counts=True)
    return largest_share(pairs[:, 0], pairs[:, 1], counts, m)
