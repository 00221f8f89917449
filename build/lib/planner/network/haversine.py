"""Straight-line travel model: great-circle distance x circuity at a constant speed.

The formula (docs/travel.md), for two points at great-circle distance ``d_m`` (mean
Earth radius R = 6371.0088 km, :func:`planner.units.haversine_m`)::

    dist_m   = round(d_m * circuity)
    travel_s = round(3600 * (d_m / 1000) * circuity / speed_kmh)

``round`` is Python's (half to even, as :func:`numpy.rint`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from planner.matrix import TravelMatrix
from planner.network.model import TravelModel, drop_repeats
from planner.units import haversine_m


def haversine_rect(
    lat_a, lon_a, lat_b, lon_b, speed_kmh: float = 35.0, circuity: float = 1.3
) -> tuple[np.ndarray, np.ndarray]:
    """Travel seconds and metres from each point ``a`` (rows) to each point ``b``.

    Returns
    -------
    (travel_s, dist_m) : tuple of numpy.ndarray
        int32 arrays of shape ``(len(a), len(b))``.
    """
    la = np.asarray(lat_a, dtype=float)[:, None]
    oa = np.asarray(lon_a, dtype=float)[:, None]
    lb = np.asarray(lat_b, dtype=float)[None, :]
    ob = np.asarray(lon_b, dtype=float)[None, :]
    d_m = haversine_m(la, oa, lb, ob)
    travel_s = np.rint(3600.0 * (d_m / 1000.0) * circuity / speed_kmh).astype(np.int32)
    dist_m = np.rint(d_m * circuity).astype(np.int32)
    return travel_s, dist_m


def haversine_matrix(
    lat, lon, speed_kmh: float = 35.0, circuity: float = 1.3
) -> tuple[np.ndarray, np.ndarray]:
    """Square haversine travel matrix among points (the documented formula).

    Parameters
    ----------
    lat, lon : array-like of float
        WGS84 degrees, one entry per point.
    speed_kmh : float
        Average speed, km/h.
    circuity : float
        Road distance / great-circle distance.

    Returns
    -------
    (travel_s, dist_m) : tuple of numpy.ndarray
        ``(n, n)`` int32: ``round(3600 * d_km * circuity / speed_kmh)`` seconds and
        ``round(d_m * circuity)`` metres; symmetric, diagonal 0.
    """
    return haversine_rect(lat, lon, lat, lon, speed_kmh, circuity)


class HaversineModel(TravelModel):
    """Travel model on straight lines (no road data needed).

    Parameters
    ----------
    points : pandas.DataFrame
        ``point_id, lat, lon``.
    speed_kmh, circuity : float
        See :func:`haversine_matrix`.
    """

    def __init__(
        self, points: pd.DataFrame, speed_kmh: float = 35.0, circuity: float = 1.3
    ) -> None:
        super().__init__(points)
        self.speed_kmh = float(speed_kmh)
        self.circuity = float(circuity)
        self.source = f"haversine(speed_kmh={self.speed_kmh:g},circuity={self.circuity:g})"
        self.snaps = pd.DataFrame(
            {"point_id": self.points["point_id"], "snap_m": np.zeros(len(self.points))}
        )

    def _rect(self, from_ids: Sequence[str], to_ids: Sequence[str]):
        a, b = self.rows(from_ids), self.rows(to_ids)
        return haversine_rect(
            self._lat[a], self._lon[a], self._lat[b], self._lon[b], self.speed_kmh, self.circuity
        )

    def matrix(self, ids: Sequence[str]) -> TravelMatrix:
        ids = tuple(ids)
        travel_s, dist_m = self._rect(ids, ids)
        np.fill_diagonal(travel_s, 0)
        np.fill_diagonal(dist_m, 0)
        return TravelMatrix(ids, travel_s, dist_m, self.source)

    def rect_s(self, from_ids: Sequence[str], to_ids: Sequence[str]) -> np.ndarray:
        return self._rect(list(from_ids), list(to_ids))[0]

    def path(self, ids: Sequence[str]) -> list[tuple[float, float]]:
        r = self.rows(list(ids))
        return drop_repeats(self._lat[r], self._lon[r])
