"""``calendar/<rep>.ics``: each rep's visits as iCalendar events (the ``icalendar`` package).

One ``VEVENT`` per visit: the customer as summary, its address as location, ``GEO``
coordinates, and a description with tier, purpose, contact, phone, the appointed time
and notes. Times are *floating* local times (no time zone): the plan's clock times are
the team's local times, and a calendar app shows them at that clock time on the rep's
phone.

UIDs are stable across re-plans: a visit's UID is derived from the customer and the
due date it fills (the cadence slot), not from the day it landed on, so when a re-plan
moves a visit to another day or time, importing the new file updates the event instead
of adding a second one. ``DTSTAMP`` is fixed per plan (its horizon start), so the same
plan gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from icalendar import Calendar, Event

from planner.export.table import RepInfo, plan_reps, visit_rows
from planner.files import write_bytes
from planner.i18n import Translator
from planner.plan import Plan
from planner.units import format_clock, parse_clock

PRODID = "-//planner//visit plan//EN"
UID_DOMAIN = "visit.planner"


def visit_uid(customer_id: str, due_date: object, day: dt.date, n: int = 0) -> str:
    """The stable UID of a visit: customer and due date (the slot it fills), or the day
    for a visit without a due date; ``n`` tells apart repeats of the same key."""
    slot = due_date.isoformat() if isinstance(due_date, dt.date) else day.isoformat()
    key = f"{customer_id}\x1f{slot}\x1f{n}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return f"{digest}@{UID_DOMAIN}"


def _at(day: dt.date, seconds: float) -> dt.datetime:
    """``day`` at the clock time ``visits.csv`` shows for ``seconds`` (whole minutes)."""
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(
        seconds=parse_clock(format_clock(seconds))
    )


def _description(v: dict, tr: Translator) -> str:
    lines = [f"{tr('Tier')}: {v['tier']}"]
    if v["appointment_s"] is not None:
        lines.append(
            tr("Appointment {time}", time=_at(v["date"], v["appointment_s"]).strftime("%H:%M"))
        )
    for label, key in (
        (tr("Purpose"), "purpose"),
        (tr("Contact"), "contact"),
        (tr("Contact title"), "contact_title"),
        (tr("Phone"), "phone"),
        (tr("Notes"), "notes"),
    ):
        if v[key]:
            lines.append(f"{label}: {v[key]}")
    lines.append(f"{tr('Customer ID')}: {v['customer_id']}")
    return "\n".join(lines)


def rep_calendar(rep: RepInfo, rows, tr: Translator, stamp: dt.datetime) -> Calendar:
    """The calendar of one rep: one event per visit in ``rows``."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{tr('Visit plan')}: {rep.name}")
    seen: dict[tuple, int] = {}
    for v in rows.to_dict("records"):
        key = (str(v["customer_id"]), v["due_date"] or v["date"])
        n = seen.get(key, 0)
        seen[key] = n + 1
        ev = Event()
        ev.add("uid", visit_uid(str(v["customer_id"]), v["due_date"], v["date"], n))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", _at(v["date"], v["start_s"]))
        ev.add("dtend", _at(v["date"], v["departure_s"]))
        ev.add("summary", f"{int(v['seq'])}. {v['customer_name']}")
        if v["address"]:
            ev.add("location", v["address"])
        if v["lat"] == v["lat"] and v["lon"] == v["lon"]:  # not NaN
            ev.add("geo", (round(float(v["lat"]), 6), round(float(v["lon"]), 6)))
        ev.add("description", _description(v, tr))
        ev.add("categories", [f"{tr('Tier')} {v['tier']}"])
        cal.add_component(ev)
    return cal


def write_calendars(plan: Plan, folder: str | Path, tr: Translator) -> dict[str, Path]:
    """Write ``<folder>/<rep>.ics`` for every rep with visits (atomically).

    Returns
    -------
    dict
        ``rep_id -> path``. The file name is the rep's folder name of the maps
        (``R 2/Äö`` -> ``R-2-Ao.ics``).
    """
    folder = Path(folder)
    rows = visit_rows(plan)
    start = plan.meta.get("horizon", {}).get("start") if isinstance(plan.meta, dict) else None
    first = (
        dt.date.fromisoformat(start)
        if start
        else (min(rows["date"]) if len(rows) else dt.date(2000, 1, 1))
    )
    stamp = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    out: dict[str, Path] = {}
    for rid, rep in plan_reps(plan).items():
        mine = rows[rows["rep_id"].astype(str) == rid] if len(rows) else rows
        if mine.empty:
            continue
        cal = rep_calendar(rep, mine, tr, stamp)
        out[rid] = write_bytes(folder / f"{rep.slug}.ics", cal.to_ical())
    return out
