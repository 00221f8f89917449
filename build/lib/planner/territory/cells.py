"""The cells territories are built from: Voronoi cells of customer locations, or the
user's building-block units, each with its neighbours and its island."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS

from planner.errors import InputError, Problem
from planner.territory.geometry import (
    area_parts,
    cell_edges,
    point_units,
    read_polygons,
    service_area,
    voronoi_cells,
)
from planner.territory.repair import Graph


@dataclass
class Cells:
    """Cells in the local projection.

    Attributes
    ----------
    polys : numpy.ndarray
        ``(m,)`` polygons covering the service area without overlaps.
    of_customer : numpy.ndarray
        ``(n,)`` cell index of each customer.
    xy : numpy.ndarray
        ``(m, 2)`` a point inside each cell, metres.
    area : shapely geometry
        The service area.
    part : numpy.ndarray
        ``(m,)`` which part of the service area (island) each cell lies in.
    graph : Graph
        Cells sharing a boundary line.
    outside : numpy.ndarray
        ``(n,)`` True for customers not inside their cell (units mode only).
    """

    polys: np.ndarray
    of_customer: np.ndarray
    xy: np.ndarray
    area: shapely.Geometry
    part: np.ndarray
    graph: Graph
    outside: np.ndarray
    warnings: list[str] = field(default_factory=list)


def _boundary(path: Path | None, crs: CRS) -> shapely.Geometry | None:
    if path is None:
        return None
    gdf = read_polygons(path, "boundary", crs)
    return shapely.make_valid(shapely.union_all(gdf.geometry.to_numpy()))


def build_cells(
    xy: np.ndarray, home_xy: np.ndarray, boundary: Path | None, units: Path | None, crs: CRS
) -> Cells:
    """Cells for customers at ``xy`` (metres in ``crs``).

    Without ``units``: one Voronoi cell per distinct customer location (customers within
    1 cm of each other share it), clipped to the boundary or, without one, to a buffered
    hull of customers and homes. With ``units``: the unit polygons (clipped to the
    boundary), each customer in the unit that contains it, else the nearest.
    """
    warnings: list[str] = []
    bound = _boundary(boundary, crs)
    if units is None:
        hull_pts = np.concatenate([xy, home_xy]) if bound is None else xy
        area, n_out = service_area(hull_pts, bound)
        if n_out:
            warnings.append(
                f"{n_out} customers lie outside the boundary; the service area is "
                "extended by 500 m around each of them"
            )
        sites, inverse = np.unique(np.round(xy, 2), axis=0, return_inverse=True)
        inverse = inverse.ravel()
        n_dup = len(xy) - len(sites)
        if n_dup:
            warnings.append(
                f"{n_dup} customers share their location with another customer; "
                "customers at one location always go to the same territory"
            )
        polys = voronoi_cells(sites, area)
        outside = np.zeros(len(xy), dtype=bool)
        cell_xy = sites
    else:
        gdf = read_polygons(units, "units", crs)
        polys = gdf.geometry.to_numpy()
        if bound is not None:
            polys = shapely.intersection(polys, bound)
            polys = polys[~shapely.is_empty(polys) & (shapely.area(polys) > 0)]
        if len(polys) == 0:
            raise InputError(Problem(str(units), "no unit polygon lies inside the boundary"))
        if not shapely.coverage_is_valid(polys):
            warnings.append(
                "the unit polygons overlap or do not share their edges exactly; "
                "territory polygons may overlap where the units do"
            )
        area = shapely.union_all(polys)
        inverse, outside = point_units(xy, polys)
        if outside.any():
            warnings.append(
                f"{int(outside.sum())} customers lie in no unit and are counted in the nearest unit"
            )
        pts = shapely.point_on_surface(polys)
        cell_xy = np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])
    graph = Graph.from_edges(len(polys), cell_edges(polys))
    return Cells(
        polys,
        inverse.astype(np.int64),
        cell_xy,
        area,
        area_parts(area, polys),
        graph,
        outside,
        warnings,
    )
