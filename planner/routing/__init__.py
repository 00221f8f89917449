"""Daily routes: OR-Tools orders one rep-day's visits inside the working window.

The only package that imports ortools. Solver indices never leave it: results are keyed
by ``customer_id``.

Entry point: :func:`solve_day` (``DayProblem`` + ``RoutingParams`` -> ``DayResult``).
:func:`planner.routing.vrptw.solve_vrptw` is for benchmarks only (Solomon instances in
``benchmarks/solomon_bench.py``): the same search recipe on a depot-and-fleet problem given
as arrays, whose routes are the caller's row numbers (never OR-Tools indices); no stage
calls it.

Time semantics (shared with ``planner check``): the rep leaves the start point at
``start_s >= work_start_s``; arrival at a stop = departure from the previous point +
travel (plus the lunch break when it is taken on that leg); service starts at
``max(arrival, window open)`` (or exactly at an appointment time) and must end inside the
same opening window; the rep is back home (``end_id``) at ``end_s <= work_end_s``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from planner.domain import BreakRule
from planner.matrix import TravelMatrix


@dataclass(frozen=True)
class Stop:
    """One visit to place in a day.

    ``windows`` are the customer's opening intervals that day (seconds since midnight);
    the whole service must fit inside one of them. ``fixed_start_s`` pins an
    appointment. ``penalty`` is the cost of dropping the visit (tier-weighted, so an A
    visit is never dropped to keep a C)."""

    customer_id: str
    service_s: int
    windows: tuple[tuple[int, int], ...]
    penalty: int = 1_000_000
    fixed_start_s: int | None = None


@dataclass(frozen=True)
class DayProblem:
    rep_id: str
    date: dt.date
    start_id: str
    end_id: str
    stops: tuple[Stop, ...]
    matrix: TravelMatrix
    work_start_s: int
    work_end_s: int
    lunch: BreakRule | None = None
    max_visits: int = 0  # 0 = no limit


@dataclass(frozen=True)
class RoutingParams:
    """Search knobs of :func:`solve_day`.

    ``solution_limit`` stops guided local search reproducibly (0 = automatic:
    ``max(100, 10 * stops)``); days of at most ``exact_max_stops`` stops (after the
    pre-check) are solved exactly by dynamic programming instead of OR-Tools (0 = always
    OR-Tools). ``time_limit_s`` is only a safety net: a day normally stops at its
    solution limit (a 20-stop day in about 0.2 s); when the limit stops it first, the
    result says so (``DayResult.time_limit_hit``) because it may then differ on another
    machine. ``seed`` is recorded but OR-Tools routing uses none."""

    time_limit_s: float = 10.0
    seed: int = 0
    solution_limit: int = 0
    exact_max_stops: int = 10


@dataclass(frozen=True)
class ScheduledStop:
    customer_id: str
    arrival_s: int
    start_s: int
    departure_s: int
    travel_s: int  # from the previous point (start point for the first stop)
    dist_m: int


@dataclass
class DayResult:
    rep_id: str
    date: dt.date
    stops: list[ScheduledStop] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (customer_id, reason)
    start_s: int = 0
    end_s: int = 0
    travel_s: int = 0  # including the way home
    dist_m: int = 0
    service_s: int = 0
    wait_s: int = 0
    break_start_s: int | None = None
    break_end_s: int | None = None
    # the safety time limit stopped the search before its deterministic budget: this
    # day's route may differ on a faster or less busy machine
    time_limit_hit: bool = False


from planner.routing.solver import solve_day  # noqa: E402  (needs the classes above)
from planner.routing.timeline import check_day, schedule_route  # noqa: E402

__all__ = [
    "DayProblem",
    "DayResult",
    "RoutingParams",
    "ScheduledStop",
    "Stop",
    "check_day",
    "schedule_route",
    "solve_day",
]
