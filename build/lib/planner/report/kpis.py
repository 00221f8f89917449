"""Headline figures of a plan (``kpis.json``)."""

from __future__ import annotations

import pandas as pd


def _h(seconds: float) -> float:
    return round(float(seconds) / 3600.0, 2)


def compute_kpis(
    visits: pd.DataFrame,
    routes: pd.DataFrame,
    unscheduled: pd.DataFrame,
    reps: pd.DataFrame,
    customers: pd.DataFrame,
    workday_end_s: int | None = None,
) -> dict:
    """Compute the plan's KPIs from its tables (internal units).

    Returns
    -------
    dict
        ``required_visits`` (scheduled + unscheduled), ``scheduled_visits``,
        ``unscheduled_visits`` (total and ``unscheduled_by_tier``), ``coverage_pct``,
        ``travel_h``, ``service_h``, ``wait_h``, ``distance_km``, ``travel_per_visit_min``,
        ``rep_hours`` (min/mean/max of each rep's planned hours = sum over days of end - start),
        ``rep_hours_by_rep``, ``balance_pct`` ((max - min) / mean of rep hours),
        ``overtime_h`` (time past each rep's workday end; 0 expected), ``reps``,
        ``active_customers``, ``rep_days``.
    """
    n_sched = int(len(visits))
    n_uns = int(len(unscheduled))
    required = n_sched + n_uns
    by_tier = {}
    if n_uns:
        by_tier = {str(k): int(v) for k, v in unscheduled.groupby("tier").size().items()}
    hours_by_rep = {str(r): 0.0 for r in reps["rep_id"]}
    overtime_s = 0
    if len(routes):
        day_len = (routes["end_s"] - routes["start_s"]).clip(lower=0)
        for rep_id, s in day_len.groupby(routes["rep_id"]).sum().items():
            hours_by_rep[str(rep_id)] = _h(s)
        ends = routes.merge(reps[["rep_id", "work_end_s"]], on="rep_id", how="left")
        overtime_s = int((ends["end_s"] - ends["work_end_s"]).clip(lower=0).sum())
    vals = list(hours_by_rep.values()) or [0.0]
    mean = sum(vals) / len(vals)
    travel_s = float(routes["travel_s"].sum()) if len(routes) else 0.0
    return {
        "reps": int(len(reps)),
        "active_customers": int(customers["active"].sum()),
        "required_visits": required,
        "scheduled_visits": n_sched,
        "unscheduled_visits": n_uns,
        "unscheduled_by_tier": by_tier,
        "coverage_pct": round(100.0 * n_sched / required, 2) if required else 100.0,
        "rep_days": int((routes["visits"] > 0).sum()) if len(routes) else 0,
        "travel_h": _h(travel_s),
        "service_h": _h(routes["service_s"].sum() if len(routes) else 0),
        "wait_h": _h(routes["wait_s"].sum() if len(routes) else 0),
        "distance_km": round(float(routes["dist_m"].sum()) / 1000, 1) if len(routes) else 0.0,
        "travel_per_visit_min": round(travel_s / 60 / n_sched, 2) if n_sched else 0.0,
        "rep_hours": {
            "min": round(min(vals), 2),
            "mean": round(mean, 2),
            "max": round(max(vals), 2),
        },
        "rep_hours_by_rep": hours_by_rep,
        "balance_pct": round(100.0 * (max(vals) - min(vals)) / mean, 1) if mean else 0.0,
        "overtime_h": _h(overtime_s),
    }
