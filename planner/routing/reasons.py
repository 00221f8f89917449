"""Why a visit cannot be routed, in words a planner understands.

:func:`precheck_stop` finds the visits that cannot be placed even alone on the day
(closed, too short opening hours, too far, appointment outside the day ...): cheap and
exact, before any solver runs. :func:`dropped_reason` explains a visit the solver left
out of a day that holds other visits.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.routing import DayProblem, Stop
from planner.routing.timeline import schedule_route, start_ranges
from planner.units import format_clock, round_minutes


def format_duration(seconds: int) -> str:
    """``2700`` -> ``45 min``; ``33000`` -> ``9h10`` (rounded to the minute)."""
    minutes = round_minutes(seconds)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60}h{minutes % 60:02d}"


def _day_text(problem: DayProblem) -> str:
    return f"{format_clock(problem.work_start_s)}-{format_clock(problem.work_end_s)}"


def _hours_text(stop: Stop) -> str:
    return ",".join(f"{format_clock(o)}-{format_clock(c)}" for o, c in stop.windows)


def _visit_text(stop: Stop) -> str:
    return f"{int(round(stop.service_s / 60))}-min visit"


def precheck_day(problem: DayProblem) -> str | None:
    """Reason why no visit at all can be made this day (``None`` when some could)."""
    day = problem.work_end_s - problem.work_start_s
    if day <= 0:
        return f"the workday {_day_text(problem)} is empty"
    trip = problem.matrix.time_s(problem.start_id, problem.end_id)
    if trip > day:
        return (
            f"the drive from the start point to the end point alone takes "
            f"{format_duration(trip)}, longer than the {_day_text(problem)} day"
        )
    return None


def precheck_stop(problem: DayProblem, stop: Stop) -> str | None:
    """Reason why ``stop`` cannot be visited even as the only visit of the day, or ``None``.

    Exact: ``None`` means the rep can do this one visit alone (with lunch) inside the day.
    """
    m = problem.matrix
    ws, we = problem.work_start_s, problem.work_end_s
    f = stop.fixed_start_s
    if f is None and not stop.windows:
        return "closed that day"
    if f is not None and (f < ws or f + stop.service_s > we):
        return (
            f"appointment at {format_clock(f)} ({_visit_text(stop)}) is outside the "
            f"{_day_text(problem)} workday"
        )
    if f is None and not start_ranges(stop):
        return f"opening hours too short for the {_visit_text(stop)} (open {_hours_text(stop)})"
    to = m.time_s(problem.start_id, stop.customer_id)
    back = m.time_s(stop.customer_id, problem.end_id)
    if to + stop.service_s + back > we - ws:
        return (
            f"too far: the round trip alone takes {format_duration(to + back)} "
            f"(+ the {_visit_text(stop)}), the workday is {format_duration(we - ws)}"
        )
    if f is not None:
        if ws + to > f:
            return (
                f"appointment at {format_clock(f)} cannot be reached: the drive there "
                f"takes {format_duration(to)} from the {format_clock(ws)} start"
            )
        if f + stop.service_s + back > we:
            return (
                f"after the appointment at {format_clock(f)} the drive back takes "
                f"{format_duration(back)}: past the {format_clock(we)} end of day"
            )
    else:
        first, last = ws + to, we - back - stop.service_s
        if not any(lo <= last and hi >= first for lo, hi in start_ranges(stop)):
            return (
                f"open {_hours_text(stop)} only: a {_visit_text(stop)} there fits "
                f"between {format_clock(first)} and {format_clock(last + stop.service_s)}"
                f" in the {_day_text(problem)} day"
            )
    if schedule_route(problem, [stop.customer_id]) is None:
        lunch = problem.lunch
        if lunch is not None:
            return (
                f"does not fit around the {format_duration(lunch.duration_s)} lunch break "
                f"({format_clock(lunch.earliest_s)}-{format_clock(lunch.latest_s)})"
            )
        return f"does not fit in the {_day_text(problem)} day"  # pragma: no cover
    return None


def dropped_reason(problem: DayProblem, stop: Stop, kept: Sequence[str]) -> str:
    """Why the solver left ``stop`` out of a day that visits ``kept`` (customer ids)."""
    if problem.max_visits and len(kept) >= problem.max_visits:
        return f"day already has max_visits_per_day={problem.max_visits}"
    if stop.fixed_start_s is not None:
        m = problem.matrix
        f, c = stop.fixed_start_s, stop.customer_id
        for other in problem.stops:
            g = other.fixed_start_s
            if other.customer_id not in kept or g is None:
                continue
            if not (
                f + stop.service_s + m.time_s(c, other.customer_id) <= g
                or g + other.service_s + m.time_s(other.customer_id, c) <= f
            ):
                return (
                    f"appointment at {format_clock(f)} clashes with the appointment at "
                    f"{other.customer_id} at {format_clock(g)}"
                )
    n = len(kept)
    return (
        f"does not fit in the {_day_text(problem)} day with the other {n} "
        f"visit{'s' if n != 1 else ''}"
    )
