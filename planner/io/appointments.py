"""Appointments file -> the validated appointment table
(:data:`planner.domain.APPOINTMENT_COLUMNS`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.domain import APPOINTMENT_COLUMNS
from planner.io.base import NearestIds, frame_or_raise, listing, open_sheet, with_extras
from planner.io.columns import APPOINTMENT_SPECS
from planner.io.fields import parse_date
from planner.io.notes import MAX_PER_KIND, Notes
from planner.units import parse_clock


@dataclass
class AppointmentsRead:
    frame: pd.DataFrame | None
    notes: Notes


def empty_appointments() -> pd.DataFrame:
    """An appointment table without rows (the columns and dtypes of a real one)."""
    return pd.DataFrame(
        {
            "customer_id": pd.Series(dtype=object),
            "date": pd.Series(dtype=object),
            "start_s": pd.Series(dtype="int64"),
            "source_row": pd.Series(dtype="int64"),
            "purpose": pd.Series(dtype=object),
            "notes": pd.Series(dtype=object),
        }
    )


def read_appointments(path: str | Path, customer_ids: set[str] | None) -> pd.DataFrame:
    """Read and validate an appointments file (CSV or XLSX).

    Parameters
    ----------
    path : str or Path
        Columns ``customer_id, date, time``: the visit to that customer starts exactly at
        ``time`` (HH:MM) on ``date``; optional ``purpose`` and ``notes`` are passed
        through to the visit. A file with only a header (or empty) means no
        appointments.
    customer_ids : set of str or None
        Valid customer ids; an appointment for another id is a problem (``None`` skips).

    Returns
    -------
    pandas.DataFrame
        :data:`planner.domain.APPOINTMENT_COLUMNS` (``customer_id, date, start_s,
        source_row, purpose, notes``), then extra columns (text).

    Raises
    ------
    InputError
        Every problem at once: unknown customer (with the nearest id), bad date or time,
        the same appointment twice.
    """
    res = load_appointments(Path(path), customer_ids)
    return frame_or_raise(res.frame, res.notes)


def load_appointments(
    path: Path,
    customer_ids: set[str] | None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> AppointmentsRead:
    """Like :func:`read_appointments` but never raises: problems are in ``notes``.
    ``columns``/``encoding``: the scenario's ``columns: appointments:`` and ``encoding:``."""
    sheet = open_sheet(
        path,
        APPOINTMENT_SPECS,
        set(APPOINTMENT_COLUMNS),
        "appointment",
        allow_no_rows=True,
        columns=columns,
        encoding=encoding,
    )
    notes = sheet.notes
    if not sheet.usable:
        return AppointmentsRead(None, notes)
    assert sheet.rows is not None and sheet.columns is not None
    if not sheet.rows:
        return AppointmentsRead(None if notes else empty_appointments(), notes)
    has, lab = sheet.columns.has, sheet.label
    out: dict[str, list] = {c: [] for c in APPOINTMENT_COLUMNS}
    first: dict[tuple, int] = {}
    first_of_day: dict[tuple, int] = {}
    examples = ""  # a few valid ids, worked out once
    hint = NearestIds(customer_ids or ())
    for r in sheet.rows:
        row = int(r["source_row"])
        cid = r.get("customer_id", "")
        if has("customer_id"):
            if not cid:
                notes.error("empty id", "customer_id is empty", row, lab("customer_id"))
            elif customer_ids is not None and cid not in customer_ids:
                near = (
                    hint(cid, cutoff=0.6)
                    if notes.count_kind("unknown customer") < MAX_PER_KIND
                    else []
                )
                if not near and not examples:
                    examples = f"customer ids look like: {listing(customer_ids, 5)}"
                notes.error(
                    "unknown customer",
                    f"appointment for customer '{cid}', which is not in the customers file",
                    row,
                    lab("customer_id"),
                    fix=f"did you mean '{near[0]}'?" if near else examples,
                )
        day = None
        if has("date"):
            try:
                day = parse_date(r["date"]) if r["date"] else None
                if day is None:
                    notes.error("bad date", "date is empty", row, lab("date"))
            except ValueError as err:
                notes.error("bad date", str(err), row, lab("date"))
        start_s = None
        if has("time"):
            try:
                start_s = parse_clock(r["time"]) if r["time"] else None
                if start_s is None:
                    notes.error(
                        "bad time",
                        "time is empty; it is when the visit starts, e.g. 10:30",
                        row,
                        lab("time"),
                    )
            except ValueError as err:
                notes.error("bad time", str(err), row, lab("time"))
        key = (cid, day, start_s)
        if cid and day is not None and start_s is not None:
            if key in first:
                notes.error(
                    "duplicate appointment",
                    f"the same appointment ({cid}, {day}, {r['time']}) is also on row {first[key]}",
                    row,
                    lab("customer_id"),
                    fix="delete one of the two rows",
                )
            elif (cid, day) in first_of_day:
                notes.error(
                    "two appointments on one day",
                    f"customer '{cid}' has another appointment on {day} (row "
                    f"{first_of_day[(cid, day)]}): a customer is visited at most once a day",
                    row,
                    lab("customer_id"),
                    fix="keep one of the two, or move one to another day",
                )
            first.setdefault(key, row)
            first_of_day.setdefault((cid, day), row)
        for k, v in (
            ("customer_id", cid),
            ("date", day),
            ("start_s", start_s or 0),
            ("source_row", row),
            ("purpose", r.get("purpose", "")),
            ("notes", r.get("notes", "")),
        ):
            out[k].append(v)
    if notes:
        return AppointmentsRead(None, notes)
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in out.items()})
    frame = frame.astype({"start_s": "int64", "source_row": "int64"})
    return AppointmentsRead(with_extras(frame, sheet), notes)
