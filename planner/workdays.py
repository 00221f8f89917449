"""Working dates: which dates a rep works in a horizon (weekdays, days off, holidays).

The single source of a rep's working dates for every stage (territory capacity, the
calendar, checks): :func:`rep_work_dates`. Public holidays come from the maintained
`holidays <https://pypi.org/project/holidays/>`_ package (any country or subdivision
code, e.g. ``CN``, ``DE-BY``, ``US-CA``); :func:`build_work_calendar` turns a scenario's
``holidays``, ``extra_days_off`` and ``extra_working_days`` into a
:class:`~planner.domain.WorkCalendar`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from planner.domain import NO_DAYS_OFF, Horizon, WorkCalendar


def work_dates(
    horizon: Horizon,
    working_days: Sequence[int] = (0, 1, 2, 3, 4),
    unavailable: Sequence[dt.date] = (),
    calendar: WorkCalendar = NO_DAYS_OFF,
) -> list[dt.date]:
    """Working dates in the horizon.

    ``working_days`` weekdays (Monday = 0) minus ``unavailable`` minus the calendar's days
    off, plus the calendar's make-up working days (unless ``unavailable``).
    """
    wd, off = {int(d) for d in working_days}, set(unavailable)
    return [
        d
        for d in horizon.days()
        if d not in off
        and (d in calendar.working_days or (d.weekday() in wd and d not in calendar.days_off))
    ]


def rep_work_dates(
    rep: dict, horizon: Horizon, calendar: WorkCalendar = NO_DAYS_OFF
) -> list[dt.date]:
    """The rep's working dates in the horizon (see :func:`work_dates`)."""
    wd = rep.get("working_days") or (0, 1, 2, 3, 4)
    return work_dates(horizon, tuple(wd), tuple(rep.get("unavailable") or ()), calendar)


def split_code(code: str) -> tuple[str, str | None]:
    """``'US-CA'`` -> ``('US', 'CA')``; ``'CN'`` -> ``('CN', None)``."""
    country, _, subdiv = code.strip().partition("-")
    return country.upper(), (subdiv or None)


def holiday_code_problem(code: str) -> str | None:
    """Why ``code`` is not a country / subdivision of the ``holidays`` package (or None)."""
    import holidays

    country, subdiv = split_code(code)
    supported = holidays.list_supported_countries()
    if country not in supported:
        return (
            f"'{code}' is not a country code of the holidays package "
            "(ISO 3166 alpha-2, e.g. CN, DE, US)"
        )
    if (
        subdiv is not None
        and subdiv not in supported[country]
        and subdiv.upper() not in (supported[country])
    ):
        shown = ", ".join(supported[country][:12])
        return f"'{subdiv}' is not a subdivision of {country} (known: {shown}, ...)"
    return None


def build_work_calendar(
    code: str | None,
    years: Iterable[int],
    extra_days_off: Iterable[dt.date] = (),
    extra_working_days: Iterable[dt.date] = (),
) -> WorkCalendar:
    """Days off (public holidays of ``code`` in ``years`` + ``extra_days_off``) and
    make-up working days.

    Parameters
    ----------
    code : str or None
        Country or ``COUNTRY-SUBDIVISION`` code of the ``holidays`` package; ``None``
        for no public holidays.
    years : iterable of int
        Years to load (those the horizon touches).
    extra_days_off, extra_working_days : iterable of datetime.date
        Company days off; make-up working days (they win over a holiday on the same date).
        The country's own make-up working days (weekend days worked around a holiday,
        as in China) come from the ``holidays`` package and are added.
    """
    names: dict[dt.date, str] = {}
    working = set(extra_working_days)
    years = sorted(set(years))
    if code:
        import holidays

        country, subdiv = split_code(code)
        if subdiv is not None:
            subdiv = subdiv.upper()
        table = holidays.country_holidays(country, subdiv=subdiv, years=years, language="en_US")
        names.update({d: str(n) for d, n in table.items()})
        # weekend days a country works instead (China's make-up working days)
        working |= {d for d in getattr(table, "weekend_workdays", ()) if d.year in years}
    for d in extra_days_off:
        names.setdefault(d, "company day off")
    return WorkCalendar(days_off=frozenset(names), working_days=frozenset(working), names=names)
