"""planner check: a sound plan passes; each kind of manual damage is caught and named."""

from __future__ import annotations

import datetime as dt

import pytest
from test_territory_plan import as_plan, make_problem

from planner.check import CheckParams, check_plan
from planner.territory_plan import plan_territory


@pytest.fixture(scope="module")
def planned():
    problem = make_problem(2, n=50, appointments=[(4, dt.date(2026, 1, 15), 10 * 3600)])
    return problem, plan_territory(problem)


def kinds(problem, plan) -> set[str]:
    params = CheckParams(
        horizon=problem.horizon, workday=problem.workday, tiers=problem.tiers, seed=problem.seed
    )
    return {v.kind for v in check_plan(plan, problem.matrix, params)}


def busiest_day(plan):
    counts = plan.visits.groupby("date").size()
    return counts.idxmax()


def test_sound_plan_passes(planned):
    problem, tp = planned
    assert kinds(problem, as_plan(problem, tp)) == set()


def edit(planned, fn):
    problem, tp = planned
    plan = as_plan(problem, tp)
    plan.visits = plan.visits.copy()
    plan.routes = plan.routes.copy()
    plan.unscheduled = plan.unscheduled.copy()
    fn(plan)
    return kinds(problem, plan)


def test_late_start_outside_opening_hours(planned):
    def f(plan):
        i = plan.visits.index[0]
        plan.visits.loc[i, "start_s"] = 23 * 3600
        plan.visits.loc[i, "departure_s"] = 23 * 3600 + 600

    assert "opening_hours" in edit(planned, f)


def test_swapped_order_breaks_travel(planned):
    def f(plan):
        day = busiest_day(plan)
        idx = plan.visits.index[plan.visits["date"] == day]
        a, b = idx[1], idx[2]
        plan.visits.loc[[a, b], "seq"] = plan.visits.loc[[b, a], "seq"].to_numpy()

    assert {"travel", "arrival"} & edit(planned, f)


def test_deleted_visit_is_missing(planned):
    def f(plan):
        plan.visits = plan.visits.drop(plan.visits.index[3]).reset_index(drop=True)

    found = edit(planned, f)
    assert "missing" in found


def test_duplicated_visit_is_unexpected(planned):
    def f(plan):
        import pandas as pd

        row = plan.visits.iloc[[0]].copy()
        row["date"] = row["date"].map(lambda d: d + dt.timedelta(days=14))
        plan.visits = pd.concat([plan.visits, row], ignore_index=True)

    assert "unexpected" in edit(planned, f)


def test_day_ending_late(planned):
    def f(plan):
        plan.routes.loc[plan.routes.index[0], "end_s"] = 17 * 3600

    assert "late" in edit(planned, f)


def test_break_over_a_service(planned):
    def f(plan):
        r = plan.routes.index[plan.routes["break_start_s"].notna()][0]
        day = plan.routes.loc[r, "date"]
        v = plan.visits[plan.visits["date"] == day].iloc[
            len(plan.visits[plan.visits["date"] == day]) // 2
        ]
        plan.routes.loc[r, "break_start_s"] = int(v["start_s"]) + 60
        plan.routes.loc[r, "break_end_s"] = int(v["start_s"]) + 60 + 1800

    assert "break" in edit(planned, f)


def test_moved_appointment(planned):
    def f(plan):
        day = dt.date(2026, 1, 15)
        cid = planned[0].customers.loc[4, "customer_id"]
        i = plan.visits.index[(plan.visits["customer_id"] == cid) & (plan.visits["date"] == day)]
        assert len(i) == 1
        plan.visits.loc[i, "start_s"] += 900
        plan.visits.loc[i, "departure_s"] += 900

    assert "appointment" in edit(planned, f)


def test_visit_on_unavailable_weekend(planned):
    def f(plan):
        plan.visits.loc[plan.visits["date"] == plan.visits["date"].iloc[0], "date"] = dt.date(
            2026, 1, 10
        )  # a Saturday
        plan.routes.loc[plan.routes.index[0], "date"] = dt.date(2026, 1, 10)

    assert "unavailable" in edit(planned, f)


def test_wrong_territory_and_inactive(planned):
    def f(plan):
        cid = plan.visits["customer_id"].iloc[0]
        plan.assignments = plan.assignments.copy()
        plan.assignments.loc[plan.assignments["customer_id"] == cid, "rep_id"] = "R9"
        plan.customers = plan.customers.copy()
        plan.customers.loc[plan.customers["customer_id"] == cid, "active"] = False

    found = edit(planned, f)
    assert {"territory", "inactive"} <= found


def test_stale_kpis(planned):
    def f(plan):
        plan.kpis = {**plan.kpis, "scheduled_visits": 1}

    assert "kpis" in edit(planned, f)
