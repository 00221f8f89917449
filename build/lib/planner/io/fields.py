"""Parsers for single cells: numbers, yes/no, dates, date lists, clock times, opening hours.

Each parser takes the cell text (already trimmed) and returns the value, or raises
``ValueError`` whose message says what was found and what is expected; the readers turn
that message into a :class:`~planner.errors.Problem` naming the row and column.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re

from planner.hours import WeeklyHours, parse_opening_hours
from planner.units import WEEKDAY_NAMES, WEEKDAYS, parse_weekday

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})([./])(\d{1,2})\2(\d{4})$")
DATE_FORMATS = "2026-01-31 (year-month-day), or day first: 31.01.2026 or 31/01/2026"

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "active"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "inactive"})


def parse_number(text: str) -> float:
    """A decimal number; a decimal comma (``55,67``) is accepted as Excel writes it."""
    t = text.strip().replace("\u2212", "-")  # unicode minus sign
    if _DECIMAL_COMMA.match(t):
        t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"'{text}' is not a finite number")
    return v


def parse_count(text: str) -> int:
    """A whole number >= 0 (``12``, ``12.0``); blank is 0."""
    if not text.strip():
        return 0
    v = parse_number(text)
    if v < 0 or v != int(v):
        raise ValueError(f"'{text}' is not a whole number of 0 or more")
    return int(v)


def parse_bool(text: str) -> bool:
    """``true/false``, ``yes/no``, ``y/n``, ``1/0`` (any case)."""
    t = text.strip().lower()
    if t in TRUE_WORDS:
        return True
    if t in FALSE_WORDS:
        return False
    raise ValueError(f"'{text}' is not true or false (write true/false, yes/no, 1/0 or y/n)")


def parse_date(text: str) -> dt.date:
    """ISO ``2026-01-31`` (a time part is ignored), or day first ``31.01.2026`` / ``31/01/2026``.

    The message for a month-first date (``12/31/2026``) says so, since that is the usual
    cause.
    """
    t = text.strip()
    m = _ISO_DATE.match(t)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _DAY_FIRST.match(t)
        if not m:
            raise ValueError(f"'{text}' is not a date; write {DATE_FORMATS}")
        d, mo, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
    try:
        return dt.date(y, mo, d)
    except ValueError:
        hint = ""
        if not _ISO_DATE.match(t) and mo > 12 and d <= 12:
            hint = " (it looks like month/day/year; dates are read day first)"
        raise ValueError(f"'{text}' is not a valid date{hint}; write {DATE_FORMATS}") from None


def parse_date_list(text: str) -> tuple[dt.date, ...]:
    """Dates separated by spaces, commas or semicolons; ``a..b`` is an inclusive range."""
    t = re.sub(r"\s*\.\.\s*", "..", text.strip())
    days: set[dt.date] = set()
    for token in re.split(r"[\s,;]+", t):
        if not token:
            continue
        if ".." in token:
            a_text, _, b_text = token.partition("..")
            a, b = parse_date(a_text), parse_date(b_text)
            if b < a:
                raise ValueError(
                    f"range '{token}' ends before it starts; write start..end, "
                    "e.g. 2026-03-02..2026-03-06"
                )
            days.update(a + dt.timedelta(days=i) for i in range((b - a).days + 1))
        else:
            days.add(parse_date(token))
    return tuple(sorted(days))


# every weekday spelling planner.units reads (mon, Tues, thursday...) -> the OSM two letters
_DAY_WORDS = {word: WEEKDAYS[day] for word, day in WEEKDAY_NAMES.items()}
_DAY_WORD = re.compile(
    r"\b(" + "|".join(sorted(_DAY_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
_RULE_COMMA = re.compile(r"(?<=\d),\s*(?=(Mo|Tu|We|Th|Fr|Sa|Su|PH)\b)")
_DAYS_OK = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)([-,](Mo|Tu|We|Th|Fr|Sa|Su))*$")
_WORDS_OK = frozenset({"off", "closed", "ph", "sh"})
_MONTHS = frozenset(
    {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
)


def normalise_opening_hours(text: str) -> str:
    """Spell weekdays as OSM does (``Mon-Fri`` -> ``Mo-Fr``) and split rules joined by commas
    (``Mo-Fr 10:00-18:00, Sa 10:00-15:00`` -> ``...; Sa ...``)."""
    t = _DAY_WORD.sub(lambda m: _DAY_WORDS[m.group(1).lower()], text.strip())
    return _RULE_COMMA.sub("; ", t)


def parse_hours(text: str) -> WeeklyHours:
    """An ``opening_hours`` cell (OSM subset, see :mod:`planner.hours`).

    An unknown weekday gets its own message (``unknown weekday 'Sx' in 'Sx off'``) instead
    of the parser's generic one. Results are cached: CRM exports repeat a few schedules.
    """
    hours, error = _parse_hours_cached(text)
    if error is not None:
        raise ValueError(error)
    assert hours is not None
    return hours


@functools.lru_cache(maxsize=4096)
def _parse_hours_cached(text: str) -> tuple[WeeklyHours | None, str | None]:
    try:
        return _parse_hours(text), None
    except ValueError as err:
        return None, str(err)


def _parse_hours(text: str) -> WeeklyHours:
    t = normalise_opening_hours(text)
    try:
        return parse_opening_hours(t)
    except ValueError as err:
        for rule in (r.strip() for r in t.split(";")):
            first = rule.split(None, 1)[0] if rule else ""
            if (
                not first
                or not first[0].isalpha()
                or first.lower() in _WORDS_OK
                or _DAYS_OK.match(first)
            ):
                continue
            for part in re.split(r"[-,]", first):
                if part[:3].lower() in _MONTHS:
                    raise ValueError(
                        f"month and date rules ('{rule}') are not supported; give "
                        "the regular weekly hours, e.g. 'Mo-Fr 09:00-17:00'"
                    ) from None
                try:
                    parse_weekday(part)
                except ValueError:
                    raise ValueError(
                        f"unknown weekday '{part}' in '{rule}'; use Mo, Tu, We, Th, "
                        "Fr, Sa, Su, e.g. 'Mo-Fr 09:00-17:00; Sa 10:00-14:00'"
                    ) from None
        raise ValueError(f"{err} (in '{text}')") from None
