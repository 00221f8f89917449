"""Parameters and result of :func:`planner.maps.render_maps`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True)
class MapParams:
    """How the maps are drawn.

    Parameters
    ----------
    tiles : str
        Folium/xyzservices tile name (``"OpenStreetMap"``, ``"CartoDB positron"``) or a
        tile URL template; ``""`` draws no background tiles (stops, routes and the
        itinerary never depend on tiles).
    title : str
        Shown in the overview's heading and every page title ("Visit plan" in the
        page's language when empty).
    cluster_threshold : int
        With more customers than this the overview clusters customer markers per rep.
    inline_assets : bool
        ``False`` (default): pages load Leaflet from ``<out_dir>/_static/`` (one shared
        copy). ``True``: every page embeds Leaflet and stands alone (about 170 kB more
        per page), e.g. to mail one day's page to a rep (``maps.self_contained`` in
        the scenario, ``--self-contained`` on the command line).
    language : {"en", "zh"}
        Labels, dates and weekdays of the pages (:mod:`planner.i18n`).
    navigation : {"google", "apple", "osm", "amap", "baidu"}
        Where the "Navigate" links go (:mod:`planner.maps.navigation`).
    csv_encoding : {"utf-8", "utf-8-sig"}
        Encoding of the visit report CSV the rep-day pages export (with a byte-order
        mark for ``utf-8-sig``).
    """

    tiles: str = "OpenStreetMap"
    title: str = ""
    cluster_threshold: int = 300
    inline_assets: bool = False
    language: str = "en"
    navigation: str = "google"
    csv_encoding: str = "utf-8"


DEFAULT_PARAMS = MapParams()


def map_params(options, base: MapParams = DEFAULT_PARAMS) -> MapParams:
    """``base`` with the language, navigation app and self-contained setting of
    :class:`planner.output.OutputOptions` ``options``."""
    return replace(
        base,
        language=options.language,
        navigation=options.navigation,
        csv_encoding=options.csv_encoding,
        inline_assets=bool(options.self_contained or base.inline_assets),
    )


@dataclass
class MapsResult:
    """What :func:`planner.maps.render_maps` wrote.

    Attributes
    ----------
    index_path : Path
        The overview, ``<out_dir>/index.html``.
    rep_pages : dict
        ``rep_id -> <out_dir>/<rep slug>/index.html`` (the rep's list of days).
    day_pages : dict
        ``(rep_id, date) -> <out_dir>/<rep slug>/<YYYY-MM-DD>.html``.
    rep_dirs : dict
        ``rep_id -> rep slug``: the folder name used for each rep (ids are made safe
        for file names and kept unique).
    """

    index_path: Path
    rep_pages: dict[str, Path] = field(default_factory=dict)
    day_pages: dict[tuple[str, dt.date], Path] = field(default_factory=dict)
    rep_dirs: dict[str, str] = field(default_factory=dict)
