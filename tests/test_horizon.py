"""The joint improvement of a rep's horizon (planner.routing.horizon, step 5b of
plan_territory): a hand-made instance whose better calendar is known, the rules the
model keeps (allowed days, opening hours, one visit of a customer per day), and
invariants on small random territories (never more driving, every visit inside its
window, same seed = same plan)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_frequency_rules import LUNCH, MONDAY, check_kinds, rep, table
from test_territory_plan import as_plan

from planner.domain import Horizon, TierRule, TierTable
from planner.matrix import TravelMatrix, home_id, start_id
from planner.routing import RoutingParams
from planner.routing.horizon import HorizonProblem, HorizonVisit, improve_days
from planner.schedule.synthetic import haversine_travel
from planner.territory_plan import TerritoryProblem, plan_territory

WS, WE = 8 * 3600, 16 * 3600 + 1800
ALL_DAY = ((WS, WE),)


def line_matrix(xs: dict[str, float]) -> TravelMatrix:
    """Points on a line (km from the rep's home); 1 km = 60 s."""
    ids = (start_id("R1"), home_id("R1"), *xs)
    pos = np.array([0.0, 0.0, *xs.values()])
    km = np.abs(pos[:, None] - pos[None, :])
    return TravelMatrix(ids, (km * 60).astype(np.int32), (km * 1000).astype(np.int32), "line")


def horizon(visits, routes, matrix, n_days=2, lunch=None) -> HorizonProblem:
    return HorizonProblem(
        matrix,
        start_id("R1"),
        home_id("R1"),
        n_days,
        WS,
        WE,
        tuple(visits),
        tuple(tuple(r) for r in routes),
        lunch=lunch,
    )


def visit(cid, days, service_s=1800, windows=ALL_DAY):
    return HorizonVisit(cid, service_s, {k: windows for k in days})


def test_a_visit_on_the_wrong_side_moves_to_the_day_that_passes_by():
    # day 0 goes west, day 1 goes east; e3 (east) starts on the west day
    m = line_matrix({"w1": -20, "w2": -21, "e1": 20, "e2": 21, "e3": 22})
    visits = [visit(c, (0, 1)) for c in ("w1", "w2", "e1", "e2", "e3")]
    res = improve_days(horizon(visits, [[0, 1, 4], [2, 3]], m))
    assert res.improved and res.travel_s < res.start_travel_s
    assert sorted(res.routes[0]) == [0, 1] and sorted(res.routes[1]) == [2, 3, 4]
    assert res.travel_s == 2 * 21 * 60 + 2 * 22 * 60 and not res.time_limit_hit


def test_allowed_days_and_opening_hours_hold():
    m = line_matrix({"w1": -20, "w2": -21, "e1": 20, "e2": 21, "e3": 22, "e4": 23})
    # e3 may only take day 0; e4 may take day 1 but is closed all day then except 08:00-08:05
    visits = [
        visit("w1", (0, 1)),
        visit("w2", (0, 1)),
        visit("e1", (0, 1)),
        visit("e2", (0, 1)),
        visit("e3", (0,)),
        HorizonVisit("e4", 1800, {0: ALL_DAY, 1: ((WS, WS + 300),)}),
    ]
    res = improve_days(horizon(visits, [[0, 1, 4, 5], [2, 3]], m))
    day_of = {j: k for k, r in enumerate(res.routes) for j in r}
    assert day_of[4] == 0 and day_of[5] == 0  # e4 cannot reach 22 km out by 08:05
    assert sorted(day_of) == list(range(6)) and res.travel_s <= res.start_travel_s


def test_two_visits_of_one_customer_never_share_a_day():
    # the same far customer twice: one day would save a whole trip, but not allowed
    m = line_matrix({"far": 30, "near": 1})
    visits = [visit("far", (0, 1)), visit("far", (0, 1)), visit("near", (0, 1))]
    res = improve_days(horizon(visits, [[0], [1, 2]], m))
    day_of = {j: k for k, r in enumerate(res.routes) for j in r}
    assert day_of[0] != day_of[1]


def test_lunch_and_a_full_day_keep_the_start_when_nothing_fits():
    # each day is full (7.5 h of service after lunch): nothing can move, nothing is lost
    m = line_matrix({"a": 1, "b": 2, "c": 40, "d": 41})
    visits = [visit(c, (0, 1), service_s=3 * 3600 + 1200) for c in "abcd"]
    res = improve_days(horizon(visits, [[0, 1], [2, 3]], m, lunch=LUNCH.lunch))
    assert sorted(j for r in res.routes for j in r) == [0, 1, 2, 3]
    assert res.travel_s <= res.start_travel_s


def _territory(seed: int) -> TerritoryProblem:
    rng = np.random.default_rng(seed)
    hours = ["Mo-Fr 08:00-18:00", "Mo-Fr 09:00-12:00", "Mo,Tu,Th,Fr 08:00-18:00"]
    rows = [
        (f"c{i}", str(rng.choice(["A", "B"])), None, {"hours": str(rng.choice(hours))})
        for i in range(10)
    ]
    cust = table(rows, seed=seed)
    tiers = TierTable(
        {
            "A": TierRule("A", 1, 30, 2, cadence="flexible"),
            "B": TierRule("B", 2, 20, 1, cadence="flexible"),
        }
    )
    r = rep()
    return TerritoryProblem(
        territory_id="T1",
        rep=r,
        customers=cust,
        appointments=pd.DataFrame(columns=["customer_id", "date", "start_s", "source_row"]),
        matrix=haversine_travel(cust, r),
        horizon=Horizon(MONDAY, 2),
        workday=LUNCH,
        tiers=tiers,
        routing=RoutingParams(time_limit_s=5.0),
        seed=seed,
    )


@pytest.mark.parametrize("seed", [1, 3, 4])  # seeds where the step moves visits
def test_joint_step_on_random_territories(seed):
    problem = _territory(seed)
    plain = plan_territory(TerritoryProblem(**{**problem.__dict__, "joint_solutions_per_visit": 0}))
    joint = plan_territory(problem)
    again = plan_territory(problem)
    assert joint.stats["travel_s"] <= plain.stats["travel_s"]
    assert len(joint.visits) == len(plain.visits) and len(joint.unscheduled) == len(
        plain.unscheduled
    )
    assert check_kinds(problem, as_plan(problem, joint)) == set()  # windows, hours, routes
    assert not joint.stats["joint_time_limit_hit"]
    cols = ["date", "seq", "customer_id", "start_s"]
    pd.testing.assert_frame_equal(joint.visits[cols], again.visits[cols])


@pytest.mark.parametrize("seed", range(20))
def test_holes_leave_exactly_the_open_times_of_the_allowed_days(seed):
    """Inside every working day a visit may take, between the earliest a route reaches it
    and the latest it can leave for home, a second is left in its cumul's domain (the
    hull of its ranges minus the holes) iff it lies in one of its ranges; the days it may
    not take are left to the vehicle restriction (no hole needed there)."""
    from planner.routing.horizon import _holes

    rng = np.random.default_rng(seed)
    length, n_days = 40, 6
    stride = length + 1
    days = sorted(int(k) for k in rng.choice(n_days, size=int(rng.integers(1, 5)), replace=False))
    ranges = []
    for k in days:
        cuts = sorted(int(x) for x in rng.choice(length + 1, size=4, replace=False))
        for a, b in ((cuts[0], cuts[1]), (cuts[2], cuts[3])):
            ranges.append((k * stride + a, k * stride + b))
    lead, tail = int(rng.integers(0, 8)), int(rng.integers(0, 8))  # reach bounds
    holes = _holes(ranges, days, stride, length, lead, tail)
    lo, hi = ranges[0][0], ranges[-1][1]
    for k in days:
        for t in range(k * stride + lead, k * stride + length - tail + 1):
            kept = lo <= t <= hi and not any(a <= t <= b for a, b in holes)
            assert kept == any(a <= t <= b for a, b in ranges), (k, t)
    for a, b in holes:
        assert a <= b and a // stride == b // stride and a // stride in days


def test_reach_bounds_follow_the_shortest_chain_of_transits():
    """Lead and tail times take the shortest chain, not the direct arc (a matrix without
    the triangle inequality), and count a zero transit as an arc."""
    from planner.routing.horizon import _lead_tail

    big = 1000
    transit = [
        [0, 0, 900, 5, big],  # start -> 3 is cheap, start -> 2 direct is dear
        [big, 0, big, big, big],  # home: nothing leaves it on a route
        [big, 700, 0, big, big],
        [big, big, 0, 0, big],  # 3 -> 2 costs nothing
        [big, 1, big, big, 0],
    ]
    lead, tail = _lead_tail(transit)
    assert lead[2] == 5 and lead[3] == 5 and lead[4] == big
    assert tail[2] == 700 and tail[3] == 700 and tail[4] == 1 and tail[1] == 0
