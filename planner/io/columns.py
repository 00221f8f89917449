"""Input column names: the documented names, the spellings accepted for them, and how a
file's header is matched to them.

Header cells are compared after :func:`normalise_name` (trimmed, lower case, runs of
spaces and punctuation turned into ``_``), so ``Customer ID``, ``customer-id`` and
``CUSTOMER_ID`` all mean ``customer_id``. A documented name beats an alias when a file
has both (``id`` and ``customer_id``); the loser is kept as an extra column, with a
warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
    ColumnSpec("contact", ("contact_person", "contact_name", "person")),
    ColumnSpec("contact_title", ("title", "job_title", "position", "contact_position")),
    ColumnSpec("purpose", ("visit_purpose", "objective")),
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
    ColumnSpec("purpose", ("visit_purpose", "objective")),
    ColumnSpec("notes", ("note", "comment", "comments", "remarks")),
)

LOCAL_SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {
        "id": ("客户编号", "客户代码", "客户编码", "客户id", "门店编号", "编号"),
        "name": ("客户名称", "客户名", "门店名称", "公司名称", "名称"),
        "lat": ("纬度",),
        "lon": ("经度",),
        "tier": ("等级", "客户等级", "级别", "客户级别", "分级"),
        "address": ("地址", "详细地址", "客户地址"),
        "phone": ("电话", "联系电话", "手机", "手机号"),
        "service_min": ("拜访时长", "拜访时长_分钟", "服务时长", "服务时长_分钟"),
        "opening_hours": ("营业时间",),
        "open": ("开门时间",),
        "close": ("关门时间",),
        "closed_days": ("休息日", "定休日"),
        "last_visit": ("上次拜访", "上次拜访日期", "最近拜访日期"),
        "rep_id": ("业务员编号", "负责业务员", "销售代表"),
        "territory_id": ("区域", "片区", "区域编号"),
        "active": ("是否有效", "有效"),
        "notes": ("备注",),
        "contact": ("联系人", "联系人姓名", "拜访对象"),
        "contact_title": ("职务", "联系人职务", "职位"),
        "purpose": ("拜访目的", "目的"),
    },
    "reps": {
        "id": ("业务员编号", "员工编号", "工号", "编号"),
        "name": ("姓名", "业务员", "员工姓名", "业务员姓名"),
        "home_lat": ("家庭纬度", "纬度"),
        "home_lon": ("家庭经度", "经度"),
        "work_start": ("上班时间",),
        "work_end": ("下班时间",),
        "working_days": ("工作日",),
        "max_visits_per_day": ("每日最多拜访", "每天最多拜访数"),
        "unavailable": ("请假", "休假日期", "请假日期"),
        "start_lat": ("出发纬度", "办公室纬度"),
        "start_lon": ("出发经度", "办公室经度"),
    },
    "appointments": {
        "customer_id": ("客户编号", "客户编码"),
        "date": ("日期", "预约日期", "拜访日期"),
        "time": ("时间", "预约时间", "拜访时间"),
        "purpose": ("拜访目的", "目的"),
        "notes": ("备注",),
    },
    "visit_log": {
        "customer_id": ("客户编号", "客户id", "客户代码"),
        "rep_id": ("业务员编号", "代表编号", "业务员"),
        "date": ("日期", "拜访日期"),
        "status": ("状态", "拜访状态"),
        "start": ("开始时间", "时间"),
        "duration_min": ("时长", "时长_分钟"),
        "outcome": ("结果", "评级"),
        "person_met": ("拜访对象", "联系人"),
        "purpose": ("拜访目的", "目的"),
        "notes": ("备注",),
    },
}
"""More accepted header spellings per file kind and documented column, other languages
than English (Chinese CRM and Excel exports). Add to this table for new spellings; the
specs take them in after their English aliases (the visit log's in
:mod:`planner.io.visit_log`)."""


def with_local_spellings(specs: tuple[ColumnSpec, ...], kind: str) -> tuple[ColumnSpec, ...]:
    """``specs`` with the :data:`LOCAL_SPELLINGS` of ``kind`` appended to their aliases."""
    extra = LOCAL_SPELLINGS.get(kind, {})
    return tuple(
        ColumnSpec(s.name, (*s.aliases, *extra.get(s.name, ())), s.required) for s in specs
    )


CUSTOMER_SPECS = with_local_spellings(CUSTOMER_SPECS, "customers")
REP_SPECS = with_local_spellings(REP_SPECS, "reps")
APPOINTMENT_SPECS = with_local_spellings(APPOINTMENT_SPECS, "appointments")

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
    header: list[str],
    specs: tuple[ColumnSpec, ...],
    notes: Notes,
    reserved: set[str],
    mapping: Mapping[str, str] | None = None,
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
    mapping : mapping, optional
        The scenario's ``columns:`` for this file: documented name -> the header that
        gives it (matched as written, or after :func:`normalise_name`). It wins over the
        accepted spellings; a name that is not a column of the file, or a header the file
        does not have, is a problem.
    """
    norm = {h: normalise_name(h) for h in header}
    known = _mapped(header, specs, notes, mapping or {})
    for spec in specs:
        if spec.name in known:
            continue
        taken = set(known.values())
        candidates = [h for h in header if norm[h] in spec.spellings and h not in taken]
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
        near = closest(norm[h], [s.name for s in specs if s.name not in known], cutoff=0.8)
        if near:
            notes.warn(
                "unknown column",
                f"column '{h}' is not a known column and is kept as an "
                f"extra column; did you mean '{near}'?",
                column=h,
                fix=f"rename it to '{near}'",
            )
    for spec in specs:
        if spec.required and spec.name not in known:
            note_missing_column(notes, spec, header, [h for h in header if h not in used])
    return ColumnMap(known, extra)


def _mapped(
    header: list[str], specs: tuple[ColumnSpec, ...], notes: Notes, mapping: Mapping[str, str]
) -> dict[str, str]:
    """The scenario's ``columns:`` mapping applied to ``header``; mistakes are problems."""
    names = [s.name for s in specs]
    known: dict[str, str] = {}
    for name, wanted in mapping.items():
        if name not in names:
            near = closest(name, names)
            notes.error(
                "column mapping",
                f"the scenario's columns: names '{name}', which is not a column of this file",
                fix=(f"did you mean '{near}'? " if near else "")
                + "the columns are: "
                + ", ".join(names),
            )
            continue
        hits = [h for h in header if h == str(wanted).strip()]
        hits = hits or [h for h in header if normalise_name(h) == normalise_name(str(wanted))]
        if not hits:
            shown = ", ".join(f"'{h}'" for h in header[:12]) + (", ..." if len(header) > 12 else "")
            notes.error(
                "column mapping",
                f"the scenario's columns: says '{name}' is the column '{wanted}', but the "
                "file has no such column",
                column=str(wanted),
                fix=f"the file's columns are {shown or 'none'}",
            )
            continue
        known[name] = hits[0]
    return known


def closest(word: str, options: list[str], cutoff: float = 0.6) -> str | None:
    """The option most like ``word`` (rapidfuzz ratio, case-insensitive) if at least
    ``cutoff`` alike, else ``None``."""
    from rapidfuzz import fuzz, process, utils

    hit = process.extractOne(
        str(word),
        options,
        scorer=fuzz.ratio,
        processor=utils.default_process,
        score_cutoff=cutoff * 100,
    )
    return None if hit is None else hit[0]


def note_missing_column(
    notes: Notes, spec: ColumnSpec, header: list[str], unused: list[str]
) -> None:
    """Note a missing required column, suggesting the nearest unused header cell."""
    from rapidfuzz import fuzz

    best, best_score = None, 0.0
    for h in unused:
        n = normalise_name(h)
        score = max(fuzz.ratio(n, s) / 100 for s in spec.spellings)
        if score > best_score:
            best, best_score = h, score
    accepted = ", ".join(f"'{s}'" for s in spec.spellings[:4])
    if best is not None and best_score >= 0.6:
        fix = f"did you mean '{best}'? rename it to '{spec.name}'"
    else:
        shown = ", ".join(f"'{h}'" for h in header[:12]) + (", ..." if len(header) > 12 else "")
        fix = (
            f"add a '{spec.name}' column (the file has {shown or 'no columns'}), or name "
            "the column that holds it under the scenario's columns: (docs/data-contract.md)"
        )
    notes.error(
        "missing column",
        f"required column '{spec.name}' is missing (accepted names: {accepted})",
        column=spec.name,
        fix=fix,
    )
