"""Due visits: which customer must be visited in the horizon, and when.

How visits are counted (docs/scheduling.md has the planner's version):

- A tier's interval is ``I = 7 * every_weeks`` days.
- With a ``last_visit`` L, visits are due on ``L + I``, ``L + 2I``, ... If ``L + I`` falls
  before the horizon start the customer is **overdue**: one visit is due on the horizon's
  first day (not one per missed interval), and the cadence restarts from there
  (``start + I``, ``start + 2I``, ...).
- Without a ``last_visit`` the customer gets a phase (a week offset in ``0 .. every_weeks-1``)
  chosen so that every week carries a similar service time: customers of a tier are taken
  in angular order around their centroid and each goes to the phase whose weeks are
  lightest so far (fixed visits of customers with a last visit included), so each part of
  the territory is spread over the weeks too. Visits are due on ``start + 7*phase + k*I``.
- Every due date inside the horizon ``[start, end]`` is one due visit (``occurrence`` 0, 1,
  ...). Weeks are horizon weeks: 7-day blocks from the horizon start.

Each due visit carries the window it may be scheduled in (``earliest .. latest``):

- weekly and two-weekly tiers, customers without ``last_visit`` and overdue visits: the
  horizon week that holds the due date (the calendar then picks the weekday, the same one
  for every occurrence of the customer);
- other tiers with a ``last_visit``: the due date plus or minus ``max_shift_days`` of the
  rep's working days (a due date on a day off gets the nearest working days either side).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.domain import Horizon, TierTable


@dataclass(frozen=True)
class DueVisit:
    """One visit a customer is due in the horizon.

    Parameters
    ----------
    customer_id : str
        The customer.
    due_date : datetime.date
        The cadence slot this visit fills (the horizon start for an overdue visit).
    earliest, latest : datetime.date
        Window the visit may be scheduled in (inclusive, inside the horizon).
    overdue : bool
        The customer's last visit is more than one interval before the horizon start.
    occurrence : int
        0-based index of this visit among the customer's due visits in the horizon.
    tier : str
        The customer's tier.
    every_weeks : int
        The tier's interval in weeks.
    weekly_pattern : bool
        True when the calendar keeps one weekday for all of the customer's visits (the
        window is a whole horizon week); False for a due date +- working days.
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


def default_work_dates(
    horizon: Horizon,
    working_days: Sequence[int] = (0, 1, 2, 3, 4),
    unavailable: Sequence[dt.date] = (),
) -> list[dt.date]:
    """Working dates of a rep in the horizon: ``working_days`` weekdays minus ``unavailable``."""
    wd, off = set(int(d) for d in working_days), set(unavailable)
    return [d for d in horizon.days() if d.weekday() in wd and d not in off]


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


def _angles(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    clat, clon = float(np.mean(lat)), float(np.mean(lon))
    return np.arctan2(lat - clat, (lon - clon) * math.cos(math.radians(clat)))


def spread_phases(
    customers: pd.DataFrame, periods: dict[str, int], weeks: int, fixed_load: np.ndarray, seed: int
) -> dict[str, int]:
    """Week phases for customers without a last visit, spread over the weeks.

    Customers of a tier are taken in angular order around their centroid (so every part
    of the territory is spread over the weeks) and each goes to the phase whose horizon
    weeks carry the least service time so far (ties: the phase with fewest customers of
    the tier, then the next one round-robin). A tier whose interval is longer than the
    horizon is first spread evenly over all its phases (a quarterly tier over the 13
    weeks of its quarter), so only its share falls inside the horizon.

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id, lat, lon, tier`` (and ``service_s``, default 1) of the customers
        to phase.
    periods : dict
        Tier name -> interval in weeks.
    weeks : int
        Horizon length in weeks.
    fixed_load : numpy.ndarray
        Service seconds per horizon week already fixed by customers with a last visit.
    seed : int
        Rotates the angular starting point.

    Returns
    -------
    dict
        ``customer_id -> phase`` in ``0 .. period-1``.
    """
    out: dict[str, int] = {}
    load = np.asarray(fixed_load, dtype=float).copy()
    for tier in sorted(customers["tier"].unique(), key=lambda t: (periods[t], t)):
        p = periods[tier]
        grp = customers[customers["tier"] == tier]
        svc = grp["service_s"].to_numpy(float) if "service_s" in grp.columns else np.ones(len(grp))
        if p <= 1:
            out.update({str(c): 0 for c in grp["customer_id"]})
            load += float(svc.sum())
            continue
        ang = _angles(grp["lat"].to_numpy(float), grp["lon"].to_numpy(float))
        order = np.lexsort((grp["customer_id"].to_numpy(), np.round(ang, 9)))
        n = len(order)
        rot = seed % n if n else 0
        order = np.concatenate([order[rot:], order[:rot]])
        ids = grp["customer_id"].to_numpy()[order]
        svc = svc[order]
        weeks_of = [list(range(ph, weeks, p)) for ph in range(p)]
        counts = [0] * p
        for i, cid in enumerate(ids):
            keys = []
            for ph in range(p):
                ws = weeks_of[ph]
                mean = float(load[ws].mean()) if ws else math.inf
                rr = (ph - i) % p
                # a tier longer than the horizon is spread over its whole period first
                keys.append(
                    (counts[ph], mean, rr) if p > weeks else (round(mean, 6), counts[ph], rr)
                )
            ph = min(range(p), key=keys.__getitem__)
            out[str(cid)] = ph
            counts[ph] += 1
            if weeks_of[ph]:
                load[weeks_of[ph]] += float(svc[i])
    return out


def due_visits(
    customers: pd.DataFrame,
    horizon: Horizon,
    tiers: TierTable,
    seed: int = 0,
    *,
    work_dates: Sequence[dt.date] | None = None,
    max_shift_days: int = 1,
) -> list[DueVisit]:
    """Every visit due in the horizon, with its window (see the module docstring).

    Parameters
    ----------
    customers : pandas.DataFrame
        Validated customers (:data:`planner.domain.CUSTOMER_COLUMNS`); inactive rows are
        ignored. Row order does not matter (customers are sorted by id).
    horizon : Horizon
        The planning horizon.
    tiers : TierTable
        Tier rules (``every_weeks``).
    seed : int
        Rotates how customers without a last visit are dealt out over the weeks.
    work_dates : sequence of datetime.date, optional
        The rep's working dates (default Monday-Friday of the horizon), used to count the
        +- ``max_shift_days`` working days of rarer tiers.
    max_shift_days : int
        How many working days a visit of an interval of 3 weeks or more may move.

    Returns
    -------
    list of DueVisit
        Sorted by due date, then customer id.
    """
    if work_dates is None:
        work_dates = default_work_dates(horizon)
    work_dates = sorted(work_dates)
    c = customers
    if "active" in c.columns:
        c = c[c["active"].astype(bool)]
    c = c.sort_values("customer_id", kind="stable").reset_index(drop=True)
    periods = {t: tiers[t].every_weeks for t in tiers.names()}
    start, end = horizon.start, horizon.end

    firsts: dict[str, tuple[dt.date, bool]] = {}
    fixed_load = np.zeros(horizon.weeks)
    no_last = []
    for row in c.itertuples(index=False):
        cid, tier, last = str(row.customer_id), row.tier, row.last_visit
        if last is None or pd.isna(last):
            no_last.append(cid)
            continue
        interval = dt.timedelta(days=7 * periods[tier])
        first = last + interval
        overdue = first < start
        if overdue:
            first = start
        firsts[cid] = (first, overdue)
        d = first
        while d <= end:
            fixed_load[week_of(horizon, d)] += float(getattr(row, "service_s", 1) or 1)
            d += interval
    if no_last:
        sub = c[c["customer_id"].isin(no_last)]
        phases = spread_phases(sub, periods, horizon.weeks, fixed_load, seed)
        for cid, ph in phases.items():
            firsts[cid] = (start + dt.timedelta(days=7 * ph), False)

    out: list[DueVisit] = []
    has_last = set(c["customer_id"]) - set(no_last)
    for row in c.itertuples(index=False):
        cid, tier = str(row.customer_id), row.tier
        p = periods[tier]
        first, overdue = firsts[cid]
        pattern = p <= 2 or cid not in has_last
        k, d = 0, first
        while d <= end:
            is_over = overdue and k == 0
            if pattern or is_over:
                lo, hi = week_bounds(horizon, week_of(horizon, d))
            else:
                lo, hi = shift_window(d, work_dates, max_shift_days, horizon)
            out.append(DueVisit(cid, d, lo, hi, is_over, k, tier, p, pattern))
            k += 1
            d = first + dt.timedelta(days=7 * p * k)
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
