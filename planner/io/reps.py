"""Reps file -> the validated rep table (:data:`planner.domain.REP_COLUMNS`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.domain import REP_COLUMNS, Workday
from planner.io.base import check_unique_ids, frame_or_raise, open_sheet, parse_cell, with_extras
from planner.io.columns import REP_SPECS
from planner.io.coords import check_cluster, parse_point
from planner.io.fields import parse_count, parse_date_list
from planner.io.notes import Notes
from planner.units import format_clock, parse_clock, parse_weekday_set

DEFAULT_WORKING_DAYS: tuple[int, ...] = (0, 1, 2, 3, 4)  # Mo-Fr
MAX_VISITS_PER_DAY = 1000
"""A larger ``max_visits_per_day`` is a typo (a day has 1,440 minutes)."""


def parse_visits_per_day(text: str) -> int:
    """``max_visits_per_day``: a whole number 0..:data:`MAX_VISITS_PER_DAY`."""
    v = parse_count(text)
    if v > MAX_VISITS_PER_DAY:
        raise ValueError(
            f"'{text}' is more visits than fit in a day (at most {MAX_VISITS_PER_DAY})"
        )
    return v


@dataclass
class RepsRead:
    """What :func:`load_reps` found: ``frame`` is ``None`` when the file has problems;
    ``ids`` every non-empty rep id seen (``None`` when the id column is missing)."""

    frame: pd.DataFrame | None
    notes: Notes
    ids: set[str] | None
    points: list[tuple[int, float, float, str]]  # (row, lat, lon, "home"/"start")
    swapped: set[int]  # rows already noted as swapped
    labels: dict[str, str] = field(default_factory=dict)  # documented name -> header cell


def read_reps(path: str | Path, workday: Workday) -> pd.DataFrame:
    """Read and validate a reps file (CSV or XLSX).

    Parameters
    ----------
    path : str or Path
        The reps file: required ``id, name, home_lat, home_lon``; optional ``work_start,
        work_end`` (HH:MM), ``working_days`` (``Mo-Fr``), ``max_visits_per_day``,
        ``unavailable`` (dates and ``a..b`` ranges), ``start_lat, start_lon``.
    workday : Workday
        Default working window for reps without ``work_start`` / ``work_end``.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`planner.domain.REP_COLUMNS` in that order, index ``0..n-1``,
        then the file's extra columns (text). Warnings in ``frame.attrs["warnings"]``.

    Raises
    ------
    InputError
        Every problem of the file at once.
    """
    res = load_reps(Path(path), workday)
    return frame_or_raise(res.frame, res.notes)


def load_reps(
    path: Path,
    workday: Workday,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> RepsRead:
    """Like :func:`read_reps` but never raises: problems are in ``notes``.
    ``columns``/``encoding``: the scenario's ``columns: reps:`` and ``encoding:``."""
    sheet = open_sheet(
        path,
        REP_SPECS,
        set(REP_COLUMNS),
        "rep",
        ("home_lat", "home_lon"),
        columns=columns,
        encoding=encoding,
    )
    notes = sheet.notes
    if not sheet.usable:
        return RepsRead(None, notes, None, [], set())
    assert sheet.rows is not None and sheet.columns is not None
    has, lab = sheet.columns.has, sheet.label
    out: dict[str, list] = {c: [] for c in REP_COLUMNS}
    homes: list[tuple[int, float, float]] = []
    starts: list[tuple[int, float, float]] = []
    for r in sheet.rows:
        row = int(r["source_row"])
        rid, name = r.get("id", ""), r.get("name", "")
        if has("id") and not rid:
            notes.error(
                "empty id", "rep id is empty", row, lab("id"), fix="give every rep a unique id"
            )
        if has("name") and not name:
            notes.error("empty name", "rep name is empty", row, lab("name"))
        home = None
        if has("home_lat") and has("home_lon"):
            home = parse_point(
                r["home_lat"], r["home_lon"], row, lab("home_lat"), lab("home_lon"), notes, "home "
            )
            if home:
                homes.append((row, *home))
        start = home
        s_lat, s_lon = r.get("start_lat", ""), r.get("start_lon", "")
        if s_lat or s_lon:
            start = parse_point(
                s_lat, s_lon, row, lab("start_lat"), lab("start_lon"), notes, "start "
            )
            if start:
                starts.append((row, *start))
        work: list[int | None] = []
        for key, default in (("work_start", workday.start_s), ("work_end", workday.end_s)):
            text = r.get(key, "")
            try:
                work.append(parse_clock(text) if text else default)
            except ValueError as err:
                notes.error("bad time", str(err), row, lab(key))
                work.append(None)
        if work[0] is not None and work[1] is not None and work[1] <= work[0]:
            notes.error(
                "end before start",
                f"work ends ({format_clock(work[1])}) before it starts ({format_clock(work[0])})",
                row,
                lab("work_end"),
                fix="check both times (24-hour HH:MM, e.g. 16:30 not 4:30)",
            )
        days = parse_cell(
            r.get("working_days", ""),
            parse_weekday_set,
            DEFAULT_WORKING_DAYS,
            notes,
            "unknown weekday",
            row,
            lab("working_days"),
            fix="write working days like 'Mo-Fr' or 'Mo,We,Fr'",
        )
        max_visits = parse_cell(
            r.get("max_visits_per_day", ""),
            parse_visits_per_day,
            0,
            notes,
            "bad number",
            row,
            lab("max_visits_per_day"),
            hint="; max_visits_per_day is a whole number, 0 or empty = no limit",
        )
        no_dates: tuple[dt.date, ...] = ()
        unavailable = parse_cell(
            r.get("unavailable", ""),
            parse_date_list,
            no_dates,
            notes,
            "bad date",
            row,
            lab("unavailable"),
            fix="separate dates with spaces or ';', ranges as 2026-03-02..2026-03-06",
        )
        nan = float("nan")
        for key, value in (
            ("rep_id", rid),
            ("name", name),
            ("home_lat", home[0] if home else nan),
            ("home_lon", home[1] if home else nan),
            ("start_lat", start[0] if start else nan),
            ("start_lon", start[1] if start else nan),
            ("work_start_s", work[0] or 0),
            ("work_end_s", work[1] or 0),
            ("working_days", days),
            ("max_visits_per_day", max_visits),
            ("unavailable", unavailable),
            ("source_row", row),
        ):
            out[key].append(value)
    if has("id"):
        check_unique_ids(out["rep_id"], out["source_row"], notes, lab("id"), "rep")
    swapped = check_cluster(
        homes, notes, lab("home_lat"), lab("home_lon"), what="home ", others="the other reps' homes"
    )
    points = [(row, la, lo, "home") for row, la, lo in homes]
    points += [(row, la, lo, "start") for row, la, lo in starts]
    ids = {x for x in out["rep_id"] if x} if has("id") else None
    if notes:
        return RepsRead(None, notes, ids, points, swapped, sheet.columns.known)
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in out.items()})
    frame = frame.astype(
        {
            "home_lat": "float64",
            "home_lon": "float64",
            "start_lat": "float64",
            "start_lon": "float64",
            "work_start_s": "int64",
            "work_end_s": "int64",
            "max_visits_per_day": "int64",
            "source_row": "int64",
        }
    )
    return RepsRead(with_extras(frame, sheet), notes, ids, points, swapped, sheet.columns.known)
