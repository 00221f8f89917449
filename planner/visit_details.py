"""The visit plan table: each planned visit with what a rep needs at the door.

:func:`visit_details` joins a plan's visits with the customers' contact and pass-through
fields (``contact``, ``contact_title``, ``purpose``, address, phone, notes) and with the
appointments (the appointed time, its ``purpose`` and ``notes``). ``visits.csv``, the
Excel workbook, the calendars, the daily report forms and the rep-day maps all read it,
so every output marks the same visits as appointments and shows the same purpose.

Layer 0 (core): frames in, a frame out; no stage, no presentation library.
"""

from __future__ import annotations

import math

import pandas as pd

#: Customer columns passed through unchanged to every visit of the customer.
PASS_THROUGH_COLUMNS = ("contact", "contact_title", "purpose")
#: Appointment columns passed through to the visit the appointment fixes.
APPOINTMENT_TEXT_COLUMNS = ("purpose", "notes")

DETAIL_COLUMNS = [
    "appointment_s",
    "contact",
    "contact_title",
    "purpose",
    "appointment_notes",
    "address",
    "phone",
    "customer_notes",
    "lat",
    "lon",
]


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def appointment_lookup(appointments: pd.DataFrame | None) -> dict[tuple[str, object], list[dict]]:
    """``(customer_id, date) -> [appointment rows]`` (each with ``start_s``, ``purpose``,
    ``notes`` as text)."""
    out: dict[tuple[str, object], list[dict]] = {}
    if appointments is None or len(appointments) == 0:
        return out
    cols = appointments.columns
    for a in appointments.to_dict("records"):
        row = {
            "start_s": int(a["start_s"]),
            "purpose": _text(a.get("purpose")) if "purpose" in cols else "",
            "notes": _text(a.get("notes")) if "notes" in cols else "",
        }
        out.setdefault((str(a["customer_id"]), a["date"]), []).append(row)
    return out


def match_appointment(
    lookup: dict[tuple[str, object], list[dict]],
    customer_id: str,
    day: object,
    start_s: float | None,
) -> dict | None:
    """The appointment a visit keeps: same customer and day, and the same start time
    (or the only appointment of that customer that day)."""
    cands = lookup.get((str(customer_id), day), [])
    for a in cands:
        if start_s is not None and not pd.isna(start_s) and a["start_s"] == int(start_s):
            return a
    return cands[0] if len(cands) == 1 else None


def visit_details(
    visits: pd.DataFrame, customers: pd.DataFrame, appointments: pd.DataFrame | None
) -> pd.DataFrame:
    """``visits`` (same rows, same order) with the columns of :data:`DETAIL_COLUMNS`.

    Parameters
    ----------
    visits : pandas.DataFrame
        A plan's visits (:data:`planner.plan.VISIT_COLUMNS`).
    customers : pandas.DataFrame
        The validated customers (``customer_id``, ``address``, ``phone``, ``notes``,
        ``lat``, ``lon`` and, when the file had them, ``contact``, ``contact_title``,
        ``purpose``).
    appointments : pandas.DataFrame or None
        The validated appointments (``customer_id``, ``date``, ``start_s`` and optional
        ``purpose``, ``notes``).

    Returns
    -------
    pandas.DataFrame
        ``appointment_s`` is the appointed start (seconds since midnight) or ``None``;
        ``purpose`` is the appointment's purpose when it has one, else the customer's;
        ``appointment_notes`` the appointment's notes; ``customer_notes`` the
        customer's ``notes``; text columns are ``''`` when absent.
    """
    out = visits.copy()
    by_id = {}
    if len(customers):
        by_id = {str(c["customer_id"]): c for c in customers.to_dict("records")}
    lookup = appointment_lookup(appointments)
    cols: dict[str, list] = {c: [] for c in DETAIL_COLUMNS}
    for v in visits.to_dict("records"):
        c = by_id.get(str(v["customer_id"]), {})
        a = match_appointment(lookup, v["customer_id"], v["date"], v.get("start_s"))
        cols["appointment_s"].append(a["start_s"] if a else None)
        for key in ("contact", "contact_title"):
            cols[key].append(_text(c.get(key)))
        cols["purpose"].append((a["purpose"] if a else "") or _text(c.get("purpose")))
        cols["appointment_notes"].append(a["notes"] if a else "")
        cols["address"].append(_text(c.get("address")))
        cols["phone"].append(_text(c.get("phone")))
        cols["customer_notes"].append(_text(c.get("notes")))
        cols["lat"].append(float(c["lat"]) if "lat" in c else math.nan)
        cols["lon"].append(float(c["lon"]) if "lon" in c else math.nan)
    for key, values in cols.items():
        out[key] = pd.Series(values, index=out.index, dtype=object)
    return out
