"""Visit log files -> the validated visit log (:data:`planner.domain.VISIT_LOG_COLUMNS`).

A visit log records what happened to visits: one row per visit with ``customer_id,
rep_id, date, status`` (``done``, ``missed`` or ``cancelled``) and optionally ``start``
(HH:MM), ``duration_min``, ``outcome`` (A-E), ``person_met``, ``purpose`` and ``notes``.
Issue 12's map form exports exactly these columns. Several files, or folders of files, are
read as one log, validated like every other input: every problem of every file at once,
each naming the file, row, column and the fix; nothing is returned when there is one.

The same row imported twice (the same file given twice, or overlapping exports) counts
once: rows whose values are all equal to an earlier row are dropped. Two *different* rows
for the same customer and day are a problem (a visit is recorded once per customer and
day), since the planner cannot tell which one is right.

Columns and rules: docs/data-contract.md ("Visit log").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.cells import restore
from planner.domain import (
    VISIT_LOG_COLUMNS,
    VISIT_LOG_FILE_COLUMNS,
    VISIT_OUTCOMES,
    VISIT_STATUSES,
)
from planner.errors import InputError, Problem
from planner.io.base import NearestIds, listing, open_sheet, parse_cell
from planner.io.columns import ColumnSpec, with_local_spellings
from planner.io.fields import parse_date, parse_number
from planner.io.notes import MAX_PER_KIND, Notes
from planner.io.table import CSV_SUFFIXES, EXCEL_SUFFIXES
from planner.units import parse_clock

LOG_SUFFIXES = (*CSV_SUFFIXES, *EXCEL_SUFFIXES)
"""Files of a log folder that are read (others are ignored)."""

VISIT_LOG_SPECS: tuple[ColumnSpec, ...] = with_local_spellings(
    (
        ColumnSpec("customer_id", ("customer", "customer_no", "cust_id", "account_id"), True),
        ColumnSpec("rep_id", ("rep", "sales_rep", "sales_rep_id", "employee_id"), True),
        ColumnSpec("date", ("visit_date", "day"), True),
        ColumnSpec("status", ("visit_status", "state"), True),
        ColumnSpec("start", ("start_time", "time", "visit_time")),
        ColumnSpec(
            "duration_min", ("duration", "minutes", "visit_min", "visit_minutes", "service_min")
        ),
        ColumnSpec("outcome", ("rating", "grade", "result")),
        ColumnSpec("person_met", ("contact", "contact_person", "met")),
        ColumnSpec("purpose", ("visit_purpose", "objective")),
        ColumnSpec("notes", ("note", "comment", "comments", "remarks")),
    ),
    "visit_log",
)
"""The visit log's columns; Chinese header spellings come from
:data:`planner.io.columns.LOCAL_SPELLINGS`."""
assert tuple(c.name for c in VISIT_LOG_SPECS) == VISIT_LOG_FILE_COLUMNS  # one file format

STATUSES = VISIT_STATUSES
STATUS_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("done", "completed", "complete", "visited", "ok", "yes", "y", "已完成", "完成", "已拜访"),
        "done",
    ),
    **dict.fromkeys(("已访问", "是"), "done"),
    **dict.fromkeys(
        ("missed", "miss", "not done", "not visited", "no show", "noshow", "skipped", "no", "n"),
        "missed",
    ),
    **dict.fromkeys(("未完成", "未拜访", "未访问", "错过", "漏访", "否"), "missed"),
    **dict.fromkeys(
        ("cancelled", "canceled", "cancel", "called off", "取消", "已取消"), "cancelled"
    ),
}
"""Accepted spellings of ``status`` (compared in lower case, spaces/``_``/``-`` as one space)."""

OUTCOMES = VISIT_OUTCOMES
MAX_DURATION_MIN = 24 * 60

_SPACES = re.compile(r"[\s_\-]+")


@dataclass(frozen=True)
class VisitLogParams:
    """Which log files to read and what they are checked against.

    Parameters
    ----------
    paths : tuple of Path
        Log files (CSV, XLSX) and folders; a folder gives every ``.csv``/``.txt``/``.tsv``/
        ``.xlsx``/``.xlsm`` file under it (sub-folders too; hidden files and Excel's
        ``~$`` lock files skipped), in name order.
    customer_ids : frozenset of str or None
        Known customers; a row for another id is a problem. ``None`` skips the check.
    rep_ids : frozenset of str or None
        Known reps; a row by another rep is a problem (on the days of ``rep_days``).
    customer_reps : mapping or None
        ``customer_id -> rep_id`` (a plan's assignments): a row by another rep than the
        customer's is a problem (on the days of ``rep_days``). Customers not in the
        mapping are not checked.
    rep_days : (date, date) or None
        First and last day (inclusive) on which the rep checks apply, e.g. a plan's
        horizon (territories may have been different before); ``None`` = every row.
    as_of : date or None
        Rows dated after it are a problem (a log records what happened); ``None`` = today.
    as_of_label : str
        How messages name ``as_of`` (``"today"``, ``"--as-of"``, ``"the day before the
        plan starts"``).
    """

    paths: tuple[Path, ...]
    customer_ids: frozenset[str] | None = None
    rep_ids: frozenset[str] | None = None
    customer_reps: Mapping[str, str] | None = None
    rep_days: tuple[dt.date, dt.date] | None = None
    as_of: dt.date | None = None
    as_of_label: str = "today"


@dataclass
class VisitLogResult:
    """The validated log.

    Attributes
    ----------
    log : pandas.DataFrame
        :data:`planner.domain.VISIT_LOG_COLUMNS`, one row per recorded visit, sorted by
        date, rep, customer; repeated rows dropped.
    files : list of str
        Every file read, in reading order.
    repeated_rows : int
        Rows dropped because an earlier row had exactly the same values.
    warnings : list of str
        Non-fatal notes (``file, row N, column 'x': message``).
    """

    log: pd.DataFrame
    files: list[str] = field(default_factory=list)
    repeated_rows: int = 0
    warnings: list[str] = field(default_factory=list)


def empty_visit_log() -> pd.DataFrame:
    """A visit log without rows (the columns of a real one)."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in VISIT_LOG_COLUMNS})
    return frame.astype({"source_row": "int64"})


def parse_status(text: str) -> str:
    """``done``, ``missed`` or ``cancelled`` from any accepted spelling (:data:`STATUS_WORDS`)."""
    key = _SPACES.sub(" ", text.strip().lower()).strip()
    if key in STATUS_WORDS:
        return STATUS_WORDS[key]
    raise ValueError(f"'{text}' is not a visit status; write done, missed or cancelled")


def parse_outcome(text: str) -> str:
    """``A``..``E`` (any case)."""
    t = text.strip().upper()
    if t in OUTCOMES:
        return t
    raise ValueError(f"'{text}' is not an outcome; write one letter A, B, C, D or E")


def parse_duration_s(text: str) -> int:
    """Minutes on site (``35``, ``35,5``) -> whole seconds; more than 0, at most a day."""
    v = parse_number(text)
    if not 0 < v <= MAX_DURATION_MIN:
        raise ValueError(f"'{text}' is not a visit length in minutes (more than 0, at most 1440)")
    return int(round(v * 60))


def log_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """The files a list of log paths stands for: files as given, folders expanded.

    Each file appears once (by its resolved path), in the order given; a folder without
    any log file is a problem. Missing paths are kept (the reader reports them).
    """
    out: list[Path] = []
    seen: set[Path] = set()
    problems: list[Problem] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(
                (
                    f
                    for f in p.rglob("*")
                    if f.is_file()
                    and f.suffix.lower() in LOG_SUFFIXES
                    and not f.name.startswith((".", "~$"))
                ),
                key=lambda f: str(f.relative_to(p)),
            )
            if not found:
                problems.append(
                    Problem(
                        str(p),
                        "folder holds no visit log file (.csv, .txt, .tsv, .xlsx, .xlsm)",
                        fix="put the exported log files in it, or name the files themselves",
                    )
                )
        else:
            found = [p]
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out, problems


def read_visit_log(params: VisitLogParams) -> VisitLogResult:
    """Read and validate visit log files as one log.

    Parameters
    ----------
    params : VisitLogParams

    Returns
    -------
    VisitLogResult

    Raises
    ------
    InputError
        Every problem of every file at once, each naming file, row and column: a file that
        cannot be read, a missing required column, an empty required cell, an unknown
        customer or rep, a rep that is not the customer's, a status, date, time, length or
        outcome that cannot be read, a date after ``as_of``, two different rows for the
        same customer and day.
    """
    files, problems = log_files(params.paths)
    if not files and not problems:
        problems.append(Problem("visit log", "no visit log file given", fix="name a log file"))
    as_of = params.as_of or dt.date.today()
    checker = _RowChecker(params, as_of)
    seen: dict[tuple, tuple[str, int]] = {}
    by_day: dict[tuple[str, dt.date], tuple[tuple, str, int]] = {}
    rows: list[dict] = []
    repeated = 0
    all_notes: list[Notes] = []
    for path in files:
        sheet = open_sheet(
            path, VISIT_LOG_SPECS, set(VISIT_LOG_COLUMNS), "visit", allow_no_rows=True
        )
        notes = sheet.notes
        all_notes.append(notes)
        if not sheet.usable or sheet.columns is None or sheet.rows is None:
            continue
        lab = sheet.label
        file_repeats = 0
        for r in sheet.rows:
            rec = checker.row(r, notes, lab)
            if rec is None:
                continue
            values = tuple(rec[c] for c in _VALUE_COLUMNS)
            if values in seen:
                file_repeats += 1
                continue
            seen[values] = (str(path), rec["source_row"])
            key = (rec["customer_id"], rec["date"])
            if key in by_day:
                _note_conflict(notes, rec, by_day[key], lab)
                continue
            by_day[key] = (values, str(path), rec["source_row"])
            rec["source_file"] = str(path)
            rows.append(rec)
        if file_repeats:
            repeated += file_repeats
            notes.warn(
                "repeated rows",
                f"{file_repeats} row(s) repeat earlier rows value for value and are counted once",
            )
    for notes in all_notes:
        problems += notes.problems_sorted()
    if problems:
        raise InputError(problems)
    warnings = [w for notes in all_notes for w in notes.warnings_text()]
    return VisitLogResult(_frame(rows), [str(f) for f in files], repeated, warnings)


_VALUE_COLUMNS = (
    "customer_id",
    "rep_id",
    "date",
    "status",
    "start_s",
    "duration_s",
    "outcome",
    "person_met",
    "purpose",
    "notes",
)


def _frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return empty_visit_log()
    frame = pd.DataFrame(
        {c: pd.Series([r[c] for r in rows], dtype=object) for c in VISIT_LOG_COLUMNS}
    )
    frame = frame.astype({"source_row": "int64"})
    frame = frame.sort_values(
        ["date", "rep_id", "customer_id", "source_file", "source_row"], kind="stable"
    )
    return frame.reset_index(drop=True)


def _note_conflict(notes: Notes, rec: dict, first: tuple[tuple, str, int], lab) -> None:
    values, file, row = first
    diff = [
        c for c, a, b in zip(_VALUE_COLUMNS, values, (rec[c] for c in _VALUE_COLUMNS)) if a != b
    ]
    where = f"row {row}" if file == notes.file else f"row {row} of {file}"
    notes.error(
        "duplicate visit",
        f"customer '{rec['customer_id']}' on {rec['date']} is also on {where}, with another "
        f"{', '.join(_display(c) for c in diff)}: a visit is recorded once per customer and day",
        rec["source_row"],
        lab("customer_id"),
        fix="keep the row that is right and delete the other",
    )


def _display(column: str) -> str:
    return {"start_s": "start", "duration_s": "duration_min"}.get(column, column)


OPTIONAL_CELLS: tuple[tuple[str, str, Callable[[str], object], object, str, str], ...] = (
    (
        "start",
        "start_s",
        parse_clock,
        None,
        "bad time",
        "write when the visit started as HH:MM (24-hour), e.g. 09:15, or leave it empty",
    ),
    (
        "duration_min",
        "duration_s",
        parse_duration_s,
        None,
        "bad duration",
        "write the minutes on site, e.g. 35, or leave it empty",
    ),
    (
        "outcome",
        "outcome",
        parse_outcome,
        "",
        "bad outcome",
        "write A, B, C, D or E, or leave it empty",
    ),
)
"""Optional cells: (column, output name, parser, value when empty, problem kind, fix)."""


class _RowChecker:
    """Validates one log row at a time against the known customers, reps and as-of date."""

    def __init__(self, params: VisitLogParams, as_of: dt.date) -> None:
        self.p = params
        self.as_of = as_of
        self.customer_hint = NearestIds(params.customer_ids or ())
        self.rep_hint = NearestIds(params.rep_ids or ())

    def row(self, r: dict[str, str], notes: Notes, lab) -> dict | None:
        """The parsed row, or ``None`` when it has a problem (noted)."""
        row = int(r["source_row"])
        before = notes.count
        cid = self._required(r, "customer_id", "customer id", row, notes, lab)
        rid = self._required(r, "rep_id", "rep id", row, notes, lab)
        day = self._date(r, row, notes, lab)
        status = None
        if self._required(r, "status", "status", row, notes, lab):
            status = parse_cell(
                r["status"],
                parse_status,
                None,
                notes,
                "bad status",
                row,
                lab("status"),
                fix="done (the visit happened), missed or cancelled; also "
                "completed/visited, not visited/no show, canceled, 已完成/未完成/取消",
            )
        parsed = {
            out: parse_cell(r.get(name, ""), parse, default, notes, kind, row, lab(name), fix=fix)
            for name, out, parse, default, kind, fix in OPTIONAL_CELLS
        }
        if cid:
            self._customer(cid, row, notes, lab)
        if rid and day is not None and self._rep_day(day):
            self._rep(cid, rid, row, notes, lab)
        if notes.count > before:
            return None
        return {
            "customer_id": cid,
            "rep_id": rid,
            "date": day,
            "status": status,
            **parsed,
            # text a planner CSV (the map form's export) neutralised against formula
            # injection is read back as the rep typed it (planner.cells)
            "person_met": restore(r.get("person_met", "")),
            "purpose": restore(r.get("purpose", "")),
            "notes": restore(r.get("notes", "")),
            "source_row": row,
        }

    @staticmethod
    def _required(r: dict, name: str, what: str, row: int, notes: Notes, lab) -> str:
        value = r.get(name, "")
        if name in r and not value:
            notes.error(
                "empty cell",
                f"{what} is empty",
                row,
                lab(name),
                fix=f"fill in the {what}: every row needs customer_id, rep_id, date, status",
            )
        return value

    def _date(self, r: dict, row: int, notes: Notes, lab) -> dt.date | None:
        if not self._required(r, "date", "date", row, notes, lab):
            return None
        day = parse_cell(
            r["date"],
            parse_date,
            None,
            notes,
            "bad date",
            row,
            lab("date"),
            fix="write the day the visit was due or made, e.g. 2026-12-01 or 01.12.2026",
        )
        if day is not None and day > self.as_of:
            notes.error(
                "future date",
                f"visit dated {day}, after {self.p.as_of_label} ({self.as_of}): a log "
                "records visits that have happened",
                row,
                lab("date"),
                fix="check the date (day first: 03.12.2026 is 3 December), or move the as-of date",
            )
        return day

    def _customer(self, cid: str, row: int, notes: Notes, lab) -> None:
        ids = self.p.customer_ids
        if ids is None or cid in ids:
            return
        near = (
            self.customer_hint(cid, cutoff=0.6)
            if notes.count_kind("unknown customer") < MAX_PER_KIND
            else []
        )
        notes.error(
            "unknown customer",
            f"customer '{cid}' is not in the customers of the plan",
            row,
            lab("customer_id"),
            fix=f"did you mean '{near[0]}'?"
            if near
            else f"customer ids look like: {listing(ids, 5)}",
        )

    def _rep_day(self, day: dt.date) -> bool:
        span = self.p.rep_days
        return span is None or span[0] <= day <= span[1]

    def _rep(self, cid: str, rid: str, row: int, notes: Notes, lab) -> None:
        ids = self.p.rep_ids
        if ids is not None and rid not in ids:
            near = self.rep_hint(rid, cutoff=0.6)
            notes.error(
                "unknown rep",
                f"rep '{rid}' is not one of the plan's reps",
                row,
                lab("rep_id"),
                fix=f"did you mean '{near[0]}'?" if near else f"rep ids are: {listing(ids)}",
            )
            return
        owner = (self.p.customer_reps or {}).get(cid)
        if owner is not None and owner != rid:
            notes.error(
                "not the customer's rep",
                f"rep '{rid}' is not the rep of customer '{cid}': the plan gives it to '{owner}'",
                row,
                lab("rep_id"),
                fix=f"check rep_id and customer_id (a visit to '{cid}' is logged by '{owner}')",
            )
