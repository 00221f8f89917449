"""Weekly opening hours, read from OpenStreetMap ``opening_hours`` text.

A :data:`WeeklyHours` value is a tuple of 7 tuples (Monday first), each holding the
day's open intervals as ``(open_s, close_s)`` seconds since midnight, sorted and not
overlapping. An empty tuple means closed that day.

Parsing is done by the maintained ``opening-hours-py`` parser (the Rust ``opening-hours``
crate, which follows the OSM specification and the real-world forms it meets): ``24/7``,
``Mo-Fr 10:00-18:00; Sa 10:00-14:00``, ``Su,PH off``, ``24/7; PH off``, ``PH,Su
10:00-14:00``, several intervals, ``off``/``closed``, rules separated by ``,`` before a
weekday, comments. The text is then evaluated over reference weeks (without a country, so
no public holiday ever applies: ``PH`` rules change nothing):

- an interval past midnight (``Fr 22:00-02:00``) opens the next morning too (Sa 00-02);
- ``sunrise``/``sunset`` are the parser's defaults without coordinates (07:00/19:00);
- ``unknown`` hours count as open;
- hours that differ between the reference weeks (month, date, week-number or year rules,
  ``Jun-Aug ...``) are refused: the planner needs the same hours every week;
- a rule that names days but no time (``Mo-Fr``) is refused, though OSM reads it as "open
  all day": in a CRM export it is a time left out.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from planner.units import WEEKDAYS, parse_clock, parse_weekday_set

Interval = tuple[int, int]
WeeklyHours = tuple[tuple[Interval, ...], ...]

ALWAYS_OPEN: WeeklyHours = tuple(((0, 86400),) for _ in range(7))
REFERENCE_WEEKS = (
    dt.datetime(2025, 1, 6),
    dt.datetime(2025, 1, 13),
    dt.datetime(2025, 4, 7),
    dt.datetime(2025, 7, 7),
    dt.datetime(2025, 10, 6),
)
"""Mondays the hours are evaluated on; text giving different weeks is refused."""
_DAYS_ONLY = re.compile(
    r"^(Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)([-,](Mo|Tu|We|Th|Fr|Sa|Su|PH|SH))*$", re.IGNORECASE
)
_PARSER_AT = re.compile(r"-->\s*\d+:(\d+)")


def parse_opening_hours(text: str) -> WeeklyHours:
    """Parse an ``opening_hours`` string; raise ``ValueError`` naming the bad part."""
    hours, error = _parse_cached(str(text).strip())
    if error is not None:
        raise ValueError(error)
    assert hours is not None
    return hours


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> tuple[WeeklyHours | None, str | None]:
    try:
        return _parse(text), None
    except ValueError as err:
        return None, str(err)


def _parse(text: str) -> WeeklyHours:
    import opening_hours

    parser_error = getattr(opening_hours, "ParserError", ValueError)  # not in its stubs

    if not text:
        raise ValueError("opening_hours is empty")
    for rule in (r.strip() for r in text.split(";")):
        if _DAYS_ONLY.match(rule.replace(" ", "")):
            raise ValueError(f"rule '{rule}' names days but no times, e.g. 'Mo-Fr 09:00-17:00'")
    try:
        oh = opening_hours.OpeningHours(text)
    except parser_error as err:
        m = _PARSER_AT.search(str(err))
        at = int(m.group(1)) if m else 0
        where = f" at '{text[at - 1 : at + 11]}'" if at else ""
        raise ValueError(
            f"'{text}' is not valid OSM opening_hours (the parser stops{where})"
        ) from None
    weeks = {_week(oh, monday) for monday in REFERENCE_WEEKS}
    if len(weeks) > 1:
        raise ValueError(
            f"'{text}' gives different hours in different weeks (month, date or week rules); "
            "give the regular weekly hours, e.g. 'Mo-Fr 09:00-17:00'"
        )
    return weeks.pop()


def _week(oh, monday: dt.datetime) -> WeeklyHours:
    """Open intervals of each day of the week starting ``monday``."""
    from opening_hours import State

    days: list[list[Interval]] = [[] for _ in range(7)]
    end = monday + dt.timedelta(days=7)
    for a, b, state, _ in oh.intervals(monday, end):
        if state == State.CLOSED:
            continue
        a, b = max(a, monday), min(b or end, end)
        while a < b:
            d = (a - monday).days
            midnight = monday + dt.timedelta(days=d + 1)
            stop = min(b, midnight)
            start_s = int((a - (midnight - dt.timedelta(days=1))).total_seconds())
            stop_s = int((stop - (midnight - dt.timedelta(days=1))).total_seconds())
            days[d].append((start_s, stop_s))
            a = stop
    return tuple(_merge(day) for day in days)


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
