"""The interface both travel models share, and point-table checks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from planner.errors import InputError, Problem
from planner.matrix import TravelMatrix


class TravelModel:
    """Travel times, distances and paths among a fixed set of named points.

    Attributes
    ----------
    source : str
        Where the numbers come from: ``haversine(speed_kmh=35,circuity=1.3)`` or
        ``road:<file name>:<network_type>``.
    points : pandas.DataFrame
        ``point_id, lat, lon`` (a road model adds ``node``, ``snap_m``, ``snap_lat``,
        ``snap_lon``), one row per point, in input order.
    warnings : list of str
        Problems a planner should see (points far from any road), one per line.
    snaps : pandas.DataFrame
        ``point_id, snap_m``: metres from each point to the road it was snapped to
        (0 for haversine).
    """

    source: str
    points: pd.DataFrame
    warnings: list[str]
    snaps: pd.DataFrame

    def __init__(self, points: pd.DataFrame) -> None:
        self.points = check_points(points)
        self.warnings = []
        self._row = {pid: i for i, pid in enumerate(self.points["point_id"])}
        self._lat = self.points["lat"].to_numpy()
        self._lon = self.points["lon"].to_numpy()

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        """Row numbers in :attr:`points` of ``ids``; ``KeyError`` names unknown ids."""
        try:
            return np.fromiter((self._row[p] for p in ids), dtype=np.int64, count=len(ids))
        except KeyError as e:
            raise KeyError(f"point {e.args[0]!r} was not given to build_travel_model") from None

    def matrix(self, ids: Sequence[str]) -> TravelMatrix:
        """Square travel matrix among ``ids`` (int32 seconds and metres, diagonal 0)."""
        raise NotImplementedError

    def rect_s(self, from_ids: Sequence[str], to_ids: Sequence[str]) -> np.ndarray:
        """Travel seconds from each of ``from_ids`` (rows) to each of ``to_ids`` (int32)."""
        raise NotImplementedError

    def path(self, ids: Sequence[str]) -> list[tuple[float, float]]:
        """``(lat, lon)`` polyline through the points ``ids`` in order."""
        raise NotImplementedError


def check_points(points: pd.DataFrame) -> pd.DataFrame:
    """Validate ``point_id, lat, lon``; returns a clean copy (index 0..n-1).

    Raises
    ------
    InputError
        Missing columns, duplicate ids, or coordinates missing or out of range, all
        listed at once.
    """
    missing = [c for c in ("point_id", "lat", "lon") if c not in points.columns]
    if missing:
        raise InputError(Problem("travel points", f"missing columns {missing}"))
    out = pd.DataFrame(
        {
            "point_id": points["point_id"].astype(str).to_numpy(),
            "lat": pd.to_numeric(points["lat"], errors="coerce").to_numpy(float),
            "lon": pd.to_numeric(points["lon"], errors="coerce").to_numpy(float),
        }
    )
    problems = []
    dup = out["point_id"][out["point_id"].duplicated()].unique()
    if len(dup):
        problems.append(Problem("travel points", f"duplicate point ids: {', '.join(dup[:10])}"))
    bad = ~(out["lat"].between(-90, 90) & out["lon"].between(-180, 180))
    for pid in out["point_id"][bad][:20]:
        problems.append(
            Problem("travel points", "coordinates missing or out of range", column=str(pid))
        )
    if problems:
        raise InputError(problems)
    return out


def describe_point(point_id: str) -> str:
    """Readable name of a matrix id: ``customer C17``, ``rep R1 home``, ``rep R1 start``."""
    for prefix in ("home", "start"):
        if point_id.startswith(prefix + ":"):
            return f"rep {point_id[len(prefix) + 1 :]} {prefix}"
    return f"customer {point_id}"


def drop_repeats(lat, lon) -> list[tuple[float, float]]:
    """``(lat, lon)`` pairs with consecutive duplicates dropped (a polyline's vertices)."""
    line: list[tuple[float, float]] = []
    for p in zip(map(float, lat), map(float, lon), strict=True):
        if not line or line[-1] != p:
            line.append(p)
    return line
