"""The visit calendar: which customer is due when, and on which working day it is visited.

Entry points:

- :func:`due_visits` (customers, horizon, tiers, seed) -> list of :class:`DueVisit`
- :func:`assign_days` (customers, rep, due visits, matrix, appointments,
  :class:`CalendarParams`) -> :class:`CalendarResult`

Layer 2 (stage): imports only the core (``planner.domain``, ``planner.matrix`` ...), never
another stage. docs/scheduling.md explains the rules for planners.
"""

from planner.schedule.calendar import (
    CALENDAR_COLUMNS,
    UNPLACED_COLUMNS,
    CalendarParams,
    CalendarResult,
    assign_days,
    rep_window,
    rep_work_dates,
    tier_ranks,
)
from planner.schedule.due import (
    DueVisit,
    default_work_dates,
    due_frame,
    due_visits,
    match_appointments,
    week_of,
)

__all__ = [
    "CALENDAR_COLUMNS",
    "UNPLACED_COLUMNS",
    "CalendarParams",
    "CalendarResult",
    "DueVisit",
    "assign_days",
    "default_work_dates",
    "due_frame",
    "due_visits",
    "match_appointments",
    "rep_window",
    "rep_work_dates",
    "tier_ranks",
    "week_of",
]
