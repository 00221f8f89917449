"""Day assignment: which working day each due visit goes to (:func:`assign_days`).

The method (docs/scheduling.md explains it for planners):

1. Every customer gets the weekdays on which a visit fits its opening hours inside the
   rep's workday; customers that fit none are reported with a reason.
2. Weekly-pattern customers (weekly, two-weekly, and those without a last visit) get one
   weekday for all their visits: the territory is swept by angle into as many sectors as
   the rep has working weekdays, each holding the same weekly workload, and sectors are
   matched to weekdays so that as many customers as possible are open on theirs.
   Several sweep starts (around the rep's start point and around the customers' centre)
   are tried; the cheapest is kept.
3. Visits with a due date +- working days go to the allowed day where they add the least
   travel.
4. Local search moves a whole customer to another weekday (all its visits at once, so
   the cadence holds) or a dated visit to another allowed day, exchanges the days of
   two customers or the weekdays of two whole zones (:mod:`planner.schedule.exchange`),
   and ruin-and-recreate (LNS) reshuffles groups of visits, while that lowers
   ``travel + overload penalty + balance term``. Travel is estimated per day with a
   cheapest-insertion tour improved by 2-opt and or-opt (:mod:`planner.schedule.tours`).

Appointments are fixed on their date and never moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.domain import NO_DAYS_OFF, Horizon, TierTable, WorkCalendar, Workday
from planner.matrix import TravelMatrix, home_id, start_id
from planner.schedule.due import DueVisit, match_appointments
from planner.schedule.exchange import swap_units, swap_zones
from planner.schedule.fit import never_fits_reason, no_day_reason, weekday_fits
from planner.schedule.search import DayBook, DayHours, Search, Slot, Unit
from planner.schedule.sweep import first_calendar
from planner.units import format_clock
from planner.workdays import rep_work_dates

CALENDAR_COLUMNS = [
    "customer_id",
    "due_date",
    "occurrence",
    "overdue",
    "tier",
    "priority",
    "date",
    "fixed_start_s",
    "weekly_pattern",
]
UNPLACED_COLUMNS = ["customer_id", "due_date", "tier", "reason"]


@dataclass(frozen=True)
class CalendarParams:
    """Settings of the day assignment.

    Parameters
    ----------
    horizon, tiers, workday
        The scenario's horizon, tier rules and default workday (a rep's own
        ``work_start_s``/``work_end_s`` win; the lunch break comes from ``workday``).
    max_shift_days : int
        Working days a visit of a 3-weekly or rarer tier with a last visit may move from
        its due date.
    seed : int
        Same input and seed give the same calendar.
    fill_ratio : float
        Share of a day's available time (workday minus lunch) the calendar plans with
        service and estimated travel; the rest absorbs waiting for opening hours.
    balance_weight : float
        Weight of the daily-load balance term (0, the default, = minimise travel only:
        measured, any balance term cost travel).
    sweep_starts : int
        Sweep rotations tried per centre for the first weekday sectors.
    improve_rounds : int
        Maximum local-search rounds.
    lns_iterations : int
        Ruin-and-recreate iterations (-1: five per movable unit, at most 1000). A count,
        not a time limit, so the calendar is the same on any machine.
    calendar : WorkCalendar
        Public holidays, company days off and make-up working days.
    day_cost_s : float
        Fixed cost (seconds of travel) of sending the rep out on a day at all: the
        calendar fills days rather than adding a day for one visit.
    opening_hours_cost : bool
        Charge a day's estimate for waiting on opening times and for visits that would
        end after closing (a 10:00 opener and a morning-only shop on one day cost a
        detour).
    preferred_dates : mapping
        ``(customer_id, due_date) -> date`` a visit should keep (e.g. its day in the
        previous plan); leaving it costs ``preferred_cost_s`` per day (soft).
    preferred_cost_s : float
        Cost per day a visit moves away from its preferred date.
    frozen_dates : mapping
        ``(customer_id, due_date) -> date`` a visit keeps (days already published, a rolled
        plan's ``freeze_days``): booked on that day and never moved, like an appointment
        without a fixed time. Ignored when the rep does not work that day or the customer
        cannot be visited on its weekday.
    closed_dates : frozenset of date
        Days that take no visit other than their ``frozen_dates`` and appointments (a
        rolled plan's published days, ``freeze_days``). A flexible visit whose window
        holds only closed days may still use them (rather than be dropped).
    """

    horizon: Horizon
    tiers: TierTable
    workday: Workday = field(default_factory=Workday)
    max_shift_days: int = 1
    seed: int = 0
    fill_ratio: float = 0.97
    balance_weight: float = 0.0
    sweep_starts: int = 3
    improve_rounds: int = 8
    lns_iterations: int = -1
    calendar: WorkCalendar = NO_DAYS_OFF
    day_cost_s: float = 900.0
    opening_hours_cost: bool = True
    preferred_dates: Mapping[tuple[str, dt.date], dt.date] = field(default_factory=dict)
    preferred_cost_s: float = 600.0
    frozen_dates: Mapping[tuple[str, dt.date], dt.date] = field(default_factory=dict)
    closed_dates: frozenset[dt.date] = frozenset()


@dataclass
class CalendarResult:
    """A day for every due visit, or a reason why there is none.

    Attributes
    ----------
    visits : pandas.DataFrame
        :data:`CALENDAR_COLUMNS`, one row per placed visit (``fixed_start_s`` is the
        appointment time or ``None``).
    unplaced : pandas.DataFrame
        :data:`UNPLACED_COLUMNS`: due visits with no allowed day, with a reason.
    work_dates : tuple of datetime.date
        The rep's working dates in the horizon.
    weekday_of : dict
        ``customer_id -> weekday`` of every weekly-pattern customer.
    pattern_options : dict
        ``customer_id -> {weekday: (date or None, ...)}``: the date each of the customer's
        movable visits (:attr:`pattern_due`) takes for each weekday it may have.
    pattern_due : dict
        ``customer_id -> (due_date, ...)`` of those movable visits.
    flexible_options : dict
        ``(customer_id, due_date) -> (date, ...)``: allowed days of dated visits.
    est_travel_s, est_load_s : dict
        Per working date: estimated travel, and travel + service, in seconds.
    capacity_s : int
        Planned time per day (workday minus lunch, times ``fill_ratio``).
    day_order : dict
        Per working date: the customer ids in the order of the estimated tour (no time
        windows; a starting point for routing, not a schedule).
    """

    visits: pd.DataFrame
    unplaced: pd.DataFrame
    work_dates: tuple[dt.date, ...]
    weekday_of: dict[str, int]
    pattern_options: dict[str, dict[int, tuple[dt.date | None, ...]]]
    pattern_due: dict[str, tuple[dt.date, ...]]
    flexible_options: dict[tuple[str, dt.date], tuple[dt.date, ...]]
    est_travel_s: dict[dt.date, int]
    est_load_s: dict[dt.date, int]
    capacity_s: int
    day_order: dict[dt.date, tuple[str, ...]] = field(default_factory=dict)


def tier_ranks(tiers: TierTable) -> dict[str, int]:
    """Dense rank (1 = lowest) of each tier's priority."""
    levels = sorted({tiers[t].priority for t in tiers.names()})
    return {t: levels.index(tiers[t].priority) + 1 for t in tiers.names()}


def rep_window(rep: dict, workday: Workday) -> tuple[int, int]:
    """The rep's own workday ``(start_s, end_s)``, falling back to the scenario's."""
    ws = rep.get("work_start_s")
    we = rep.get("work_end_s")
    ws = workday.start_s if ws is None or pd.isna(ws) else int(ws)
    we = workday.end_s if we is None or pd.isna(we) else int(we)
    return ws, we


def _nearest_in_window(target: dt.date, lo: dt.date, hi: dt.date, ok) -> dt.date | None:
    best = None
    for i in range((hi - lo).days + 1):
        d = lo + dt.timedelta(days=i)
        if ok(d) and (best is None or abs((d - target).days) < abs((best - target).days)):
            best = d
    return best


def assign_days(
    customers: pd.DataFrame,
    rep: dict,
    due: Sequence[DueVisit],
    matrix: TravelMatrix,
    appointments: pd.DataFrame | None,
    params: CalendarParams,
) -> CalendarResult:
    """Give every due visit a working day (cadence, opening days, travel, balanced load).

    Parameters
    ----------
    customers : pandas.DataFrame
        The territory's customers (:data:`planner.domain.CUSTOMER_COLUMNS`).
    rep : dict
        One row of the validated rep table (:data:`planner.domain.REP_COLUMNS`).
    due : sequence of DueVisit
        From :func:`planner.schedule.due_visits` (with the rep's working dates).
    matrix : TravelMatrix
        Holds ``start_id(rep_id)``, ``home_id(rep_id)`` and every customer id.
    appointments : pandas.DataFrame or None
        ``customer_id, date, start_s``: fixed visits (see
        :func:`planner.schedule.due.match_appointments`).
    params : CalendarParams
        Settings.

    Returns
    -------
    CalendarResult
        Every due visit (and every extra appointment) is in ``visits`` or ``unplaced``.
    """
    rep_id = str(rep["rep_id"])
    ws, we = rep_window(rep, params.workday)
    work_dates = rep_work_dates(rep, params.horizon, params.calendar)
    regular = sorted(int(d) for d in (rep.get("working_days") or (0, 1, 2, 3, 4)))
    working_days = sorted({d.weekday() for d in work_dates} | set(regular))
    lunch_s = params.workday.lunch.duration_s if params.workday.lunch else 0
    cap = int((we - ws - lunch_s) * params.fill_ratio)
    T = matrix.travel_s.astype(np.int64).tolist()
    s_idx, e_idx = matrix.index(start_id(rep_id)), matrix.index(home_id(rep_id))
    ranks = tier_ranks(params.tiers)
    cust = customers.set_index("customer_id", drop=False)
    due, fixed = match_appointments(due, appointments, params.horizon, customers, params.tiers)
    day_ix = {d: i for i, d in enumerate(work_dates)}
    book = DayBook(
        T,
        s_idx,
        e_idx,
        len(work_dates),
        cap,
        int(rep.get("max_visits_per_day") or 0),
        params.balance_weight,
        params.day_cost_s,
        _day_hours(cust, matrix, work_dates, ws) if params.opening_hours_cost else None,
    )
    search = Search(book, [], [], [d.toordinal() for d in work_dates])
    search.pref_cost = params.preferred_cost_s
    search.last_ordinal = {
        v.customer_id: v.last_visit.toordinal() for v in due if v.last_visit is not None
    }
    slots = search.slots
    unplaced: list[dict] = []
    fits: dict[str, list[int]] = {}
    patterns: list[Unit] = []
    dated: list[Unit] = []

    def drop(v: DueVisit, reason: str) -> None:
        unplaced.append(
            {"customer_id": v.customer_id, "due_date": v.due_date, "tier": v.tier, "reason": reason}
        )

    by_cust: dict[str, list[DueVisit]] = {}
    for v in due:
        by_cust.setdefault(v.customer_id, []).append(v)
    for cid in sorted(by_cust):
        row = cust.loc[cid]
        node = matrix.index(cid)
        svc = int(row["service_s"])
        to_s, back_s = T[s_idx][node], T[node][e_idx]
        fit = weekday_fits(row["hours"], svc, working_days, ws, we, to_s, back_s)
        fits[cid] = fit
        movable = []
        chain = []
        for v in sorted(by_cust[cid], key=lambda v: (v.due_date, v.occurrence)):
            slot = Slot(len(slots), cid, node, svc, ranks.get(v.tier, 1), v)
            pref = params.preferred_dates.get((cid, v.due_date))
            slot.preferred = None if pref is None else pref.toordinal()
            if (cid, v.due_date) in fixed:
                day, start_s = fixed[(cid, v.due_date)]
                if day not in day_ix:
                    why = "is unavailable" if day.weekday() in working_days else "does not work"
                    drop(
                        v,
                        f"appointment on {day.isoformat()} at {format_clock(start_s)}, "
                        f"but rep {rep_id} {why} that day",
                    )
                    continue
                slot.fixed_start_s = start_s
                slots.append(slot)
                chain.append(slot)
                book.add(slot, day_ix[day])
                continue
            if not fit:
                drop(
                    v,
                    never_fits_reason(row["hours"], svc, regular, ws, we, to_s, back_s, rep_id),
                )
                continue
            frozen = params.frozen_dates.get((cid, v.due_date))
            if frozen in day_ix and frozen.weekday() in fit:  # a frozen day: kept as it is
                slots.append(slot)
                chain.append(slot)
                book.add(slot, day_ix[frozen])
                continue
            slots.append(slot)
            chain.append(slot)
            movable.append(slot)
        for a, b in zip(chain, chain[1:]):  # gap rules link consecutive visits
            a.next, b.prev = b.index, a.index
        if not movable:
            continue
        if movable[0].due.weekly_pattern:
            opts = _pattern_options(movable, fit, regular, work_dates, day_ix)
            if not opts:
                for sl in movable:
                    sl.dead = True
                    drop(
                        sl.due,
                        no_day_reason(sl.due.earliest, sl.due.latest, work_dates, fit, rep_id),
                    )
                continue
            labels = sorted(opts)
            patterns.append(
                Unit(
                    cid,
                    node,
                    [sl.index for sl in movable],
                    [tuple(opts[w]) for w in labels],
                    labels,
                )
            )
            continue
        for sl in movable:
            days = [
                day_ix[d]
                for d in work_dates
                if sl.due.earliest <= d <= sl.due.latest and d.weekday() in fit
            ]
            days = [d for d in days if work_dates[d] not in params.closed_dates] or days
            if not days:
                sl.dead = True
                drop(sl.due, no_day_reason(sl.due.earliest, sl.due.latest, work_dates, fit, rep_id))
                continue
            dated.append(Unit(cid, node, [sl.index], [(d,) for d in days], days))
    search.units.extend(patterns + dated)

    coords = np.array(
        [[float(cust.loc[u.cid, "lat"]), float(cust.loc[u.cid, "lon"])] for u in patterns]
    ).reshape(-1, 2)
    centres = [(float(rep.get("start_lat", np.nan)), float(rep.get("start_lon", np.nan)))]
    if len(coords):
        centres.append((float(coords[:, 0].mean()), float(coords[:, 1].mean())))
    centres = [c for c in centres if np.isfinite(c[0]) and np.isfinite(c[1])]
    rng = np.random.default_rng(params.seed)
    first_calendar(
        search, patterns, dated, coords, centres, regular, params.sweep_starts, params.seed
    )
    search.local_search(params.improve_rounds, rng)
    swap_zones(search, patterns, dated)
    iters = params.lns_iterations
    if iters < 0:
        iters = min(1000, 5 * len(search.units))
    search.lns(iters, rng)
    swap_zones(search, patterns, dated)
    swap_units(search, patterns, 1, rng)
    swap_units(search, dated, 1, rng)
    search.local_search(params.improve_rounds, rng)

    rows = []
    for sl in slots:
        if sl.dead:
            continue
        if sl.day is None:
            drop(
                sl.due,
                no_day_reason(
                    sl.due.earliest, sl.due.latest, work_dates, fits.get(sl.cid, []), rep_id
                ),
            )
            continue
        v = sl.due
        rows.append(
            {
                "customer_id": v.customer_id,
                "due_date": v.due_date,
                "occurrence": v.occurrence,
                "overdue": v.overdue,
                "tier": v.tier,
                "priority": sl.rank,
                "date": work_dates[sl.day],
                "fixed_start_s": sl.fixed_start_s,
                "weekly_pattern": v.weekly_pattern,
            }
        )
    visits = pd.DataFrame(rows, columns=CALENDAR_COLUMNS)
    if len(visits):
        visits = visits.sort_values(["date", "customer_id", "due_date"], kind="stable").reset_index(
            drop=True
        )
    uns = pd.DataFrame(unplaced, columns=UNPLACED_COLUMNS)
    if len(uns):
        uns = uns.sort_values(["due_date", "customer_id"], kind="stable").reset_index(drop=True)

    def date_or_none(d: int | None) -> dt.date | None:
        return None if d is None else work_dates[d]

    p_opts = {
        u.cid: {
            wd: tuple(map(date_or_none, ds)) for wd, ds in zip(u.labels, u.options, strict=True)
        }
        for u in patterns
    }
    p_due = {u.cid: tuple(slots[i].due.due_date for i in u.slots) for u in patterns}
    weekday_of = {u.cid: u.labels[u.choice] % 7 for u in patterns if u.choice >= 0}
    f_opts = {
        (u.cid, slots[u.slots[0]].due.due_date): tuple(work_dates[d] for d in u.labels)
        for u in dated
    }
    n = len(work_dates)
    return CalendarResult(
        visits=visits,
        unplaced=uns,
        work_dates=tuple(work_dates),
        weekday_of=weekday_of,
        pattern_options=p_opts,
        pattern_due=p_due,
        flexible_options=f_opts,
        est_travel_s={work_dates[i]: int(book.travel[i]) if book.count[i] else 0 for i in range(n)},
        est_load_s={
            work_dates[i]: int(book.travel[i] + book.service[i]) if book.count[i] else 0
            for i in range(n)
        },
        capacity_s=cap,
        day_order={
            work_dates[i]: tuple(matrix.ids[x] for x in book.tours[i][1:-1]) for i in range(n)
        },
    )


def _day_hours(
    cust: pd.DataFrame, matrix: TravelMatrix, work_dates: list[dt.date], work_start_s: int
) -> DayHours:
    """Opening intervals of every customer node on every working date (for the day cost)."""
    nodes = [(matrix.index(str(cid)), h) for cid, h in zip(cust["customer_id"], cust["hours"])]
    by_wd = {wd: {n: tuple(h[wd]) for n, h in nodes} for wd in range(7)}
    service = {matrix.index(str(c)): int(s) for c, s in zip(cust["customer_id"], cust["service_s"])}
    return DayHours([by_wd[d.weekday()] for d in work_dates], service, work_start_s)


def _pattern_options(
    movable: list[Slot],
    fit: list[int],
    regular: list[int],
    work_dates: list[dt.date],
    day_ix: dict[dt.date, int],
) -> dict[int, list[int | None]]:
    """For each (week offset, weekday) a customer may keep: the day index of each visit.

    Labels are ``week_offset * 7 + weekday``. A customer with history has one week
    offset (its windows are single weeks); one without history (``phase_free``) may take
    any week of its ``every_weeks`` block, the same offset in every block. A visit takes
    the date of that weekday in that week of its window (an earlier week when a partial
    last block ends sooner); when the rep does not work that date (day off, holiday) the
    nearest working date of the same week on which the customer fits is used instead.
    Only options that place the most visits are kept.
    """
    fitset = set(fit)
    n_ph = 1
    if movable[0].due.phase_free:
        n_ph = max(
            1,
            min(
                movable[0].due.every_weeks,
                1 + max((s.due.latest - s.due.earliest).days // 7 for s in movable),
            ),
        )

    def ok(d: dt.date) -> bool:
        return d in day_ix and d.weekday() in fitset

    opts: dict[int, list[int | None]] = {}
    for ph in range(n_ph):
        for wd in (w for w in regular if w in fitset):
            ds: list[int | None] = []
            for s in movable:
                lo, hi = s.due.earliest, s.due.latest
                target = lo + dt.timedelta(days=7 * ph + (wd - lo.weekday()) % 7)
                while target > hi and target - dt.timedelta(days=7) >= lo:
                    target -= dt.timedelta(days=7)
                if target in day_ix and target <= hi:
                    ds.append(day_ix[target])
                    continue
                wk = max(lo, target - dt.timedelta(days=target.weekday()))
                alt = _nearest_in_window(target, wk, min(hi, wk + dt.timedelta(days=6)), ok)
                if alt is None:
                    alt = _nearest_in_window(target, lo, hi, ok)
                ds.append(None if alt is None else day_ix[alt])
            opts[ph * 7 + wd] = ds
    if not opts:
        return {}
    best = max(sum(d is not None for d in ds) for ds in opts.values())
    if best == 0:
        return {}
    return {w: ds for w, ds in opts.items() if sum(d is not None for d in ds) == best}
