"""Settings and result of the territory stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

METHODS = ("redesign", "keep")
BALANCES = ("workload", "count", "column")


@dataclass(frozen=True)
class TerritoryParams:
    """How territories are designed.

    Parameters
    ----------
    method : {"redesign", "keep"}
        ``redesign`` starts fresh around the reps' homes. ``keep`` starts from the
        customers' current ``territory_id`` and moves as few customers as possible to
        bring every territory within the balance tolerance.
    count : int or None
        Number of territories; ``None`` = one per rep (ids ``T-<rep_id>``).
    balance : {"workload", "count", "column"}
        What is balanced: hours of work per cycle (visits x service time plus the travel
        the visits cause), number of customers, or the sum of a numeric column.
    balance_column : str or None
        The customer column summed when ``balance="column"`` (e.g. ``revenue``).
    balance_tolerance : float
        Allowed deviation of each territory from the mean, as a fraction (0.10 = +-10 %).
    boundary : pathlib.Path or None
        Polygon file (GeoJSON / GeoPackage / any OGR format) the territories are clipped
        to, e.g. a region or country outline.
    units : pathlib.Path or None
        Building-block polygons (postcodes, districts); when given, every unit goes whole
        to one territory so territories follow administrative lines.
    cycle_weeks : int
        Length of the workload cycle in weeks (default 4).
    seed : int
        Breaks ties between equally good choices; same input + seed = same territories.
    rep_capacity_h : dict or None
        Hours each rep can work per cycle (``rep_id -> hours``): working dates in the
        horizon x (own hours minus lunch), scaled to ``cycle_weeks``. Territories are
        balanced in proportion to it; 0 = away the whole horizon (no customers). The
        pipeline fills it from the scheduling calendar; ``None`` (or a rep missing from
        it) = working weekdays x ``cycle_weeks`` x (own hours minus lunch).
    """

    method: str = "redesign"
    count: int | None = None
    balance: str = "workload"
    balance_column: str | None = None
    balance_tolerance: float = 0.10
    boundary: Path | None = None
    units: Path | None = None
    cycle_weeks: int = 4
    seed: int = 0
    rep_capacity_h: dict[str, float] | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(
                f"territories.method '{self.method}' is not one of {', '.join(METHODS)}"
            )
        if self.balance not in BALANCES:
            raise ValueError(
                f"territories.balance '{self.balance}' is not one of {', '.join(BALANCES)}"
            )
        if self.balance == "column" and not self.balance_column:
            raise ValueError("territories.balance is 'column' but balance_column is not set")
        if not 0 < self.balance_tolerance <= 1:
            raise ValueError(f"balance_tolerance must be in (0, 1], got {self.balance_tolerance}")
        if self.count is not None and self.count < 1:
            raise ValueError(f"territories.count must be at least 1, got {self.count}")
        if self.cycle_weeks < 1:
            raise ValueError(f"cycle_weeks must be at least 1, got {self.cycle_weeks}")
        if self.rep_capacity_h is not None and any(
            not v >= 0 for v in self.rep_capacity_h.values()
        ):
            raise ValueError("rep_capacity_h values must be hours >= 0")


@dataclass
class TerritoryResult:
    """Territories, who owns which customer, and how balanced they are.

    Attributes
    ----------
    assignments : pandas.DataFrame
        ``customer_id, territory_id, rep_id``: every active customer exactly once, in
        the input order. ``rep_id`` is ``""`` for a territory without a rep.
    territories : geopandas.GeoDataFrame
        One row per territory (EPSG:4326): ``territory_id, rep_id, rep_name, customers``,
        ``customers_<tier>`` per tier, ``visits`` (per cycle), ``workload_h`` (per cycle,
        commute included), ``commute_h``, ``capacity_h``, ``load_pct`` (workload over
        capacity), ``deviation_pct`` (of the balanced quantity from the rep's
        capacity-proportional share), ``mean_home_travel_min``, ``contiguous``,
        ``contiguity_note`` (why not, or the islands it spans), ``home_in_territory``,
        ``home_touches_territory``, ``home_distance_km``, ``geometry``; plus
        ``balance_value`` when balancing by count or by a column.
    moved : int
        ``method="keep"``: customers whose territory changed (0 for ``redesign``).
    moved_workload_h : float
        Workload per cycle of the moved customers, hours.
    warnings : list of str
        What a planner should know: balance not reachable, territories without
        customers, customers outside the boundary, pins that split a territory.
    service_area : shapely geometry or None
        The area the territories cover together (EPSG:4326).
    unreachable : pandas.DataFrame or None
        Customers no rep can reach within a working day: ``customer_id,
        nearest_rep_id, need_s, day_s, territory_id, rep_id, reason`` (the rep who needs
        least time, the seconds one visit takes them from start point to home, their
        working seconds a day). They are still in ``assignments``.
    """

    assignments: pd.DataFrame
    territories: gpd.GeoDataFrame
    moved: int = 0
    moved_workload_h: float = 0.0
    warnings: list[str] = field(default_factory=list)
    service_area: object = None
    unreachable: pd.DataFrame | None = None
