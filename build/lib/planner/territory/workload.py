"""Workload of a customer over a cycle, and the other quantities territories balance.

The workload of a customer over a cycle of ``cycle_weeks`` weeks is::

    visits = cycle_weeks / every_weeks            (from the customer's tier)
    workload_h = visits * (service_s + travel_per_visit_s) / 3600

``travel_per_visit_s`` estimates the driving one visit causes: on a working day a rep
visits only the customers due that day, so the next stop is typically as far as the
``k``-th nearest customer, with ``k = working days per cycle / mean visits per customer``
(about 12 for tiers A/B/C = 10/30/60 % visited 4/2/1 times in 20 days). That distance is
turned into seconds with a line ``intercept_s + s_per_m * metres`` fitted to the travel
model's own times (rep homes to customers), so road networks and slow urban streets are
reflected. A customer in a dense town causes little travel, an isolated farm a lot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from planner.domain import TierTable, Workday
from planner.errors import InputError, Problem
from planner.matrix import home_id
from planner.territory.geometry import project_points

DEFAULT_SPEED_KMH = 35.0
DEFAULT_CIRCUITY = 1.3


@dataclass(frozen=True)
class TravelFit:
    """Travel seconds as a line of straight-line metres: ``intercept_s + s_per_m * d``."""

    intercept_s: float = 0.0
    s_per_m: float = DEFAULT_CIRCUITY / (DEFAULT_SPEED_KMH / 3.6)

    def travel_s(self, dist_m: np.ndarray) -> np.ndarray:
        return self.intercept_s + self.s_per_m * np.asarray(dist_m, dtype=float)


def fit_travel(dist_m: np.ndarray, travel_s: np.ndarray) -> TravelFit:
    """Least-squares line through (straight-line metres, model seconds) pairs.

    Falls back to 35 km/h with circuity 1.3 when the pairs cannot support a fit (fewer
    than 3 distinct distances, or a non-positive slope).
    """
    d = np.asarray(dist_m, dtype=float).ravel()
    t = np.asarray(travel_s, dtype=float).ravel()
    ok = np.isfinite(d) & np.isfinite(t) & (d > 1.0)
    d, t = d[ok], t[ok]
    if len(d) < 3 or np.ptp(d) < 1.0:
        return TravelFit()
    slope, intercept = np.polyfit(d, t, 1)
    if not slope > 0:
        return TravelFit()
    if intercept < 0:  # a line through the origin instead
        return TravelFit(0.0, float(np.dot(d, t) / np.dot(d, d)))
    return TravelFit(float(intercept), float(slope))


def visits_per_cycle(customers: pd.DataFrame, tiers: TierTable, cycle_weeks: int) -> np.ndarray:
    """Visits each customer gets in ``cycle_weeks`` weeks (``cycle_weeks / every_weeks``).

    Raises
    ------
    InputError
        A customer's tier is not in ``tiers``.
    """
    every = {name: tiers[name].every_weeks for name in tiers.names()}
    bad = ~customers["tier"].isin(list(every))
    if bad.any():
        rows = customers[bad]
        raise InputError(
            [
                Problem(
                    "customers",
                    f"tier '{r.tier}' is not one of the scenario's tiers ({', '.join(every)})",
                    row=_row(r),
                    column="tier",
                )
                for r in rows.head(20).itertuples()
            ]
        )
    return cycle_weeks / customers["tier"].map(every).to_numpy(dtype=float)


def travel_per_visit_s(
    xy_m: np.ndarray, visits: np.ndarray, work_days: float, fit: TravelFit, cap_s: float
) -> np.ndarray:
    """Estimated travel seconds one visit causes, per customer (see the module notes).

    Parameters
    ----------
    xy_m : numpy.ndarray
        ``(n, 2)`` planar coordinates of the customers, metres.
    visits : numpy.ndarray
        Visits per cycle of each customer.
    work_days : float
        Working days in the cycle.
    fit : TravelFit
        Straight-line metres to travel seconds.
    cap_s : float
        Upper bound of one visit's travel (half a working day is sensible).
    """
    n = len(xy_m)
    if n < 2:
        return np.zeros(n)
    sites, inverse = np.unique(np.round(xy_m, 1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    if len(sites) < 2:
        return np.zeros(n)
    mean_visits = max(float(np.mean(visits)), 1e-9)
    k = int(np.clip(round(work_days / mean_visits), 1, len(sites) - 1))
    dist, _ = cKDTree(sites).query(sites, k=[k + 1])
    spacing_m = dist[:, 0][inverse]
    return np.minimum(fit.travel_s(spacing_m), cap_s)


@dataclass(frozen=True)
class Workload:
    """Per-customer figures of one cycle (arrays aligned with the customers)."""

    visits: np.ndarray  # visits per cycle
    travel_per_visit_s: np.ndarray  # estimated travel one visit causes
    workload_h: np.ndarray  # visits x (service + travel per visit), hours
    fit: TravelFit  # straight-line metres -> travel model seconds


def work_days(reps: pd.DataFrame, cycle_weeks: int) -> float:
    """Working days in a cycle: the reps' mean working days per week x weeks."""
    if "working_days" in reps.columns and len(reps):
        per_week = float(np.mean([len(d) for d in reps["working_days"]]))
    else:
        per_week = 5.0
    return cycle_weeks * max(per_week, 1.0)


def fit_pairs(
    home_xy: np.ndarray, xy: np.ndarray, rep_cost_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Straight-line metres and model seconds for up to 20 homes x 5,000 customers."""
    ri = np.unique(np.linspace(0, len(home_xy) - 1, min(len(home_xy), 20)).astype(int))
    ci = np.unique(np.linspace(0, len(xy) - 1, min(len(xy), 5000)).astype(int))
    d = np.hypot(home_xy[ri, None, 0] - xy[None, ci, 0], home_xy[ri, None, 1] - xy[None, ci, 1])
    return d, rep_cost_s[np.ix_(ri, ci)]


def estimate_workload(
    customers: pd.DataFrame,
    reps: pd.DataFrame,
    xy: np.ndarray,
    home_xy: np.ndarray,
    rep_cost_s: np.ndarray,
    tiers: TierTable,
    workday: Workday,
    cycle_weeks: int,
) -> Workload:
    """Visits, travel per visit and workload hours of every customer over one cycle.

    ``xy`` / ``home_xy`` are planar metres of customers / rep homes, ``rep_cost_s`` the
    travel model's seconds from each home to each customer (fits the metres-to-seconds
    line). One visit's travel is capped at half a working day.
    """
    fit = fit_travel(*fit_pairs(home_xy, xy, rep_cost_s))
    visits = visits_per_cycle(customers, tiers, cycle_weeks)
    travel_s = travel_per_visit_s(
        xy, visits, work_days(reps, cycle_weeks), fit, cap_s=workday.length_s / 2
    )
    hours = visits * (customers["service_s"].to_numpy(float) + travel_s) / 3600.0
    return Workload(visits, travel_s, hours, fit)


def customer_workload_h(
    customers: pd.DataFrame,
    tiers: TierTable,
    cycle_weeks: int = 4,
    travel_per_visit: np.ndarray | None = None,
    *,
    reps: pd.DataFrame | None = None,
    travel=None,
    workday: Workday | None = None,
) -> pd.Series:
    """Hours of work each customer causes per cycle: visits x (service + travel per visit).

    Parameters
    ----------
    customers : pandas.DataFrame
        Validated customers (``customer_id``, ``tier``, ``service_s``, and ``lat``/``lon``
        when ``travel`` is given).
    tiers : TierTable
        Visit frequency per tier.
    cycle_weeks : int
        Cycle length, weeks.
    travel_per_visit : numpy.ndarray, optional
        Travel seconds each visit causes (:func:`travel_per_visit_s`). ``None`` and no
        ``travel`` counts service time only.
    reps, travel, workday : optional
        Validated reps, the travel model (``rect_s`` over customer ids and
        ``home:<rep_id>``) and the workday: with all three (and no
        ``travel_per_visit``), travel is estimated exactly as
        :func:`planner.territory.design_territories` does, so the figures add up to its
        territories' ``workload_h``.

    Returns
    -------
    pandas.Series
        ``workload_h`` indexed by ``customer_id``.
    """
    index = customers["customer_id"].to_numpy()
    if travel_per_visit is None and travel is not None:
        if reps is None or workday is None:
            raise ValueError("customer_workload_h: travel needs reps and workday too")
        _, xy, home_xy = project_points(customers, reps)
        rep_cost_s = np.asarray(
            travel.rect_s([home_id(str(r)) for r in reps["rep_id"]], [str(c) for c in index]),
            dtype=float,
        )
        wl = estimate_workload(
            customers, reps, xy, home_xy, rep_cost_s, tiers, workday, cycle_weeks
        )
        return pd.Series(wl.workload_h, index=index, name="workload_h")
    visits = visits_per_cycle(customers, tiers, cycle_weeks)
    per_visit_s = customers["service_s"].to_numpy(dtype=float)
    if travel_per_visit is not None:
        per_visit_s = per_visit_s + np.asarray(travel_per_visit, dtype=float)
    return pd.Series(visits * per_visit_s / 3600.0, index=index, name="workload_h")


def balance_weights(
    customers: pd.DataFrame, workload_h: np.ndarray, balance: str, column: str | None
) -> np.ndarray:
    """The quantity balanced, per customer: workload hours, 1, or the column's value.

    Raises
    ------
    InputError
        ``balance="column"`` and the column is missing, or has values that are not
        non-negative numbers (every such row listed).
    """
    if balance == "workload":
        return np.asarray(workload_h, dtype=float)
    if balance == "count":
        return np.ones(len(customers))
    if column not in customers.columns:
        cols = [c for c in customers.columns if c not in ("hours", "geometry")]
        raise InputError(
            Problem(
                "customers",
                f"balance column '{column}' is not in the customer file",
                column=column,
                fix=f"columns are: {', '.join(map(str, cols))}",
            )
        )
    raw = customers[column]
    text = raw.astype(str).str.strip().str.replace(r"[\s_']", "", regex=True)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        problems = [
            Problem(
                "customers",
                f"'{raw.iloc[i]}' is not a non-negative number",
                row=_row(customers.iloc[i]),
                column=column,
            )
            for i in np.flatnonzero(bad)[:20]
        ]
        raise InputError(problems)
    return values


def _row(r) -> int | None:
    v = getattr(r, "source_row", None)
    return int(v) if v is not None and pd.notna(v) else None
