"""Reports computed from a :class:`~planner.plan.Plan`: KPIs (and, later, comparisons)."""

from planner.report.kpis import compute_kpis

__all__ = ["compute_kpis"]
