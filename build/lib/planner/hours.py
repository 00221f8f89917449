"""Weekly opening hours: a subset of the OpenStreetMap ``opening_hours`` syntax.

A :data:`WeeklyHours` value is a tuple of 7 tuples (Monday first), each holding the
day's open intervals as ``(open_s, close_s)`` seconds since midnight, sorted and not
overlapping. An empty tuple means closed that day.

Supported syntax (what CRMs and OSM mostly hold):

- ``24/7``
- rules separated by ``;``: ``Mo-Fr 09:00-17:00; Sa 09:00-12:00``
- day lists and ranges: ``Mo,We,Fr``, ``Mo-Th``, ``Fr-Mo`` (wraps)
- several intervals: ``Mo-Fr 09:00-12:00,13:00-17:00``
- ``off`` / ``closed``: ``Su off``
- a rule without days applies to every day: ``10:00-18:00``
- ``PH ...`` (public-holiday) rules are ignored; a later rule replaces the days it names,
  as in OSM.

Intervals that run past midnight (``22:00-02:00``) are clipped at 24:00.
"""

from __future__ import annotations

import re

from planner.units import WEEKDAYS, parse_clock, parse_weekday_set

Interval = tuple[int, int]
WeeklyHours = tuple[tuple[Interval, ...], ...]

ALWAYS_OPEN: WeeklyHours = tuple(((0, 86400),) for _ in range(7))
_DAYS_TOKEN = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)([-,](Mo|Tu|We|Th|Fr|Sa|Su))*$")
_TIME_RANGE = re.compile(r"^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$")


def parse_opening_hours(text: str) -> WeeklyHours:
    """Parse an ``opening_hours`` string; raise ``ValueError`` naming the bad part."""
    text = str(text).strip()
    if not text:
        raise ValueError("opening_hours is empty")
    if text.replace(" ", "") == "24/7":
        return ALWAYS_OPEN
    week: list[tuple[Interval, ...] | None] = [None] * 7
    for rule in [r.strip() for r in text.split(";")]:
        if not rule:
            continue
        if rule.startswith("PH") or rule.startswith("SH"):
            continue
        parts = rule.split(None, 1)
        if _DAYS_TOKEN.match(parts[0].replace(" ", "")):
            days = parse_weekday_set(parts[0])
            rest = parts[1].strip() if len(parts) > 1 else ""
        else:
            days = tuple(range(7))
            rest = rule
        if rest == "":
            raise ValueError(f"rule '{rule}' names days but no times, e.g. 'Mo-Fr 09:00-17:00'")
        if rest.lower() in ("off", "closed"):
            for d in days:
                week[d] = ()
            continue
        intervals = []
        for chunk in rest.split(","):
            m = _TIME_RANGE.match(chunk.strip())
            if not m:
                raise ValueError(
                    f"'{chunk.strip()}' in rule '{rule}' is not a time range like 09:00-17:00"
                )
            a, b = parse_clock(m.group(1)), parse_clock(m.group(2))
            if b == a:
                raise ValueError(f"'{chunk.strip()}' opens and closes at the same time")
            if b < a:  # runs past midnight: keep the part before midnight
                b = 86400
            intervals.append((a, b))
        for d in days:
            week[d] = _merge(intervals)
    if all(day is None for day in week):
        raise ValueError("no opening rule found")
    return tuple(day if day is not None else () for day in week)


def hours_from_open_close(open_text: str, close_text: str, closed_days: str = "") -> WeeklyHours:
    """Build weekly hours from the simple ``open``, ``close``, ``closed_days`` columns."""
    a, b = parse_clock(open_text), parse_clock(close_text)
    if b <= a:
        raise ValueError(f"opens at {open_text} but closes at {close_text}: closing must be later")
    closed = set(parse_weekday_set(closed_days)) if closed_days else set()
    return tuple(() if d in closed else ((a, b),) for d in range(7))


def _merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    out: list[list[int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def format_opening_hours(hours: WeeklyHours) -> str:
    """Compact OSM-style text for a :data:`WeeklyHours` value (for maps and CSV output)."""
    if hours == ALWAYS_OPEN:
        return "24/7"
    from planner.units import format_clock

    groups: list[tuple[list[int], tuple[Interval, ...]]] = []
    for d, ivs in enumerate(hours):
        if groups and groups[-1][1] == ivs and groups[-1][0][-1] == d - 1:
            groups[-1][0].append(d)
        else:
            groups.append(([d], ivs))
    rules = []
    for days, ivs in groups:
        if not ivs:
            continue
        dtext = WEEKDAYS[days[0]] if len(days) == 1 else f"{WEEKDAYS[days[0]]}-{WEEKDAYS[days[-1]]}"
        rules.append(dtext + " " + ",".join(f"{format_clock(a)}-{format_clock(b)}" for a, b in ivs))
    return "; ".join(rules) if rules else "closed"


def open_days(hours: WeeklyHours) -> tuple[int, ...]:
    return tuple(d for d in range(7) if hours[d])
