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

A carried visit is due within :data:`CARRY_WORKING_DAYS` working days of the miss
(:func:`carry_deadline`), and no later than the day its rule runs out when that day is still
inside the horizon (:func:`rule_deadline`: the real last visit + the interval +
:data:`MAKE_UP_GRACE_DAYS`, or + ``max_gap_days``), so a miss the plan can still catch up
does not stretch the customer's gap: :func:`clip_carried` cuts the window of the customer's
first due visit at that day, so the previous plan's later day of that week is not kept for
it and the calendar places it early (a kept visit of a lower or the same tier may then be
dropped by its day's route and moved to another day). A carried visit that no day up to the
deadline takes is reported unscheduled, with the reason, rather than placed later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from planner.schedule.due import DueVisit

CARRY_WORKING_DAYS = 5
"""A missed or cancelled visit is made up within this many working days of the miss."""
MAKE_UP_GRACE_DAYS = 4
"""Days past its interval a make-up visit may still take (a weekly or two-weekly visit may
take another weekday of its week): the rule's deadline is ``last visit + 7 I + 4`` days."""
CARRIED_REASON = "make-up visit carried forward"
"""How the reason of an unscheduled make-up visit starts."""


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
        order), carried overdue visits without one (``first_day``), and dated visits of
        an interval rule without one: their cadence date (``due_date``).
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
            elif _cadence_dated(v):
                out[(cid, v.due_date)] = v.due_date
    return out


def _cadence_dated(v: DueVisit) -> bool:
    """A visit with its own window around a cadence date (``last + k I``, interval rule,
    no weekday pattern): without a previous day it prefers that date, so a rolled plan
    does not pull the next cycle's visit to the early end of its window (a four-weekly
    customer seen 21 days after its last visit)."""
    return (
        not v.weekly_pattern
        and not v.period
        and not v.overdue
        and v.last_visit is not None
        and v.earliest <= v.due_date <= v.latest
    )


def frozen_subset(
    preferred: Mapping[tuple[str, dt.date], dt.date],
    previous: Mapping[str, Sequence[dt.date]],
    until: dt.date | None,
) -> dict[tuple[str, dt.date], dt.date]:
    """The preferred dates that are previous-plan dates before ``until`` (frozen days)."""
    if until is None:
        return {}
    return {k: d for k, d in preferred.items() if d < until and d in set(previous.get(k[0], ()))}


def carry_deadline(
    missed: dt.date,
    start: dt.date,
    work_dates: Sequence[dt.date],
    weekdays: Collection[int],
    days: int = CARRY_WORKING_DAYS,
) -> dt.date | None:
    """The last day a visit missed on ``missed`` may be made up: the ``days``-th working day
    after it (before ``start`` the rep's ``weekdays`` count, from ``start`` its
    ``work_dates``, so holidays and days off do not count). When the horizon starts after
    that day, the ``days``-th working day of the horizon (the make-up is already late: as
    early as possible). ``None`` when the rep has no working date in the horizon."""
    inside = sorted(d for d in work_dates if d >= start)
    if not inside:
        return None
    before = sum(
        1
        for i in range(1, (start - missed).days)
        if (missed + dt.timedelta(days=i)).weekday() in weekdays
    )
    need = days - before
    if need <= 0:
        need = days
    return inside[min(need, len(inside)) - 1]


def first_due_visits(due: Sequence[DueVisit]) -> dict[str, DueVisit]:
    """Each customer's first due visit (earliest due date, then occurrence)."""
    first: dict[str, DueVisit] = {}
    for v in sorted(due, key=lambda v: (v.due_date, v.occurrence)):
        first.setdefault(v.customer_id, v)
    return first


def rule_deadline(v: DueVisit) -> dt.date | None:
    """The last day the customer's rule allows after its real last visit: ``last +
    max_gap_days`` when the rule has one, else ``last + 7 every_weeks +``
    :data:`MAKE_UP_GRACE_DAYS` for an interval rule; ``None`` without a last visit or for
    a period rule without ``max_gap_days`` (its period bounds the window already)."""
    if v.last_visit is None:
        return None
    if v.max_gap_days:
        return v.last_visit + dt.timedelta(days=v.max_gap_days)
    if v.period:
        return None
    return v.last_visit + dt.timedelta(days=7 * v.every_weeks + MAKE_UP_GRACE_DAYS)


def make_up_deadline(
    carry_by: dt.date, rule_by: dt.date | None, work_dates: Sequence[dt.date]
) -> tuple[dt.date, bool]:
    """``(last day, by_rule)`` of a make-up visit: the earlier of ``carry_by``
    (:func:`carry_deadline`) and ``rule_by`` (:func:`rule_deadline`) when the rep works on
    some day up to ``rule_by`` (the miss can still be caught up in time); ``carry_by``
    alone when the rule ran out before the rep's first working day (already late).
    ``by_rule`` is True when the rule's day is the deadline."""
    if rule_by is not None and rule_by < carry_by and any(d <= rule_by for d in work_dates):
        return rule_by, True
    return carry_by, False


def deadline_reason(v: DueVisit | None, by_rule: bool) -> str:
    """Why a make-up visit's deadline is that day, for its unscheduled reason."""
    if not by_rule or v is None or v.last_visit is None:
        return f"{CARRY_WORKING_DAYS} working days after it"
    last = v.last_visit.isoformat()
    if v.max_gap_days:
        return f"{v.max_gap_days} days after the last visit ({last})"
    return f"the last visit ({last}) + {v.every_weeks} week(s) + {MAKE_UP_GRACE_DAYS} days"


def clip_carried(
    due: Sequence[DueVisit], deadlines: Mapping[str, dt.date]
) -> tuple[list[DueVisit], dict[tuple[str, dt.date], dt.date]]:
    """The due visits with each carried customer's first visit due by its deadline.

    Parameters
    ----------
    due : sequence of DueVisit
    deadlines : mapping
        ``customer_id -> last day`` of a carried customer (:func:`carry_deadline`).

    Returns
    -------
    (due, clipped)
        The due visits (same order; the first visit of each customer in ``deadlines``
        whose window opens by its deadline ends there) and ``(customer_id, due_date) ->
        deadline`` of the visits clipped.
    """
    first = first_due_visits(due)
    clipped: dict[tuple[str, dt.date], dt.date] = {}
    out = []
    for v in due:
        last = deadlines.get(v.customer_id)
        if last is not None and first[v.customer_id] is v and v.earliest <= last:
            if v.latest > last:
                v = replace(v, latest=last)
            clipped[(v.customer_id, v.due_date)] = last
        out.append(v)
    return out, clipped
