"""Same plan on any machine: a day's search stops at its deterministic budget (a solution
count), never at the clock; when the safety time limit does stop it, the day says so and
the plan reports it (territory stats in plan.json, a warning)."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest

from planner.domain import BreakRule
from planner.matrix import TravelMatrix
from planner.network.haversine import haversine_matrix
from planner.routing import DayProblem, RoutingParams, Stop, check_day, solve_day

H = 3600


def busy_day(n: int, seed: int) -> DayProblem:
    """``n`` stops of 10-15 min around Copenhagen, a third with opening hours, lunch."""
    rng = random.Random(seed)
    lat = [55.68 + rng.uniform(-0.03, 0.03) for _ in range(n + 1)]
    lon = [12.57 + rng.uniform(-0.05, 0.05) for _ in range(n + 1)]
    travel, dist = haversine_matrix(lat, lon)
    matrix = TravelMatrix(("home:r", *(f"c{i:02d}" for i in range(n))), travel, dist)
    hours = [((8 * H, 12 * H),), ((13 * H, 17 * H),), ((9 * H, 12 * H), (13 * H, 17 * H))]
    stops = tuple(
        Stop(
            f"c{i:02d}",
            rng.choice([10, 15]) * 60,
            rng.choice(hours) if rng.random() < 0.33 else ((8 * H, 17 * H),),
            penalty=rng.choice([100, 10_000, 1_000_000]),
        )
        for i in range(n)
    )
    lunch = BreakRule(11 * H + 1800, 13 * H + 1800, 1800)
    return DayProblem(
        "r", dt.date(2026, 1, 5), "home:r", "home:r", stops, matrix, 8 * H, 16 * H + 1800, lunch
    )


@pytest.mark.timeout(300)
def test_a_20_stop_day_is_the_same_with_a_1_s_and_a_60_s_safety_limit():
    """The day's search ends at its solution budget (200 solutions: about 0.2 s of CPU on an
    idle machine), so a 1-s safety limit changes nothing. On this shared 2-core VM the same
    budget takes 0.6-3 s of wall-clock time under load, and the clock may stop the 1-s run
    first: that run must then say so and keep a valid day, and the next safety limit (2 s,
    5 s, then 20 s: two test runs at once on 2 cores once needed more than 5 s) is tried;
    the first run the budget ended must give the 60-s route."""
    day = busy_day(20, 3)
    slow = solve_day(day, RoutingParams(time_limit_s=60))
    assert not slow.time_limit_hit
    assert len(slow.stops) >= 20 and check_day(day, slow) == []
    stopped = []
    for limit_s in (1, 2, 5, 20):
        fast = solve_day(day, RoutingParams(time_limit_s=limit_s))
        if not fast.time_limit_hit:
            assert fast == slow
            break
        assert check_day(day, fast) == []
        stopped.append(limit_s)
    assert stopped != [1, 2, 5, 20], "the clock stopped the 1- to 20-s runs (machine load?)"


def test_hitting_the_safety_limit_is_recorded():
    day = busy_day(22, 3)
    cut = solve_day(day, RoutingParams(time_limit_s=0.001))
    assert cut.time_limit_hit
    assert check_day(day, cut) == []  # whatever it kept is still a valid day
    # an exact day (dynamic programming) never depends on the clock
    small = busy_day(8, 3)
    assert not solve_day(small, RoutingParams(time_limit_s=0.001)).time_limit_hit


@pytest.mark.timeout(300)
def test_plan_reports_days_stopped_by_the_safety_limit(tmp_path):
    """1 rep, 1 week, 70 weekly customers: days of 14 visits go to OR-Tools; a 1-ms limit
    stops every such search and each day is listed in plan.json and warned about."""
    from planner.pipeline import run_plan, write_plan
    from planner.scenario import load_scenario

    rng = random.Random(5)
    n = 70
    pd.DataFrame(
        {
            "id": [f"K{i:03d}" for i in range(n)],
            "name": [f"Kiosk {i}" for i in range(n)],
            "lat": [round(55.68 + rng.uniform(-0.02, 0.02), 6) for _ in range(n)],
            "lon": [round(12.57 + rng.uniform(-0.03, 0.03), 6) for _ in range(n)],
            "tier": "A",
            "service_min": 15,
        }
    ).to_csv(tmp_path / "customers.csv", index=False)
    (tmp_path / "reps.csv").write_text("id,name,home_lat,home_lon\nR1,Rasmus,55.68,12.57\n")
    base = "customers: customers.csv\nreps: reps.csv\nhorizon: {start: 2026-11-30, weeks: 1}\n"
    (tmp_path / "cut.yaml").write_text(base + "routing: {time_limit_s: 0.001}\nworkers: 1\n")
    plan = run_plan(load_scenario(tmp_path / "cut.yaml"))
    days = plan.meta["territory_stats"][0]["time_limit_days"]
    assert len(days) >= 3 and all(dt.date.fromisoformat(d).weekday() < 5 for d in days)
    warned = [w for w in plan.meta["warnings"] if "safety time limit" in w]
    assert len(warned) == 1 and f"{len(days)} rep-day" in warned[0]
    # timings live only under runtimes
    assert "runtime_s" not in plan.meta["territory_stats"][0]
    assert plan.meta["runtimes"]["territories"][0]["runtime_s"] >= 0
    write_plan(plan, tmp_path / "plan", maps=False)
    assert "time_limit_days" in (tmp_path / "plan" / "plan.json").read_text()


def test_nested_searches_are_not_capped_at_100_ms():
    """OR-Tools' ``lns_time_limit`` (100 ms by default) also stops the nested searches that
    place lunch breaks and time candidates: under load that changed routes. Every search
    gets its own safety net there instead, and no operator with a timed sub-search runs."""
    from ortools.util import optional_boolean_pb2

    from planner.routing.engine import LNS_SAFETY_S, TIMED_OPERATORS, search_parameters

    sp = search_parameters("PARALLEL_CHEAPEST_INSERTION", "GREEDY_DESCENT", 120.0, 400)
    assert sp.lns_time_limit.ToNanoseconds() >= sp.time_limit.ToNanoseconds() == 120 * 10**9
    assert sp.solution_limit == 400
    for name in TIMED_OPERATORS:
        assert getattr(sp.local_search_operators, name) == optional_boolean_pb2.BOOL_FALSE
    sp = search_parameters("PARALLEL_CHEAPEST_INSERTION", "GUIDED_LOCAL_SEARCH", 3.0, 100)
    assert sp.lns_time_limit.ToNanoseconds() == sp.time_limit.ToNanoseconds() == 3 * 10**9
    sp = search_parameters()
    assert sp.lns_time_limit.ToNanoseconds() == int(LNS_SAFETY_S * 1e9)
