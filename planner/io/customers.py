"""Customers file -> the validated customer table (:data:`planner.domain.CUSTOMER_COLUMNS`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.domain import CUSTOMER_COLUMNS, TierTable, Workday
from planner.hours import ALWAYS_OPEN, WeeklyHours, hours_from_open_close
from planner.io.base import (
    Sheet,
    check_unique_ids,
    frame_or_raise,
    listing,
    nearest,
    open_sheet,
    parse_cell,
    with_extras,
)
from planner.io.columns import CUSTOMER_SPECS
from planner.io.coords import check_cluster, parse_point
from planner.io.fields import parse_bool, parse_date, parse_hours, parse_number
from planner.io.notes import MAX_PER_KIND, Notes
from planner.units import format_clock, parse_clock, parse_weekday_set

MIN_SERVICE_MIN = 1
"""Shorter visits (``0.001`` minutes) are typos; the scenario's tiers have the same floor."""


@dataclass
class CustomersRead:
    """What :func:`load_customers` found: ``frame`` is ``None`` when the file has problems.

    ``ids`` holds every non-empty id seen (``None`` if the id column could not be read), so
    appointments can be checked even when the customer file itself has problems;
    ``points`` the valid (lat, lon) pairs (the cluster rep homes are checked against).
    """

    frame: pd.DataFrame | None
    notes: Notes
    ids: set[str] | None
    points: list[tuple[float, float]]


def read_customers(
    path: str | Path, tiers: TierTable, workday: Workday, rep_ids: set[str] | None = None
) -> pd.DataFrame:
    """Read and validate a customers file (CSV, XLSX, GeoJSON, GeoPackage).

    Parameters
    ----------
    path : str or Path
        The customers file; columns in ``docs/data-contract.md`` (required ``id, name,
        lat, lon, tier``).
    tiers : TierTable
        The scenario's tiers: every ``tier`` value must be one of them; a customer's
        default service time is its tier's ``service_min``.
    workday : Workday
        A service longer than the workday (``workday.length_s``) is a problem.
    rep_ids : set of str, optional
        Valid rep ids; a customer pinned (``rep_id``) to another id is a problem. ``None``
        skips the check.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`planner.domain.CUSTOMER_COLUMNS` in that order, index
        ``0..n-1``, then the file's extra columns (names normalised, values as text).
        Inactive customers are kept with ``active`` False. Non-fatal notes are in
        ``frame.attrs["warnings"]`` (list of str).

    Raises
    ------
    InputError
        Every problem of the file at once (row, column, what is expected, the fix).
    """
    res = load_customers(Path(path), tiers, workday, rep_ids)
    return frame_or_raise(res.frame, res.notes)


def load_customers(
    path: Path,
    tiers: TierTable,
    workday: Workday,
    rep_ids: set[str] | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    tiers_note: str = "",
) -> CustomersRead:
    """Like :func:`read_customers` but never raises: problems are in ``notes``.

    ``columns``/``encoding``: the scenario's ``columns: customers:`` and ``encoding:``;
    ``tiers_note``: why the scenario's tiers are what they are (an ``extends:`` chain that
    replaced them), given with customers whose tier is not among them.
    """
    sheet = open_sheet(
        path, CUSTOMER_SPECS, set(CUSTOMER_COLUMNS), "customer", columns=columns, encoding=encoding
    )
    notes = sheet.notes
    if not sheet.usable:
        return CustomersRead(None, notes, None, [])
    assert sheet.rows is not None and sheet.columns is not None
    has = sheet.columns.has
    lab = sheet.label
    out: dict[str, list] = {c: [] for c in CUSTOMER_COLUMNS}
    points: list[tuple[int, float, float]] = []
    tier_rows: dict[str, int] = {}
    both_hours_rows: list[int] = []
    short_windows: list[tuple[int, int, int]] = []
    replaced: dict[str, list[int]] | None = {} if tiers_note else None
    overrides: dict[str, list] = {"every_weeks": [], "visits_per_year": []}
    for r in sheet.rows:
        row = int(r["source_row"])
        errors_before = notes.count
        cid = r.get("id", "")
        if has("id") and not cid:
            notes.error(
                "empty id",
                "customer id is empty",
                row,
                lab("id"),
                fix="give every customer a unique id",
            )
        name = r.get("name", "")
        if has("name") and not name:
            notes.error(
                "empty name",
                "customer name is empty",
                row,
                lab("name"),
                fix="fill in the name (maps and reports show it)",
            )
        lat = lon = float("nan")
        if has("lat") and has("lon"):
            pt = parse_point(r["lat"], r["lon"], row, lab("lat"), lab("lon"), notes)
            if pt is not None:
                lat, lon = pt
                points.append((row, lat, lon))
        tier = ""
        if has("tier"):
            tier = _tier(r.get("tier", ""), tiers, row, lab("tier"), notes, replaced)
        service_s = _service_s(
            r.get("service_min", ""), tier, tiers, workday, row, lab("service_min"), notes
        )
        if tier in tiers and not r.get("service_min", ""):
            tier_rows.setdefault(tier, row)
        active = parse_cell(
            r.get("active", ""), parse_bool, True, notes, "bad value", row, lab("active")
        )
        hours, both = _hours(r, row, sheet, notes)
        if both:
            both_hours_rows.append(row)
        if active and service_s and notes.count == errors_before:
            longest = max((b - a for day in hours for a, b in day), default=0)
            if longest == 0:
                notes.warn(
                    "never open",
                    "closed every day: this customer can never be visited",
                    row,
                    lab("opening_hours") if has("opening_hours") else None,
                )
            elif service_s > longest:
                short_windows.append((row, service_s, longest))
        last_visit = parse_cell(
            r.get("last_visit", ""), parse_date, None, notes, "bad date", row, lab("last_visit")
        )
        rep_id = r.get("rep_id", "") or None
        if rep_id is not None and rep_ids and rep_id not in rep_ids:
            near = (
                nearest(rep_id, rep_ids) if notes.count_kind("unknown rep") < MAX_PER_KIND else []
            )
            notes.error(
                "unknown rep",
                f"pinned to rep '{rep_id}', which is not in the reps file",
                row,
                lab("rep_id"),
                fix=(f"did you mean '{near[0]}'? " if near else "")
                + f"rep ids are: {listing(rep_ids)}; or leave {lab('rep_id')} empty",
            )
        for key, value in _frequency_override(r, row, sheet, notes).items():
            overrides[key].append(value)
        for key, value in (
            ("customer_id", cid),
            ("name", name),
            ("lat", lat),
            ("lon", lon),
            ("tier", tier),
            ("address", r.get("address", "")),
            ("phone", r.get("phone", "")),
            ("notes", r.get("notes", "")),
            ("service_s", service_s),
            ("hours", hours),
            ("last_visit", last_visit),
            ("rep_id", rep_id),
            ("territory_id", r.get("territory_id", "") or None),
            ("active", active),
            ("source_row", row),
            ("contact", r.get("contact", "")),
            ("contact_title", r.get("contact_title", "")),
            ("purpose", r.get("purpose", "")),
        ):
            out[key].append(value)
    if has("id"):
        check_unique_ids(out["customer_id"], out["source_row"], notes, lab("id"), "customer")
    check_cluster(points, notes, lab("lat"), lab("lon"), others="the other customers")
    for tier, row in tier_rows.items():
        if tiers[tier].service_s > workday.length_s:
            notes.error(
                "service too long",
                f"tier '{tier}' has a service time of "
                f"{tiers[tier].service_min:g} min, longer than the workday "
                f"{_workday_text(workday)}",
                row,
                lab("tier"),
                fix="shorten the tier's service_min in the scenario, or give these "
                "customers their own service_min",
            )
    for text, rows in (replaced or {}).items():
        shown = ", ".join(map(str, rows[:10])) + (", ..." if len(rows) > 10 else "")
        notes.error(
            "unknown tier",
            f"tier '{text}' of {len(rows)} customer{'s' if len(rows) != 1 else ''} (rows "
            f"{shown}) is not among the scenario's tiers ({', '.join(tiers.names())})",
            rows[0],
            lab("tier"),
            fix=f"{tiers_note}; list every tier in the scenario that replaces them",
        )
    _summarise(notes, out, both_hours_rows, short_windows, sheet)
    ids = {c for c in out["customer_id"] if c} if has("id") else None
    good = [(la, lo) for _, la, lo in points]
    if notes:
        return CustomersRead(None, notes, ids, good)
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in out.items()})
    frame = frame.astype(
        {
            "lat": "float64",
            "lon": "float64",
            "service_s": "int64",
            "active": "bool",
            "source_row": "int64",
        }
    )
    for key, values in overrides.items():
        if has(key):
            frame[key] = pd.Series(values, dtype=object)
    return CustomersRead(with_extras(frame, sheet), notes, ids, good)


#: Limits of a customer's own visit frequency.
OVERRIDE_LIMITS = {"every_weeks": (1, 52), "visits_per_year": (1, 365)}


def _frequency_override(r: dict[str, str], row: int, sheet: Sheet, notes: Notes) -> dict:
    """A customer's own ``every_weeks`` / ``visits_per_year`` (None = its tier's rule)."""
    out: dict = {}
    for key, (lo, hi) in OVERRIDE_LIMITS.items():
        text = r.get(key, "")
        out[key] = None
        if not text:
            continue
        try:
            v = parse_number(text)
        except ValueError as err:
            notes.error("bad number", f"{err}; {key} is a whole number", row, sheet.label(key))
            continue
        if v != int(v) or not lo <= v <= hi:
            notes.error(
                "bad number",
                f"{key} must be a whole number from {lo} to {hi}, got '{text}'",
                row,
                sheet.label(key),
                fix="leave it empty to use the tier's rule",
            )
            continue
        out[key] = int(v)
    if out["every_weeks"] is not None and out["visits_per_year"] is not None:
        notes.warn(
            "override ignored",
            f"both every_weeks and visits_per_year are given; visits_per_year "
            f"({out['visits_per_year']}) is ignored, every_weeks ({out['every_weeks']}) is used",
            row,
            sheet.label("visits_per_year"),
        )
        out["visits_per_year"] = None
    return out


_FREQUENCY_WORDS = (
    "freq",
    "per_month",
    "per_week",
    "per_quarter",
    "per_year",
    "every_",
    "interval",
)


def frequency_like_extras(extra_names: list[str]) -> list[str]:
    """Extra columns whose name suggests a visit frequency the planner does not read."""
    return [n for n in extra_names if any(w in n for w in _FREQUENCY_WORDS)]


def _workday_text(w: Workday) -> str:
    return f"({format_clock(w.start_s)}-{format_clock(w.end_s)}, {w.length_s // 60} min)"


def _tier(
    text: str,
    tiers: TierTable,
    row: int,
    col: str,
    notes: Notes,
    replaced: dict[str, list[int]] | None = None,
) -> str:
    """The tier of a row as the scenario spells it. ``replaced`` (the scenario's tiers were
    replaced by an ``extends:`` chain): unknown tiers are collected there, to be reported
    once per tier with the reason, instead of once per row."""
    if text in tiers:
        return text
    folded = [t for t in tiers.names() if t.lower() == text.lower()]
    if text and len(folded) == 1:
        return folded[0]
    valid = ", ".join(tiers.names())
    if not text:
        notes.error("empty tier", "tier is empty", row, col, fix=f"use one of: {valid}")
        return ""
    if replaced is not None:
        replaced.setdefault(text, []).append(row)
        return text
    near = (
        nearest(text, tiers.names(), cutoff=0.4)
        if notes.count_kind("unknown tier") < MAX_PER_KIND
        else []
    )
    notes.error(
        "unknown tier",
        f"unknown tier '{text}'; valid tiers: {valid}",
        row,
        col,
        fix=(f"did you mean '{near[0]}'? " if near else "")
        + "or add this tier to the scenario's tiers",
    )
    return text


def _service_s(
    text: str, tier: str, tiers: TierTable, workday: Workday, row: int, col: str, notes: Notes
) -> int:
    if not text:
        return tiers[tier].service_s if tier in tiers else 0
    try:
        minutes = parse_number(text)
    except ValueError as err:
        notes.error("bad number", f"{err}; service_min is minutes on site, e.g. 30", row, col)
        return 0
    if minutes < MIN_SERVICE_MIN:
        notes.error(
            "bad number",
            f"service_min must be at least {MIN_SERVICE_MIN} minute, got '{text}'",
            row,
            col,
            fix="leave it empty to use the tier's service time",
        )
        return 0
    service_s = round(minutes * 60)
    if service_s > workday.length_s:
        notes.error(
            "service too long",
            f"service of {minutes:g} min is longer than the workday {_workday_text(workday)}",
            row,
            col,
            fix="shorten the service, or split the visit into several customers",
        )
    return service_s


def _hours(r: dict[str, str], row: int, sheet: Sheet, notes: Notes) -> tuple[WeeklyHours, bool]:
    """Opening hours from ``opening_hours``, else ``open``/``close``/``closed_days``."""
    lab = sheet.label
    oh, o, c, cd = (r.get(k, "") for k in ("opening_hours", "open", "close", "closed_days"))
    if oh:
        try:
            return parse_hours(oh), bool(o or c or cd)
        except ValueError as err:
            msg = str(err)
            notes.error(
                "bad opening hours",
                msg,
                row,
                lab("opening_hours"),
                fix=None
                if "e.g." in msg
                else "write OSM opening_hours, e.g. 'Mo-Fr 09:00-17:00; Sa 10:00-14:00'",
            )
            return ALWAYS_OPEN, False
    ok = True
    for text, key in ((o, "open"), (c, "close")):
        if (o or c) and not text:
            other = "close" if key == "open" else "open"
            notes.error(
                "bad time",
                f"{other} is given but {key} is empty",
                row,
                lab(key),
                fix="give both open and close (HH:MM), or neither",
            )
            ok = False
        elif text:
            try:
                parse_clock(text)
            except ValueError as err:
                notes.error("bad time", str(err), row, lab(key))
                ok = False
    if cd:
        try:
            parse_weekday_set(cd)
        except ValueError as err:
            notes.error(
                "unknown weekday",
                str(err),
                row,
                lab("closed_days"),
                fix="list closed days like 'Sa,Su' or 'Su'",
            )
            ok = False
    if not ok or not (o or c or cd):
        return ALWAYS_OPEN, False
    try:  # open and close are both given here, or neither (closed_days alone: all day)
        return hours_from_open_close(o or "00:00", c or "24:00", cd), False
    except ValueError:  # the only error left: closing not after opening
        notes.error(
            "open after close",
            f"opens at {o} but closes at {c}: closing must be later than opening",
            row,
            lab("close"),
            fix="check the two times (use 24-hour HH:MM, e.g. 18:00 not 6:00)",
        )
        return ALWAYS_OPEN, False


def _summarise(
    notes: Notes,
    out: dict[str, list],
    both_rows: list[int],
    short: list[tuple[int, int, int]],
    sheet: Sheet,
) -> None:
    if both_rows:
        rows = ", ".join(map(str, both_rows[:10])) + (", ..." if len(both_rows) > 10 else "")
        notes.warn(
            "both hours",
            f"{len(both_rows)} rows give both opening_hours and "
            f"open/close/closed_days; opening_hours is used (rows {rows})",
        )
    for row, service_s, longest in short:
        notes.warn(
            "service longer than opening",
            f"service of {service_s / 60:g} min is longer "
            f"than the longest opening window ({longest / 60:g} min): the visit can never "
            "be scheduled",
            row,
            sheet.label("service_min"),
        )
    if sheet.columns is not None:
        extra = sheet.columns.extra  # header as written -> normalised name
        for name in (h for h, n in extra.items() if n in frequency_like_extras([n])):
            notes.warn(
                "column ignored",
                f"column '{name}' is not read: a customer's own visit frequency goes in "
                "'every_weeks' (a rolling interval) or 'visits_per_year'",
                column=name,
                fix="rename it to every_weeks or visits_per_year, or drop it",
            )
    inactive = [row for row, a in zip(out["source_row"], out["active"]) if not a]
    if inactive:
        rows = ", ".join(map(str, inactive[:10])) + (", ..." if len(inactive) > 10 else "")
        notes.warn(
            "inactive",
            f"{len(inactive)} inactive customer"
            f"{'s are' if len(inactive) != 1 else ' is'} kept but never planned "
            f"(rows {rows})",
        )
