"""Frequency rules (every_weeks / visits per period, gaps, cadence), holidays, and the
calendar's day choice: hand-made instances whose correct answer is known, an exhaustive
search on a tiny instance, and invariants on random small instances."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from test_territory_plan import as_plan

from planner.check import CheckParams, check_plan
from planner.domain import BreakRule, Horizon, TierRule, TierTable, Workday
from planner.hours import parse_opening_hours
from planner.routing import RoutingParams
from planner.schedule import CalendarParams, assign_days, due_visits, frequency_table
from planner.schedule.search import DayBook, DayHours, Search
from planner.schedule.synthetic import haversine_travel
from planner.territory_plan import TerritoryProblem, plan_territory
from planner.workdays import build_work_calendar, rep_work_dates

D = dt.date
MONDAY = D(2026, 1, 5)
LUNCH = Workday(8 * 3600, 16 * 3600 + 1800, BreakRule(11 * 3600 + 1800, 13 * 3600 + 1800, 1800))
KA = TierTable(
    {
        "K1": TierRule("K1", 13, 60, 3, visits_count=1, visits_per="quarter"),
        "K2": TierRule("K2", 26, 45, 2, visits_count=1, visits_per="half_year"),
        "K3": TierRule("K3", 17, 30, 1, visits_count=3, visits_per="year"),
    }
)


def table(rows, hours="Mo-Fr 08:00-18:00", seed=0, service_min=30) -> pd.DataFrame:
    """Customers ``(id, tier, last_visit[, overrides dict])`` near Copenhagen."""
    rng = np.random.default_rng(seed)
    out = []
    for i, r in enumerate(rows):
        cid, tier, last = r[:3]
        extra = r[3] if len(r) > 3 else {}
        out.append(
            {
                "customer_id": cid,
                "name": cid,
                "lat": 55.68 + rng.uniform(-0.05, 0.05),
                "lon": 12.57 + rng.uniform(-0.08, 0.08),
                "tier": tier,
                "address": "",
                "phone": "",
                "notes": "",
                "service_s": service_min * 60,
                "hours": parse_opening_hours(extra.get("hours", hours)),
                "last_visit": last,
                "rep_id": None,
                "territory_id": None,
                "active": True,
                "source_row": i + 2,
                "every_weeks": extra.get("every_weeks"),
                "visits_per_year": extra.get("visits_per_year"),
            }
        )
    return pd.DataFrame(out)


def rep(**kw) -> dict:
    return {
        "rep_id": "R1",
        "name": "R",
        "home_lat": 55.68,
        "home_lon": 12.57,
        "start_lat": 55.68,
        "start_lon": 12.57,
        "work_start_s": 8 * 3600,
        "work_end_s": 16 * 3600 + 1800,
        "working_days": (0, 1, 2, 3, 4),
        "max_visits_per_day": 0,
        "unavailable": (),
        "source_row": 2,
        **kw,
    }


def windows(due, cid):
    return [(v.earliest, v.latest) for v in due if v.customer_id == cid]


# ---------------------------------------------------------------- rule kinds
def test_quarter_rule_one_visit_per_quarter_and_share_of_a_partial_quarter():
    h = Horizon(MONDAY, 26)  # 2026-01-05 .. 2026-07-05: Q1, Q2 and 5 days of Q3
    due = due_visits(table([("k", "K1", None)]), h, KA)
    assert windows(due, "k") == [(MONDAY, D(2026, 3, 31)), (D(2026, 4, 1), D(2026, 6, 30))]
    assert [v.period for v in due] == ["2026-Q1", "2026-Q2"]
    # Q3 is covered 5 days of 92: its visit is due for ~5/92 of the customers only
    many = due_visits(table([(f"k{i}", "K1", None) for i in range(40)]), h, KA)
    q3 = [v for v in many if v.period == "2026-Q3"]
    assert len(q3) == round(40 * 5 / 92)


def test_three_a_year_splits_the_year_and_counts_visits_already_made():
    h = Horizon(MONDAY, 52)
    due = due_visits(table([("y", "K3", None)]), h, KA)
    assert windows(due, "y") == [
        (D(2026, 1, 5), D(2026, 5, 4)),
        (D(2026, 5, 5), D(2026, 9, 1)),
        (D(2026, 9, 2), D(2026, 12, 31)),
    ]
    # a visit on 2 January (this year) already counts: two remain, in halves of the rest
    due = due_visits(table([("y", "K3", None)]), h, KA, history={"y": [D(2026, 1, 2)]})
    assert windows(due, "y") == [(D(2026, 1, 5), D(2026, 7, 3)), (D(2026, 7, 4), D(2026, 12, 31))]


def test_max_and_min_gap_bound_the_first_window_and_overdue():
    tiers = TierTable(
        {"Q": TierRule("Q", 13, 30, 1, visits_count=1, visits_per="quarter", max_gap_days=100)}
    )
    h = Horizon(MONDAY, 13)
    due = due_visits(table([("a", "Q", D(2025, 12, 1)), ("b", "Q", D(2025, 9, 1))]), h, tiers)
    assert windows(due, "a")[0] == (MONDAY, D(2026, 3, 11))  # 1 Dec + 100 days
    first_b = [v for v in due if v.customer_id == "b"][0]
    assert first_b.overdue and (first_b.earliest, first_b.latest) == (MONDAY, D(2026, 1, 11))
    tiers2 = TierTable({"W": TierRule("W", 4, 30, 1, min_gap_days=25)})
    due = due_visits(table([("c", "W", D(2025, 12, 22))]), h, tiers2)
    assert windows(due, "c")[0] == (D(2026, 1, 16), D(2026, 1, 26))  # 22 Dec + 25 d; due 19 Jan +-7


def test_flexible_without_history_one_visit_per_block_weekday_cadence_picks_phase():
    h = Horizon(MONDAY, 8)
    flex = TierTable({"C": TierRule("C", 4, 20, 1)})  # default: flexible
    due = due_visits(table([("c", "C", None)]), h, flex)
    assert flex["C"].cadence_mode == "flexible"
    assert windows(due, "c") == [(MONDAY, D(2026, 2, 1)), (D(2026, 2, 2), D(2026, 3, 1))]
    assert not any(v.weekly_pattern for v in due)
    wk = TierTable({"B": TierRule("B", 2, 30, 1)})  # default: weekday
    due = due_visits(table([("b", "B", None)]), h, wk)
    assert all(v.weekly_pattern and v.phase_free for v in due) and len(due) == 4


def test_customer_override_replaces_the_tier_rule():
    h = Horizon(MONDAY, 8)
    rows = [("o", "K1", None, {"every_weeks": 2}), ("p", "K1", None, {"visits_per_year": 12})]
    due = due_visits(table(rows), h, KA)
    assert len([v for v in due if v.customer_id == "o"]) == 4  # every 2 weeks
    assert [v.period for v in due if v.customer_id == "p"] == ["2026"] * 2  # 12 a year: 2 due


def test_priority_defaults_to_tier_order(tmp_path):
    from planner.scenario import load_scenario

    (tmp_path / "c.csv").write_text("id\n")
    (tmp_path / "r.csv").write_text("id\n")
    (tmp_path / "s.yaml").write_text(
        "customers: c.csv\nreps: r.csv\nhorizon: {start: 2026-01-05, weeks: 52}\n"
        "holidays: CN\ntiers:\n"
        "  T1: {visits: {count: 1, per: quarter}, service_min: 60}\n"
        "  T2: {visits: {count: 1, per: half_year}, service_min: 45}\n"
        "  T3: {visits: {count: 3, per: year}, service_min: 30, max_gap_days: 150}\n"
    )
    sc = load_scenario(tmp_path / "s.yaml")
    t = sc.tier_table()
    assert [t[n].priority for n in ("T1", "T2", "T3")] == [3, 2, 1]  # T3 (3/yr) below T2
    assert t["T3"].max_gap_days == 150 and t["T1"].cadence_mode == "flexible"
    assert D(2026, 10, 1) in sc.work_calendar().days_off


# ---------------------------------------------------------------- holidays
def test_holiday_and_make_up_working_day_move_visits():
    h = Horizon(D(2026, 9, 28), 2)  # China's National Day holiday 1-7 Oct 2026
    cal = build_work_calendar("CN", [2026])
    dates = rep_work_dates(rep(), h, cal)
    assert not any(D(2026, 10, 1) <= d <= D(2026, 10, 7) for d in dates)
    assert D(2026, 10, 10) in dates  # a Saturday worked instead
    tiers = TierTable({"W": TierRule("W", 1, 30, 1, cadence="flexible")})
    cust = table([("sat", "W", D(2026, 9, 26), {"hours": "Sa 09:00-17:00"}), ("wk", "W", None)])
    m = haversine_travel(cust, rep())
    params = CalendarParams(h, tiers, LUNCH, calendar=cal)
    due = due_visits(cust, h, tiers, work_dates=dates)
    res = assign_days(cust, rep(), due, m, None, params)
    got = sorted(zip(res.visits["customer_id"], res.visits["date"]))
    assert ("sat", D(2026, 10, 10)) in got  # only the make-up Saturday is open and worked
    assert all(not (D(2026, 10, 1) <= d <= D(2026, 10, 7)) for _, d in got)
    # without the holidays, the Saturday shop cannot be visited at all
    plain = assign_days(cust, rep(), due_visits(cust, h, tiers), m, None, CalendarParams(h, tiers))
    assert "sat" in set(plain.unplaced["customer_id"])


# ---------------------------------------------------------------- check
def ka_problem(n=12, seed=3, weeks=26, tiers=KA) -> TerritoryProblem:
    rng = np.random.default_rng(seed)
    names = tiers.names()
    rows = [(f"C{i:02d}", names[int(rng.integers(len(names)))], None) for i in range(n)]
    cust = table(rows, seed=seed)
    r = rep()
    return TerritoryProblem(
        "T1",
        r,
        cust,
        pd.DataFrame(columns=["customer_id", "date", "start_s", "source_row"]),
        haversine_travel(cust, r),
        Horizon(MONDAY, weeks),
        LUNCH,
        tiers,
        RoutingParams(time_limit_s=2.0),
        seed=seed,
        calendar=build_work_calendar("DK", [2026]),
    )


def check_kinds(problem, plan):
    params = CheckParams(
        problem.horizon,
        problem.workday,
        problem.tiers,
        seed=problem.seed,
        calendar=problem.calendar,
    )
    return {v.kind for v in check_plan(plan, problem.matrix, params)}


@pytest.fixture(scope="module")
def ka_plan():
    tiers = TierTable({**KA.rules, "K3": TierRule("K3", 17, 30, 1, 3, "year", max_gap_days=150)})
    problem = ka_problem(tiers=tiers)
    return problem, plan_territory(problem)


def test_key_account_plan_meets_every_rule_and_lists_frequency(ka_plan):
    problem, tp = ka_plan
    assert len(tp.unscheduled) == 0
    assert check_kinds(problem, as_plan(problem, tp)) == set()
    f = tp.frequency
    assert (f["planned"] >= f["required"]).all()
    q = f[(f["rule"] == "1 per quarter") & (f["period"] == "2026-Q1")]
    assert len(q) and (q["required"] == 1).all()


def test_check_catches_a_broken_period_count_a_broken_gap_and_a_holiday(ka_plan):
    problem, tp = ka_plan
    plan = as_plan(problem, tp)
    v = plan.visits
    q1 = v[(v["tier"] == "K1") & (v["date"] <= D(2026, 3, 31))].index[0]
    moved = plan.visits.copy()
    moved.loc[q1, "date"] = D(2026, 4, 14)  # Q1's only visit moved into Q2
    plan.visits = moved
    assert {"period", "window"} <= check_kinds(problem, plan)
    k3 = v[v["tier"] == "K3"]
    cid = k3["customer_id"].iloc[0]
    first, second = k3[k3["customer_id"] == cid].sort_values("date").index[:2]
    apart = v.copy()  # 5 Jan and 3 Jul: 179 days apart, max_gap_days is 150
    apart.loc[first, "date"], apart.loc[second, "date"] = MONDAY, D(2026, 7, 3)
    plan.visits = apart
    assert "max_gap" in check_kinds(problem, plan)
    hol = plan.visits = v.copy()
    hol.loc[hol.index[0], "date"] = D(2026, 4, 3)  # Good Friday in Denmark
    assert "holiday" in check_kinds(problem, plan)


def test_min_gap_keeps_visits_apart():
    tiers = TierTable(
        {"M": TierRule("M", 2, 30, 1, visits_count=2, visits_per="month", min_gap_days=10)}
    )
    h = Horizon(D(2026, 2, 2), 8)
    cust = table([(f"m{i}", "M", None) for i in range(6)])
    due = due_visits(cust, h, tiers)
    res = assign_days(
        cust, rep(), due, haversine_travel(cust, rep()), None, CalendarParams(h, tiers)
    )
    assert len(res.unplaced) == 0
    for _, g in res.visits.groupby("customer_id"):
        ds = sorted(g["date"])
        assert all((b - a).days >= 10 for a, b in zip(ds, ds[1:])), ds


# ---------------------------------------------------------------- search quality
def test_flexible_day_choice_equals_exhaustive_search():
    h = Horizon(MONDAY, 1)
    tiers = TierTable({"F": TierRule("F", 1, 120, 1, cadence="flexible")})
    hours = ["Mo-Fr 08:00-18:00", "Mo-Fr 08:00-11:00", "Mo-Fr 10:00-18:00", "Tu,Th 08:00-18:00"]
    rows = [(f"f{i}", "F", None, {"hours": hours[i % 4]}) for i in range(5)]
    cust = table(rows, seed=7, service_min=120)
    r = rep()
    m = haversine_travel(cust, r)
    params = CalendarParams(h, tiers, LUNCH)
    due = due_visits(cust, h, tiers)
    res = assign_days(cust, r, due, m, None, params)
    assert len(res.unplaced) == 0
    dates = rep_work_dates(r, h)
    T = m.travel_s.astype(np.int64).tolist()
    ws, we = 8 * 3600, 16 * 3600 + 1800
    cap = int((we - ws - 1800) * params.fill_ratio)
    nodes = {c: m.index(c) for c in cust["customer_id"]}
    win = [
        {nodes[c]: tuple(hh[d.weekday()]) for c, hh in zip(cust["customer_id"], cust["hours"])}
        for d in dates
    ]
    hours_obj = DayHours(win, {n: 7200 for n in nodes.values()}, ws)

    def cost(assign: dict[str, int]) -> float:
        book = DayBook(T, m.index("start:R1"), m.index("home:R1"), 5, cap, 0, 0.02, 900, hours_obj)
        from planner.schedule.tours import build_tour

        for d in range(5):
            ns = [nodes[c] for c, x in sorted(assign.items()) if x == d]
            if ns:
                book.rebuild(d, ns)
                book.service[d] = 7200 * len(ns)
                book.count[d] = len(ns)
                book.tours[d] = build_tour(T, book.start, book.end, ns)
                book._timed(d)
        return Search(book, [], []).total()

    ids = list(cust["customer_id"])
    allowed = [[d for d in range(5) if cust["hours"].iloc[i][dates[d].weekday()]] for i in range(5)]
    best = min(cost(dict(zip(ids, combo))) for combo in itertools.product(*allowed))
    ours = cost({c: dates.index(d) for c, d in zip(res.visits["customer_id"], res.visits["date"])})
    assert ours == pytest.approx(best, rel=1e-9)


def test_same_seed_same_calendar_with_period_rules():
    problem = ka_problem(n=30, seed=5, weeks=13)
    due = due_visits(problem.customers, problem.horizon, problem.tiers, 5)
    p = CalendarParams(problem.horizon, problem.tiers, LUNCH, seed=5)
    a = assign_days(problem.customers, problem.rep, due, problem.matrix, None, p)
    b = assign_days(problem.customers, problem.rep, due, problem.matrix, None, p)
    assert a.visits.equals(b.visits)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_invariants_on_random_rules(seed):
    rng = np.random.default_rng(seed)
    pers = ["week", "month", "quarter", "half_year", "year"]
    rules = {}
    for k in range(3):
        if rng.random() < 0.5:
            rules[f"T{k}"] = TierRule(
                f"T{k}",
                int(rng.integers(1, 9)),
                20,
                3 - k,
                cadence=str(rng.choice(["", "flexible", "weekday"])),
            )
        else:
            per = str(rng.choice(pers))
            rules[f"T{k}"] = TierRule(f"T{k}", 4, 20, 3 - k, int(rng.integers(1, 3)), per)
    tiers = TierTable(rules)
    h = Horizon(D(2026, 3, 2), int(rng.integers(2, 10)))
    rows = [
        (
            f"c{i}",
            f"T{int(rng.integers(3))}",
            None if rng.random() < 0.5 else h.start - dt.timedelta(days=int(rng.integers(1, 60))),
        )
        for i in range(25)
    ]
    cust = table(rows, seed=seed, service_min=20)
    r = rep(unavailable=(h.start + dt.timedelta(days=2),))
    cal = build_work_calendar("DE", [2026])
    dates = rep_work_dates(r, h, cal)
    due = due_visits(cust, h, tiers, seed, work_dates=dates)
    res = assign_days(
        cust,
        r,
        due,
        haversine_travel(cust, r),
        None,
        CalendarParams(h, tiers, LUNCH, seed=seed, calendar=cal),
    )
    placed = list(zip(res.visits["customer_id"], res.visits["due_date"]))
    missing = list(zip(res.unplaced["customer_id"], res.unplaced["due_date"]))
    assert sorted(placed + missing) == sorted((v.customer_id, v.due_date) for v in due)
    win = {(v.customer_id, v.due_date): (v.earliest, v.latest) for v in due}
    for cid, dd, day in zip(res.visits["customer_id"], res.visits["due_date"], res.visits["date"]):
        assert win[(cid, dd)][0] <= day <= win[(cid, dd)][1] and day in dates
    f = frequency_table(cust, tiers, h, due, {})
    assert f["required"].sum() == len(due)


# ---------------------------------------------------------------- customer file
def test_override_columns_are_read_and_ignored_columns_warned(tmp_path):
    from planner.domain import DEFAULT_TIERS
    from planner.errors import InputError
    from planner.io import read_customers

    p = tmp_path / "c.csv"
    p.write_text(
        "id,name,lat,lon,tier,every_weeks,visits_per_year,visit_frequency\n"
        "C1,a,60.17,24.94,A,3,,weekly\n"
        "C2,b,60.17,24.95,B,,6,\n"
        "C3,c,60.18,24.94,C,2,12,\n"
        "C4,d,60.18,24.95,C,,,\n"
    )
    c = read_customers(p, DEFAULT_TIERS, Workday())
    assert list(c["every_weeks"]) == [3, None, 2, None]
    assert list(c["visits_per_year"]) == [None, 6, None, None]
    warnings = " ".join(c.attrs["warnings"])
    assert "visits_per_year (12) is ignored" in warnings and "row 4" in warnings
    assert "'visit_frequency' is not read" in warnings
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,lat,lon,tier,every_weeks\nC1,a,60.17,24.94,A,2.5\n")
    with pytest.raises(InputError, match="every_weeks must be a whole number"):
        read_customers(bad, DEFAULT_TIERS, Workday())


def test_joint_improvement_keeps_every_visit_and_never_drives_more():
    h = Horizon(MONDAY, 1)
    tiers = TierTable({"F": TierRule("F", 1, 30, 1, cadence="flexible")})
    cust = table([(f"j{i}", "F", None) for i in range(12)], seed=11)
    r = rep()
    m = haversine_travel(cust, r)
    common = dict(
        territory_id="T1",
        rep=r,
        customers=cust,
        appointments=pd.DataFrame(columns=["customer_id", "date", "start_s", "source_row"]),
        matrix=m,
        horizon=h,
        workday=LUNCH,
        tiers=tiers,
        routing=RoutingParams(time_limit_s=2.0),
    )
    plain = plan_territory(TerritoryProblem(**common, joint_solutions_per_visit=0))
    joint = plan_territory(TerritoryProblem(**common, joint_solutions_per_visit=5))
    assert len(joint.visits) == len(plain.visits) == 12 and len(joint.unscheduled) == 0
    assert joint.stats["travel_s"] <= plain.stats["travel_s"]
    assert (
        check_kinds(TerritoryProblem(**common), as_plan(TerritoryProblem(**common), joint)) == set()
    )


def test_preferred_date_is_kept_unless_something_forces_a_move():
    h = Horizon(MONDAY, 1)
    tiers = TierTable({"F": TierRule("F", 1, 30, 1, cadence="flexible")})
    cust = table([("p1", "F", None), ("p2", "F", None)], seed=2)
    r = rep()
    m = haversine_travel(cust, r)
    due = due_visits(cust, h, tiers)
    want = {("p1", MONDAY): D(2026, 1, 8), ("p2", MONDAY): D(2026, 1, 6)}
    res = assign_days(cust, r, due, m, None, CalendarParams(h, tiers, preferred_dates=want))
    got = dict(zip(res.visits["customer_id"], res.visits["date"]))
    assert got == {"p1": D(2026, 1, 8), "p2": D(2026, 1, 6)}


def test_frequency_csv_is_written_with_the_plan(ka_plan, tmp_path):
    problem, tp = ka_plan
    plan = as_plan(problem, tp)
    plan.frequency = tp.frequency
    plan.to_dir(tmp_path)
    f = pd.read_csv(tmp_path / "frequency.csv", dtype=str)
    assert list(f.columns) == list(tp.frequency.columns)
    assert len(f) == len(tp.frequency) and set(f["period"]) >= {"2026-Q1", "2026-H1"}
