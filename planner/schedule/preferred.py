"""Preferred and frozen dates of a rolled plan: the previous plan's days, per due visit.

A rolling re-plan (``planner/rolling.py``) knows, per customer, the dates the previous
plan gave it inside the new horizon. The calendar wants them per due visit
(``(customer_id, due_date) -> date``, :attr:`CalendarParams.preferred_dates`). The due
dates of the new plan need not equal the previous plan's (the cadence follows the visits
really made), so :func:`previous_preferred` pairs each due visit with the earliest unused
previous date of its customer **inside the visit's window**: the previous day is kept when
the new rules still allow it, and left when they do not (a forced move).

An overdue visit of a customer whose previous visit was missed or cancelled (*carried*)
without such a date prefers the first working day, so the visit is made up early in the
week.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

from planner.schedule.due import DueVisit


def previous_preferred(
    due: Sequence[DueVisit],
    previous: Mapping[str, Sequence[dt.date]],
    carried: Collection[str] = (),
    first_day: dt.date | None = None,
) -> dict[tuple[str, dt.date], dt.date]:
    """``(customer_id, due_date) -> date`` each due visit should keep.

    Parameters
    ----------
    due : sequence of DueVisit
        The new plan's due visits (any order).
    previous : mapping
        ``customer_id -> dates`` of the previous plan inside the new horizon.
    carried : collection of str
        Customers with a missed or cancelled visit carried forward.
    first_day : date or None
        The first working day of the horizon (preferred by carried overdue visits).

    Returns
    -------
    dict
        Visits with a previous date in their window (earliest unused first, in due-date
        order), and carried overdue visits without one (``first_day``).
    """
    out: dict[tuple[str, dt.date], dt.date] = {}
    by_cust: dict[str, list[DueVisit]] = {}
    for v in due:
        by_cust.setdefault(v.customer_id, []).append(v)
    for cid in sorted(by_cust):
        free = sorted(previous.get(cid, ()))
        for v in sorted(by_cust[cid], key=lambda v: (v.due_date, v.occurrence)):
            pick = next((d for d in free if v.earliest <= d <= v.latest), None)
            if pick is not None:
                free.remove(pick)
                out[(cid, v.due_date)] = pick
            elif v.overdue and cid in carried and first_day is not None:
                out[(cid, v.due_date)] = max(first_day, v.earliest)
    return out


def frozen_subset(
    preferred: Mapping[tuple[str, dt.date], dt.date],
    previous: Mapping[str, Sequence[dt.date]],
    until: dt.date | None,
) -> dict[tuple[str, dt.date], dt.date]:
    """The preferred dates that are previous-plan dates before ``until`` (frozen days)."""
    if until is None:
        return {}
    return {k: d for k, d in preferred.items() if d < until and d in set(previous.get(k[0], ()))}
