"""solve_day: optimal small days, the day rules, drop reasons, check_day, determinism.

Fixtures are tiny and hand-checkable: points on a straight road (:func:`line_day`, travel =
distance in minutes) and random days around Copenhagen (:func:`random_day`, haversine).
Optimality is checked against :func:`brute_force`, an independent enumeration of every
visiting order of every subset of the stops that shares no code with the solver.
Every rule test runs both engines: the exact DP (default for small days) and the OR-Tools
model alone (``exact_max_stops=0``).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import random

import numpy as np
import pytest

from planner.domain import BreakRule
from planner.matrix import TravelMatrix
from planner.network.haversine import haversine_matrix
from planner.routing import DayProblem, RoutingParams, Stop, check_day, solve_day

H = 3600
DAY = dt.date(2026, 1, 5)  # a Monday
LUNCH = BreakRule(earliest_s=11 * H + 1800, latest_s=13 * H + 1800, duration_s=1800)
ALL_DAY = ((8 * H, 17 * H),)
ENGINES = {"dp": RoutingParams(), "ortools": RoutingParams(exact_max_stops=0)}


# ---------------------------------------------------------------- fixtures and the oracle


def line_matrix(minutes: dict[str, int]) -> TravelMatrix:
    """Points on a straight road: travel = |x_a - x_b| minutes, 500 m per minute."""
    ids = tuple(minutes)
    x = np.array([minutes[i] for i in ids])
    travel = (np.abs(x[:, None] - x[None, :]) * 60).astype(np.int32)
    return TravelMatrix(ids, travel, (travel * 500 // 60).astype(np.int32), "line")


def line_day(
    stops: list[Stop],
    minutes: dict[str, int],
    *,
    lunch: BreakRule | None = None,
    max_visits: int = 0,
    work_start_s: int = 8 * H,
    work_end_s: int = 16 * H + 1800,
    start_at: int = 0,
    home_at: int = 0,
) -> DayProblem:
    """A day from ``start:r`` to ``home:r`` on :func:`line_matrix` (both at 0 by default)."""
    pts = {"start:r": start_at, "home:r": home_at, **minutes}
    return DayProblem(
        "r",
        DAY,
        "start:r",
        "home:r",
        tuple(stops),
        line_matrix(pts),
        work_start_s,
        work_end_s,
        lunch,
        max_visits,
    )


def random_day(
    n: int, seed: int, *, windows: bool, lunch: bool = True, max_visits: int = 0
) -> DayProblem:
    """``n`` stops around Copenhagen, haversine x 1.3 at 35 km/h, 08:00-16:30.

    With ``windows`` about 70 % of the stops get opening hours (morning, afternoon,
    09-12 + 13-17, or 10:00-11:30); services of 20, 30 or 45 min; penalties 100, 10 000 or
    1 000 000 (tiers C, B, A). Some days are too full: their optimum drops visits.
    """
    rng = random.Random(seed)
    lat = [55.68 + rng.uniform(-0.06, 0.06) for _ in range(n + 1)]
    lon = [12.57 + rng.uniform(-0.10, 0.10) for _ in range(n + 1)]
    travel, dist = haversine_matrix(lat, lon)
    matrix = TravelMatrix(("home:r", *(f"c{i}" for i in range(n))), travel, dist)
    choices = [
        ((8 * H, 12 * H),),
        ((13 * H, 17 * H),),
        ((9 * H, 12 * H), (13 * H, 17 * H)),
        ((10 * H, 11 * H + 1800),),
    ]
    stops = []
    for i in range(n):
        hours = rng.choice(choices) if windows and rng.random() < 0.7 else ALL_DAY
        stops.append(
            Stop(
                f"c{i}",
                rng.choice([20, 30, 45]) * 60,
                hours,
                penalty=rng.choice([100, 10_000, 1_000_000]),
            )
        )
    return DayProblem(
        "r",
        DAY,
        "home:r",
        "home:r",
        tuple(stops),
        matrix,
        8 * H,
        16 * H + 1800,
        LUNCH if lunch else None,
        max_visits,
    )


def _first_start(ready: int, stop: Stop) -> int | None:
    """Earliest service start >= ready with the whole service inside one window."""
    if stop.fixed_start_s is not None:
        return stop.fixed_start_s if ready <= stop.fixed_start_s else None
    starts = [max(ready, o) for o, c in stop.windows if max(ready, o) + stop.service_s <= c]
    return min(starts, default=None)


def brute_force(problem: DayProblem) -> tuple[int, int]:
    """Best (dropped penalty, travel_s) over all subsets and orders of the day's stops.

    Rules: leave the start at ``work_start_s`` (leaving earlier is never worse); services
    start as early as possible inside a window; lunch is one break on one leg, starting at
    ``max(departure, earliest_s)`` and by ``latest_s - duration_s`` (on the way if it
    starts before the arrival, else at the next customer before the service); a day back
    by ``latest_s - duration_s`` needs no break; back home by ``work_end_s``.
    """
    m = problem.matrix
    stops = list(problem.stops)
    lunch = problem.lunch
    last_free = lunch.latest_s - lunch.duration_s if lunch else 0
    cap = problem.max_visits or len(stops)
    total_pen = sum(s.penalty for s in stops)
    best = (total_pen, 0)  # the empty day

    def visit(here: str, d: int, done: bool, travel: int, kept_pen: int, used: set[str]):
        nonlocal best
        if best[0] == 0 and travel >= best[1]:
            return  # no completion can beat a day that keeps every stop
        if used:  # go home from here
            t = m.time_s(here, problem.end_id)
            if done or d + t <= last_free:
                end = d + t
            elif max(d, lunch.earliest_s) < min(d + t, last_free + 1):
                end = d + t + lunch.duration_s  # lunch on the way home
            else:
                end = None
            if end is not None and end <= problem.work_end_s:
                best = min(best, (total_pen - kept_pen, travel + t))
        if len(used) >= cap:
            return
        for stop in stops:
            if stop.customer_id in used:
                continue
            t = m.time_s(here, stop.customer_id)
            options = [(d + t, done)]
            b = max(d, lunch.earliest_s) if lunch else 0
            if not done and b <= last_free:
                options.append(
                    (d + t + lunch.duration_s if b < d + t else b + lunch.duration_s, True)
                )
            for ready, had_lunch in options:
                s = _first_start(ready, stop)
                if s is None or (not had_lunch and s + stop.service_s > last_free):
                    continue
                used.add(stop.customer_id)
                visit(
                    stop.customer_id,
                    s + stop.service_s,
                    had_lunch,
                    travel + t,
                    kept_pen + stop.penalty,
                    used,
                )
                used.discard(stop.customer_id)

    no_break = lunch is None or problem.work_start_s >= lunch.earliest_s + lunch.duration_s
    visit(problem.start_id, problem.work_start_s, no_break, 0, 0, set())
    return best


def dropped_penalty(problem: DayProblem, dropped: list[tuple[str, str]]) -> int:
    pen = {s.customer_id: s.penalty for s in problem.stops}
    return sum(pen[c] for c, _ in dropped)


@functools.cache
def _day_and_optimum(n: int, seed: int, windows: bool, max_visits: int):
    day = random_day(n, seed, windows=windows, lunch=seed % 3 != 2, max_visits=max_visits)
    return day, brute_force(day)


# ---------------------------------------------------------------- optimality

OPTIMUM_CASES = (
    [(7, s, False, 0) for s in range(4)]
    + [(8, s, True, 0) for s in range(6)]
    + [(8, 10, True, 4), (7, 11, False, 3)]
)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n,seed,windows,max_visits", OPTIMUM_CASES)
def test_small_days_are_optimal(engine, n, seed, windows, max_visits):
    day, (opt_pen, opt_travel) = _day_and_optimum(n, seed, windows, max_visits)
    res = solve_day(day, ENGINES[engine])
    assert check_day(day, res) == []
    assert dropped_penalty(day, res.dropped) == opt_pen
    assert res.travel_s == opt_travel


def test_oracle_sees_drops_and_limits():
    """The optimality cases are not all trivial: some optimal days drop visits."""
    dropped = [_day_and_optimum(*c)[1][0] > 0 for c in OPTIMUM_CASES]
    assert any(dropped) and not all(dropped)


# ---------------------------------------------------------------- day rules


def test_empty_day():
    res = solve_day(line_day([], {}))
    assert (res.stops, res.dropped, res.start_s, res.end_s) == ([], [], 0, 0)
    assert (res.travel_s, res.dist_m, res.service_s, res.wait_s) == (0, 0, 0, 0)
    assert res.break_start_s is None


@pytest.mark.parametrize("engine", ENGINES)
def test_late_start_instead_of_waiting(engine):
    """The first customer opens at 10:00, 10 min away: leave at 09:50, not at 08:00."""
    day = line_day([Stop("a", 1800, ((10 * H, 12 * H),))], {"a": 10})
    res = solve_day(day, ENGINES[engine])
    assert res.start_s == 10 * H - 600
    assert (res.stops[0].arrival_s, res.stops[0].start_s) == (10 * H, 10 * H)
    assert (res.end_s, res.wait_s, res.travel_s, res.dist_m) == (10 * H + 2400, 0, 1200, 10000)


@pytest.mark.parametrize("engine", ENGINES)
def test_two_windows_a_day(engine):
    """Ready at 10:10 for a 90-min visit open 09-11 and 13-17: it starts at 13:00."""
    stops = [
        Stop("a", 5400, ((9 * H, 11 * H), (13 * H, 17 * H))),
        Stop("b", 1800, (), fixed_start_s=9 * H + 1800),
    ]
    day = line_day(stops, {"a": 10, "b": 20}, lunch=LUNCH)
    res = solve_day(day, ENGINES[engine])
    assert check_day(day, res) == []
    assert [s.customer_id for s in res.stops] == ["b", "a"]
    a = res.stops[1]
    assert a.arrival_s == 10 * H + 600 and a.start_s == 13 * H
    assert LUNCH.earliest_s <= res.break_start_s and res.break_end_s <= a.start_s


@pytest.mark.parametrize("engine", ENGINES)
def test_every_service_inside_one_window(engine):
    for seed in range(3):
        day = random_day(12, seed, windows=True)
        res = solve_day(day, ENGINES[engine])
        by_id = {s.customer_id: s for s in day.stops}
        for st in res.stops:
            hours = by_id[st.customer_id].windows
            assert any(o <= st.start_s and st.departure_s <= c for o, c in hours), st
            assert st.departure_s - st.start_s == by_id[st.customer_id].service_s
        assert check_day(day, res) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_appointment_exact(engine):
    stops = [
        Stop("a", 2700, ALL_DAY),
        Stop("b", 2700, (), fixed_start_s=10 * H),
        Stop("c", 2700, ALL_DAY),
    ]
    day = line_day(stops, {"a": 10, "b": 20, "c": 30}, lunch=LUNCH)
    res = solve_day(day, ENGINES[engine])
    assert res.dropped == []
    b = next(s for s in res.stops if s.customer_id == "b")
    assert b.start_s == 10 * H and b.arrival_s <= b.start_s
    assert check_day(day, res) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_lunch_inside_its_window_between_services(engine):
    stops = [Stop(c, 5400, ALL_DAY) for c in "abcd"]
    day = line_day(stops, {"a": 10, "b": 15, "c": 20, "d": 25}, lunch=LUNCH)
    res = solve_day(day, ENGINES[engine])
    assert res.dropped == []
    bs, be = res.break_start_s, res.break_end_s
    assert LUNCH.earliest_s <= bs and be <= LUNCH.latest_s and be - bs == LUNCH.duration_s
    for st in res.stops:
        assert be <= st.start_s or st.departure_s <= bs, "lunch overlaps a service"
    assert res.start_s <= bs and be <= res.end_s
    assert res.end_s - res.start_s == res.travel_s + res.service_s + res.wait_s + 1800
    assert check_day(day, res) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_no_lunch_for_a_morning_day(engine):
    day = line_day([Stop("a", 1800, ALL_DAY)], {"a": 10}, lunch=LUNCH)
    res = solve_day(day, ENGINES[engine])
    assert res.break_start_s is None and res.end_s <= LUNCH.latest_s - LUNCH.duration_s


@pytest.mark.parametrize("engine", ENGINES)
def test_max_visits(engine):
    pens = {"a": 100, "b": 10_000, "c": 100, "d": 1_000_000, "e": 10_000}
    stops = [Stop(c, 1800, ALL_DAY, penalty=p) for c, p in pens.items()]
    day = line_day(stops, {"a": 5, "b": 10, "c": 15, "d": 20, "e": 25}, max_visits=3)
    res = solve_day(day, ENGINES[engine])
    assert sorted(s.customer_id for s in res.stops) == ["b", "d", "e"]
    assert res.dropped == [(c, "day already has max_visits_per_day=3") for c in "ac"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("a_at,c_at", [(30, 10), (10, 30)])
def test_tier_penalty_keeps_a_over_c(engine, a_at, c_at):
    """Only one 4-hour visit fits 08:00-14:00: the A visit stays, near or far."""
    stops = [Stop("c", 4 * H, ALL_DAY, penalty=100), Stop("a", 4 * H, ALL_DAY, penalty=10_000)]
    day = line_day(stops, {"a": a_at, "c": c_at}, work_end_s=14 * H)
    res = solve_day(day, ENGINES[engine])
    assert [s.customer_id for s in res.stops] == ["a"]
    assert res.dropped == [("c", "does not fit in the 08:00-14:00 day with the other 1 visit")]


REASON_CASES = {
    "closed": (Stop("x", 1800, ()), "closed that day"),
    "hours too short": (
        Stop("x", 3600, ((9 * H, 9 * H + 1800),)),
        "opening hours too short for the 60-min visit (open 09:00-09:30)",
    ),
    "too far": (
        Stop("far", 1800, ALL_DAY),
        "too far: the round trip alone takes 10h00 (+ the 30-min visit), the workday is 8h30",
    ),
    "appointment before day": (
        Stop("x", 1800, ALL_DAY, fixed_start_s=7 * H + 1800),
        "appointment at 07:30 (30-min visit) is outside the 08:00-16:30 workday",
    ),
    "appointment after day": (
        Stop("x", 1800, (), fixed_start_s=16 * H + 900),
        "appointment at 16:15 (30-min visit) is outside the 08:00-16:30 workday",
    ),
    "appointment unreachable": (
        Stop("x", 1800, (), fixed_start_s=8 * H + 300),
        "appointment at 08:05 cannot be reached: the drive there takes 10 min from the 08:00 start",
    ),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", REASON_CASES)
def test_infeasible_stop_reason(engine, case):
    bad, reason = REASON_CASES[case]
    day = line_day([Stop("ok", 1800, ALL_DAY), bad], {"ok": 5, "x": 10, "far": 300})
    res = solve_day(day, ENGINES[engine])
    assert [s.customer_id for s in res.stops] == ["ok"]
    assert res.dropped == [(bad.customer_id, reason)]


@pytest.mark.parametrize("engine", ENGINES)
def test_work_window_and_other_end_point(engine):
    """Start at the office (0), end at home (40 min away), workday 09:00-15:00."""
    stops = [Stop(c, 2700, ALL_DAY) for c in "abcde"]
    day = line_day(
        stops,
        {"a": 10, "b": 20, "c": 50, "d": 35, "e": 25},
        lunch=LUNCH,
        work_start_s=9 * H,
        work_end_s=15 * H,
        home_at=40,
    )
    res = solve_day(day, ENGINES[engine])
    assert res.dropped == []
    assert [s.customer_id for s in res.stops] == ["a", "b", "e", "d", "c"]
    assert res.start_s >= 9 * H and res.end_s <= 15 * H
    assert res.travel_s == 60 * 60  # 0 -> 50 -> 40
    assert check_day(day, res) == []


def test_work_window_on_random_days():
    for seed in range(4):
        day = random_day(10, seed, windows=bool(seed % 2))
        res = solve_day(day)
        assert day.work_start_s <= res.start_s <= res.end_s <= day.work_end_s
        assert check_day(day, res) == []


# ---------------------------------------------------------------- check_day, determinism


def _break(res, how):
    bad = copy.deepcopy(res)
    s0 = bad.stops[0]
    if how == "start before arrival":
        bad.stops[0] = dataclasses.replace(
            s0, start_s=s0.arrival_s - 60, departure_s=s0.departure_s - 60
        )
    elif how == "short service":
        bad.stops[0] = dataclasses.replace(s0, departure_s=s0.departure_s - 60)
    elif how == "outside opening hours":
        bad.stops[0] = dataclasses.replace(
            s0, arrival_s=7 * H, start_s=7 * H, departure_s=7 * H + 2700
        )
    elif how == "no lunch":
        bad.break_start_s = bad.break_end_s = None
    elif how == "lunch during a service":
        bad.break_start_s, bad.break_end_s = s0.start_s, s0.start_s + 1800
    elif how == "swapped order":
        bad.stops[0], bad.stops[1] = bad.stops[1], bad.stops[0]
    elif how == "lost stop":
        bad.stops.pop()
    elif how == "travel total":
        bad.travel_s += 60
    elif how == "late end":
        bad.end_s = 17 * H
    elif how == "early start":
        bad.start_s = 7 * H
    return bad


BREAKS = [
    "start before arrival",
    "short service",
    "outside opening hours",
    "no lunch",
    "lunch during a service",
    "swapped order",
    "lost stop",
    "travel total",
    "late end",
    "early start",
]


@pytest.fixture(scope="module")
def lunch_day():
    stops = [Stop(c, 2700, ((9 * H, 17 * H),)) for c in "abcdef"]
    day = line_day(stops, {"a": 10, "b": 15, "c": 20, "d": 25, "e": 30, "f": 35}, lunch=LUNCH)
    res = solve_day(day)
    assert check_day(day, res) == [] and res.break_start_s is not None and not res.dropped
    return day, res


@pytest.mark.parametrize("how", BREAKS)
def test_check_day_catches_a_broken_result(lunch_day, how):
    day, res = lunch_day
    assert check_day(day, _break(res, how)) != []


def test_check_day_max_visits(lunch_day):
    day, res = lunch_day
    assert check_day(dataclasses.replace(day, max_visits=5), res) != []


@pytest.mark.parametrize("n", [8, 14])
def test_same_input_same_result(n):
    """8 stops go through the exact DP, 14 through OR-Tools guided local search.

    The search stops at its solution limit; the time limit is a safety net set high here
    so that a loaded test machine cannot reach it (reaching it makes results depend on
    machine speed).
    """
    day = random_day(n, 7, windows=True)
    params = RoutingParams(time_limit_s=30)
    first, second = solve_day(day, params), solve_day(copy.deepcopy(day), params)
    assert first == second
    assert check_day(day, first) == []


def test_malformed_problem_is_an_error():
    twice = line_day([Stop("a", 60, ALL_DAY), Stop("a", 60, ALL_DAY)], {"a": 1})
    with pytest.raises(ValueError, match="twice"):
        solve_day(twice)
    unknown = line_day([Stop("zz", 60, ALL_DAY)], {"a": 1})
    with pytest.raises(ValueError, match="zz is not in the day's travel matrix"):
        solve_day(unknown)


def test_vrptw_routes_are_caller_rows():
    """solve_vrptw (benchmark-facing): routes name the caller's rows 1..n, never OR-Tools
    indices; capacity and windows hold; the at-solution callback fills the checkpoints."""
    from planner.routing.vrptw import VrptwParams, solve_vrptw

    x = np.array([0, 10, 20, -10, -20])  # row 0 = depot, on a line
    travel = np.abs(x[:, None] - x[None, :])
    windows = [(0, 1000), (0, 1000), (0, 1000), (0, 1000), (0, 1000)]
    res = solve_vrptw(
        travel,
        [0, 5, 5, 5, 5],
        windows,
        [0, 1, 1, 1, 1],
        capacity=2,
        vehicles=3,
        params=VrptwParams(time_limit_s=0.5, checkpoints_s=(0.5,)),
    )
    assert res.dropped == []
    assert sorted(map(sorted, res.routes)) == [[1, 2], [3, 4]]
    assert res.objective == 80
    cp_objective, cp_routes = res.checkpoints[0.5]
    assert cp_objective == 80 and sorted(map(sorted, cp_routes)) == [[1, 2], [3, 4]]
