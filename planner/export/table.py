"""The rows every export shares: one per planned visit, with rep, times and details."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from planner.maps.text import unique_slugs
from planner.plan import Plan
from planner.visit_details import visit_details


@dataclass(frozen=True)
class RepInfo:
    """A rep as the exports name it: id, name and a file-name-safe slug."""

    rep_id: str
    name: str
    slug: str


def plan_reps(plan: Plan) -> dict[str, RepInfo]:
    """Reps in the order of the reps file (then any rep id only the visits name), with
    the same folder names (slugs) as the maps."""
    ids = [str(r) for r in plan.reps["rep_id"]] if len(plan.reps) else []
    names = dict(zip(ids, (str(n) for n in plan.reps["name"]))) if ids else {}
    extra = sorted({str(r) for r in plan.visits.get("rep_id", [])} - set(ids))
    slugs = unique_slugs(ids + extra)
    return {rid: RepInfo(rid, names.get(rid, rid), slugs[rid]) for rid in ids + extra}


def visit_rows(plan: Plan) -> pd.DataFrame:
    """The plan's visits in visiting order (rep, date, seq) with their details
    (:func:`planner.visit_details.visit_details`) and ``notes``: the customer's notes
    and the appointment's notes joined."""
    v = plan.visits
    if len(v):
        v = v.sort_values(["rep_id", "date", "seq"], kind="stable").reset_index(drop=True)
    d = visit_details(v, plan.customers, plan.appointments)
    d["notes"] = [
        " · ".join(x for x in (a, c) if x)
        for a, c in zip(d["appointment_notes"], d["customer_notes"], strict=True)
    ]
    return d


def rep_days(rows: pd.DataFrame) -> dict[tuple[str, dt.date], pd.DataFrame]:
    """``(rep_id, date) -> that day's rows`` in visiting order."""
    if rows.empty:
        return {}
    return {(str(rid), day): g for (rid, day), g in rows.groupby(["rep_id", "date"], sort=True)}


def route_of(plan: Plan) -> dict[tuple[str, dt.date], dict]:
    """``(rep_id, date) -> routes row`` (leave, back, drive, distance ...)."""
    if plan.routes is None or len(plan.routes) == 0:
        return {}
    return {(str(r["rep_id"]), r["date"]): r for r in plan.routes.to_dict("records")}
