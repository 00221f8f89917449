"""``planner check``: recompute a plan from its inputs and list every rule it breaks.

The check is independent of the solvers: it only reads the plan's tables, the customers
and reps it was made for, the scenario's rules (from ``plan.json``) and the travel model,
and recomputes each route leg by leg. Users run it after editing ``visits.csv`` by hand;
tests run it on every plan.

Rules checked (each violation has a ``kind``):

``unknown``
    a visit names a customer that is not in ``customers.csv``;
``inactive``
    an inactive customer is visited;
``territory``
    a customer is visited by another rep than the one ``assignments.csv`` gives it;
``unavailable``
    a rep works on a date that is not one of its working dates;
``double``
    a customer is visited twice on the same day;
``sequence``
    ``seq`` is not 1..n on a day;
``travel`` / ``distance``
    a leg's travel time or distance differs from the travel model;
``arrival``
    arrival is not departure from the previous point + travel (+ the break taken on
    that leg);
``early``
    service starts before the rep arrives (or before the break ends);
``duration``
    departure is not start + the customer's service time;
``opening_hours``
    the service is not inside one of the customer's opening intervals that day;
``appointment``
    a visit with an appointment does not start at the agreed time;
``work_start`` / ``late``
    the rep leaves before the workday starts or is back home after it ends;
``break``
    the lunch break is missing while the day spans the lunch window, has the wrong
    length, lies outside its window or overlaps a service;
``max_visits``
    more visits than the rep's ``max_visits_per_day``;
``route``
    ``routes.csv`` does not match the day's visits (count, totals, start, end);
``missing`` / ``unexpected``
    a due visit is neither in ``visits.csv`` nor in ``unscheduled.csv``, or a visit (or
    unscheduled row) matches no due visit;
``window``
    a visit lies outside the dates its due visit allows;
``kpis``
    ``kpis.json`` disagrees with the tables;
``holiday``
    a visit on a public holiday or company day off (the scenario's ``holidays`` and
    ``extra_days_off``);
``period``
    a calendar period of a ``visits: {count, per}`` rule holds fewer visits than the
    plan must hold there (visits the plan reports as unscheduled excuse the shortfall);
``max_gap`` / ``min_gap``
    two consecutive visits of a customer (its last visit included) are further apart
    than the rule's ``max_gap_days`` (not flagged when the customer has an unscheduled
    visit, which already reports it) or closer than ``min_gap_days``.

Plans read back from CSV carry times rounded to the minute: :func:`check_plan_dir`
allows 60 s on times (90 s after a departure, which adds the rounding of the service
time) and the rounding of ``travel_min`` / ``distance_km``; in memory, :func:`check_plan`
is exact by default.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.domain import NO_DAYS_OFF, Horizon, TierTable, WorkCalendar, Workday
from planner.matrix import TravelMatrix, home_id, start_id
from planner.plan import Plan
from planner.schedule import (
    calendar_periods,
    customer_histories,
    due_visits,
    match_appointments,
    rep_window,
    rep_work_dates,
    rules_of,
)
from planner.units import format_clock


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (rep, date, customer) and what (``kind``, ``message``)."""

    rep_id: str
    date: dt.date | None
    customer_id: str
    kind: str
    message: str

    def __str__(self) -> str:
        where = " ".join(
            x
            for x in (self.rep_id, self.date.isoformat() if self.date else "", self.customer_id)
            if x
        )
        return f"{where}: [{self.kind}] {self.message}"


@dataclass(frozen=True)
class CheckParams:
    """The rules a plan is checked against.

    Parameters
    ----------
    horizon, workday, tiers
        The scenario's horizon, default workday (a rep's own hours win) and tier rules.
    max_shift_days, seed
        As planned (they define the due visits and their windows).
    time_tol_s : int
        Allowed difference on clock times (60 for plans read from CSV, 0 in memory).
    travel_tol_s, dist_tol_m : int
        Allowed difference on leg travel and distance (CSV rounding).
    calendar : WorkCalendar
        Public holidays, company days off and make-up working days.
    visit_history : dict
        ``customer_id -> past visit dates`` the plan was made with (besides
        ``last_visit``).
    """

    horizon: Horizon
    workday: Workday
    tiers: TierTable
    max_shift_days: int = 1
    seed: int = 0
    time_tol_s: int = 0
    travel_tol_s: int = 0
    dist_tol_m: int = 0
    calendar: WorkCalendar = NO_DAYS_OFF
    visit_history: dict = field(default_factory=dict)


MatrixFor = Callable[[list[str]], TravelMatrix]


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and pd.isna(x)) or x is pd.NaT


def _clock(s) -> str:
    return format_clock(s) if not _blank(s) else "-"


def check_plan(
    plan: Plan, matrix_for: MatrixFor | TravelMatrix, params: CheckParams
) -> list[Violation]:
    """Every rule the plan breaks (empty list: the plan is sound).

    Parameters
    ----------
    plan : Plan
        The plan (its ``customers``, ``reps``, ``assignments`` and ``appointments`` are the
        inputs it is checked against).
    matrix_for : callable or TravelMatrix
        ``ids -> TravelMatrix`` (e.g. a travel model's ``matrix``), or one matrix holding
        every id.
    params : CheckParams
        The rules.

    Returns
    -------
    list of Violation
        Sorted by rep, date, customer.
    """
    if isinstance(matrix_for, TravelMatrix):
        full = matrix_for
        matrix_for = full.sub
    out: list[Violation] = []
    cust = {str(r["customer_id"]): r for r in plan.customers.to_dict("records")}
    reps = {str(r["rep_id"]): r for r in plan.reps.to_dict("records")}
    owner = dict(
        zip(
            plan.assignments["customer_id"].astype(str),
            plan.assignments["rep_id"].astype(str),
            strict=True,
        )
    )
    appts: dict[tuple[str, dt.date], int] = {}
    if plan.appointments is not None and len(plan.appointments):
        for a in plan.appointments.itertuples(index=False):
            appts[(str(a.customer_id), a.date)] = int(a.start_s)
    routes = {(str(r["rep_id"]), r["date"]): r for r in plan.routes.to_dict("records")}
    visits = plan.visits
    seen_days = set()
    for rep_id, rep_visits in visits.groupby("rep_id", sort=True):
        rep_id = str(rep_id)
        rep = reps.get(rep_id)
        if rep is None:
            out.append(Violation(rep_id, None, "", "unknown", f"rep {rep_id} is not in reps.csv"))
            continue
        ids = sorted({c for c in rep_visits["customer_id"].astype(str) if c in cust})
        m = matrix_for([start_id(rep_id), home_id(rep_id), *ids])
        work_dates = set(rep_work_dates(rep, params.horizon, params.calendar))
        for day, grp in rep_visits.groupby("date", sort=True):
            seen_days.add((rep_id, day))
            out += _check_day(
                rep,
                work_dates,
                day,
                grp.sort_values("seq", kind="stable"),
                routes.get((rep_id, day)),
                cust,
                owner,
                appts,
                m,
                params,
            )
    for (rep_id, day), r in routes.items():
        if (rep_id, day) not in seen_days and int(r["visits"]) > 0:
            out.append(
                Violation(
                    rep_id,
                    day,
                    "",
                    "route",
                    f"routes.csv lists {r['visits']} visits but visits.csv none",
                )
            )
    out += _check_due(plan, params)
    out += _check_kpis(plan)
    out.sort(key=lambda v: (v.rep_id, v.date or dt.date.min, v.customer_id, v.kind))
    return out


def _check_day(
    rep: dict,
    work_dates: set[dt.date],
    day: dt.date,
    grp: pd.DataFrame,
    route: dict | None,
    cust: dict,
    owner: dict,
    appts: dict,
    m: TravelMatrix,
    p: CheckParams,
) -> list[Violation]:
    rep_id = str(rep["rep_id"])
    out: list[Violation] = []

    def bad(cid: str, kind: str, msg: str) -> None:
        out.append(Violation(rep_id, day, cid, kind, msg))

    tt, dt_tol, dm_tol = p.time_tol_s, p.travel_tol_s, p.dist_tol_m
    # a shown departure is the rounded start + the rounded service time (a 12.5-min visit
    # from 10:01:40 shows 10:02-10:15, 30 s late): up to 1.5 roundings off, so what follows
    # a departure is compared with that much room
    dep_tt = tt + tt // 2
    ws, we = rep_window(rep, p.workday)
    if p.calendar.is_day_off(day):
        bad("", "holiday", f"{day.isoformat()} is a day off: {p.calendar.name(day)}")
    elif day not in work_dates:
        bad(
            "",
            "unavailable",
            f"{day.isoformat()} is not a working date of rep {rep_id} in the horizon",
        )
    seqs = list(grp["seq"].astype(int))
    if seqs != list(range(1, len(seqs) + 1)):
        bad("", "sequence", f"seq is {seqs}, expected 1..{len(seqs)}")
    counts = Counter(grp["customer_id"].astype(str))
    for cid, n in counts.items():
        if n > 1:
            bad(cid, "double", f"visited {n} times on the same day")
    max_v = 0 if _blank(rep.get("max_visits_per_day")) else int(rep["max_visits_per_day"])
    if max_v > 0 and len(grp) > max_v:
        bad("", "max_visits", f"{len(grp)} visits > max_visits_per_day {max_v}")
    if route is None:
        bad("", "route", "the day has visits but no row in routes.csv")
        return out
    r_start, r_end = int(route["start_s"]), int(route["end_s"])
    raw_bs, raw_be = route.get("break_start_s"), route.get("break_end_s")
    has_break = not _blank(raw_bs) and not _blank(raw_be)
    bs, be = (int(raw_bs), int(raw_be)) if has_break else (0, 0)  # type: ignore[arg-type]
    lunch = p.workday.lunch
    if r_start < ws - tt:
        bad(
            "",
            "work_start",
            f"leaves at {_clock(r_start)}, before the workday starts at {_clock(ws)}",
        )
    if r_end > we + tt:
        bad("", "late", f"back home at {_clock(r_end)}, after the workday ends at {_clock(we)}")
    if has_break:
        if lunch is None:
            bad("", "break", "a break is planned but the scenario has no lunch rule")
        else:
            if abs((be - bs) - lunch.duration_s) > tt:
                bad(
                    "",
                    "break",
                    f"break {_clock(bs)}-{_clock(be)} is not {lunch.duration_s // 60} min long",
                )
            if bs < lunch.earliest_s - tt or be > lunch.latest_s + tt:
                bad(
                    "",
                    "break",
                    f"break {_clock(bs)}-{_clock(be)} is outside the lunch "
                    f"window {_clock(lunch.earliest_s)}-{_clock(lunch.latest_s)}",
                )
        if bs < r_start - tt or be > r_end + tt:
            bad(
                "",
                "break",
                f"break {_clock(bs)}-{_clock(be)} is outside the day "
                f"{_clock(r_start)}-{_clock(r_end)}",
            )
    elif lunch is not None and not (
        r_end <= lunch.latest_s - lunch.duration_s + tt
        or r_start >= lunch.earliest_s + lunch.duration_s - tt
    ):
        bad(
            "",
            "break",
            f"the day {_clock(r_start)}-{_clock(r_end)} spans the lunch window "
            f"{_clock(lunch.earliest_s)}-{_clock(lunch.latest_s)} but has no break",
        )

    prev, dep = start_id(rep_id), r_start
    travel_sum = dist_sum = service_sum = 0
    for v in grp.to_dict("records"):
        cid = str(v["customer_id"])
        c = cust.get(cid)
        if c is None:
            bad(cid, "unknown", "customer is not in customers.csv")
            continue
        if not bool(c["active"]):
            bad(cid, "inactive", "customer is inactive but visited")
        if owner.get(cid) not in (None, rep_id):
            bad(cid, "territory", f"customer belongs to rep {owner[cid]}'s territory")
        t, d = m.time_s(prev, cid), m.distance_m(prev, cid)
        travel_sum += t
        dist_sum += d
        arr, st, de = int(v["arrival_s"]), int(v["start_s"]), int(v["departure_s"])
        if abs(int(v["travel_s"]) - t) > dt_tol:
            bad(
                cid,
                "travel",
                f"travel from the previous point is {int(v['travel_s'])} s in "
                f"the plan, {t} s in the travel model",
            )
        if abs(int(v["dist_m"]) - d) > dm_tol:
            bad(
                cid,
                "distance",
                f"distance from the previous point is {int(v['dist_m'])} m "
                f"in the plan, {d} m in the travel model",
            )
        brk_here = has_break and dep - tt <= bs and be <= st + tt
        # the break is taken on the way (arrival later by its length) when it starts
        # before the rep would arrive, else after arriving; times read from CSV are
        # rounded, so within the tolerance both readings are accepted
        brk_on_way = brk_here and bs < dep + t
        expects = [dep + t + ((be - bs) if brk_on_way else 0)]
        if brk_here and abs(bs - (dep + t)) <= tt:
            expects = [dep + t, dep + t + (be - bs)]
        expect = expects[0]
        if all(abs(arr - e) > dep_tt for e in expects):
            bad(
                cid,
                "arrival",
                f"arrives {_clock(arr)}, but leaving the previous point at "
                f"{_clock(dep)} with {t / 60:.1f} min travel"
                f"{' and the break' if brk_on_way else ''} gives "
                f"{_clock(expect)}",
            )
        if st < arr - tt or (brk_here and st < be - tt):
            bad(
                cid,
                "early",
                f"service starts {_clock(st)} before the rep is there "
                f"({_clock(max(arr, be) if brk_here else arr)})",
            )
        svc = int(c["service_s"])
        service_sum += svc
        if abs(de - (st + svc)) > tt:
            bad(
                cid,
                "duration",
                f"departure {_clock(de)} is not start {_clock(st)} + {svc // 60} min service",
            )
        fixed = appts.get((cid, day))
        if fixed is not None:
            if abs(st - fixed) > tt:
                bad(
                    cid,
                    "appointment",
                    f"starts {_clock(st)}, the appointment is at {_clock(fixed)}",
                )
        else:
            wins = c["hours"][day.weekday()]
            if not any(o - tt <= st and st + svc <= cl + tt for o, cl in wins):
                hours = ", ".join(f"{_clock(o)}-{_clock(cl)}" for o, cl in wins) or "closed"
                bad(
                    cid,
                    "opening_hours",
                    f"service {_clock(st)}-{_clock(st + svc)} is "
                    f"outside the opening hours ({hours}) that "
                    f"{day.strftime('%A')}",
                )
        if has_break and not (be <= st + tt or bs >= st + svc - tt):
            bad(
                cid,
                "break",
                f"break {_clock(bs)}-{_clock(be)} overlaps the service "
                f"{_clock(st)}-{_clock(st + svc)}",
            )
        prev, dep = cid, de
    t, d = m.time_s(prev, home_id(rep_id)), m.distance_m(prev, home_id(rep_id))
    travel_sum += t
    dist_sum += d
    brk_last = has_break and bs >= dep - tt and bs < dep + t
    expect_end = dep + t + ((be - bs) if brk_last else 0)
    if r_end < expect_end - dep_tt:
        bad(
            "",
            "late",
            f"routes.csv says home at {_clock(r_end)}, but the last departure "
            f"{_clock(dep)} + {t / 60:.1f} min travel home gives "
            f"{_clock(expect_end)}",
        )
    n = len(grp)
    if int(route["visits"]) != n:
        bad("", "route", f"routes.csv says {route['visits']} visits, visits.csv has {n}")
    slack = (n + 1) * dt_tol
    if abs(int(route["travel_s"]) - travel_sum) > slack:
        bad(
            "",
            "route",
            f"routes.csv travel {int(route['travel_s'])} s != sum of legs incl. "
            f"the way home {travel_sum} s",
        )
    if abs(int(route["dist_m"]) - dist_sum) > (n + 1) * dm_tol:
        bad(
            "", "route", f"routes.csv distance {int(route['dist_m'])} m != sum of legs {dist_sum} m"
        )
    if abs(int(route["service_s"]) - service_sum) > n * tt:
        bad("", "route", f"routes.csv service {int(route['service_s'])} s != {service_sum} s")
    return out


def _check_due(plan: Plan, p: CheckParams) -> list[Violation]:
    """Due visits (recomputed per territory) against visits + unscheduled."""
    out: list[Violation] = []
    cust = plan.customers[plan.customers["active"].astype(bool)]
    reps = {str(r["rep_id"]): r for r in plan.reps.to_dict("records")}
    required: Counter = Counter()
    windows: dict[tuple[str, dt.date], tuple[dt.date, dt.date, bool]] = {}
    appts = plan.appointments
    for rep_id, grp in plan.assignments.groupby("rep_id", sort=True):
        rep = reps.get(str(rep_id))
        if rep is None:  # a vacant territory: its visits are due on Monday-Friday
            rep = {"rep_id": str(rep_id)}
        tc = (
            cust[cust["customer_id"].isin(grp["customer_id"])]
            .sort_values("customer_id", kind="stable")
            .reset_index(drop=True)
        )
        work = rep_work_dates(rep, p.horizon, p.calendar)
        due = due_visits(
            tc,
            p.horizon,
            p.tiers,
            p.seed,
            work_dates=work,
            max_shift_days=p.max_shift_days,
            history=p.visit_history,
        )
        out += _check_frequency(plan, tc, due, p)
        a = None
        if appts is not None and len(appts):
            a = appts[appts["customer_id"].isin(tc["customer_id"])]
        due, fixed = match_appointments(due, a, p.horizon, tc, p.tiers)
        for v in due:
            required[(v.customer_id, v.due_date)] += 1
            windows[(v.customer_id, v.due_date)] = (
                v.earliest,
                v.latest,
                (v.customer_id, v.due_date) in fixed,
            )
    seen: Counter = Counter()
    for v in plan.visits.to_dict("records"):
        key = (str(v["customer_id"]), v["due_date"])
        seen[key] += 1
        w = windows.get(key)
        if w is not None and not w[2] and not (w[0] <= v["date"] <= w[1]):
            out.append(
                Violation(
                    str(v["rep_id"]),
                    v["date"],
                    key[0],
                    "window",
                    f"visit due {key[1]} must be between {w[0]} and {w[1]}",
                )
            )
    for u in plan.unscheduled.to_dict("records"):
        seen[(str(u["customer_id"]), u["due_date"])] += 1
    owner = dict(
        zip(
            plan.assignments["customer_id"].astype(str),
            plan.assignments["rep_id"].astype(str),
            strict=True,
        )
    )
    for key in sorted(set(required) | set(seen), key=lambda k: (k[0], k[1] or dt.date.min)):
        need, got = required[key], seen[key]
        rep_of = owner.get(key[0], "")
        due_text = key[1].isoformat() if key[1] else "?"
        if got < need:
            out.append(
                Violation(
                    rep_of,
                    None,
                    key[0],
                    "missing",
                    f"visit due {due_text} is neither in visits.csv nor in unscheduled.csv",
                )
            )
        elif got > need:
            out.append(
                Violation(
                    rep_of,
                    None,
                    key[0],
                    "unexpected",
                    f"{got - need} visit(s) with due date {due_text} that the tier "
                    "rule does not ask for",
                )
            )
    return out


def _check_frequency(plan: Plan, customers: pd.DataFrame, due, p: CheckParams) -> list[Violation]:
    """Period counts and gaps of one territory's customers (see the module docstring)."""
    out: list[Violation] = []
    if not len(customers):
        return out
    rules = rules_of(customers, p.tiers)
    pasts = customer_histories(customers, p.visit_history)
    planned: dict[str, list[dt.date]] = {}
    rep_of: dict[str, str] = {}
    for cid, day, rep in zip(
        plan.visits["customer_id"], plan.visits["date"], plan.visits["rep_id"]
    ):
        planned.setdefault(str(cid), []).append(day)
        rep_of[str(cid)] = str(rep)
    missing: dict[str, list[dt.date]] = {}
    for cid, d in zip(plan.unscheduled["customer_id"], plan.unscheduled["due_date"]):
        missing.setdefault(str(cid), []).append(d)
    need: dict[tuple[str, str], int] = {}
    for v in due:
        if v.period:
            need[(v.customer_id, v.period)] = need.get((v.customer_id, v.period), 0) + 1
    h = p.horizon
    for cid in customers["customer_id"].astype(str):
        rule, dates = rules[cid], sorted(planned.get(cid, []))
        rep = rep_of.get(cid, "")
        if rule.is_period_rule:
            for label, a, b in calendar_periods(rule.visits_per, h.start, h.end):
                req = need.get((cid, label), 0)
                got = sum(max(a, h.start) <= d <= min(b, h.end) for d in dates)
                excused = sum(a <= d <= b for d in missing.get(cid, []))
                if got + excused < req:
                    out.append(
                        Violation(
                            rep,
                            None,
                            cid,
                            "period",
                            f"{label} ({a}..{b}) must hold {req} visit(s) in this plan "
                            f"(rule {rule.describe()}), the plan has {got}",
                        )
                    )
        past = [d for d in pasts[cid] if d < h.start]
        seq = past[-1:] + dates
        for x, y in zip(seq, seq[1:]):
            gap = (y - x).days
            if rule.max_gap_days and gap > rule.max_gap_days and cid not in missing:
                out.append(
                    Violation(
                        rep,
                        y,
                        cid,
                        "max_gap",
                        f"{gap} days since the visit on {x}, more than max_gap_days "
                        f"{rule.max_gap_days}",
                    )
                )
            if rule.min_gap_days and gap < rule.min_gap_days:
                out.append(
                    Violation(
                        rep,
                        y,
                        cid,
                        "min_gap",
                        f"only {gap} days after the visit on {x}, less than min_gap_days "
                        f"{rule.min_gap_days}",
                    )
                )
    return out


def _check_kpis(plan: Plan) -> list[Violation]:
    k = plan.kpis or {}
    out = []
    expect = {
        "scheduled_visits": len(plan.visits),
        "unscheduled_visits": len(plan.unscheduled),
        "required_visits": len(plan.visits) + len(plan.unscheduled),
    }
    for key, val in expect.items():
        if key in k and int(k[key]) != val:
            out.append(
                Violation(
                    "", None, "", "kpis", f"kpis.json {key} = {k[key]}, the tables give {val}"
                )
            )
    return out


def check_plan_dir(path: str | Path) -> list[Violation]:
    """Check a plan directory written by ``planner plan`` (also after a manual edit).

    The rules come from the settings recorded in ``plan.json``; the travel model is
    rebuilt from them (a road network is read from its cache when present).

    Raises
    ------
    InputError
        The directory is not a readable plan (exit 2).
    """
    from planner.errors import InputError, Problem
    from planner.pipeline import Inputs, build_travel
    from planner.scenario import Scenario, ScenarioModel

    path = Path(path)
    plan = Plan.from_dir(path)
    try:
        model = ScenarioModel.model_validate(plan.meta["settings"])
    except Exception as e:  # noqa: BLE001 - any defect in plan.json is bad input
        raise InputError(
            [
                Problem(
                    str(path / "plan.json"),
                    f"cannot read the scenario settings: {e}",
                    fix="re-run 'planner plan' to write a fresh plan",
                )
            ]
        ) from None
    scenario = Scenario(model, Path(plan.meta.get("scenario_file", path / "scenario.yaml")))
    inputs = Inputs(
        plan.customers,
        plan.reps,
        plan.appointments if plan.appointments is not None else pd.DataFrame(),
    )
    travel = build_travel(scenario, inputs)
    params = CheckParams(
        horizon=scenario.horizon(),
        workday=scenario.workday(),
        tiers=scenario.tier_table(),
        max_shift_days=model.routing.max_shift_days,
        seed=scenario.seed,
        time_tol_s=60,
        travel_tol_s=6,
        dist_tol_m=10,
        calendar=scenario.work_calendar(),
        visit_history=plan.history or {},  # a rolled plan's history.csv
    )
    return check_plan(plan, travel.matrix, params)
