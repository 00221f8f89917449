"""Snap points onto the nearest usable road link (not just the nearest junction).

Distances are measured in a local equirectangular projection around the network's mean
latitude (metres; accurate to well under 1 % across a city or a small country). Motorway
links are not snap targets while any other link exists, so a shop beside a motorway is
reached from its own street.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from planner.network.graph import RoadGraph
from planner.units import EARTH_RADIUS_M, haversine_m

NO_SNAP_HIGHWAYS = ("motorway", "motorway_link")


@dataclass
class Snaps:
    """Where each point meets the road.

    Attributes
    ----------
    link : numpy.ndarray
        int64 link index of each point.
    frac : numpy.ndarray
        float64 position along the link from its ``u`` end, 0..1 (share of its length).
    lat, lon : numpy.ndarray
        The snapped position, degrees.
    snap_m : numpy.ndarray
        Metres from the point to its snapped position (great-circle).
    """

    link: np.ndarray
    frac: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    snap_m: np.ndarray


class _Projection:
    def __init__(self, lat0: float) -> None:
        self.kx = EARTH_RADIUS_M * np.cos(np.radians(lat0)) * np.pi / 180.0
        self.ky = EARTH_RADIUS_M * np.pi / 180.0

    def forward(self, lat, lon) -> np.ndarray:
        return np.column_stack([np.asarray(lon) * self.kx, np.asarray(lat) * self.ky])

    def inverse(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return xy[:, 1] / self.ky, xy[:, 0] / self.kx


def snap_points(graph: RoadGraph, lat: np.ndarray, lon: np.ndarray) -> Snaps:
    """Snap each ``(lat, lon)`` onto the nearest eligible link of ``graph``.

    Parameters
    ----------
    graph : RoadGraph
        The road graph (its largest strongly connected component).
    lat, lon : numpy.ndarray
        Points, WGS84 degrees.

    Returns
    -------
    Snaps
    """
    n = len(lat)
    if n == 0:
        z = np.zeros(0)
        return Snaps(np.zeros(0, np.int64), z, z, z, z)
    proj = _Projection(float(np.mean(graph.node_lat)))
    eligible = np.flatnonzero(~np.isin(graph.link_highway.astype(str), NO_SNAP_HIGHWAYS))
    if len(eligible) == 0:
        eligible = np.arange(graph.n_links)
    counts = np.diff(graph.vtx_ptr)[eligible]
    starts = graph.vtx_ptr[eligible]
    take = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    xy = proj.forward(graph.vtx_lat[take], graph.vtx_lon[take])
    lines = shapely.linestrings(xy, indices=np.repeat(np.arange(len(eligible)), counts))
    tree = shapely.STRtree(lines)
    pts = shapely.points(proj.forward(lat, lon))
    (src, hit), _ = tree.query_nearest(pts, return_distance=True, all_matches=False)
    nearest = np.empty(n, np.int64)
    nearest[src] = hit
    line = lines[nearest]
    along = shapely.line_locate_point(line, pts)
    length = shapely.length(line)
    frac = np.where(length > 0, along / np.where(length > 0, length, 1.0), 0.0)
    frac = np.clip(frac, 0.0, 1.0)
    on_road = shapely.get_coordinates(shapely.line_interpolate_point(line, along))
    slat, slon = proj.inverse(on_road)
    return Snaps(
        link=eligible[nearest],
        frac=frac,
        lat=slat,
        lon=slon,
        snap_m=haversine_m(lat, lon, slat, slon),
    )
