"""Exact timing of a visiting order: forward pass, lunch break, late start, invariant check.

No solver here: given the order OR-Tools chose, :func:`schedule_route` computes the day
the planner sees, and :func:`check_day` verifies every rule on a :class:`DayResult`.
``planner check`` can call both on an edited route.

Rules (the time semantics of :mod:`planner.routing`)
----------------------------------------------------
- The rep leaves the start point at ``start_s >= work_start_s`` and is back at the end
  point at ``end_s <= work_end_s``.
- A stop's service starts at ``start_s`` inside one of its *start ranges*:
  ``[open, close - service_s]`` for each opening window long enough for the visit, or
  exactly ``fixed_start_s`` for an appointment (an appointment replaces the opening
  hours: it was agreed with the customer).
- Lunch (``problem.lunch``) is one break of ``duration_s`` starting in
  ``[earliest_s, latest_s - duration_s]``, taken on one leg (between leaving a point and
  starting the next service, or reaching the end point), never during a service. On a
  leg that departs at ``d`` with travel ``t`` the break starts at ``b = max(d, earliest_s)``:
  if ``b < d + t`` it is taken on the way and ``arrival = d + t + duration_s``; otherwise
  the rep arrives at ``d + t`` and has lunch there before the service (``start >= b +
  duration``). No break is needed when the whole day lies outside the lunch window: back
  home by ``latest_s - duration_s`` or leaving at or after ``earliest_s + duration_s``.
- Each service starts as early as possible once the rep is there; the departure from the
  start point is then pushed as late as possible without making the day end later, so a
  rep never leaves at 08:00 to wait 40 minutes at a customer that opens at 09:00.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.routing import DayProblem, DayResult, ScheduledStop, Stop

Ranges = tuple[tuple[int, int], ...]


def start_ranges(stop: Stop) -> Ranges:
    """Service start ranges of a stop, sorted: ``[(lo_s, hi_s), ...]`` (may be empty).

    An appointment gives ``((fixed_start_s, fixed_start_s),)``; otherwise every opening
    window ``(open_s, close_s)`` at least ``service_s`` long gives
    ``(open_s, close_s - service_s)``.
    """
    if stop.fixed_start_s is not None:
        return ((int(stop.fixed_start_s), int(stop.fixed_start_s)),)
    return tuple(
        sorted(
            (int(o), int(c) - int(stop.service_s))
            for o, c in stop.windows
            if int(c) - int(o) >= int(stop.service_s)
        )
    )


def earliest_in(ready_s: int, ranges: Ranges) -> int | None:
    """First start time ``>= ready_s`` inside ``ranges``; ``None`` when all have closed."""
    for lo, hi in ranges:
        if ready_s <= hi:
            return max(ready_s, lo)
    return None


@dataclass
class _Day:
    """A day's points as plain Python ints (fast loops; solver-free)."""

    nodes: list[int]  # matrix indices: start, stops..., end
    travel: list[list[int]]
    ranges: list[Ranges]  # per stop
    service: list[int]  # per stop


def day_travel(problem: DayProblem, stops: Sequence[Stop]) -> tuple[list[int], list[list[int]]]:
    """Matrix rows of a day's points (start, ``stops`` in order, end) and the travel
    seconds among them as plain Python ints (point 0 = start, ``len(stops) + 1`` = end)."""
    m = problem.matrix
    nodes = m.indices([problem.start_id, *(s.customer_id for s in stops), problem.end_id])
    return nodes.tolist(), m.travel_s[np.ix_(nodes, nodes)].tolist()


def _prepare(problem: DayProblem, stops: Sequence[Stop]) -> _Day:
    nodes, travel = day_travel(problem, stops)
    return _Day(nodes, travel, [start_ranges(s) for s in stops], [int(s.service_s) for s in stops])


@dataclass
class _Timing:
    starts: list[int]  # service start per stop
    arrivals: list[int]
    end_s: int
    break_leg: int | None  # leg k = from point k (0 = start point) to point k + 1
    break_start_s: int | None


def _run(day: _Day, depart_s: int, break_leg: int | None, lunch) -> _Timing | None:
    """Earliest timing for one departure time with the break on ``break_leg`` (or none)."""
    n = len(day.service)
    d = depart_s
    starts: list[int] = []
    arrivals: list[int] = []
    b_start = None
    for k in range(n + 1):
        t = day.travel[k][k + 1]
        ready = d + t
        arr = ready
        if k == break_leg:
            b = max(d, lunch.earliest_s)
            if b > lunch.latest_s - lunch.duration_s:
                return None
            b_start = b
            if b < d + t:
                arr = d + t + lunch.duration_s
                ready = arr
            else:
                if k == n:  # lunch after getting home is no lunch on the route
                    return None
                ready = b + lunch.duration_s
        if k == n:
            return _Timing(starts, arrivals, arr, break_leg, b_start)
        s = earliest_in(ready, day.ranges[k])
        if s is None:
            return None
        arrivals.append(arr)
        starts.append(s)
        d = s + day.service[k]
    raise AssertionError("unreachable")


def _best(day: _Day, depart_s: int, lunch) -> _Timing | None:
    """Best timing for a departure time: earliest end, no break when none is needed."""
    plain = _run(day, depart_s, None, lunch)
    if lunch is None:
        return plain
    last_free = lunch.latest_s - lunch.duration_s
    if plain is not None and (
        plain.end_s <= last_free or depart_s >= lunch.earliest_s + lunch.duration_s
    ):
        return plain
    mid = (lunch.earliest_s + last_free) / 2
    best: _Timing | None = None
    for leg in range(len(day.service) + 1):
        cand = _run(day, depart_s, leg, lunch)
        if cand is None:
            continue
        if best is None or (cand.end_s, abs(cand.break_start_s - mid)) < (
            best.end_s,
            abs(best.break_start_s - mid),
        ):
            best = cand
    return best


def _latest_departure(day: _Day, problem: DayProblem) -> tuple[int, _Timing] | None:
    lunch = problem.lunch
    first = _best(day, problem.work_start_s, lunch)
    if first is None or first.end_s > problem.work_end_s:
        return None
    lo, hi = problem.work_start_s, first.end_s  # end(D) is non-decreasing, feasibility too
    best = first
    while lo < hi:
        mid = (lo + hi + 1) // 2
        cand = _best(day, mid, lunch)
        if cand is not None and cand.end_s == first.end_s:
            lo, best = mid, cand
        else:
            hi = mid - 1
    return lo, best


def schedule_route(problem: DayProblem, order: Sequence[str]) -> DayResult | None:
    """Exact schedule of the stops ``order`` (customer ids) in that order.

    Parameters
    ----------
    problem : DayProblem
        The day; ``order`` must name stops of ``problem.stops``.
    order : sequence of str
        Customer ids in visiting order.

    Returns
    -------
    DayResult or None
        Times per stop and day totals (``dropped`` left empty), or ``None`` when no
        timing of this order satisfies the rules in the module docstring.

    Notes
    -----
    Each service starts as early as possible; the departure is the latest that keeps the
    earliest possible end time (binary search over the departure second: the end time is
    non-decreasing in it and feasibility is downward closed). With lunch, every leg is
    tried and the one with the earliest end wins (ties: break nearest the middle of the
    lunch window).
    """
    by_id = {s.customer_id: s for s in problem.stops}
    stops = [by_id[c] for c in order]
    result = DayResult(rep_id=problem.rep_id, date=problem.date)
    if not stops:
        return result
    day = _prepare(problem, stops)
    found = _latest_departure(day, problem)
    if found is None:
        return None
    depart_s, tm = found
    dist = problem.matrix.dist_m[day.nodes][:, day.nodes].tolist()
    for k, stop in enumerate(stops):
        start = tm.starts[k]
        result.stops.append(
            ScheduledStop(
                stop.customer_id,
                tm.arrivals[k],
                start,
                start + day.service[k],
                day.travel[k][k + 1],
                dist[k][k + 1],
            )
        )
    n = len(stops)
    result.start_s, result.end_s = depart_s, tm.end_s
    result.travel_s = sum(day.travel[k][k + 1] for k in range(n + 1))
    result.dist_m = sum(dist[k][k + 1] for k in range(n + 1))
    result.service_s = sum(day.service)
    brk = 0
    if tm.break_start_s is not None:
        assert problem.lunch is not None  # a break is only planned under a lunch rule
        brk = problem.lunch.duration_s
        result.break_start_s, result.break_end_s = tm.break_start_s, tm.break_start_s + brk
    result.wait_s = result.end_s - result.start_s - result.travel_s - result.service_s - brk
    return result


def check_day(problem: DayProblem, result: DayResult) -> list[str]:
    """Every rule a day must satisfy, checked on a result; returns violations (empty = ok).

    Checks: each stop of the problem appears exactly once (routed or dropped), the work
    window, travel and distance per leg and in total, arrival/start/departure arithmetic,
    opening windows and appointments, the lunch break (window, duration, on one leg, not
    during a service, present when needed), ``max_visits`` and the waiting total.
    """
    out: list[str] = []
    by_id = {s.customer_id: s for s in problem.stops}
    seen = [s.customer_id for s in result.stops] + [c for c, _ in result.dropped]
    if sorted(seen) != sorted(by_id):
        out.append(f"stops {sorted(seen)} are not exactly the day's stops {sorted(by_id)}")
    if not result.stops:
        if (result.start_s, result.end_s, result.travel_s, result.dist_m) != (0, 0, 0, 0):
            out.append("a day without visits must have zero times and totals")
        return out
    if problem.max_visits and len(result.stops) > problem.max_visits:
        out.append(f"{len(result.stops)} visits > max_visits {problem.max_visits}")
    if result.start_s < problem.work_start_s:
        out.append(f"leaves at {result.start_s} before the workday starts")
    if result.end_s > problem.work_end_s:
        out.append(f"back at {result.end_s} after the workday ends")
    m = problem.matrix
    lunch = problem.lunch
    bs, be = result.break_start_s, result.break_end_s
    if bs is not None and (
        lunch is None
        or be is None
        or be - bs != lunch.duration_s
        or bs < lunch.earliest_s
        or be > lunch.latest_s
    ):
        out.append(f"break {bs}-{be} does not match the lunch rule {lunch}")
        bs = None
    if bs is not None and be is not None:
        has_break, b0, b1 = True, bs, be
    else:
        has_break, b0, b1 = False, 0, 0
    prev, d = problem.start_id, result.start_s
    travel = dist = service = 0
    legs_with_break = 0
    for st in [*result.stops, None]:
        cid = problem.end_id if st is None else st.customer_id
        t, dm = m.time_s(prev, cid), m.distance_m(prev, cid)
        travel += t
        dist += dm
        nxt = result.end_s if st is None else st.start_s
        on_leg = has_break and d <= b0 and b0 + (b1 - b0) <= nxt
        legs_with_break += on_leg
        expect_arr = d + t + ((b1 - b0) if on_leg and b0 < d + t else 0)
        if st is None:
            if result.end_s != expect_arr:
                out.append(f"end {result.end_s} != departure {d} + travel {t} (+ break)")
            break
        stop = by_id.get(st.customer_id)
        if stop is None:
            out.append(f"{st.customer_id} is not a stop of this day")
            continue
        if (st.travel_s, st.dist_m) != (t, dm):
            out.append(f"{cid}: leg travel/dist {st.travel_s}/{st.dist_m} != {t}/{dm}")
        if st.arrival_s != expect_arr:
            out.append(f"{cid}: arrival {st.arrival_s} != {expect_arr}")
        if st.start_s < st.arrival_s or (on_leg and st.start_s < b1):
            out.append(f"{cid}: service starts at {st.start_s} before arrival or lunch end")
        if st.departure_s != st.start_s + stop.service_s:
            out.append(f"{cid}: departure {st.departure_s} != start + service")
        if not any(lo <= st.start_s <= hi for lo, hi in start_ranges(stop)):
            what = "appointment" if stop.fixed_start_s is not None else "opening hours"
            out.append(f"{cid}: service {st.start_s}-{st.departure_s} outside its {what}")
        service += stop.service_s
        prev, d = st.customer_id, st.departure_s
    if has_break and legs_with_break != 1:
        out.append(f"break {b0}-{b1} is not on exactly one leg (overlaps a service?)")
    if (
        lunch is not None
        and not has_break
        and not (
            result.end_s <= lunch.latest_s - lunch.duration_s
            or result.start_s >= lunch.earliest_s + lunch.duration_s
        )
    ):
        out.append("the day spans the lunch window but has no break")
    if (result.travel_s, result.dist_m, result.service_s) != (travel, dist, service):
        out.append(
            f"totals travel/dist/service {result.travel_s}/{result.dist_m}/"
            f"{result.service_s} != {travel}/{dist}/{service}"
        )
    brk = (b1 - b0) if has_break else 0
    wait = result.end_s - result.start_s - travel - service - brk
    if result.wait_s != wait or wait < 0:
        out.append(f"wait {result.wait_s} != {wait} (or negative)")
    return out
