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
    calendar_periods,
    customer_histories,
    default_work_dates,
    due_frame,
    due_visits,
    match_appointments,
    rules_of,
    week_of,
)
from planner.schedule.frequency import FREQUENCY_COLUMNS, frequency_table
from planner.schedule.preferred import frozen_subset, previous_preferred
from planner.schedule.trim import trim_over_capacity, visit_floor_s

__all__ = [
    "CALENDAR_COLUMNS",
    "FREQUENCY_COLUMNS",
    "calendar_periods",
    "customer_histories",
    "frozen_subset",
    "frequency_table",
    "rules_of",
    "UNPLACED_COLUMNS",
    "CalendarParams",
    "CalendarResult",
    "DueVisit",
    "assign_days",
    "default_work_dates",
    "due_frame",
    "due_visits",
    "match_appointments",
    "previous_preferred",
    "rep_window",
    "rep_work_dates",
    "tier_ranks",
    "trim_over_capacity",
    "visit_floor_s",
    "week_of",
]
