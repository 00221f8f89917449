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


#: The visit log file's header: what ``planner actuals`` reads (planner.io.visit_log) and
#: what the rep's map form exports (planner.maps.form), in this order.
VISIT_LOG_FILE_COLUMNS = (
    "customer_id",
    "rep_id",
    "date",
    "status",
    "start",
    "duration_min",
    "outcome",
    "person_met",
    "purpose",
    "notes",
)
VISIT_STATUSES = ("done", "missed", "cancelled")
VISIT_OUTCOMES = ("A", "B", "C", "D", "E")

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

#: Calendar periods of a ``visits: {count, per}`` rule and their nominal length in weeks.
PERIOD_WEEKS: dict[str, float] = {
    "week": 1.0,
    "month": 52.0 / 12.0,
    "quarter": 13.0,
    "half_year": 26.0,
    "year": 52.0,
}
CADENCES = ("weekday", "flexible")


@dataclass(frozen=True)
class TierRule:
    """How often a tier is visited and for how long.

    A tier has one *frequency rule*: either a rolling interval ``every_weeks`` or, when
    ``visits_count`` is set, "at least ``visits_count`` visits in every calendar
    ``visits_per``" (week, month, quarter, half_year, year). docs/scheduling.md explains
    both for planners.

    Parameters
    ----------
    name : str
        The tier label as it appears in the customer file (``A``, ``KA1`` ...).
    every_weeks : int
        Visit interval in weeks (1 = weekly, 2 = every other week, 13 = once a quarter).
        For a period rule: the nominal interval rounded (``52 / visits per year``), used
        by workload estimates only.
    service_min : float
        Default minutes on site for a visit.
    priority : int
        Larger = more important; a visit of a higher-priority tier is never dropped to
        keep one of a lower tier. By default the first tier listed in the scenario ranks
        highest.
    visits_count : int
        0 for an ``every_weeks`` rule; else the visits required in every period.
    visits_per : str
        The period of a period rule (a key of :data:`PERIOD_WEEKS`).
    max_gap_days : int or None
        Two consecutive visits of a customer (its last visit included) are never further
        apart (hard).
    min_gap_days : int or None
        Two consecutive visits of a customer are never closer (no bunching).
    cadence : str
        ``weekday`` (all visits of a customer on one weekday), ``flexible`` (each visit on
        any working day of its window) or ``""`` for the default (:attr:`cadence_mode`).
    """

    name: str
    every_weeks: int
    service_min: float
    priority: int = 0
    visits_count: int = 0
    visits_per: str = ""
    max_gap_days: int | None = None
    min_gap_days: int | None = None
    cadence: str = ""

    @property
    def service_s(self) -> int:
        return int(round(self.service_min * 60))

    @property
    def is_period_rule(self) -> bool:
        """True for ``visits: {count, per}`` (calendar periods), False for ``every_weeks``."""
        return self.visits_count > 0

    @property
    def weeks_per_visit(self) -> float:
        """Average weeks between visits (for workload estimates)."""
        if self.is_period_rule:
            return PERIOD_WEEKS[self.visits_per] / self.visits_count
        return float(self.every_weeks)

    @property
    def cadence_mode(self) -> str:
        """The cadence in force: the tier's ``cadence``, else ``weekday`` for weekly and
        two-weekly ``every_weeks`` rules and ``flexible`` for everything rarer and for
        period rules."""
        if self.cadence:
            return self.cadence
        return "weekday" if not self.is_period_rule and self.every_weeks <= 2 else "flexible"

    def describe(self) -> str:
        """The rule in words: ``every 2 weeks``, ``1 per quarter``."""
        if self.is_period_rule:
            return f"{self.visits_count} per {self.visits_per.replace('_', ' ')}"
        return "every week" if self.every_weeks == 1 else f"every {self.every_weeks} weeks"


def customer_rule(rule: TierRule, every_weeks=None, visits_per_year=None) -> TierRule:
    """The rule of one customer: its tier's, unless the customer file overrides it.

    A customer's ``every_weeks`` (a rolling interval) or ``visits_per_year`` (a period
    rule per calendar year) replaces the tier's frequency rule and its ``max_gap_days``
    (a customer seen less often than its tier cannot keep the tier's gap);
    ``min_gap_days`` is kept when it is shorter than the new interval; service time,
    priority and an explicit ``cadence`` stay the tier's (``weekday`` falls back to
    ``flexible`` for a period rule). ``None``/NaN means no override.
    """
    import math
    from dataclasses import replace

    def given(x) -> bool:
        return x is not None and not (isinstance(x, float) and math.isnan(x))

    if given(every_weeks):
        n = int(every_weeks)
        return replace(
            rule,
            every_weeks=n,
            visits_count=0,
            visits_per="",
            max_gap_days=None,
            min_gap_days=rule.min_gap_days
            if rule.min_gap_days and rule.min_gap_days < 7 * n
            else None,
        )
    if given(visits_per_year):
        n = int(visits_per_year)
        interval_days = 365 / n
        return replace(
            rule,
            every_weeks=max(1, round(52 / n)),
            visits_count=n,
            visits_per="year",
            max_gap_days=None,
            min_gap_days=rule.min_gap_days
            if rule.min_gap_days and rule.min_gap_days < interval_days
            else None,
            cadence="" if rule.cadence == "weekday" else rule.cadence,
        )
    return rule


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


@dataclass(frozen=True)
class WorkCalendar:
    """Company-wide days off and make-up working days (public holidays included).

    Parameters
    ----------
    days_off : frozenset of datetime.date
        Nobody works: public holidays of the scenario's ``holidays`` country and its
        ``extra_days_off``.
    working_days : frozenset of datetime.date
        Make-up working days (``extra_working_days``): worked even on a weekday the rep
        normally has off (China moves weekend days around its holidays). A rep's own
        ``unavailable`` dates still win.
    names : dict
        ``date -> name`` of each day off (``National Day``), for messages.
    """

    days_off: frozenset = frozenset()
    working_days: frozenset = frozenset()
    names: dict = field(default_factory=dict)

    def is_day_off(self, day: dt.date) -> bool:
        return day in self.days_off and day not in self.working_days

    def name(self, day: dt.date) -> str:
        return str(self.names.get(day, "company day off"))


NO_DAYS_OFF = WorkCalendar()


DEFAULT_TIERS = TierTable(
    {
        "A": TierRule("A", every_weeks=1, service_min=45, priority=3),
        "B": TierRule("B", every_weeks=2, service_min=30, priority=2),
        "C": TierRule("C", every_weeks=4, service_min=20, priority=1),
    }
)
