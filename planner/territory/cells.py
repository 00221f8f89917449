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
    wedge_pieces,
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
    wedge: np.ndarray | None = None  # (m,) True for the wedges of a shared-out location


def _boundary(path: Path | None, crs: CRS) -> shapely.Geometry | None:
    if path is None:
        return None
    gdf = read_polygons(path, "boundary", crs)
    return shapely.make_valid(shapely.union_all(gdf.geometry.to_numpy()))


@dataclass(frozen=True)
class SiteSplit:
    """When one location holds too much work to go to one territory whole.

    Attributes
    ----------
    weight : numpy.ndarray
        ``(n,)`` the balanced quantity of each customer.
    above : float
        A location whose customers weigh more than this is shared out between
        territories (:func:`split_sites`); ``inf``: never.
    piece : float
        The most each share of such a location weighs.
    key : numpy.ndarray
        ``(n,)`` customers with equal keys are kept together first (pins, current
        territory); then input order.
    """

    weight: np.ndarray
    above: float
    piece: float
    key: np.ndarray


def build_cells(
    xy: np.ndarray,
    home_xy: np.ndarray,
    boundary: Path | None,
    units: Path | None,
    crs: CRS,
    split: SiteSplit | None = None,
) -> Cells:
    """Cells for customers at ``xy`` (metres in ``crs``).

    Without ``units``: one Voronoi cell per distinct customer location (customers within
    1 cm of each other share it), clipped to the boundary or, without one, to a buffered
    hull of customers and homes; a location holding more work than ``split.above`` is cut
    into wedges around it, its customers shared out between them (:func:`split_sites`).
    With ``units``: the unit polygons (clipped to the boundary), each customer in the
    unit that contains it, else the nearest.
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
        polys = voronoi_cells(sites, area)
        outside = np.zeros(len(xy), dtype=bool)
        cell_xy = sites
        n_dup = len(xy) - len(sites)
        wedge = np.zeros(len(polys), dtype=bool)
        if split is not None and n_dup:
            polys, cell_xy, inverse, wedge = split_sites(polys, sites, inverse, xy, split)
        n_split = int(wedge[: len(sites)].sum())
        if n_dup:
            warnings.append(_shared_location_warning(n_dup, n_split))
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
        wedge if units is None else np.zeros(len(polys), dtype=bool),
    )


def _shared_location_warning(n_dup: int, n_split: int) -> str:
    text = (
        f"{n_dup} customers share their location with another customer; "
        "customers at one location go to the same territory"
    )
    if n_split:
        text += (
            f", except at {n_split} locations holding more than half a territory's work, "
            "whose customers are shared out between neighbouring territories (their "
            "polygons meet at that point)"
        )
    return text


def split_sites(
    polys: np.ndarray, sites: np.ndarray, of_site: np.ndarray, xy: np.ndarray, split: SiteSplit
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut the cell of every location heavier than ``split.above`` into wedges.

    The location's customers, ordered by ``split.key`` then input order, are cut into
    ``q`` consecutive runs of at most about ``split.piece`` weight each (at most one run
    per customer), and run ``j`` goes to the ``j``-th wedge of the cell around the
    location (:func:`planner.territory.geometry.wedge_pieces`; the apex is the mean of
    the customers' own points ``xy``, within 1 cm of the site). The first wedge keeps the
    cell's index, the others are appended. Neighbouring cells get the new vertices where
    the wedges' rays meet their shared edges, so the cells stay a valid coverage.

    Returns the cells, a point of each cell (wedges: the location), the cell of each
    customer and which cells are wedges.
    """
    site_w = np.bincount(of_site, weights=split.weight, minlength=len(sites))
    count = np.bincount(of_site, minlength=len(sites))
    heavy = np.flatnonzero((site_w > split.above) & (count > 1))
    if not len(heavy):
        return polys, sites, of_site, np.zeros(len(polys), dtype=bool)
    cells, cell_xy, of = list(polys), list(sites), of_site.copy()
    cut: list[tuple[int, list[int]]] = []
    for s in heavy.tolist():
        members = np.flatnonzero(of_site == s)
        members = members[np.lexsort((members, split.key[members]))]
        q = int(min(len(members), np.ceil(site_w[s] / max(split.piece, 1e-12))))
        apex = xy[members].mean(axis=0)  # the customers' own point (sites are rounded)
        pieces = wedge_pieces(polys[s], apex, q) if q > 1 else np.array([])
        if len(pieces) < 2:
            continue
        w = split.weight[members]
        run = np.floor((np.cumsum(w) - w / 2) / site_w[s] * q).astype(np.int64)
        index = [s, *range(len(cells), len(cells) + q - 1)]
        cells[s] = pieces[0]
        cells += list(pieces[1:])
        cell_xy += [sites[s]] * (q - 1)
        of[members] = np.asarray(index)[np.clip(run, 0, q - 1)]
        cut.append((s, index))
    out = np.array(cells, dtype=object)
    tree = shapely.STRtree(out)
    for s, index in cut:
        nodes = shapely.extract_unique_points(shapely.geometrycollections(list(out[index])))
        for j in tree.query(polys[s], predicate="intersects").tolist():
            if j not in index:
                out[j] = shapely.snap(out[j], nodes, 1e-6)
    wedge = np.zeros(len(out), dtype=bool)
    for _, index in cut:
        wedge[index] = True
    return out, np.array(cell_xy, dtype=float).reshape(-1, 2), of, wedge
