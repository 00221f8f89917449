"""Domain types shared by every stage: tier rules, workday, horizon, and the columns of
the validated customer and rep tables.

The readers in :mod:`planner.io` turn user files into pandas DataFrames with exactly
the columns below (one row per customer / rep, index 0..n-1). Stages read these
columns and nothing else, so they never see user spellings or units.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Validated customer table (planner.io.read_customers).
CUSTOMER_COLUMNS: dict[str, str] = {
    "customer_id": "str, unique",
    "name": "str",
    "lat": "float, WGS84 degrees",
    "lon": "float, WGS84 degrees",
    "tier": "str, a key of the scenario's tiers",
    "address": "str ('' when absent)",
    "phone": "str ('' when absent)",
    "notes": "str ('' when absent)",
    "service_s": "int seconds on site (customer's service_min, else the tier's)",
    "hours": "WeeklyHours (planner.hours), Monday first",
    "last_visit": "datetime.date or None",
    "rep_id": "str or None: pinned to this rep",
    "territory_id": "str or None: current territory",
    "active": "bool",
    "source_row": "int: line number in the source file (header = 1)",
    "contact": "str ('' when absent): person to meet (passed through to the outputs)",
    "contact_title": "str ('' when absent): the contact's position",
    "purpose": "str ('' when absent): purpose of the visits",
}

# Validated rep table (planner.io.read_reps).
REP_COLUMNS: dict[str, str] = {
    "rep_id": "str, unique",
    "name": "str",
    "home_lat": "float",
    "home_lon": "float",
    "start_lat": "float (home_lat when not given)",
    "start_lon": "float (home_lon when not given)",
    "work_start_s": "int seconds since midnight (scenario workday start by default)",
    "work_end_s": "int seconds since midnight (scenario workday end by default)",
    "working_days": "tuple[int, ...] weekdays, Monday = 0 (default Mo-Fr)",
    "max_visits_per_day": "int, 0 = no limit",
    "unavailable": "tuple[datetime.date, ...]",
    "source_row": "int",
}

APPOINTMENT_COLUMNS: dict[str, str] = {
    "customer_id": "str",
    "date": "datetime.date",
    "start_s": "int seconds since midnight: the visit starts exactly then",
    "source_row": "int",
    "purpose": "str ('' when absent): purpose of this visit (passed through)",
    "notes": "str ('' when absent): notes for this visit (passed through)",
}


# Validated visit log (planner.io.read_visit_log): what happened to visits.
VISIT_LOG_COLUMNS: dict[str, str] = {
    "customer_id": "str",
    "rep_id": "str",
    "date": "datetime.date",
    "status": "str: done, missed or cancelled",
    "start_s": "int seconds since midnight, or None",
    "duration_s": "int seconds on site, or None",
    "outcome": "str: A-E, or ''",
    "person_met": "str ('' when absent)",
    "purpose": "str ('' when absent)",
    "notes": "str ('' when absent)",
    "source_file": "str: the log file the row came from",
    "source_row": "int: line number in that file (header = 1)",
}


@dataclass(frozen=True)
class TierRule:
    """How often a tier is visited and for how long.

    Parameters
    ----------
    name : str
        The tier label as it appears in the customer file (``A``, ``KA1`` ...).
    every_weeks : int
        Visit interval in weeks (1 = weekly, 2 = every other week, 13 = once a quarter).
    service_min : float
        Default minutes on site for a visit.
    priority : int
        Larger = more important; a visit of a higher-priority tier is never dropped to
        keep one of a lower tier. By default, more frequent tiers rank higher.
    """

    name: str
    every_weeks: int
    service_min: float
    priority: int = 0

    @property
    def service_s(self) -> int:
        return int(round(self.service_min * 60))


@dataclass(frozen=True)
class BreakRule:
    """A break of ``duration_s`` that must lie inside ``[earliest_s, latest_s]``."""

    earliest_s: int
    latest_s: int
    duration_s: int


@dataclass(frozen=True)
class Workday:
    """The working window: leave the start point at or after ``start_s``, be home by ``end_s``."""

    start_s: int = 8 * 3600
    end_s: int = 16 * 3600 + 30 * 60
    lunch: BreakRule | None = None

    @property
    def length_s(self) -> int:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Horizon:
    """Planning horizon: ``weeks`` weeks from ``start`` (any weekday; usually a Monday)."""

    start: dt.date
    weeks: int = 4

    @property
    def end(self) -> dt.date:
        """Last day of the horizon (inclusive)."""
        return self.start + dt.timedelta(days=7 * self.weeks - 1)

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(7 * self.weeks)]

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class TierTable:
    """All tier rules of a scenario, keyed by tier name."""

    rules: dict[str, TierRule] = field(default_factory=dict)

    def __getitem__(self, name: str) -> TierRule:
        return self.rules[name]

    def __contains__(self, name: str) -> bool:
        return name in self.rules

    def names(self) -> list[str]:
        return list(self.rules)


DEFAULT_TIERS = TierTable(
    {
        "A": TierRule("A", every_weeks=1, service_min=45, priority=3),
        "B": TierRule("B", every_weeks=2, service_min=30, priority=2),
        "C": TierRule("C", every_weeks=4, service_min=20, priority=1),
    }
)
