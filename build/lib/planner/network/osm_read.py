"""Read the usable ways of an OSM file (``.osm.pbf`` with pyrosm, ``.osm`` XML with the
standard library) into :class:`RawWays`: node coordinates plus each way's node list,
highway type, travel directions and ``maxspeed``.

Both readers select ways with pyrosm's network filters (close to osmnx's ``drive``,
``walk`` and ``bike``). Ways keep every node reference, including nodes missing from a
clipped extract; :mod:`planner.network.graph` splits them there.
"""

from __future__ import annotations

import bz2
import gzip
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import NetworkError

PYROSM_TYPES = {"drive": "driving", "walk": "walking", "bike": "cycling"}
_YES = {"yes", "true", "1"}
_REVERSE = {"-1", "reverse"}
_ROUNDABOUT = {"roundabout", "circular"}
_TWO_WAY_BIKE = {"no", "false", "0"}
_MPH = 1.609344


@dataclass
class RawWays:
    """Ways of one network type, before graph building.

    Attributes
    ----------
    node_id : numpy.ndarray
        int64 ids of the nodes present in the file (or synthesised, negative).
    node_lat, node_lon : numpy.ndarray
        float64 WGS84 degrees of those nodes.
    way_ptr : numpy.ndarray
        int64 offsets: way ``i`` has node references ``way_nodes[way_ptr[i]:way_ptr[i+1]]``.
    way_nodes : numpy.ndarray
        int64 node references, in way order; may name nodes absent from ``node_id``.
    highway : numpy.ndarray
        object array of the ``highway`` value of each way.
    fwd, bwd : numpy.ndarray
        bool: the way may be travelled along / against its node order.
    maxspeed_kmh : numpy.ndarray
        float64 tagged speed limit, NaN when untagged or not a number.
    """

    node_id: np.ndarray
    node_lat: np.ndarray
    node_lon: np.ndarray
    way_ptr: np.ndarray
    way_nodes: np.ndarray
    highway: np.ndarray
    fwd: np.ndarray
    bwd: np.ndarray
    maxspeed_kmh: np.ndarray

    @property
    def n_ways(self) -> int:
        return len(self.highway)


def _text(values) -> pd.Series:
    """Lower-cased, stripped strings ('' for missing) of a column of tag values."""
    s = pd.Series(values, dtype=object)
    return s.where(s.notna(), "").astype(str).str.strip().str.lower()


def way_directions(
    network_type: str, highway, oneway, junction, oneway_bicycle
) -> tuple[np.ndarray, np.ndarray]:
    """Which way each way may be travelled.

    Walking ignores one-way tags. Driving and cycling follow ``oneway`` (``yes``/``1``/
    ``true`` forward only, ``-1``/``reverse`` backward only), treat roundabouts and
    untagged motorways as one-way, and cycling honours ``oneway:bicycle=no``.

    Returns
    -------
    (fwd, bwd) : tuple of numpy.ndarray of bool
    """
    hw, ow, jn, ob = _text(highway), _text(oneway), _text(junction), _text(oneway_bicycle)
    n = len(hw)
    if network_type == "walk":
        return np.ones(n, bool), np.ones(n, bool)
    forward_only = (
        ow.isin(_YES) | ((ow == "") & (jn.isin(_ROUNDABOUT) | hw.isin({"motorway"})))
    ).to_numpy()
    backward_only = ow.isin(_REVERSE).to_numpy()
    if network_type == "bike":
        both = ob.isin(_TWO_WAY_BIKE).to_numpy()
        forward_only &= ~both
        backward_only &= ~both
    return ~backward_only, ~forward_only


def parse_maxspeed_kmh(values) -> np.ndarray:
    """``maxspeed`` tags to km/h: ``50`` -> 50, ``30 mph`` -> 48.3, ``50;70`` -> 50,
    anything else (``RU:urban``, ``none``, ``signals``) -> NaN."""
    s = _text(values)
    m = s.str.extract(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?", expand=True)
    num = pd.to_numeric(m[0], errors="coerce").to_numpy(float)
    mph = (m[1] == "mph").to_numpy()
    num = np.where(mph, num * _MPH, num)
    return np.where(num > 0, num, np.nan)


def _tag_column(df: pd.DataFrame, key: str):
    return df[key].to_numpy(object) if key in df.columns else np.full(len(df), None, object)


def read_pbf(path: Path, network_type: str) -> RawWays:
    """The ways of ``network_type`` in an ``.osm.pbf`` file, read with pyrosm.

    Raises
    ------
    NetworkError
        The file cannot be read, or holds no way of that type.
    """
    import pyrosm

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            osm = pyrosm.OSM(str(path), keep_node_info=True, progress=False)
            got = osm.get_network(
                network_type=PYROSM_TYPES[network_type],
                nodes=True,
                extra_attributes=["oneway:bicycle"],
            )
    except Exception as e:  # pyrosm raises many types on a damaged file
        raise NetworkError(
            f"cannot read the OSM file {path}: {type(e).__name__}: {e}. "
            "Is it a complete .osm.pbf file?"
        ) from e
    nodes, edges = got if isinstance(got, tuple) else (None, None)
    if edges is None or nodes is None or len(edges) == 0:
        raise NetworkError(
            f"{path.name} has no {network_type} roads "
            f"(no OSM way passes the '{network_type}' filter)"
        )
    ways = edges.drop_duplicates("id", keep="first")
    lists = [np.asarray(x, dtype=np.int64) for x in ways["nodes"]]
    counts = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    fwd, bwd = way_directions(
        network_type,
        ways["highway"].to_numpy(object),
        _tag_column(ways, "oneway"),
        _tag_column(ways, "junction"),
        _tag_column(ways, "oneway:bicycle"),
    )
    return RawWays(
        node_id=nodes["id"].to_numpy(np.int64),
        node_lat=nodes["lat"].to_numpy(np.float64),
        node_lon=nodes["lon"].to_numpy(np.float64),
        way_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        way_nodes=np.concatenate(lists) if lists else np.zeros(0, np.int64),
        highway=_text(ways["highway"].to_numpy(object)).to_numpy(object),
        fwd=fwd,
        bwd=bwd,
        maxspeed_kmh=parse_maxspeed_kmh(_tag_column(ways, "maxspeed")),
    )


def _open_xml(path: Path):
    name = path.name.lower()
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _keeps(network_filter: dict, tags: dict) -> bool:
    """Whether pyrosm's exclude-filter keeps a way with ``tags``."""
    from pyrosm.config.osm_filters import AccessRule

    if "highway" not in tags:
        return False
    for key, rule in network_filter.items():
        if isinstance(rule, AccessRule):
            if rule.closes(tags):
                return False
        elif tags.get(key) in rule:
            return False
    return True


def read_osm_xml(path: Path, network_type: str) -> RawWays:
    """The ways of ``network_type`` in an OSM XML file (``.osm``, ``.osm.bz2``, ``.osm.gz``).

    Raises
    ------
    NetworkError
        The file is not valid OSM XML, or holds no way of that type.
    """
    from pyrosm.config.osm_filters import get_osm_filter

    flt = get_osm_filter(PYROSM_TYPES[network_type])
    node_id: list[int] = []
    node_lat: list[float] = []
    node_lon: list[float] = []
    refs: list[list[int]] = []
    tags_of: list[dict] = []
    try:
        with _open_xml(path) as f:
            for _, el in ET.iterparse(f, events=("end",)):
                if el.tag == "node":
                    node_id.append(int(el.attrib["id"]))
                    node_lat.append(float(el.attrib["lat"]))
                    node_lon.append(float(el.attrib["lon"]))
                    el.clear()
                elif el.tag == "way":
                    tags = {t.attrib["k"]: t.attrib["v"] for t in el.iter("tag")}
                    if _keeps(flt, tags):
                        refs.append([int(nd.attrib["ref"]) for nd in el.iter("nd")])
                        tags_of.append(tags)
                    el.clear()
                elif el.tag == "relation":
                    el.clear()
    except (ET.ParseError, OSError, EOFError, KeyError, ValueError) as e:
        raise NetworkError(f"cannot read the OSM XML file {path}: {type(e).__name__}: {e}") from e
    if not refs:
        raise NetworkError(
            f"{path.name} has no {network_type} roads "
            f"(no OSM way passes the '{network_type}' filter)"
        )
    tag = pd.DataFrame(tags_of)
    counts = np.array([len(r) for r in refs], dtype=np.int64)
    fwd, bwd = way_directions(
        network_type,
        _tag_column(tag, "highway"),
        _tag_column(tag, "oneway"),
        _tag_column(tag, "junction"),
        _tag_column(tag, "oneway:bicycle"),
    )
    return RawWays(
        node_id=np.array(node_id, dtype=np.int64),
        node_lat=np.array(node_lat, dtype=np.float64),
        node_lon=np.array(node_lon, dtype=np.float64),
        way_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        way_nodes=np.array([x for r in refs for x in r], dtype=np.int64),
        highway=_text(_tag_column(tag, "highway")).to_numpy(object),
        fwd=fwd,
        bwd=bwd,
        maxspeed_kmh=parse_maxspeed_kmh(_tag_column(tag, "maxspeed")),
    )
