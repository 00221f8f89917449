"""Territories holding many times their rep's time: the surplus is left out before the
calendar (planner.schedule.trim), by priority, with its reason; other territories are not
touched. Real generated territories, the documented haversine matrix, planner.check."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pandas as pd
import pytest
from test_territory_plan import HORIZON, check, make_problem

from planner.domain import DEFAULT_TIERS, Workday
from planner.schedule import due_visits, trim
from planner.schedule.synthetic import haversine_travel, synthetic_territory
from planner.territory_plan import TerritoryProblem, plan_territory

RANK = {"A": 3, "B": 2, "C": 1}


@pytest.mark.parametrize("seed", range(6))
def test_trim_keeps_whole_customers_in_priority_order(seed):
    customers, rep = synthetic_territory(120, seed=seed, horizon=HORIZON)
    matrix = haversine_travel(customers, rep)
    due = due_visits(customers, HORIZON, DEFAULT_TIERS, seed)
    floor = trim.visit_floor_s(customers, matrix, rep["rep_id"])
    assert all(f >= s for f, s in zip(floor.values(), customers["service_s"], strict=True))
    total = sum(floor[v.customer_id] for v in due)
    always = {str(customers["customer_id"].iloc[-1])}  # a C or B customer, most often
    capacity = int(total / (2.5 + seed))  # 2.5x to 7.5x over

    def penalty(v):
        return 100 ** RANK[v.tier]

    day_s = 8 * 3600
    kept, out, ratio = trim.trim_over_capacity(due, floor, capacity, penalty, always, day_s)
    assert ratio == pytest.approx(total / capacity)
    # a partition of the due visits, in their order, whole customers on each side
    assert sorted(map(id, kept + out)) == sorted(map(id, due))
    assert [v for v in due if v in kept] == kept
    kept_c, out_c = {v.customer_id for v in kept}, {v.customer_id for v in out}
    assert out and not kept_c & out_c and always <= kept_c
    # nobody left out outranks anybody kept (appointments aside), and the kept bound
    # stays within the margin
    assert min(penalty(v) for v in kept if v.customer_id not in always) >= max(
        penalty(v) for v in out
    )
    kept_s = sum(floor[v.customer_id] for v in kept if v.customer_id not in always)
    assert kept_s <= trim.TRIM_MARGIN * capacity
    # under the margin nothing moves
    kept2, out2, _ = trim.trim_over_capacity(due, floor, total, penalty, always, day_s)
    assert kept2 == list(due) and out2 == []


def _problem(seed: int, n: int, workday: Workday) -> TerritoryProblem:
    return make_problem(seed, n, workday=workday, radius_km=12.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_hopelessly_overloaded_territory_plans_its_most_important_customers(seed):
    # 150 customers, a 90-minute day: about ten times what the rep can do
    problem = _problem(seed, 150, Workday(8 * 3600, 9 * 3600 + 1800))
    tp = plan_territory(problem)
    assert check(problem, tp) == []
    # every due visit scheduled or reported, once
    keys = [*zip(tp.visits["customer_id"], tp.visits["due_date"], strict=True)]
    keys += [*zip(tp.unscheduled["customer_id"], tp.unscheduled["due_date"], strict=True)]
    due = due_visits(problem.customers, HORIZON, DEFAULT_TIERS, seed)
    assert len(keys) == len(set(keys)) == len(due)
    assert set(keys) == {(v.customer_id, v.due_date) for v in due}
    # frequency.csv counts the visits left out as required and unscheduled
    f = tp.frequency
    assert int(f["required"].sum()) == len(due)
    assert int(f["unscheduled"].sum()) == len(tp.unscheduled)
    left = tp.unscheduled[tp.unscheduled["reason"].str.contains("lowest-priority customers")]
    assert len(left) > len(tp.unscheduled) / 2
    assert (
        "holds" in left["reason"].iloc[0] and "x its rep's working time" in left["reason"].iloc[0]
    )
    # what is left out up front is never of a higher tier than what is planned
    planned = Counter(tp.visits["tier"])
    assert min(RANK[t] for t in planned) >= max(RANK[t] for t in left["tier"])
    assert set(left["customer_id"]).isdisjoint(tp.visits["customer_id"])


def test_territory_within_the_margin_is_planned_as_before(monkeypatch):
    # 60 customers, a 90-minute day: over capacity, but its visits' bound is 1.7x the
    # working time (under the margin), so the trim leaves it alone: the plan equals the
    # one with the trim switched off
    problem = _problem(2, 60, Workday(8 * 3600, 9 * 3600 + 1800))
    floor = trim.visit_floor_s(problem.customers, problem.matrix, problem.rep["rep_id"])
    due = due_visits(problem.customers, HORIZON, DEFAULT_TIERS, 2)
    ratio = sum(floor[v.customer_id] for v in due) / (20 * 5400)
    assert 1.0 < ratio <= trim.TRIM_MARGIN
    a = plan_territory(problem)
    assert len(a.unscheduled) > 0
    monkeypatch.setattr(trim, "TRIM_MARGIN", 1e9)
    b = plan_territory(problem)
    for name in ("visits", "routes", "unscheduled"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.unscheduled["reason"].str.contains("lowest-priority customers").any()


def test_a_customer_no_day_can_hold_does_not_push_the_others_out():
    """One customer 2,000 km away (its bound alone exceeds a workday) in a territory that
    otherwise fits: nobody is trimmed, and the far customer keeps its own reason."""
    problem = _problem(3, 60, Workday(8 * 3600, 16 * 3600 + 1800))
    cust = problem.customers.copy()
    cust.loc[0, ["lat", "lon", "tier"]] = [cust.loc[0, "lat"] + 18.0, cust.loc[0, "lon"], "A"]
    rep = problem.rep
    far = TerritoryProblem(
        **{**problem.__dict__, "customers": cust, "matrix": haversine_travel(cust, rep)}
    )
    floor = trim.visit_floor_s(far.customers, far.matrix, rep["rep_id"])
    far_id = str(cust.loc[0, "customer_id"])
    assert floor[far_id] > 8.5 * 3600
    tp = plan_territory(far)
    reasons = tp.unscheduled["reason"]
    assert not reasons.str.contains("lowest-priority customers").any()
    assert set(tp.unscheduled["customer_id"]) == {far_id}
    assert check(far, tp) == []


def test_a_rep_with_no_working_day_keeps_the_calendars_reason():
    problem = _problem(4, 30, Workday(8 * 3600, 16 * 3600 + 1800))
    days = [HORIZON.start + dt.timedelta(days=k) for k in range(7 * HORIZON.weeks)]
    away = TerritoryProblem(
        **{**problem.__dict__, "rep": {**problem.rep, "unavailable": tuple(days)}}
    )
    tp = plan_territory(away)
    assert len(tp.visits) == 0 and len(tp.unscheduled) > 0
    assert not tp.unscheduled["reason"].str.contains("x its rep's working time").any()
