"""Input column names: the documented names, the spellings accepted for them, and how a
file's header is matched to them.

Header cells are compared after :func:`normalise_name` (trimmed, lower case, runs of
spaces and punctuation turned into ``_``), so ``Customer ID``, ``customer-id`` and
``CUSTOMER_ID`` all mean ``customer_id``. A documented name beats an alias when a file
has both (``id`` and ``customer_id``); the loser is kept as an extra column, with a
warning.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from planner.io.notes import Notes


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: its documented ``name``, accepted ``aliases``, whether required."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


LAT_ALIASES = ("latitude", "lat_deg", "y_lat")
LON_ALIASES = ("lng", "long", "longitude", "lon_deg", "x_lon")

CUSTOMER_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "id",
        (
            "customer_id",
            "customer_no",
            "customer_number",
            "customerid",
            "cust_id",
            "account_id",
            "account_number",
            "account_no",
        ),
        True,
    ),
    ColumnSpec("name", ("customer_name", "company", "company_name", "account_name"), True),
    ColumnSpec("lat", LAT_ALIASES, True),
    ColumnSpec("lon", LON_ALIASES, True),
    ColumnSpec("tier", ("customer_tier", "class", "abc", "abc_class", "tier_name"), True),
    ColumnSpec("address", ("street_address", "full_address", "street", "addr")),
    ColumnSpec("phone", ("telephone", "tel", "phone_number", "phone_no")),
    ColumnSpec(
        "service_min",
        (
            "service_minutes",
            "service_time_min",
            "visit_min",
            "visit_minutes",
            "visit_duration_min",
            "duration_min",
        ),
    ),
    ColumnSpec("opening_hours", ("hours", "openinghours", "opening_times")),
    ColumnSpec("open", ("opens", "open_time", "opening_time")),
    ColumnSpec("close", ("closes", "close_time", "closing_time")),
    ColumnSpec("closed_days", ("closed_on", "rest_days", "days_closed")),
    ColumnSpec("last_visit", ("last_visit_date", "last_visited", "last_call", "last_call_date")),
    ColumnSpec("rep_id", ("rep", "sales_rep", "sales_rep_id", "pinned_rep", "owner_rep")),
    ColumnSpec("territory_id", ("territory", "territory_name")),
    ColumnSpec("active", ("is_active", "enabled")),
    ColumnSpec("notes", ("note", "comment", "comments", "remarks")),
    ColumnSpec("every_weeks", ("visit_every_weeks", "interval_weeks", "visit_interval_weeks")),
    ColumnSpec("visits_per_year", ("calls_per_year", "annual_visits", "visits_a_year")),
    # pass-through fields: never planned with, shown on visits.csv, workbook, maps
    ColumnSpec(
        "contact", ("contact_person", "contact_name", "person", "联系人", "联系人姓名", "拜访对象")
    ),
    ColumnSpec(
        "contact_title",
        ("title", "job_title", "position", "contact_position", "职务", "联系人职务", "职位"),
    ),
    ColumnSpec("purpose", ("visit_purpose", "objective", "拜访目的", "目的")),
)

REP_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("id", ("rep_id", "rep", "employee_id", "rep_no", "sales_rep_id"), True),
    ColumnSpec("name", ("rep_name", "full_name", "employee_name"), True),
    ColumnSpec("home_lat", ("home_latitude", "lat", "latitude"), True),
    ColumnSpec(
        "home_lon",
        ("home_lng", "home_long", "home_longitude", "lon", "lng", "long", "longitude"),
        True,
    ),
    ColumnSpec("work_start", ("start_time", "shift_start", "workday_start", "day_start")),
    ColumnSpec("work_end", ("end_time", "shift_end", "workday_end", "day_end")),
    ColumnSpec("working_days", ("work_days", "workdays", "days")),
    ColumnSpec("max_visits_per_day", ("max_visits", "max_visits_day", "visits_per_day")),
    ColumnSpec("unavailable", ("unavailable_dates", "absences", "absent", "days_off", "leave")),
    ColumnSpec("start_lat", ("start_latitude", "office_lat", "office_latitude")),
    ColumnSpec(
        "start_lon",
        (
            "start_lng",
            "start_long",
            "start_longitude",
            "office_lon",
            "office_lng",
            "office_longitude",
        ),
    ),
)

APPOINTMENT_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("customer_id", ("customer", "id", "customer_no", "account_id"), True),
    ColumnSpec("date", ("day", "appointment_date", "visit_date"), True),
    ColumnSpec("time", ("start", "start_time", "appointment_time", "visit_time"), True),
    ColumnSpec("purpose", ("visit_purpose", "objective", "拜访目的", "目的")),
    ColumnSpec("notes", ("note", "comment", "comments", "remarks", "备注")),
)

_NON_WORD = re.compile(r"[^\w]+")


def normalise_name(text: str) -> str:
    """``'  Customer ID '`` -> ``'customer_id'``; ``'Service (min)'`` -> ``'service_min'``."""
    return _NON_WORD.sub("_", str(text).strip().lower()).strip("_")


@dataclass
class ColumnMap:
    """Which header cell gives each known column, and the extra columns to keep.

    ``known`` maps a documented name (``lat``) to the header cell as written in the file
    (``Latitude``); ``extra`` maps a kept header cell to its output name (normalised).
    """

    known: dict[str, str]
    extra: dict[str, str]

    def has(self, name: str) -> bool:
        return name in self.known

    def label(self, name: str) -> str:
        """The column as the user wrote it (for messages), else the documented name."""
        return self.known.get(name, name)


def match_columns(
    header: list[str], specs: tuple[ColumnSpec, ...], notes: Notes, reserved: set[str]
) -> ColumnMap:
    """Match header cells to ``specs``; note missing required columns with a suggestion.

    Parameters
    ----------
    header : list of str
        The header cells as written (already trimmed).
    specs : tuple of ColumnSpec
        Known columns of this kind of file.
    notes : Notes
        Receives a problem per missing required column and a warning per ignored duplicate
        or likely misspelt optional column.
    reserved : set of str
        Output column names an extra column must not take (it gets an ``extra_`` prefix).
    """
    norm = {h: normalise_name(h) for h in header}
    owner: dict[str, ColumnSpec] = {}
    for spec in specs:
        for s in spec.spellings:
            owner.setdefault(s, spec)
    known: dict[str, str] = {}
    for spec in specs:
        candidates = [h for h in header if norm[h] in spec.spellings]
        if not candidates:
            continue
        candidates.sort(key=lambda h: spec.spellings.index(norm[h]))
        known[spec.name] = candidates[0]
        for other in candidates[1:]:
            notes.warn(
                "duplicate column",
                f"columns '{candidates[0]}' and '{other}' both give "
                f"'{spec.name}'; using '{candidates[0]}', '{other}' is kept as an extra "
                "column",
                column=other,
            )
    used = set(known.values())
    extra: dict[str, str] = {}
    taken = set(reserved) | {s.name for s in specs}
    for h in header:
        if h in used:
            continue
        base = norm[h] or "unnamed"
        out, k = base, 1
        while out in taken or out in extra.values():
            out = f"extra_{base}" if k == 1 else f"extra_{base}_{k}"
            k += 1
        extra[h] = out
        near = difflib.get_close_matches(
            norm[h], [s.name for s in specs if s.name not in known], n=1, cutoff=0.8
        )
        if near:
            notes.warn(
                "unknown column",
                f"column '{h}' is not a known column and is kept as an "
                f"extra column; did you mean '{near[0]}'?",
                column=h,
                fix=f"rename it to '{near[0]}'",
            )
    for spec in specs:
        if spec.required and spec.name not in known:
            note_missing_column(notes, spec, header, [h for h in header if h not in used])
    return ColumnMap(known, extra)


def note_missing_column(
    notes: Notes, spec: ColumnSpec, header: list[str], unused: list[str]
) -> None:
    """Note a missing required column, suggesting the nearest unused header cell."""
    best, best_score = None, 0.0
    for h in unused:
        n = normalise_name(h)
        score = max(difflib.SequenceMatcher(None, n, s).ratio() for s in spec.spellings)
        if score > best_score:
            best, best_score = h, score
    accepted = ", ".join(f"'{s}'" for s in spec.spellings[:4])
    if best is not None and best_score >= 0.6:
        fix = f"did you mean '{best}'? rename it to '{spec.name}'"
    else:
        shown = ", ".join(f"'{h}'" for h in header[:12]) + (", ..." if len(header) > 12 else "")
        fix = f"add a '{spec.name}' column (the file has {shown or 'no columns'})"
    notes.error(
        "missing column",
        f"required column '{spec.name}' is missing (accepted names: {accepted})",
        column=spec.name,
        fix=fix,
    )
