"""Reading a plan folder back, also after a hand edit: every defect is a problem, not a crash.

``planner check`` and ``planner maps`` exist for plans edited by hand, so a plan folder
is read like an input: each CSV through :func:`planner.io.table.load_table` (encoding,
NUL bytes, binary files, ragged rows), then each cell of the columns the planner reads
is checked against :data:`PLAN_SCHEMA` (a time ``25:99``, a date ``2026-13-01``, a number
``abc``, an unreadable opening-hours cell), and the JSON files must be JSON objects.
Cells the writer neutralised against formula injection (:mod:`planner.cells`) are
restored, so a plan folder round-trips exactly.
Everything wrong is reported at once as one :class:`~planner.errors.InputError` (exit 2)
naming file, row and column; only a clean folder reaches the ``*_from_csv`` converters of
:mod:`planner.plan`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from planner.errors import InputError, Problem
from planner.units import parse_clock, parse_weekday_set


def _text(s: str) -> str:
    return s


def _number(s: str) -> float:
    v = float(s)
    if not math.isfinite(v):
        raise ValueError("not a finite number")
    return v


def _whole(s: str) -> int:
    v = _number(s)
    if v != int(v):
        raise ValueError("not a whole number")
    return int(v)


def _date(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def _date_or_blank(s: str) -> dt.date | None:
    return None if s == "" else _date(s)


def _clock_or_blank(s: str) -> int | None:
    return None if s == "" else parse_clock(s)


def _dates(s: str) -> tuple[dt.date, ...]:
    return tuple(_date(x) for x in s.split())


def _whole_or_blank(s: str) -> int | None:
    return None if s == "" else _whole(s)


def _yes_no(s: str) -> bool:
    if s not in ("true", "false"):
        raise ValueError("write true or false")
    return s == "true"


def _hours(s: str) -> object:
    from planner.hours import parse_opening_hours

    if s in ("", "closed"):
        return None
    return parse_opening_hours(s)


Parser = Callable[[str], object]

PLAN_SCHEMA: dict[str, dict[str, Parser]] = {
    "visits.csv": {
        "rep_id": _text,
        "date": _date,
        "seq": _whole,
        "customer_id": _text,
        "customer_name": _text,
        "tier": _text,
        "arrival": parse_clock,
        "start": parse_clock,
        "departure": parse_clock,
        "travel_min": _number,
        "distance_km": _number,
        "due_date": _date_or_blank,
    },
    "routes.csv": {
        "rep_id": _text,
        "territory_id": _text,
        "date": _date,
        "start": parse_clock,
        "end": parse_clock,
        "visits": _whole,
        "travel_min": _number,
        "service_min": _number,
        "wait_min": _number,
        "distance_km": _number,
        "break_start": _clock_or_blank,
        "break_end": _clock_or_blank,
    },
    "unscheduled.csv": {"customer_id": _text, "due_date": _date},
    "assignments.csv": {"customer_id": _text, "territory_id": _text, "rep_id": _text},
    "customers.csv": {
        "customer_id": _text,
        "name": _text,
        "lat": _number,
        "lon": _number,
        "tier": _text,
        "address": _text,
        "phone": _text,
        "notes": _text,
        "service_min": _number,
        "opening_hours": _hours,
        "last_visit": _date_or_blank,
        "rep_id": _text,
        "territory_id": _text,
        "active": _yes_no,
    },
    "reps.csv": {
        "rep_id": _text,
        "name": _text,
        "home_lat": _number,
        "home_lon": _number,
        "start_lat": _number,
        "start_lon": _number,
        "work_start": parse_clock,
        "work_end": parse_clock,
        "working_days": parse_weekday_set,
        "max_visits_per_day": _whole,
        "unavailable": _dates,
    },
}
"""Per plan CSV: the columns the planner reads back and the parser each cell must pass."""
OPTIONAL_TABLES: dict[str, dict[str, Parser]] = {
    "appointments.csv": {"customer_id": _text, "date": _date, "start": parse_clock},
    "history.csv": {"customer_id": _text, "date": _date},
}
"""Tables a plan folder may lack (written before they existed, or not a rolled plan)."""
OPTIONAL_COLUMNS: dict[str, dict[str, Parser]] = {
    "customers.csv": {"every_weeks": _whole_or_blank, "visits_per_year": _whole_or_blank},
}
"""Columns read back when present (plan folders written before they existed lack them)."""
JSON_FILES = ("kpis.json", "plan.json")
MAX_CELL_PROBLEMS = 50
"""Bad cells reported per file before the rest are counted in one line."""
FIX = "re-run 'planner plan' to write the folder again, or undo the edit"


def read_plan_tables(path: Path) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """The CSV tables (text cells, validated) and JSON objects of a plan folder.

    Returns
    -------
    tables : dict
        File name -> DataFrame of trimmed text cells (with ``source_row``); optional
        tables that are absent are left out.
    documents : dict
        ``kpis.json`` and ``plan.json`` -> their JSON object.

    Raises
    ------
    InputError
        Not a plan folder (names the missing files), or every defect found in it.
    """
    if not path.is_dir():
        raise InputError(
            Problem(
                str(path),
                "not a plan folder (it does not exist or is a file)",
                fix="run 'planner plan SCENARIO --out DIR' first",
            )
        )
    missing = [n for n in (*PLAN_SCHEMA, *JSON_FILES) if not (path / n).exists()]
    if missing:
        raise InputError(
            Problem(
                str(path),
                f"not a plan directory: {', '.join(missing)} missing",
                fix="run 'planner plan SCENARIO --out DIR' first",
            )
        )
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    schemas = {**PLAN_SCHEMA, **{n: s for n, s in OPTIONAL_TABLES.items() if (path / n).exists()}}
    for name, schema in schemas.items():
        frame = _read_table(path / name, schema, problems)
        if frame is not None:
            tables[name] = frame
    documents = {name: _read_json(path / name, problems) for name in JSON_FILES}
    meta = documents["plan.json"]
    if "settings" in meta and not isinstance(meta["settings"], dict):
        problems.append(Problem(str(path / "plan.json"), "'settings' is not a mapping", fix=FIX))
    if problems:
        raise InputError(problems)
    return tables, documents


def read_plan_csv(file: Path) -> pd.DataFrame:
    """One CSV of a plan folder as trimmed text cells plus ``source_row``, the formula
    neutralisation undone; :class:`~planner.errors.InputError` when it cannot be read
    (missing, not UTF-8, binary, ragged rows)."""
    problems: list[Problem] = []
    frame = _load(file, problems)
    if frame is None:
        raise InputError(problems)
    return frame


def _load(file: Path, problems: list[Problem]) -> pd.DataFrame | None:
    from planner.cells import restore_frame
    from planner.io.table import load_table

    loaded = load_table(file)
    found = loaded.notes.problems_sorted()
    if found or loaded.frame is None:
        problems += found
        return None
    return restore_frame(loaded.frame)


def _read_table(file: Path, schema: dict[str, Parser], problems: list[Problem]):
    frame = _load(file, problems)
    if frame is None:
        return None
    absent = [c for c in schema if c not in frame.columns]
    if absent:
        empty = len(frame.columns) <= 1  # only source_row: an empty file
        problems.append(
            Problem(
                str(file),
                "file is empty" if empty else f"column(s) {', '.join(absent)} missing",
                row=None if empty else 1,
                fix=FIX,
            )
        )
        return None
    optional = OPTIONAL_COLUMNS.get(file.name, {})
    schema = {**schema, **{c: p for c, p in optional.items() if c in frame.columns}}
    bad = 0
    for col, parse in schema.items():
        if parse is _text:
            continue
        for row, text in zip(frame["source_row"], frame[col]):
            try:
                parse(text)
            except (ValueError, TypeError, OverflowError) as err:
                bad += 1
                if bad <= MAX_CELL_PROBLEMS:
                    msg = str(err) if f"'{text}'" in str(err) else f"'{text}' cannot be read: {err}"
                    problems.append(Problem(str(file), msg, int(row), col, FIX))
    if bad > MAX_CELL_PROBLEMS:
        problems.append(Problem(str(file), f"and {bad - MAX_CELL_PROBLEMS} more bad cells"))
    return frame if not bad else None


def _read_json(file: Path, problems: list[Problem]) -> dict:
    try:
        data = json.loads(file.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        problems.append(Problem(str(file), f"not readable JSON ({err})", fix=FIX))
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(str(file), "not a JSON object ({...})", fix=FIX))
        return {}
    return data


def read_route_lines(file: Path) -> dict:
    """``routes.geojson`` -> ``{(rep_id, date): [(lat, lon), ...]}``; unreadable features
    are skipped (the lines are drawn on maps, never checked)."""
    lines: dict = {}
    if not file.exists():
        return lines
    try:
        features = json.loads(file.read_bytes().decode("utf-8"))["features"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
        return lines
    for feat in features if isinstance(features, list) else []:
        try:
            p = feat["properties"]
            lines[(str(p["rep_id"]), dt.date.fromisoformat(p["date"]))] = [
                (float(lat), float(lon)) for lon, lat in feat["geometry"]["coordinates"]
            ]
        except (KeyError, TypeError, ValueError):
            continue
    return lines


def read_territories(file: Path):
    """``territories.geojson`` as a GeoDataFrame, or ``None`` when absent or unreadable
    (territories are drawn on maps, never checked)."""
    if not file.exists():
        return None
    import geopandas as gpd

    try:
        return gpd.read_file(file)
    except Exception:  # noqa: BLE001 - any unreadable file: the maps draw no territories
        return None
