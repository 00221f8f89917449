"""The rolling re-plan: the next plan made from the previous plan and the visit log.

:func:`prepare_roll` turns a previous plan folder and a visit log into what the next plan
needs (:class:`RollInputs`):

- **history**: per customer, the dates it was visited: the customer file's
  ``last_visit``, every ``done`` row of the log before the new horizon, and every visit of
  the previous plan before the new horizon that the log does not report (the log reports
  exceptions: a planned visit without a row is taken as made on its planned day;
  ``planner actuals`` lists those as ``no_report`` so they can be chased). The customers'
  ``last_visit`` becomes the latest of these (the *effective last visit*), so the cadence
  continues from what really happened;
- **carried**: the previous plan's visits before the new horizon reported ``missed`` or
  ``cancelled`` and not made up on another day: still due, overdue (first week), and
  preferring the first working day;
- **preferred**: the previous plan's visits inside the new horizon, the dates each customer
  keeps unless something forces a move (stability); ``frozen`` marks the first
  ``freeze_days`` days of the new horizon (kept as they are);
- **anchors**: for customers without any visit on record, the last visit that keeps a
  carried visit overdue, or the previous plan's first visit due where it was.

The calendar (:class:`planner.territory_plan.TerritoryProblem`) gets the history with the
anchors (``visit_history``), the previous days (``previous_dates``), the carried customers
and the end of the frozen days (:meth:`RollSetup.territory_fields`).

:func:`changes_vs_previous` lists what the new plan changed on the days both plans cover
(``changes_vs_previous.csv``): visits added, removed, moved, each with why.

Definitions for planners: docs/weekly-routine.md; columns: docs/data-contract.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from planner.domain import Horizon, TierTable, customer_rule
from planner.plan import Plan
from planner.report.actuals import (
    CANCELLED,
    MISSED,
    NO_REPORT,
    ActualsFrame,
    match_window_days,
    plan_vs_actual,
)

CARRY_COLUMNS = ["customer_id", "rep_id", "tier", "planned_date", "status", "reported", "notes"]
PREFERRED_COLUMNS = ["customer_id", "rep_id", "date", "frozen"]
CHANGE_COLUMNS = [
    "change",
    "customer_id",
    "customer_name",
    "tier",
    "rep_id",
    "previous_rep_id",
    "previous_date",
    "new_date",
    "shift_days",
    "reason",
]


@dataclass(frozen=True)
class RollParams:
    """The new plan's frame.

    Parameters
    ----------
    horizon : Horizon
        The new plan's horizon (usually starting next Monday).
    tiers : TierTable
        Tier rules (match windows of planned and logged visits, intervals).
    freeze_days : int
        Days from the horizon start whose previous-plan visits are frozen.
    """

    horizon: Horizon
    tiers: TierTable
    freeze_days: int = 0


@dataclass
class RollInputs:
    """What the next plan takes from the previous plan and the log.

    Attributes
    ----------
    customers : pandas.DataFrame
        The customers with ``last_visit`` set to the effective last visit.
    history : dict
        ``customer_id -> tuple of dates`` visited before the horizon, sorted (file
        ``last_visit``, log ``done`` rows, unreported visits of the previous plan).
    logged : dict
        ``customer_id -> tuple of dates`` of the log's ``done`` rows before the horizon.
    carried : pandas.DataFrame
        :data:`CARRY_COLUMNS`: missed / cancelled visits still due.
    preferred : pandas.DataFrame
        :data:`PREFERRED_COLUMNS`: the previous plan's dates inside the new horizon.
    updated_last_visits : int
        Customers whose ``last_visit`` moved later.
    assumed_done : int
        Visits of the previous plan before the horizon without a log row (taken as made).
    warnings : list of str
    anchors : dict
        ``customer_id -> date``: for customers without a visit on record, the last visit
        that keeps a carried visit overdue or the previous plan's first visit due
        (:func:`_anchors`); given to the calendar with ``history``.
    """

    customers: pd.DataFrame
    history: dict[str, tuple[dt.date, ...]]
    logged: dict[str, tuple[dt.date, ...]]
    carried: pd.DataFrame
    preferred: pd.DataFrame
    updated_last_visits: int = 0
    assumed_done: int = 0
    warnings: list[str] = field(default_factory=list)
    anchors: dict[str, dt.date] = field(default_factory=dict)

    def calendar_history(self) -> dict[str, tuple[dt.date, ...]]:
        """What the calendar counts from: ``history`` plus the ``anchors``."""
        out = dict(self.history)
        for cid, day in self.anchors.items():
            out[cid] = tuple(sorted({*out.get(cid, ()), day}))
        return out


def plan_horizon(plan: Plan) -> tuple[dt.date, dt.date]:
    """First and last day of a plan read from its folder (``plan.json``)."""
    h = plan.meta["horizon"]
    return dt.date.fromisoformat(h["start"]), dt.date.fromisoformat(h["end"])


def windows(tiers: TierTable) -> dict[str, int]:
    """Tier -> match window in days (:func:`planner.report.actuals.match_window_days`)."""
    return {t: match_window_days(tiers[t].every_weeks) for t in tiers.names()}


def top_tier(tiers: TierTable) -> str:
    """The tier with the highest priority (the first one on a tie)."""
    names = tiers.names()
    return max(names, key=lambda t: (tiers[t].priority, -names.index(t)))


def _past_results(
    previous: Plan, log: pd.DataFrame, customers: pd.DataFrame, params: RollParams
) -> pd.DataFrame:
    """The previous plan's visits before the new horizon, matched with the log."""
    start = params.horizon.start
    prev_start, prev_end = plan_horizon(previous)
    past = previous.visits[previous.visits["date"] < start]
    frame = ActualsFrame(
        start=prev_start,
        end=min(prev_end, start - dt.timedelta(days=1)),
        as_of=start - dt.timedelta(days=1),
        window_days=windows(params.tiers),
        top_tier=top_tier(params.tiers),
    )
    names = customers[["customer_id", "name", "tier"]]
    pva, _ = plan_vs_actual(past, log, names, frame)
    return pva[pva["planned_date"].notna()]


def visit_history(
    customers: pd.DataFrame, log: pd.DataFrame, assumed: pd.DataFrame | None, before: dt.date
) -> dict[str, tuple[dt.date, ...]]:
    """Per customer, every date it was visited before ``before`` (sorted, no repeats).

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id, last_visit`` (``None`` = never visited).
    log : pandas.DataFrame
        A validated visit log; its ``done`` rows count.
    assumed : pandas.DataFrame or None
        ``customer_id, planned_date`` of planned visits taken as made.
    before : date
        The new horizon's first day.
    """
    dates: dict[str, set[dt.date]] = {}
    for cid, last in zip(customers["customer_id"], customers["last_visit"], strict=True):
        if last is not None and not pd.isna(last) and last < before:
            dates.setdefault(str(cid), set()).add(last)
    if len(log):
        done = log[(log["status"] == "done") & (log["date"] < before)]
        for cid, day in zip(done["customer_id"], done["date"], strict=True):
            dates.setdefault(str(cid), set()).add(day)
    if assumed is not None and len(assumed):
        for cid, day in zip(assumed["customer_id"], assumed["planned_date"], strict=True):
            dates.setdefault(str(cid), set()).add(day)
    return {cid: tuple(sorted(ds)) for cid, ds in sorted(dates.items())}


def prepare_roll(
    customers: pd.DataFrame, log: pd.DataFrame, previous: Plan | None, params: RollParams
) -> RollInputs:
    """History, carried visits and preferred dates for the next plan (module docstring).

    Parameters
    ----------
    customers : pandas.DataFrame
        Validated customers (:data:`planner.domain.CUSTOMER_COLUMNS`).
    log : pandas.DataFrame
        Validated visit log (rows before ``params.horizon.start``).
    previous : Plan or None
        The previous plan (read from its folder), if any.
    params : RollParams
    """
    start, end = params.horizon.start, params.horizon.end
    carried = pd.DataFrame(columns=CARRY_COLUMNS)
    preferred = pd.DataFrame(columns=PREFERRED_COLUMNS)
    assumed = None
    warnings: list[str] = []
    if previous is not None:
        pva = _past_results(previous, log, customers, params)
        assumed = pva[pva["result"] == NO_REPORT]
        if len(assumed):
            warnings.append(
                f"{len(assumed)} visit(s) of the previous plan before {start} have no row in "
                "the visit log; they are taken as made on their planned day "
                "(planner actuals lists them as no_report)"
            )
        miss = pva[pva["result"].isin([MISSED, CANCELLED])]
        carried = pd.DataFrame(
            {
                "customer_id": miss["customer_id"],
                "rep_id": miss["rep_id"],
                "tier": miss["tier"],
                "planned_date": miss["planned_date"],
                "status": miss["result"],
                "reported": miss["actual_date"],
                "notes": miss["notes"],
            },
            columns=CARRY_COLUMNS,
        ).reset_index(drop=True)
        v = previous.visits
        keep = v[(v["date"] >= start) & (v["date"] <= end)]
        frozen_until = start + dt.timedelta(days=params.freeze_days)
        preferred = pd.DataFrame(
            {
                "customer_id": keep["customer_id"],
                "rep_id": keep["rep_id"],
                "date": keep["date"],
                "frozen": keep["date"] < frozen_until,
            },
            columns=PREFERRED_COLUMNS,
        )
        preferred = preferred.sort_values(["date", "customer_id"], kind="stable")
        preferred = preferred.reset_index(drop=True)
    history = visit_history(customers, log, assumed, start)
    logged = visit_history(customers.iloc[0:0], log, None, start)
    out = customers.copy()
    old = [None if x is None or pd.isna(x) else x for x in out["last_visit"]]
    new = [_later(a, history.get(str(c), ())) for a, c in zip(old, out["customer_id"], strict=True)]
    out["last_visit"] = pd.Series(new, index=out.index, dtype=object)
    updated = sum(1 for a, b in zip(old, new, strict=True) if b is not None and b != a)
    n_assumed = 0 if assumed is None else len(assumed)
    anchors = _anchors(customers, history, carried, preferred, params.tiers)
    return RollInputs(
        out, history, logged, carried, preferred, updated, n_assumed, warnings, anchors
    )


def _anchors(
    customers: pd.DataFrame,
    history: dict[str, tuple[dt.date, ...]],
    carried: pd.DataFrame,
    preferred: pd.DataFrame,
    tiers: TierTable,
) -> dict[str, dt.date]:
    """Anchors: for customers of an interval rule without any visit on record, the last
    visit that keeps the previous plan's commitment in the new plan (the calendar counts
    due visits from it; it is no visit and not written to ``last_visit``).

    - a carried (missed / cancelled) visit: its planned date - the interval, so the visit
      is overdue: due on the new plan's first day, in its first week;
    - else a previous-plan visit inside the new horizon: its date - the interval, so the
      first visit stays due where the previous plan put it (without history the due
      weeks are counted from each horizon's start, and a shorter or later horizon would
      deal the customer's first visit out again).
    """
    first: dict[str, dt.date] = {}
    for cid, day in zip(preferred["customer_id"], preferred["date"], strict=True):
        first[cid] = min(day, first.get(cid, day))
    for cid, day in zip(carried["customer_id"], carried["planned_date"], strict=True):
        first[cid] = min(day, first.get(cid, day))  # a miss comes before the plan's next day
    out: dict[str, dt.date] = {}
    for row in customers.itertuples(index=False):
        cid = str(row.customer_id)
        if history.get(cid) or cid not in first or row.tier not in tiers:
            continue
        rule = customer_rule(
            tiers[row.tier],
            getattr(row, "every_weeks", None),
            getattr(row, "visits_per_year", None),
        )
        if not rule.is_period_rule:
            out[cid] = first[cid] - dt.timedelta(weeks=rule.every_weeks)
    return out


def _later(last: dt.date | None, visited: tuple[dt.date, ...]) -> dt.date | None:
    """The effective last visit: the latest of the file's ``last_visit`` and the history."""
    days = [d for d in (last, *visited) if d is not None]
    return max(days) if days else None


def _pair(prev: list[dict], new: list[dict], window: int) -> tuple[list, list, list]:
    """Pairs of (previous, new) visits of one customer: same date first, then nearest
    within ``window`` days; and the previous / new visits left unpaired."""
    new_by_date = {v["date"]: i for i, v in enumerate(new)}
    pairs: list[tuple[dict, dict]] = []
    free_new = set(range(len(new)))
    rest_prev = []
    for p in prev:
        i = new_by_date.get(p["date"])
        if i is not None and i in free_new:
            free_new.discard(i)
        else:
            rest_prev.append(p)
    left_prev = []
    for p in rest_prev:
        cands = sorted(
            (abs((new[i]["date"] - p["date"]).days), new[i]["date"], i)
            for i in free_new
            if abs((new[i]["date"] - p["date"]).days) <= window
        )
        if cands:
            i = cands[0][2]
            free_new.discard(i)
            pairs.append((p, new[i]))
        else:
            left_prev.append(p)
    return pairs, left_prev, [new[i] for i in sorted(free_new)]


class _Why:
    """What the reasons of :func:`changes_vs_previous` are worked out from."""

    def __init__(
        self, previous: Plan, new: Plan, roll: RollInputs, prev_start: dt.date, frozen: dt.date
    ) -> None:
        self.roll = roll
        self.prev_start = prev_start
        self.frozen_until = frozen
        c = new.customers
        self.active = dict(zip(c["customer_id"], c["active"], strict=True))
        self.known_before = set(previous.customers["customer_id"])
        self.carried = {r.customer_id: r for r in roll.carried.itertuples()}
        self.make_up: dict[tuple[str, dt.date], list[str]] = {}  # (rep, day) -> carried ids
        for v in new.visits.itertuples():
            if v.customer_id in self.carried:
                self.make_up.setdefault((v.rep_id, v.date), []).append(v.customer_id)
        self.unscheduled: dict[str, str] = {}
        for u in new.unscheduled.itertuples():
            self.unscheduled.setdefault(u.customer_id, u.reason)
        self.prev_days: dict[str, set[dt.date]] = {}
        for v in previous.visits.itertuples():
            self.prev_days.setdefault(v.customer_id, set()).add(v.date)

    def made_elsewhere(self, cid: str) -> dt.date | None:
        """The latest visit logged since the previous plan started on a day it did not plan."""
        days = [
            d
            for d in self.roll.logged.get(cid, ())
            if d >= self.prev_start and d not in self.prev_days.get(cid, set())
        ]
        return max(days) if days else None

    def moved(self, cid: str, p: dict, n: dict) -> str:
        if p["rep_id"] != n["rep_id"]:
            return f"the customer moved from rep {p['rep_id']} to {n['rep_id']}"
        if cid in self.carried:
            c = self.carried[cid]
            return f"the visit of {c.planned_date} was {c.status}: the cadence restarts"
        made = self.made_elsewhere(cid)
        if made is not None:
            return f"the cadence follows the visit made on {made}"
        room = self.make_up.get((p["rep_id"], p["date"]))
        if room:
            return f"made room on {p['date']} for the make-up visit of {', '.join(room[:3])}"
        if p["date"] < self.frozen_until:
            return "moved off a frozen day by the calendar"
        return "re-planned by the calendar (day loads and routes changed)"

    def removed(self, cid: str, p: dict) -> str:
        if cid not in self.active:
            return "the customer is no longer in the customers file"
        if not self.active[cid]:
            return "the customer is inactive"
        made = self.made_elsewhere(cid)
        if made is not None:
            return f"visited on {made}: the next visit is due later"
        if cid in self.unscheduled:
            return f"unscheduled in the new plan: {self.unscheduled[cid]}"
        return "not due on these days in the new plan"

    def added(self, cid: str, n: dict) -> str:
        if cid not in self.known_before:
            return "new customer"
        if cid in self.carried:
            c = self.carried[cid]
            return f"carried forward: the visit of {c.planned_date} was {c.status}"
        made = self.made_elsewhere(cid)
        if made is not None:
            return f"the cadence follows the visit made on {made}"
        return "due by the cadence on these days"


def changes_vs_previous(
    previous: Plan, new: Plan, roll: RollInputs, params: RollParams
) -> pd.DataFrame:
    """What the new plan changed on the days both plans cover (``changes_vs_previous.csv``).

    A customer's visits in the two plans are paired on the same date, then with the
    nearest visit within the tier's match window: a pair on different dates is ``moved``
    (``shift_days`` = new - previous), a previous visit left over is ``removed``, a new one
    ``added``. Unchanged visits are not listed. ``reason`` says why, from what the roll
    knows: the rep changed, a visit was missed or cancelled (carried forward), a visit was
    made on another day (the cadence follows it), the customer is new, inactive or gone,
    the new plan could not schedule it, or the calendar re-planned the day.

    Returns
    -------
    pandas.DataFrame
        :data:`CHANGE_COLUMNS` (dates as ``datetime.date``), sorted by date, rep, customer.
    """
    start = params.horizon.start
    prev_start, prev_end = plan_horizon(previous)
    end = min(prev_end, params.horizon.end)
    why = _Why(previous, new, roll, prev_start, start + dt.timedelta(days=params.freeze_days))
    win = windows(params.tiers)

    reach = end + dt.timedelta(days=max(win.values(), default=0))

    def days(visits: pd.DataFrame) -> dict[str, list[dict]]:
        # visits past the common days may still pair with one on them (moved across)
        out: dict[str, list[dict]] = {}
        inside = visits[(visits["date"] >= start) & (visits["date"] <= reach)]
        for v in inside.sort_values(["date"], kind="stable").to_dict("records"):
            out.setdefault(v["customer_id"], []).append(v)
        return out

    prev_by, new_by = days(previous.visits), days(new.visits)
    rows = []
    for cid in sorted(set(prev_by) | set(new_by)):
        p_list, n_list = prev_by.get(cid, []), new_by.get(cid, [])
        tier = (n_list or p_list)[0]["tier"]
        pairs, gone, came = _pair(p_list, n_list, win.get(tier, 3))
        for p, n in pairs:
            if min(p["date"], n["date"]) <= end:
                rows.append(_change("moved", p, n, why.moved(cid, p, n)))
        rows += [_change("removed", p, None, why.removed(cid, p)) for p in gone if p["date"] <= end]
        rows += [_change("added", None, n, why.added(cid, n)) for n in came if n["date"] <= end]
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    if len(out):
        out["_day"] = [p or n for p, n in zip(out["previous_date"], out["new_date"], strict=True)]
        out = out.sort_values(["_day", "rep_id", "customer_id"], kind="stable")
        out = out.drop(columns="_day").reset_index(drop=True)
    return out


def _change(kind: str, p: dict | None, n: dict | None, reason: str) -> dict:
    ref = n or p
    assert ref is not None
    return {
        "change": kind,
        "customer_id": ref["customer_id"],
        "customer_name": ref["customer_name"],
        "tier": ref["tier"],
        "rep_id": ref["rep_id"],
        "previous_rep_id": p["rep_id"] if p else "",
        "previous_date": p["date"] if p else None,
        "new_date": n["date"] if n else None,
        "shift_days": (n["date"] - p["date"]).days if p and n else None,
        "reason": reason,
    }


def stability(previous: Plan, new: Plan, start: dt.date, end: dt.date) -> dict:
    """How much of the previous plan the new one kept on the days both cover.

    Returns ``previous_visits`` (the previous plan's visits in ``start..end``), ``kept``
    (of those, customer and date also in the new plan) and ``kept_pct``.
    """
    pv = previous.visits[(previous.visits["date"] >= start) & (previous.visits["date"] <= end)]
    nv = new.visits[(new.visits["date"] >= start) & (new.visits["date"] <= end)]
    keys = set(zip(nv["customer_id"], nv["date"], strict=True))
    kept = sum(1 for k in zip(pv["customer_id"], pv["date"], strict=True) if k in keys)
    return {
        "previous_visits": len(pv),
        "kept": kept,
        "kept_pct": round(100.0 * kept / len(pv), 1) if len(pv) else None,
    }


@dataclass
class RollSetup:
    """A scenario's roll: its inputs, the previous plan and the log it came from."""

    inputs: RollInputs
    params: RollParams
    previous: Plan | None
    log_files: list[str]
    log_rows: int

    def territory_fields(self, ids: set[str]) -> dict:
        """The :class:`planner.territory_plan.TerritoryProblem` fields of a roll for the
        customers ``ids``: ``visit_history``, ``previous_dates``, ``carried``,
        ``frozen_until``."""
        r = self.inputs
        previous: dict[str, tuple] = {}
        for cid, day in zip(r.preferred["customer_id"], r.preferred["date"], strict=True):
            if cid in ids:
                previous[cid] = (*previous.get(cid, ()), day)
        frozen = None
        if self.previous is not None and self.params.freeze_days:
            frozen = self.params.horizon.start + dt.timedelta(days=self.params.freeze_days)
        carried_from: dict[str, tuple[dt.date, str]] = {}
        for c in r.carried.sort_values("planned_date", kind="stable").itertuples():
            if c.customer_id in ids:
                carried_from.setdefault(c.customer_id, (c.planned_date, c.status))
        return {
            "visit_history": {c: d for c, d in r.calendar_history().items() if c in ids},
            "previous_dates": previous,
            "carried": frozenset(carried_from),
            "frozen_until": frozen,
            "carried_from": carried_from,
        }


def read_roll(scenario, customers: pd.DataFrame, reps: pd.DataFrame) -> RollSetup | None:
    """Read the scenario's ``previous_plan`` and ``actuals`` and prepare the roll.

    ``None`` when the scenario names neither. The log is checked against the customers
    and, with a previous plan, against its reps and assignments on the days of its
    horizon; a row dated on or after the new horizon's start is a problem.

    Raises
    ------
    InputError
        The previous plan folder cannot be read, or the log has problems.
    """
    from planner.io.visit_log import VisitLogParams, empty_visit_log, read_visit_log

    prev_path = scenario.previous_plan_path
    if not scenario.actuals_paths and prev_path is None:
        return None
    previous = Plan.from_dir(prev_path) if prev_path is not None else None
    params = RollParams(scenario.horizon(), scenario.tier_table(), scenario.model.freeze_days)
    log, files = empty_visit_log(), []
    if scenario.actuals_paths:
        check: dict = {}
        if previous is not None:
            a = previous.assignments
            check = {
                "rep_ids": frozenset(previous.reps["rep_id"]) | frozenset(reps["rep_id"]),
                "customer_reps": dict(zip(a["customer_id"], a["rep_id"], strict=True)),
                "rep_days": plan_horizon(previous),
            }
        res = read_visit_log(
            VisitLogParams(
                paths=scenario.actuals_paths,
                customer_ids=frozenset(customers["customer_id"]),
                as_of=params.horizon.start - dt.timedelta(days=1),
                as_of_label="the day before the plan starts",
                **check,
            )
        )
        log, files = res.log, res.files
    roll = prepare_roll(customers, log, previous, params)
    return RollSetup(roll, params, previous, files, len(log))


def late_make_ups(new: Plan) -> int:
    """Make-up visits the new plan could not place within the carry deadline (reported in
    ``unscheduled.csv``, reason starting with
    :data:`planner.schedule.preferred.CARRIED_REASON`)."""
    from planner.schedule.preferred import CARRIED_REASON

    return int(new.unscheduled["reason"].astype(str).str.startswith(CARRIED_REASON).sum())


def late_make_up_warning(new: Plan) -> list[str]:
    """The warning for :func:`late_make_ups` (none when every make-up visit is placed)."""
    from planner.schedule.preferred import CARRY_WORKING_DAYS

    n = late_make_ups(new)
    if not n:
        return []
    return [
        f"{n} missed/cancelled visit(s) could not be made up within {CARRY_WORKING_DAYS} "
        "working days (or by the day the customer's rule runs out, when sooner): see "
        "unscheduled.csv (reason 'make-up visit carried forward')"
    ]


def roll_meta(setup: RollSetup, new: Plan) -> dict:
    """What ``plan.json`` records about a roll (``rolling``) and the stability figures."""
    r = setup.inputs
    meta: dict[str, object] = {
        "previous_plan": str(setup.previous.meta.get("scenario", "")) if setup.previous else None,
        "actuals": setup.log_files,
        "log_rows": setup.log_rows,
        "updated_last_visits": r.updated_last_visits,
        "assumed_done": r.assumed_done,
        "carried": len(r.carried),
        "carried_unscheduled": late_make_ups(new),
        "preferred": len(r.preferred),
        "freeze_days": setup.params.freeze_days,
    }
    if setup.previous is not None:
        _, prev_end = plan_horizon(setup.previous)
        h = setup.params.horizon
        meta["stability"] = stability(setup.previous, new, h.start, min(prev_end, h.end))
    return meta
