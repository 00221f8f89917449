"""Parsers for single cells: numbers, yes/no, dates, date lists, clock times, opening hours.

Each parser takes the cell text (already trimmed) and returns the value, or raises
``ValueError`` whose message says what was found and what is expected; the readers turn
that message into a :class:`~planner.errors.Problem` naming the row and column.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from planner.hours import WeeklyHours, parse_opening_hours
from planner.units import WEEKDAY_NAMES, WEEKDAYS, parse_weekday

_DECIMAL_COMMA = re.compile(r"^[+-]?[0-9]+,[0-9]+$")
_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_ISO_DATE = re.compile(
    r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$"
)
_YEAR_FIRST = re.compile(r"^([0-9]{4})([/.])([0-9]{1,2})\2([0-9]{1,2})$")
_CHINESE_DATE = re.compile(r"^([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日?$")
_DAY_FIRST = re.compile(r"^([0-9]{1,2})([./])([0-9]{1,2})\2([0-9]{4})$")
DATE_FORMATS = (
    "2026-01-31 (year-month-day; also 2026/01/31 or 2026年1月31日), "
    "or day first: 31.01.2026 or 31/01/2026"
)
FIRST_YEAR, LAST_YEAR = 1900, 2199
"""Dates outside these years are typos (9999-12-31 as 'never')."""

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "active", "是", "有效", "启用"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "inactive", "否", "无效", "停用"})


def parse_number(text: str) -> float:
    """A decimal number in ASCII digits: ``60.17``, ``-3``, ``1e3``; a decimal comma
    (``55,67``) is accepted as Excel writes it.

    Python's ``float`` also reads ``6_0.17``, full-width ``６０`` and other scripts'
    digits, ``nan`` and ``inf``: none of them is a number in a CRM export, so each is
    refused with a message saying why.
    """
    t = text.strip().replace("\u2212", "-")  # unicode minus sign
    if _DECIMAL_COMMA.match(t):
        t = t.replace(",", ".")
    if not _NUMBER.match(t):
        if any(c.isdigit() and not c.isascii() for c in t):
            raise ValueError(
                f"'{text}' is not a number: write the digits as ASCII 0-9 (full-width or "
                "other scripts' digits are not read)"
            )
        raise ValueError(f"'{text}' is not a number")
    v = float(t)
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
    year_first = _ISO_DATE.match(t) or _CHINESE_DATE.match(t)
    if year_first:
        y, mo, d = (int(g) for g in year_first.groups())
    elif m := _YEAR_FIRST.match(t):
        y, mo, d = int(m.group(1)), int(m.group(3)), int(m.group(4))
        year_first = m
    else:
        m = _DAY_FIRST.match(t)
        if not m:
            raise ValueError(f"'{text}' is not a date; write {DATE_FORMATS}")
        d, mo, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        hint = ""
        if not year_first and mo > 12 and d <= 12:
            hint = " (it looks like month/day/year; dates are read day first)"
        raise ValueError(f"'{text}' is not a valid date{hint}; write {DATE_FORMATS}") from None
    if not FIRST_YEAR <= y <= LAST_YEAR:
        raise ValueError(
            f"'{text}' is not a plausible date (years {FIRST_YEAR}-{LAST_YEAR} are read); "
            "leave the cell empty when there is no date"
        )
    return day


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
    """An ``opening_hours`` cell (OSM syntax, read by :mod:`planner.hours`).

    Weekday words are spelled as OSM does first (``Mon-Fri``). An unknown weekday or a
    month rule gets its own message (``unknown weekday 'Sx' in 'Sx off'``) instead of the
    parser's generic one. :func:`planner.hours.parse_opening_hours` caches its results:
    CRM exports repeat a few schedules.
    """
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
