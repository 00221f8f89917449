"""Coordinate checks: numbers, ranges, (0, 0), and lat/lon swapped.

Two ways to spot swapped coordinates:

- a latitude outside +-90 whose longitude would be a valid latitude;
- when most points cluster (a sales region), a point far outside the cluster that lands
  inside it once lat and lon are exchanged (Helsinki 60.17, 24.94 written as 24.94, 60.17
  lies in the Arabian Sea, 5,000 km away; swapped back it is among the others).
"""

from __future__ import annotations

import numpy as np

from planner.io.fields import parse_number
from planner.io.notes import Notes
from planner.units import haversine_m

MIN_CLUSTER_POINTS = 3
"""Fewer reference points than this: no cluster test."""
CLUSTER_QUANTILE = 0.6
"""The cluster radius is this quantile of the distances to the median point."""
CLUSTER_FACTOR = 3.0
MIN_CLUSTER_LIMIT_M = 25_000.0
"""A point is outside the cluster beyond max(FACTOR x radius, this)."""
FAR_FACTOR = 10.0
MIN_FAR_M = 200_000.0
"""A point beyond max(FAR_FACTOR x radius, this) from the median gets a warning."""
_EXAMPLE = {"latitude": "60.1699", "longitude": "24.9384"}


def parse_point(
    lat_text: str, lon_text: str, row: int, lat_col: str, lon_col: str, notes: Notes, what: str = ""
) -> tuple[float, float] | None:
    """Parse and check one (lat, lon) pair; note every defect; ``None`` when unusable.

    ``what`` prefixes messages (``'home '`` gives "home latitude is empty").
    """
    values: list[float | None] = []
    for text, col, label in ((lat_text, lat_col, "latitude"), (lon_text, lon_col, "longitude")):
        if not text:
            notes.error(
                "empty coordinate",
                f"{what}{label} is empty",
                row,
                col,
                fix=f"geocode the address, or enter the {label} in decimal degrees, "
                f"e.g. {_EXAMPLE[label]}",
            )
            values.append(None)
            continue
        try:
            values.append(parse_number(text))
        except ValueError:
            notes.error(
                "non-numeric coordinate",
                f"{what}{label} '{text}' is not a number",
                row,
                col,
                fix=f"write decimal degrees, e.g. {_EXAMPLE[label]} "
                "(degrees-minutes and N/E letters are not read)",
            )
            values.append(None)
    lat, lon = values
    if lat is None or lon is None:
        return None
    if abs(lat) < 1e-9 and abs(lon) < 1e-9:
        notes.error(
            "null island",
            f"{what}coordinates are (0, 0), off the coast of Africa: the "
            "address was probably never geocoded",
            row,
            lat_col,
            fix="geocode the address or enter the real coordinates",
        )
        return None
    ok = True
    if abs(lat) > 90:
        ok = False
        if abs(lon) <= 90 and abs(lat) <= 180:
            notes.error(
                "swapped coordinates",
                f"{what}latitude {lat:g} is outside -90..90 but "
                f"longitude {lon:g} would be a valid latitude: looks like lat and lon "
                "are swapped",
                row,
                lat_col,
                fix=f"swap the {lat_col} and {lon_col} values",
            )
            return None
        notes.error(
            "coordinate out of range",
            f"{what}latitude {lat:g} is outside -90..90" + _projected_hint(lat),
            row,
            lat_col,
            fix="write WGS84 decimal degrees, e.g. 60.1699",
        )
    if abs(lon) > 180:
        ok = False
        notes.error(
            "coordinate out of range",
            f"{what}longitude {lon:g} is outside -180..180" + _projected_hint(lon),
            row,
            lon_col,
            fix="write WGS84 decimal degrees, e.g. 24.9384",
        )
    return (lat, lon) if ok else None


def _projected_hint(v: float) -> str:
    return " (a value this large looks like projected metres, not degrees)" if abs(v) > 1000 else ""


def check_cluster(
    points: list[tuple[int, float, float]],
    notes: Notes,
    lat_col: str,
    lon_col: str,
    reference: list[tuple[float, float]] | None = None,
    what: str = "",
    others: str = "the others",
) -> set[int]:
    """Note points that look swapped (error) or lie far from the cluster (warning).

    Parameters
    ----------
    points : list of (row, lat, lon)
        Parsed, in-range points to test.
    reference : list of (lat, lon), optional
        The points that define the cluster (default: ``points`` themselves), e.g. the
        customers when testing rep homes.
    others : str
        How messages name the reference points ("the other customers").

    Returns
    -------
    set of int
        Rows noted as swapped.
    """
    ref = np.array(
        reference if reference is not None else [(la, lo) for _, la, lo in points], dtype=float
    ).reshape(-1, 2)
    if len(ref) < MIN_CLUSTER_POINTS or not points:
        return set()
    c_lat, c_lon = float(np.median(ref[:, 0])), float(np.median(ref[:, 1]))
    d_ref = haversine_m(ref[:, 0], ref[:, 1], c_lat, c_lon)
    radius = float(np.quantile(d_ref, CLUSTER_QUANTILE))
    limit = max(CLUSTER_FACTOR * radius, MIN_CLUSTER_LIMIT_M)
    far = max(FAR_FACTOR * radius, MIN_FAR_M)
    pts = np.array([(la, lo) for _, la, lo in points], dtype=float)
    d = haversine_m(pts[:, 0], pts[:, 1], c_lat, c_lon)
    d_swap = haversine_m(pts[:, 1], pts[:, 0], c_lat, c_lon)
    swapped: set[int] = set()
    for (row, lat, lon), di, ds in zip(points, d, d_swap):
        if di > limit and ds <= limit:
            swapped.add(row)
            notes.error(
                "swapped coordinates",
                f"{what}({lat:g}, {lon:g}) lies {di / 1000:,.0f} km "
                f"from {others}, but as ({lon:g}, {lat:g}) it lies among them: looks like "
                "lat and lon are swapped",
                row,
                lat_col,
                fix=f"swap the {lat_col} and {lon_col} values",
            )
        elif di > far:
            notes.warn(
                "far away",
                f"{what}({lat:g}, {lon:g}) lies {di / 1000:,.0f} km from the "
                f"middle of {others}; check the coordinates",
                row,
                lat_col,
            )
    return swapped
