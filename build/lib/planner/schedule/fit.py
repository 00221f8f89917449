"""Can a customer be visited on a given weekday at all? And, when not, why (in words)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from planner.hours import WeeklyHours, format_opening_hours
from planner.units import WEEKDAYS, format_clock, format_weekday_set

UNREACHABLE_S = 24 * 3600  # a travel time this long means "no road connection"


def window_fits(
    intervals: Sequence[tuple[int, int]],
    service_s: int,
    work_start_s: int,
    work_end_s: int,
    to_s: int,
    back_s: int,
) -> bool:
    """True when a ``service_s`` visit fits one opening interval inside the workday.

    The rep cannot arrive before ``work_start_s + to_s`` (travel from the day's start)
    and must leave by ``work_end_s - back_s`` (travel home).
    """
    lo, hi = work_start_s + to_s, work_end_s - back_s
    return any(max(a, lo) + service_s <= min(b, hi) for a, b in intervals)


def weekday_fits(
    hours: WeeklyHours,
    service_s: int,
    working_days: Sequence[int],
    work_start_s: int,
    work_end_s: int,
    to_s: int,
    back_s: int,
) -> list[int]:
    """Working weekdays (Monday = 0) on which the visit fits the opening hours."""
    return [
        wd
        for wd in sorted(working_days)
        if window_fits(hours[wd], service_s, work_start_s, work_end_s, to_s, back_s)
    ]


def never_fits_reason(
    hours: WeeklyHours,
    service_s: int,
    working_days: Sequence[int],
    work_start_s: int,
    work_end_s: int,
    to_s: int,
    back_s: int,
    rep_id: str,
) -> str:
    """Why a customer fits none of the rep's working weekdays, for a planner."""
    day = f"{format_clock(work_start_s)}-{format_clock(work_end_s)}"
    if to_s >= UNREACHABLE_S or back_s >= UNREACHABLE_S:
        return (
            f"unreachable by road from rep {rep_id}'s start point or home "
            "(no route in the travel model)"
        )
    if to_s + service_s + back_s > work_end_s - work_start_s:
        return (
            f"too far to visit within rep {rep_id}'s workday {day}: {to_s / 60:.0f} min "
            f"from the start point, {service_s / 60:.0f} min on site, "
            f"{back_s / 60:.0f} min back home"
        )
    wd_text = format_weekday_set(tuple(working_days))
    oh = format_opening_hours(hours)
    if not any(hours[wd] for wd in working_days):
        return f"closed on every working day of rep {rep_id} ({wd_text}); opening hours: {oh}"
    return (
        f"open only outside rep {rep_id}'s working hours or too briefly for a "
        f"{service_s / 60:.0f}-min visit on {wd_text} (opening hours: {oh}; "
        f"workday {day} incl. travel)"
    )


def no_day_reason(
    earliest: dt.date,
    latest: dt.date,
    work_dates: Sequence[dt.date],
    fit_days: Sequence[int],
    rep_id: str,
) -> str:
    """Why a visit has no allowed day in its window ``earliest .. latest``."""
    span = f"{earliest.isoformat()}..{latest.isoformat()}"
    in_window = [d for d in work_dates if earliest <= d <= latest]
    if not in_window:
        return f"rep {rep_id} does not work on any allowed day ({span})"
    names = format_weekday_set(tuple(sorted({d.weekday() for d in in_window})))
    open_names = ",".join(WEEKDAYS[d] for d in fit_days) or "none"
    return (
        f"closed on all allowed days ({span}: rep works {names}; the customer can be "
        f"visited on {open_names})"
    )
