"""Territory geometry: a local metric projection, the service area, the cells customers
stand in (Voronoi cells or building-block units), their neighbours, and the dissolve.

All work happens in a Lambert azimuthal equal-area projection centred on the data, so
areas and distances are in metres; only the final polygons go back to EPSG:4326. Every
cell is clipped to the same service area, so the cells form a valid coverage (shared
edges, no overlaps, no gaps) and so do their per-territory unions.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from planner.errors import InputError, Problem

WGS84 = "EPSG:4326"
SEGMENT_DEG = 0.002  # densify lon/lat outlines before projecting (about 200 m)


def local_crs(lat: np.ndarray, lon: np.ndarray) -> CRS:
    """Equal-area projection (metres) centred on the points' bounding box."""
    lat0 = float(np.clip((np.nanmin(lat) + np.nanmax(lat)) / 2, -89.0, 89.0))
    lon0 = float((np.nanmin(lon) + np.nanmax(lon)) / 2)
    return CRS.from_proj4(
        f"+proj=laea +lat_0={lat0:.6f} +lon_0={lon0:.6f} "
        "+x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    )


def to_xy(lat: np.ndarray, lon: np.ndarray, crs: CRS) -> np.ndarray:
    """``(n, 2)`` projected coordinates of WGS84 points, metres."""
    tr = Transformer.from_crs(WGS84, crs, always_xy=True)
    x, y = tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.column_stack([x, y])


def project_points(customers, reps) -> tuple[CRS, np.ndarray, np.ndarray]:
    """The local projection of customers (``lat``/``lon``) and rep homes
    (``home_lat``/``home_lon``), and both as ``(n, 2)`` / ``(r, 2)`` metres in it."""
    lat, lon = customers["lat"].to_numpy(float), customers["lon"].to_numpy(float)
    hlat, hlon = reps["home_lat"].to_numpy(float), reps["home_lon"].to_numpy(float)
    crs = local_crs(np.concatenate([lat, hlat]), np.concatenate([lon, hlon]))
    return crs, to_xy(lat, lon, crs), to_xy(hlat, hlon, crs)


def start_points(reps, crs: CRS) -> np.ndarray:
    """``(r, 2)`` metres of each rep's start point (``start_lat``/``start_lon``, else the
    home) in ``crs``."""
    lat = reps["home_lat"].to_numpy(float)
    lon = reps["home_lon"].to_numpy(float)
    if "start_lat" in reps.columns and "start_lon" in reps.columns:
        s_lat = pd.to_numeric(reps["start_lat"], errors="coerce").to_numpy(float)
        s_lon = pd.to_numeric(reps["start_lon"], errors="coerce").to_numpy(float)
        ok = np.isfinite(s_lat) & np.isfinite(s_lon)
        lat, lon = np.where(ok, s_lat, lat), np.where(ok, s_lon, lon)
    return to_xy(lat, lon, crs)


def read_polygons(path: Path, what: str, crs: CRS) -> gpd.GeoDataFrame:
    """Polygons of a GeoJSON/GeoPackage/OGR file, projected to ``crs``.

    A file without a CRS is taken as EPSG:4326. Non-polygon features are dropped;
    invalid polygons are repaired with ``make_valid``.

    Raises
    ------
    InputError
        The file cannot be read or holds no polygons.
    """
    try:
        gdf = gpd.read_file(path)
    except (OSError, RuntimeError, ValueError) as e:  # pyogrio errors are RuntimeErrors
        raise InputError(
            Problem(
                str(path),
                f"cannot read the {what} file: {e}",
                fix="give a GeoJSON or GeoPackage of polygons",
            )
        ) from None
    if gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    gdf = gdf[gdf.geometry.notna()]
    gdf = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if gdf.empty:
        raise InputError(
            Problem(
                str(path),
                f"the {what} file holds no polygons",
                fix="give a GeoJSON or GeoPackage of polygons",
            )
        )
    if gdf.crs.is_geographic:  # long straight lon/lat edges stay (nearly) where they are
        gdf = gdf.set_geometry(
            shapely.segmentize(gdf.geometry.to_numpy(), SEGMENT_DEG), crs=gdf.crs
        )
    gdf = gdf.to_crs(crs).reset_index(drop=True)
    geoms = shapely.make_valid(gdf.geometry.to_numpy())
    gdf = gdf.set_geometry(_polygonal(geoms), crs=crs)
    return gdf[~gdf.geometry.is_empty].reset_index(drop=True)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygon parts of each geometry (make_valid can add lines)."""
    out = []
    for g in geoms:
        if g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(g)
        else:
            parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
            out.append(shapely.multipolygons(parts) if parts else shapely.Polygon())
    return np.array(out, dtype=object)


def hull_area(xy: np.ndarray) -> shapely.Geometry:
    """Convex hull of the points, buffered so every point is well inside (metres)."""
    hull = shapely.convex_hull(shapely.multipoints(xy))
    size = np.sqrt(max(hull.area, 0.0)) if hull.area > 0 else max(hull.length, 0.0)
    return shapely.buffer(hull, max(1000.0, 0.05 * size), quad_segs=4)


def service_area(xy: np.ndarray, boundary: shapely.Geometry | None) -> tuple[shapely.Geometry, int]:
    """The area to cover: the boundary, or a buffered hull of ``xy``.

    Points outside the boundary get the boundary extended by a 500 m disc around each
    of them (they must lie inside some territory). Returns the area and the number of
    points that were outside.
    """
    if boundary is None:
        return hull_area(xy), 0
    inside = shapely.contains_xy(boundary, xy[:, 0], xy[:, 1])
    if inside.all():
        return boundary, 0
    discs = shapely.buffer(shapely.points(xy[~inside]), 500.0, quad_segs=4)
    return shapely.union_all([boundary, *discs]), int((~inside).sum())


def voronoi_cells(sites: np.ndarray, area: shapely.Geometry) -> np.ndarray:
    """The Voronoi cell of each site (distinct points), clipped to ``area``, in site order."""
    if len(sites) == 1:
        return np.array([area], dtype=object)
    env = shapely.envelope(area)
    cells = shapely.voronoi_polygons(shapely.multipoints(sites), extend_to=env, ordered=True)
    cells = np.array(shapely.get_parts(cells), dtype=object)
    if len(cells) != len(sites):  # never expected with distinct sites; be safe
        raise RuntimeError(f"voronoi gave {len(cells)} cells for {len(sites)} sites")
    return _polygonal(shapely.intersection(cells, area))


def cell_edges(cells: np.ndarray) -> np.ndarray:
    """``(m, 2)`` pairs ``i < j`` of cells that share a boundary line (not just a point)."""
    if len(cells) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    tree = shapely.STRtree(cells)
    pairs = tree.query(cells, predicate="intersects")
    pairs = pairs[:, pairs[0] < pairs[1]]
    if pairs.shape[1] == 0:
        return np.zeros((0, 2), dtype=np.int64)
    shared = shapely.relate_pattern(cells[pairs[0]], cells[pairs[1]], "****1****")
    return np.ascontiguousarray(pairs[:, shared].T).astype(np.int64)


def area_parts(area: shapely.Geometry, cells: np.ndarray) -> np.ndarray:
    """Index of the service-area part (island) each cell lies in."""
    parts = shapely.get_parts(area)
    if len(parts) <= 1:
        return np.zeros(len(cells), dtype=np.int64)
    pts = shapely.point_on_surface(cells)
    out = np.zeros(len(cells), dtype=np.int64)
    tree = shapely.STRtree(parts)
    idx = tree.query(pts, predicate="intersects")
    out[idx[0][::-1]] = idx[1][::-1]  # first match wins
    return out


def dissolve(cells: np.ndarray, labels: np.ndarray, k: int) -> list[shapely.Geometry]:
    """Union of the cells of each label ``0..k-1`` (an empty polygon for none)."""
    out = []
    for t in range(k):
        mine = cells[labels == t]
        if len(mine) == 0:
            out.append(shapely.Polygon())
            continue
        geom = shapely.coverage_union_all(mine)
        if not geom.is_valid:  # cells not an exact coverage (user units): full union
            geom = shapely.make_valid(shapely.union_all(mine))
        out.append(_polygonal(np.array([geom], dtype=object))[0])
    return out


def to_wgs84(geoms, crs: CRS) -> np.ndarray:
    """Project geometries from ``crs`` back to EPSG:4326."""
    tr = Transformer.from_crs(crs, WGS84, always_xy=True)
    arr = np.array(list(geoms), dtype=object)
    return shapely.transform(arr, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))


def point_units(xy: np.ndarray, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit index of each point: the unit containing it, else the nearest.

    Returns the indices and a boolean mask of points that were in no unit.
    """
    tree = shapely.STRtree(units)
    pts = shapely.points(xy)
    hit = tree.query(pts, predicate="intersects")
    out = np.full(len(xy), -1, dtype=np.int64)
    out[hit[0][::-1]] = hit[1][::-1]  # the lowest unit index wins on a shared edge
    missing = out < 0
    if missing.any():
        near = tree.query_nearest(pts[missing], all_matches=False)
        out[np.flatnonzero(missing)[near[0]]] = near[1]
    return out, missing


def wedge_pieces(cell: shapely.Geometry, site: np.ndarray, q: int) -> np.ndarray:
    """``cell`` cut into ``q`` pieces by ``q`` rays from ``site`` (equal angles, the first
    pointing east), in counter-clockwise order; adjacent pieces share the ray between
    them and all meet at ``site``. Empty when a piece would be empty (``site`` on the
    cell's boundary)."""
    x0, y0 = float(site[0]), float(site[1])
    minx, miny, maxx, maxy = shapely.bounds(cell)
    reach = 4.0 * max(abs(minx - x0), abs(maxx - x0), abs(miny - y0), abs(maxy - y0), 1.0)
    steps = max(1, int(np.ceil(4.0 / q)))  # arcs of at most 90 degrees: the fan covers
    wedges = []
    for j in range(q):
        ang = 2 * np.pi * (j + np.arange(steps + 1) / steps) / q
        ring = [(x0, y0), *zip(x0 + reach * np.cos(ang), y0 + reach * np.sin(ang), strict=True)]
        wedges.append(shapely.Polygon(ring))
    pieces = _polygonal(shapely.intersection(cell, np.array(wedges, dtype=object)))
    if (shapely.is_empty(pieces) | (shapely.area(pieces) <= 0)).any():
        return np.array([], dtype=object)
    return pieces
