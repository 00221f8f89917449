"""Due visits: which customer must be visited in the horizon, and in which window.

How visits are counted (docs/scheduling.md has the planner's version). Each customer has
one frequency rule (its tier's, or its own ``every_weeks`` / ``visits_per_year``:
:func:`planner.domain.customer_rule`) and a cadence (``weekday`` or ``flexible``).

``every_weeks: I`` (a rolling interval of ``7 I`` days)
    *With history* (last visit L): due on ``L + 7I``, ``L + 14I``, ... An ``L + 7I``
    before the horizon start makes the customer **overdue**: one visit on the first day
    (window: the first week), the cadence restarting from there. Windows: weekday cadence
    and ``I <= 2``: the horizon week of the due date (the calendar keeps one weekday);
    weekday cadence and ``I >= 3``: the due date +- ``max_shift_days`` working days;
    flexible: the due date +- ``max(3, 7I // 4)`` days, and at least one working day
    either side.
    *Without history*: the horizon is cut into blocks of ``I`` weeks from its start;
    one visit per block, anywhere in it (flexible) or in one week of the block on one
    weekday for all blocks (weekday cadence): the calendar picks the week and the day.
``visits: {count: N, per: P}`` (calendar periods: ISO week, month, quarter, half year,
year)
    In every period P that overlaps the horizon, ``N`` minus the visits already made in
    it (history) remain; the rest of the period is cut into that many equal parts, one
    visit in each (N = 1: anywhere in the period).
Share of a part the horizon only partly covers
    A block or part that runs past the horizon end is due in this horizon for a share
    of the customers equal to the covered fraction of it: the customers of a tier are
    taken around the territory (angular order, rotated by the seed) and the first
    ``fraction * n`` of them are due. The rest are due in a later plan, and so is a
    share whose covered days the rep does not work (the horizon's last weekend). A
    visit that ``max_gap_days`` forces into the horizon is always due.
Gaps
    The first visit's window starts no earlier than ``last + min_gap_days`` and ends no
    later than ``last + max_gap_days`` (overdue when that is before the horizon start).
    Gaps between visits inside the horizon are kept by the calendar (a heavy cost per
    day of violation) and verified by ``planner check``.

History: ``history`` (customer id -> past visit dates, e.g. from a visit log) counts
visits already made in a partly elapsed period and gives the real last visit; by
default it is each customer's ``last_visit``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.domain import Horizon, TierRule, TierTable, customer_rule
from planner.workdays import work_dates

History = Mapping[str, Sequence[dt.date]]


@dataclass(frozen=True)
class DueVisit:
    """One visit a customer is due in the horizon.

    Parameters
    ----------
    customer_id : str
        The customer.
    due_date : datetime.date
        Identifies the visit: the cadence slot (``last + k I``), the start of the block
        or period part it must lie in, or the horizon start for an overdue visit.
    earliest, latest : datetime.date
        Window the visit may be scheduled in (inclusive, inside the horizon).
    overdue : bool
        The customer's last visit is more than one interval (or ``max_gap_days``)
        before the horizon start.
    occurrence : int
        0-based index of this visit among the customer's due visits in the horizon.
    tier : str
        The customer's tier.
    every_weeks : int
        The rule's interval in weeks (nominal for a period rule).
    weekly_pattern : bool
        True when the calendar keeps one weekday for all of the customer's visits
        (weekday cadence); False when each visit is free in its window.
    phase_free : bool
        Weekday cadence without history: the calendar also picks which week of the
        window (the same week offset for every visit of the customer).
    period : str
        Calendar period of a period rule (``2026-Q1``), else ``""``.
    last_visit : datetime.date or None
        The customer's real last visit before the horizon.
    min_gap_days, max_gap_days : int
        The rule's gaps (0 = none).
    """

    customer_id: str
    due_date: dt.date
    earliest: dt.date
    latest: dt.date
    overdue: bool
    occurrence: int
    tier: str = ""
    every_weeks: int = 1
    weekly_pattern: bool = True
    phase_free: bool = False
    period: str = ""
    last_visit: dt.date | None = None
    min_gap_days: int = 0
    max_gap_days: int = 0


def default_work_dates(
    horizon: Horizon,
    working_days: Sequence[int] = (0, 1, 2, 3, 4),
    unavailable: Sequence[dt.date] = (),
) -> list[dt.date]:
    """Working dates of a rep in the horizon: ``working_days`` weekdays minus ``unavailable``
    (no holidays: :func:`planner.workdays.work_dates` is the general form)."""
    return work_dates(horizon, working_days, unavailable)


def week_of(horizon: Horizon, day: dt.date) -> int:
    """0-based horizon week of ``day`` (7-day blocks from ``horizon.start``)."""
    return (day - horizon.start).days // 7


def week_bounds(horizon: Horizon, week: int) -> tuple[dt.date, dt.date]:
    a = horizon.start + dt.timedelta(days=7 * week)
    return a, min(a + dt.timedelta(days=6), horizon.end)


def shift_window(
    due: dt.date, work_dates: Sequence[dt.date], shift: int, horizon: Horizon
) -> tuple[dt.date, dt.date]:
    """``due`` +- ``shift`` working days, clipped to the horizon.

    With no working day on one side inside the horizon, that side stops at ``due``
    (clipped to the horizon).
    """
    before = [d for d in work_dates if d < due]
    after = [d for d in work_dates if d > due]
    lo = (
        before[-shift]
        if shift and len(before) >= shift
        else (before[0] if before and shift else due)
    )
    hi = (
        after[shift - 1]
        if shift and len(after) >= shift
        else (after[-1] if after and shift else due)
    )
    return max(lo, horizon.start), min(hi, horizon.end)


def calendar_periods(per: str, start: dt.date, end: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """Calendar periods of kind ``per`` that overlap ``start .. end``: ``(label, first, last)``.

    Weeks are ISO weeks (Monday to Sunday, ``2026-W02``); months ``2026-01``; quarters
    ``2026-Q1``; half years ``2026-H1``; years ``2026``.
    """
    out = []
    if per == "week":
        d = start - dt.timedelta(days=start.weekday())
        while d <= end:
            y, w, _ = d.isocalendar()
            out.append((f"{y}-W{w:02d}", d, d + dt.timedelta(days=6)))
            d += dt.timedelta(days=7)
        return out
    months = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}[per]
    y, m = start.year, ((start.month - 1) // months) * months + 1
    while dt.date(y, m, 1) <= end:
        m2, y2 = m + months, y
        if m2 > 12:
            m2, y2 = m2 - 12, y + 1
        first, last = dt.date(y, m, 1), dt.date(y2, m2, 1) - dt.timedelta(days=1)
        k = (m - 1) // months + 1
        label = {
            "month": f"{y}-{m:02d}",
            "quarter": f"{y}-Q{k}",
            "half_year": f"{y}-H{k}",
            "year": f"{y}",
        }[per]
        out.append((label, first, last))
        y, m = y2, m2
    return out


def period_parts(
    first: dt.date, last: dt.date, need: int, start: dt.date
) -> list[tuple[dt.date, dt.date]]:
    """``need`` equal parts of the period's rest ``max(first, start) .. last``."""
    r0 = max(first, start)
    n_days = (last - r0).days + 1
    if need <= 0 or n_days <= 0:
        return []
    return [
        (
            r0 + dt.timedelta(days=(k * n_days) // need),
            r0 + dt.timedelta(days=((k + 1) * n_days) // need - 1),
        )
        for k in range(need)
        if ((k + 1) * n_days) // need > (k * n_days) // need
    ]


def _angles(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    clat, clon = float(np.mean(lat)), float(np.mean(lon))
    return np.arctan2(lat - clat, (lon - clon) * math.cos(math.radians(clat)))


def share_ranks(customers: pd.DataFrame, groups: Mapping[str, str], seed: int) -> dict[str, float]:
    """Position in ``[0, 1)`` of each customer among its group, in angular order.

    Customers of a group (tier and rule) are sorted by angle around their centroid,
    rotated by ``seed``; the k-th of n gets ``(k + 0.5) / n``. A part of a period with
    covered fraction f is due for the customers below f: one sector of the territory.
    """
    out: dict[str, float] = {}
    ids = customers["customer_id"].astype(str).to_numpy()
    key = np.array([groups[c] for c in ids])
    for g in sorted(set(key)):
        sel = np.flatnonzero(key == g)
        lat = customers["lat"].to_numpy(float)[sel]
        lon = customers["lon"].to_numpy(float)[sel]
        ang = _angles(lat, lon) if len(sel) else np.zeros(0)
        order = sel[np.lexsort((ids[sel], np.round(ang, 9)))]
        n = len(order)
        rot = seed % n if n else 0
        order = np.concatenate([order[rot:], order[:rot]])
        for k, i in enumerate(order):
            out[str(ids[i])] = (k + 0.5) / n
    return out


def customer_histories(customers: pd.DataFrame, history: History | None) -> dict[str, list]:
    """Past visit dates per customer: ``history`` plus the ``last_visit`` column, sorted."""
    out: dict[str, list] = {}
    lasts = customers["last_visit"] if "last_visit" in customers.columns else None
    for i, cid in enumerate(customers["customer_id"].astype(str)):
        dates = set(history.get(cid, ())) if history else set()
        if lasts is not None:
            last = lasts.iloc[i]
            if last is not None and not pd.isna(last):
                dates.add(last)
        out[cid] = sorted(dates)
    return out


def rules_of(customers: pd.DataFrame, tiers: TierTable) -> dict[str, TierRule]:
    """Each customer's rule: its tier's, or its own ``every_weeks`` / ``visits_per_year``."""
    ew = customers["every_weeks"] if "every_weeks" in customers.columns else None
    vy = customers["visits_per_year"] if "visits_per_year" in customers.columns else None
    out = {}
    for i, (cid, tier) in enumerate(zip(customers["customer_id"], customers["tier"])):
        out[str(cid)] = customer_rule(
            tiers[tier],
            None if ew is None else ew.iloc[i],
            None if vy is None else vy.iloc[i],
        )
    return out


@dataclass(frozen=True)
class _Ctx:
    horizon: Horizon
    work_dates: list[dt.date]
    max_shift_days: int


def _window(
    lo: dt.date, hi: dt.date, rule: TierRule, past: list, ctx: _Ctx, first: bool
) -> tuple[dt.date, dt.date, bool]:
    """Clip a window to the horizon and, for the first visit, to the gaps from the last
    visit; ``(earliest, latest, overdue)``."""
    h = ctx.horizon
    overdue = False
    if first and past:
        last = past[-1]
        if rule.min_gap_days:
            lo = max(lo, last + dt.timedelta(days=rule.min_gap_days))
        if rule.max_gap_days:
            hi = min(hi, last + dt.timedelta(days=rule.max_gap_days))
    lo, hi = max(lo, h.start), min(hi, h.end)
    if hi < h.start:
        overdue = True
        lo, hi = week_bounds(h, 0)
    elif lo > hi:
        lo = hi
    return lo, hi, overdue


def _works(ctx: _Ctx, lo: dt.date, hi: dt.date) -> bool:
    """True when the rep works on some date of ``lo .. hi``."""
    return any(lo <= d <= hi for d in ctx.work_dates)


def _interval_visits(
    cid: str, rule: TierRule, past: list, rank: float, ctx: _Ctx
) -> list[tuple[dt.date, dt.date, dt.date, bool, bool]]:
    """``every_weeks`` rule: ``(due, earliest, latest, overdue, phase_free)`` per visit."""
    h = ctx.horizon
    step = dt.timedelta(days=7 * rule.every_weeks)
    weekday = rule.cadence_mode == "weekday"
    out = []
    if not past:  # blocks of I weeks from the horizon start
        k = 0
        while h.start + k * step <= h.end:
            a = h.start + k * step
            b = a + step - dt.timedelta(days=1)
            frac = ((min(b, h.end) - a).days + 1) / step.days
            if frac >= 1 or rank < frac:
                lo, hi, _ = _window(a, b, rule, past, ctx, k == 0)
                if frac >= 1 or _works(ctx, lo, hi):
                    out.append((a, lo, hi, False, weekday))
            k += 1
        return out
    last = past[-1]
    first = last + step
    overdue = first < h.start
    if rule.max_gap_days and last + dt.timedelta(days=rule.max_gap_days) < h.start:
        overdue = True
    if overdue:
        first = h.start
    k, d = 0, first
    while d <= h.end:
        if overdue and k == 0:
            lo, hi = week_bounds(h, 0)
        elif weekday and rule.every_weeks <= 2:
            lo, hi = week_bounds(h, week_of(h, d))
        elif weekday:
            lo, hi = shift_window(d, ctx.work_dates, ctx.max_shift_days, h)
        else:  # +- a quarter interval (at least 3 days), and a working day either side
            half = dt.timedelta(days=max(3, (7 * rule.every_weeks) // 4))
            wlo, whi = shift_window(d, ctx.work_dates, max(1, ctx.max_shift_days), h)
            lo, hi = min(d - half, wlo), max(d + half, whi)
        if not (overdue and k == 0):
            lo, hi, _ = _window(lo, hi, rule, past, ctx, k == 0)
        out.append((d, lo, hi, overdue and k == 0, False))
        k += 1
        d = first + k * step
    return out


def _period_visits(
    cid: str, rule: TierRule, past: list, rank: float, ctx: _Ctx
) -> list[tuple[dt.date, dt.date, dt.date, bool, str]]:
    """Period rule: ``(due, earliest, latest, overdue, period)`` per visit."""
    h = ctx.horizon
    out = []
    first_visit = True
    for label, ps, pe in calendar_periods(rule.visits_per, h.start, h.end):
        done = sum(ps <= d < h.start for d in past)
        for a, b in period_parts(ps, pe, rule.visits_count - done, h.start):
            if a > h.end:
                continue
            frac = ((min(b, h.end) - a).days + 1) / ((b - a).days + 1)
            forced = (
                first_visit
                and past
                and rule.max_gap_days
                and past[-1] + dt.timedelta(days=rule.max_gap_days) <= h.end
            )
            if frac < 1 and rank >= frac and not forced:
                continue
            lo, hi, overdue = _window(a, b, rule, past, ctx, first_visit)
            if frac < 1 and not forced and not _works(ctx, lo, hi):
                continue  # the share falls on days nobody works: due in a later plan
            out.append((max(a, h.start) if not overdue else h.start, lo, hi, overdue, label))
            first_visit = False
    return out


def due_visits(
    customers: pd.DataFrame,
    horizon: Horizon,
    tiers: TierTable,
    seed: int = 0,
    *,
    work_dates: Sequence[dt.date] | None = None,
    max_shift_days: int = 1,
    history: History | None = None,
) -> list[DueVisit]:
    """Every visit due in the horizon, with its window (see the module docstring).

    Parameters
    ----------
    customers : pandas.DataFrame
        Validated customers (:data:`planner.domain.CUSTOMER_COLUMNS`, optionally
        ``every_weeks`` / ``visits_per_year`` overrides); inactive rows are ignored. Row
        order does not matter (customers are sorted by id).
    horizon : Horizon
        The planning horizon.
    tiers : TierTable
        Tier rules.
    seed : int
        Rotates which customers take the share of a partly covered block or period.
    work_dates : sequence of datetime.date, optional
        The rep's working dates (default Monday-Friday of the horizon), used to count the
        +- ``max_shift_days`` working days of rarer weekday-cadence tiers.
    max_shift_days : int
        How many working days a visit of a weekday-cadence rule of 3 weeks or more (with a
        last visit) may move.
    history : mapping, optional
        ``customer_id -> past visit dates`` (before the horizon); merged with
        ``last_visit``. Counts visits already made in a partly elapsed period and gives
        the gaps' starting point.

    Returns
    -------
    list of DueVisit
        Sorted by due date, then customer id.
    """
    if work_dates is None:
        work_dates = default_work_dates(horizon)
    ctx = _Ctx(horizon, sorted(work_dates), max_shift_days)
    c = customers
    if "active" in c.columns:
        c = c[c["active"].astype(bool)]
    c = c.sort_values("customer_id", kind="stable").reset_index(drop=True)
    if not len(c):
        return []
    rules = rules_of(c, tiers)
    pasts = customer_histories(c, history)
    groups = {
        cid: f"{c['tier'].iloc[i]}|{rules[cid].describe()}|{bool(pasts[cid])}"
        for i, cid in enumerate(c["customer_id"].astype(str))
    }
    ranks = share_ranks(c, groups, seed)
    out: list[DueVisit] = []
    for cid in c["customer_id"].astype(str):
        rule, past = rules[cid], [d for d in pasts[cid] if d < horizon.start]
        last = past[-1] if past else None
        gaps = (rule.min_gap_days or 0, rule.max_gap_days or 0)
        if rule.is_period_rule:
            items = [
                (d, lo, hi, over, False, False, label)
                for d, lo, hi, over, label in _period_visits(cid, rule, past, ranks[cid], ctx)
            ]
        else:
            pattern = rule.cadence_mode == "weekday" and (rule.every_weeks <= 2 or not past)
            items = [
                (d, lo, hi, over, pattern, free, "")
                for d, lo, hi, over, free in _interval_visits(cid, rule, past, ranks[cid], ctx)
            ]
        for k, (d, lo, hi, over, pat, free, label) in enumerate(items):
            out.append(
                DueVisit(
                    cid,
                    d,
                    lo,
                    hi,
                    over,
                    k,
                    rule.name,
                    rule.every_weeks,
                    pat,
                    free,
                    label,
                    last,
                    *gaps,
                )  # fmt: skip
            )
    out.sort(key=lambda v: (v.due_date, v.customer_id, v.occurrence))
    return out


def due_frame(due: Sequence[DueVisit]) -> pd.DataFrame:
    """Due visits as a DataFrame (one row per visit, the dataclass fields as columns)."""
    cols = [
        "customer_id",
        "due_date",
        "earliest",
        "latest",
        "overdue",
        "occurrence",
        "tier",
        "every_weeks",
        "weekly_pattern",
        "phase_free",
        "period",
    ]
    return pd.DataFrame([{k: getattr(v, k) for k in cols} for v in due], columns=cols)


Fixed = dict[tuple[str, dt.date], tuple[dt.date, int]]


def match_appointments(
    due: Sequence[DueVisit],
    appointments: pd.DataFrame | None,
    horizon: Horizon,
    customers: pd.DataFrame | None = None,
    tiers: TierTable | None = None,
) -> tuple[list[DueVisit], Fixed]:
    """Attach fixed appointments to due visits.

    An appointment fills the customer's due visit whose window holds the appointment date
    (the nearest due date when several do). An appointment that fills none is an extra
    visit: it is added as a due visit with ``due_date = earliest = latest`` = its date and
    ``occurrence = -1``. Appointments outside the horizon are ignored; so are appointments
    of customers that are neither in ``due`` nor in ``customers`` (other territories).

    Returns
    -------
    (due, fixed)
        The due visits (extra appointment visits appended) and
        ``(customer_id, due_date) -> (date, start_s)`` for every visit an appointment fixes.
    """
    out = list(due)
    fixed: dict[tuple[str, dt.date], tuple[dt.date, int]] = {}
    if appointments is None or len(appointments) == 0:
        return out, fixed
    by_cust: dict[str, list[DueVisit]] = {}
    for v in out:
        by_cust.setdefault(v.customer_id, []).append(v)
    meta = {v.customer_id: (v.tier, v.every_weeks) for v in out}
    if customers is not None and tiers is not None:
        for cid, tier in zip(customers["customer_id"], customers["tier"], strict=True):
            meta.setdefault(str(cid), (tier, tiers[tier].every_weeks))
    rows = sorted(
        (
            (a.date, str(a.customer_id), int(a.start_s))
            for a in appointments.itertuples(index=False)
        ),
        key=lambda r: (r[0], r[1]),
    )
    for day, cid, start_s in rows:
        if not horizon.contains(day):
            continue
        cands = [
            v
            for v in by_cust.get(cid, [])
            if v.earliest <= day <= v.latest and (cid, v.due_date) not in fixed
        ]
        if cands:
            v = min(cands, key=lambda v: (abs((v.due_date - day).days), v.due_date))
            fixed[(cid, v.due_date)] = (day, start_s)
            continue
        if (cid, day) in fixed:
            continue
        if cid not in meta:
            continue
        tier, every = meta[cid]
        extra = DueVisit(cid, day, day, day, False, -1, tier, every, False)
        out.append(extra)
        by_cust.setdefault(cid, []).append(extra)
        fixed[(cid, day)] = (day, start_s)
    out.sort(key=lambda v: (v.due_date, v.customer_id, v.occurrence))
    return out, fixed
