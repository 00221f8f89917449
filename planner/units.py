"""Small unit helpers: clock times, weekdays, distances.

Inside the planner a clock time is an ``int`` of seconds since local midnight and a
weekday is an ``int`` with Monday = 0, as :meth:`datetime.date.weekday` gives.
"""

from __future__ import annotations

import math
import re

WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
WEEKDAY_NAMES = {
    "mo": 0,
    "mon": 0,
    "monday": 0,
    "tu": 1,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "we": 2,
    "wed": 2,
    "wednesday": 2,
    "th": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fr": 4,
    "fri": 4,
    "friday": 4,
    "sa": 5,
    "sat": 5,
    "saturday": 5,
    "su": 6,
    "sun": 6,
    "sunday": 6,
}
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres
_CLOCK = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})(?::(\d{2}))?\s*$")


def parse_clock(text: str) -> int:
    """Parse ``HH:MM`` (or ``HH:MM:SS``, ``HH.MM``) into seconds since midnight.

    ``24:00`` is accepted as the end of the day. Raises ``ValueError`` with a
    readable message for anything else (``25:00``, ``9am``, ``12:61``).
    """
    m = _CLOCK.match(str(text))
    if not m:
        raise ValueError(f"'{text}' is not a time of day; write it as HH:MM, e.g. 08:30")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if mi > 59 or s > 59 or h > 24 or (h == 24 and (mi or s)):
        raise ValueError(f"'{text}' is not a valid time of day (00:00 to 24:00)")
    return h * 3600 + mi * 60 + s


def round_minutes(seconds: float) -> int:
    """Whole minutes, half up (``90 s`` -> 2, ``150 s`` -> 3).

    Not Python's ``round`` (half to even): with it a visit from 08:49:30 to 09:34:30 shows
    as 08:50-09:34 (44 min). Rounding half up keeps every whole-minute difference exact.
    """
    return math.floor(seconds / 60.0 + 0.5)


def format_clock(seconds: float) -> str:
    """Format seconds since midnight as ``HH:MM`` (rounded to the minute, half up)."""
    total_min = round_minutes(seconds)
    return f"{total_min // 60:02d}:{total_min % 60:02d}"


def format_end_clock(start_s: float, end_s: float) -> str:
    """The end of an interval as ``HH:MM`` such that end - start shows the interval's
    length rounded to the minute (a 12.5-min visit from 10:00:40 shows 10:01-10:14).

    Every output that shows a visit's start and end (``visits.csv``, maps, workbook,
    daily reports, calendars) uses it, so they agree to the minute.
    """
    return format_clock(60 * (round_minutes(start_s) + round_minutes(end_s - start_s)))


def parse_weekday(text: str) -> int:
    """Weekday name or abbreviation (``Mo``, ``Mon``, ``Monday``) to 0..6."""
    key = str(text).strip().lower().rstrip(".")
    if key not in WEEKDAY_NAMES:
        raise ValueError(f"'{text}' is not a weekday; use Mo, Tu, We, Th, Fr, Sa, Su (or Mon..Sun)")
    return WEEKDAY_NAMES[key]


def parse_weekday_set(text: str) -> tuple[int, ...]:
    """Parse ``Mo-Fr``, ``Mo,We,Fr``, ``Mon-Thu, Sat`` into sorted weekday ints.

    Ranges wrap (``Fr-Mo`` is Fr, Sa, Su, Mo). An empty string gives ``()``.
    """
    days: set[int] = set()
    text = str(text).strip()
    if not text:
        return ()
    for part in re.split(r"[,;\s]+", text):
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            i, j = parse_weekday(a), parse_weekday(b)
            k = i
            while True:
                days.add(k)
                if k == j:
                    break
                k = (k + 1) % 7
        else:
            days.add(parse_weekday(part))
    return tuple(sorted(days))


def format_weekday_set(days: tuple[int, ...] | list[int]) -> str:
    return ",".join(WEEKDAYS[d] for d in sorted(days))


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (R = 6371.0088 km); works on numpy arrays."""
    import numpy as np

    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def haversine_scalar_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, max(0.0, a))))
