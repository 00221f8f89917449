"""Plan versus actual: what happened to every planned visit, and completion figures.

:func:`plan_vs_actual` matches a plan's visits with a visit log (see
:mod:`planner.io.visit_log`), customer by customer:

1. a log row on the day of a planned visit decides it: ``done``, ``missed`` or
   ``cancelled``;
2. a ``done`` row on another day catches up the nearest planned visit of that customer
   within the tier's *match window* (half its interval, at least one day: 3 days for a
   weekly tier, 7 for two-weekly, 14 for four-weekly) that has no ``done`` row yet:
   ``done_other_day`` (also when that visit was first reported missed or cancelled; the
   earlier report is kept in ``earlier_report``);
3. a ``missed``/``cancelled`` row on another day goes to the nearest planned visit within
   the window that has no row yet;
4. a planned visit without a row is ``no_report`` when its date is on or before the as-of
   date, else ``upcoming``;
5. a ``done`` row that matched no planned visit is ``unplanned``; a ``missed``/
   ``cancelled`` row that matched none is ``not_planned``.

:func:`completion_table` counts the results per rep, per tier, per week and in total.
Definitions (also in docs/data-contract.md and docs/weekly-routine.md):

- ``planned``: planned visits except the ``upcoming`` ones;
- ``done``: ``done`` + ``done_other_day``; ``completion_pct`` = done / planned;
- ``unplanned``: done visits the plan did not hold (not in completion);
- ``visit_rate_pct`` = (done + unplanned) / planned, "actual visits / planned visits";
- ``missed_top_tier``: planned visits of the highest-priority tier (A by default) that
  were not done (missed, cancelled or no report).

Only the log rows dated inside the plan's horizon are compared.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from planner.units import format_clock

DONE = "done"
DONE_OTHER_DAY = "done_other_day"
MISSED = "missed"
CANCELLED = "cancelled"
NO_REPORT = "no_report"
UPCOMING = "upcoming"
UNPLANNED = "unplanned"
NOT_PLANNED = "not_planned"
RESULTS = (DONE, DONE_OTHER_DAY, MISSED, CANCELLED, NO_REPORT, UPCOMING, UNPLANNED, NOT_PLANNED)

PVA_COLUMNS = [
    "result",
    "week",
    "rep_id",
    "customer_id",
    "customer_name",
    "tier",
    "planned_date",
    "actual_date",
    "shift_days",
    "logged_status",
    "start",
    "duration_min",
    "outcome",
    "person_met",
    "purpose",
    "notes",
    "earlier_report",
    "source",
]
COMPLETION_COLUMNS = [
    "group",
    "rep_id",
    "tier",
    "week",
    "week_start",
    "planned",
    "done",
    "done_on_day",
    "done_other_day",
    "missed",
    "cancelled",
    "no_report",
    "completion_pct",
    "unplanned",
    "visit_rate_pct",
    "missed_top_tier",
    "upcoming",
]


@dataclass(frozen=True)
class ActualsFrame:
    """What the comparison needs besides the tables.

    Parameters
    ----------
    start, end : date
        The plan's horizon (inclusive); weeks are 7-day blocks from ``start``.
    as_of : date
        Planned visits after it without a log row are ``upcoming``.
    window_days : dict
        Tier -> match window in days (see the module docstring).
    top_tier : str
        The tier whose visits not done are counted in ``missed_top_tier``.
    """

    start: dt.date
    end: dt.date
    as_of: dt.date
    window_days: dict[str, int]
    top_tier: str


def match_window_days(every_weeks: int) -> int:
    """Half a tier's interval in days, at least 1: how far a visit done on another day may
    be from its planned day and still count for it."""
    return max(1, (7 * int(every_weeks)) // 2)


def week_of(day: dt.date, start: dt.date) -> int:
    """1-based week of the horizon (7-day blocks from ``start``)."""
    return (day - start).days // 7 + 1


def _nearest(candidates: list[int], planned: list[dict], day: dt.date, window: dict) -> int | None:
    best, best_key = None, None
    for i in candidates:
        p = planned[i]
        gap = abs((p["date"] - day).days)
        if gap > window.get(p["tier"], 3):
            continue
        key = (gap, p["date"])
        if best_key is None or key < best_key:
            best, best_key = i, key
    return best


def _match_customer(planned: list[dict], logs: list[dict], window: dict) -> list:
    """Per planned visit, ``(done_row, other_row)`` indices into ``logs`` (or None);
    and the log rows left over. ``other_row`` is the missed/cancelled row, if any."""
    done: list[int | None] = [None] * len(planned)
    other: list[int | None] = [None] * len(planned)
    used: set[int] = set()
    by_date = {p["date"]: i for i, p in enumerate(planned)}
    for j, lg in enumerate(logs):
        i = by_date.get(lg["date"])
        if i is not None:
            (done if lg["status"] == "done" else other)[i] = j
            used.add(j)
    for j, lg in enumerate(logs):
        if j in used or lg["status"] != "done":
            continue
        i = _nearest(
            [k for k in range(len(planned)) if done[k] is None], planned, lg["date"], window
        )
        if i is not None:
            done[i] = j
            used.add(j)
    for j, lg in enumerate(logs):
        if j in used:
            continue
        free = [k for k in range(len(planned)) if done[k] is None and other[k] is None]
        i = _nearest(free, planned, lg["date"], window)
        if i is not None:
            other[i] = j
            used.add(j)
    rest = [j for j in range(len(logs)) if j not in used]
    return [done, other, rest]


def _log_fields(lg: dict | None) -> dict:
    if lg is None:
        return {
            "actual_date": None,
            "logged_status": "",
            "start": "",
            "duration_min": None,
            "outcome": "",
            "person_met": "",
            "purpose": "",
            "notes": "",
            "source": "",
        }
    return {
        "actual_date": lg["date"],
        "logged_status": lg["status"],
        "start": "" if lg["start_s"] is None else format_clock(lg["start_s"]),
        "duration_min": None if lg["duration_s"] is None else round(lg["duration_s"] / 60, 1),
        "outcome": lg["outcome"],
        "person_met": lg["person_met"],
        "purpose": lg["purpose"],
        "notes": lg["notes"],
        "source": f"{lg['source_file']}:{lg['source_row']}",
    }


def plan_vs_actual(
    visits: pd.DataFrame, log: pd.DataFrame, customers: pd.DataFrame, frame: ActualsFrame
) -> tuple[pd.DataFrame, int]:
    """Every planned visit with its result, then every log row no planned visit took.

    Parameters
    ----------
    visits : pandas.DataFrame
        The plan's visits (``rep_id, date, customer_id, customer_name, tier``).
    log : pandas.DataFrame
        A validated visit log (:data:`planner.domain.VISIT_LOG_COLUMNS`).
    customers : pandas.DataFrame
        ``customer_id, name, tier`` (names and tiers of unplanned visits).
    frame : ActualsFrame

    Returns
    -------
    (pandas.DataFrame, int)
        :data:`PVA_COLUMNS` (dates as ``datetime.date``), sorted by rep, date, customer;
        and the number of log rows outside the horizon (not compared).
    """
    inside = log[(log["date"] >= frame.start) & (log["date"] <= frame.end)] if len(log) else log
    outside = len(log) - len(inside)
    logs_by: dict[str, list[dict]] = {}
    for lg in inside.to_dict("records"):
        logs_by.setdefault(lg["customer_id"], []).append(lg)
    plan_by: dict[str, list[dict]] = {}
    for v in visits.sort_values(["date", "rep_id"], kind="stable").to_dict("records"):
        plan_by.setdefault(v["customer_id"], []).append(v)
    names = dict(zip(customers["customer_id"], customers["name"], strict=True))
    tiers = dict(zip(customers["customer_id"], customers["tier"], strict=True))
    rows: list[dict] = []
    for cid in sorted(set(plan_by) | set(logs_by)):
        planned, logs = plan_by.get(cid, []), logs_by.get(cid, [])
        done, other, rest = _match_customer(planned, logs, frame.window_days)
        for i, p in enumerate(planned):
            rows.append(_planned_row(p, logs, done[i], other[i], frame))
        for j in rest:
            lg = logs[j]
            row = {
                "result": UNPLANNED if lg["status"] == "done" else NOT_PLANNED,
                "week": week_of(lg["date"], frame.start),
                "rep_id": lg["rep_id"],
                "customer_id": cid,
                "customer_name": names.get(cid, ""),
                "tier": tiers.get(cid, ""),
                "planned_date": None,
                "shift_days": None,
                "earlier_report": "",
                **_log_fields(lg),
            }
            rows.append(row)
    out = pd.DataFrame(rows, columns=PVA_COLUMNS)
    if len(out):
        out["_day"] = [p or a for p, a in zip(out["planned_date"], out["actual_date"], strict=True)]
        out = out.sort_values(["rep_id", "_day", "customer_id"], kind="stable")
        out = out.drop(columns="_day").reset_index(drop=True)
    return out, outside


def _planned_row(p: dict, logs: list[dict], di, oi, frame: ActualsFrame) -> dict:
    d = logs[di] if di is not None else None
    o = logs[oi] if oi is not None else None
    if d is not None:
        result = DONE if d["date"] == p["date"] else DONE_OTHER_DAY
        fields = _log_fields(d)
    elif o is not None:
        result = MISSED if o["status"] == "missed" else CANCELLED
        fields = _log_fields(o)
    else:
        result = NO_REPORT if p["date"] <= frame.as_of else UPCOMING
        fields = _log_fields(None)
    earlier = ""
    if d is not None and o is not None:
        earlier = f"{o['status']} on {o['date']}" + (f": {o['notes']}" if o["notes"] else "")
    shift = None
    if d is not None:
        shift = (d["date"] - p["date"]).days
    return {
        "result": result,
        "week": week_of(p["date"], frame.start),
        "rep_id": p["rep_id"],
        "customer_id": p["customer_id"],
        "customer_name": p["customer_name"],
        "tier": p["tier"],
        "planned_date": p["date"],
        "shift_days": shift,
        "earlier_report": earlier,
        **fields,
    }


def _counts(g: pd.DataFrame, top_tier: str) -> dict:
    r = g["result"]
    n = {k: int((r == k).sum()) for k in RESULTS}
    planned = sum(n[k] for k in (DONE, DONE_OTHER_DAY, MISSED, CANCELLED, NO_REPORT))
    done = n[DONE] + n[DONE_OTHER_DAY]
    not_done = r.isin([MISSED, CANCELLED, NO_REPORT])
    return {
        "planned": planned,
        "done": done,
        "done_on_day": n[DONE],
        "done_other_day": n[DONE_OTHER_DAY],
        "missed": n[MISSED],
        "cancelled": n[CANCELLED],
        "no_report": n[NO_REPORT],
        "completion_pct": _pct(done, planned),
        "unplanned": n[UNPLANNED],
        "visit_rate_pct": _pct(done + n[UNPLANNED], planned),
        "missed_top_tier": int((not_done & (g["tier"] == top_tier)).sum()),
        "upcoming": n[UPCOMING],
    }


def _pct(a: int, b: int) -> float | None:
    return round(100.0 * a / b, 1) if b else None


def completion_table(pva: pd.DataFrame, frame: ActualsFrame) -> pd.DataFrame:
    """Completion per rep, per tier, per week and in total (:data:`COMPLETION_COLUMNS`).

    Rows: ``group`` ``total`` first, then ``rep`` (by rep id), ``tier`` (by name) and
    ``week`` (every week of the horizon, also empty ones). ``completion_pct`` and
    ``visit_rate_pct`` are blank when nothing was planned.
    """
    blank = {"rep_id": "", "tier": "", "week": None, "week_start": None}
    rows = [{"group": "total", **blank, **_counts(pva, frame.top_tier)}]
    for rep, g in pva.groupby("rep_id", sort=True):
        rows.append({"group": "rep", **blank, "rep_id": rep, **_counts(g, frame.top_tier)})
    for tier, g in pva.groupby("tier", sort=True):
        rows.append({"group": "tier", **blank, "tier": tier, **_counts(g, frame.top_tier)})
    weeks = math.ceil(((frame.end - frame.start).days + 1) / 7)
    for w in range(1, weeks + 1):
        g = pva[pva["week"] == w]
        start = frame.start + dt.timedelta(days=7 * (w - 1))
        rows.append(
            {"group": "week", **blank, "week": w, "week_start": start, **_counts(g, frame.top_tier)}
        )
    return pd.DataFrame(rows, columns=COMPLETION_COLUMNS)


def pva_to_csv(pva: pd.DataFrame) -> pd.DataFrame:
    """``plan_vs_actual.csv``: dates ISO (user text is neutralised against formula
    injection when written, by :func:`planner.cells.csv_text`)."""
    out = pva.copy()
    for c in ("planned_date", "actual_date"):
        out[c] = out[c].map(lambda d: d.isoformat() if isinstance(d, dt.date) else "")
    for c in ("shift_days",):
        out[c] = out[c].map(lambda v: "" if v is None or pd.isna(v) else str(int(v)))
    return out[PVA_COLUMNS]


def completion_to_csv(table: pd.DataFrame) -> pd.DataFrame:
    """``completion.csv``: week starts ISO, blanks for empty cells (ids neutralised when
    written, by :func:`planner.cells.csv_text`)."""
    out = table.copy()
    out["week_start"] = out["week_start"].map(lambda d: d.isoformat() if d else "")
    out["week"] = out["week"].map(lambda w: "" if w is None or pd.isna(w) else str(int(w)))
    return out[COMPLETION_COLUMNS]
