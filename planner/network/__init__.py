"""Travel model: road network from OpenStreetMap (pyrosm / osmnx) or the haversine fallback.

Entry point: :func:`build_travel_model` (``TravelParams`` + points -> ``TravelModel``)
where ``points`` has columns ``point_id, lat, lon`` (customer ids and ``home:<rep>`` /
``start:<rep>`` ids from :mod:`planner.matrix`).

A :class:`TravelModel` offers ``matrix(ids) -> TravelMatrix``, ``rect_s(from_ids,
to_ids)``, ``path(ids) -> [(lat, lon), ...]``, ``snaps`` and ``warnings``. How the
numbers are computed: docs/travel.md. The only package that imports osmnx and pyrosm, and
the only one that runs OSRM (:mod:`planner.network.osrm`).
"""

from __future__ import annotations

import pandas as pd

from planner.network.haversine import HaversineModel, haversine_matrix, haversine_rect
from planner.network.model import TravelModel
from planner.network.params import DEFAULT_SPEEDS_KMH, DRIVE_SPEEDS_KMH, TravelParams, speed_table
from planner.network.road import RoadModel

__all__ = [
    "DEFAULT_SPEEDS_KMH",
    "DRIVE_SPEEDS_KMH",
    "HaversineModel",
    "RoadModel",
    "TravelModel",
    "TravelParams",
    "build_travel_model",
    "haversine_matrix",
    "haversine_rect",
    "speed_table",
]


def build_travel_model(params: TravelParams, points: pd.DataFrame) -> TravelModel:
    """Build the travel model the scenario asks for, for a fixed set of points.

    Parameters
    ----------
    params : TravelParams
        ``mode="haversine"`` (no data needed) or ``mode="road"`` with ``network``.
    points : pandas.DataFrame
        ``point_id, lat, lon`` (WGS84 degrees), ids unique.

    Returns
    -------
    TravelModel
        :class:`HaversineModel`, :class:`RoadModel` (``engine="scipy"``) or
        :class:`~planner.network.osrm.OsrmModel` (``engine="osrm"``); its ``warnings`` list
        points far from any road.

    Raises
    ------
    InputError
        Points without valid coordinates or with duplicate ids (exit 2).
    NetworkError
        Road mode: network missing, unreadable, without roads of the type, or not
        covering most points (exit 3).
    """
    if params.mode == "haversine":
        return HaversineModel(points, params.speed_kmh, params.circuity)
    if params.engine == "osrm":
        from planner.network.osrm import build_osrm_model

        return build_osrm_model(params, points)
    from planner.network.road import build_road_model

    return build_road_model(params, points)
