"""Navigation links to a stop, for the maps app the team uses (``maps.navigation``).

============ ==================================================== ==============
app          link                                                  coordinates
============ ==================================================== ==============
``google``   ``https://www.google.com/maps/dir/?api=1&destination`` WGS-84
``apple``    ``https://maps.apple.com/?daddr=...``                  WGS-84
``osm``      ``https://www.openstreetmap.org/directions?route=;...`` WGS-84
``amap``     ``https://uri.amap.com/navigation?to=...``             GCJ-02 in China
``baidu``    ``https://api.map.baidu.com/marker?location=...``      BD-09 in China
============ ==================================================== ==============

Google Maps is unusable in mainland China, where Amap (Gaode) and Baidu Maps use the
offset GCJ-02 and BD-09 coordinate systems: a WGS-84 point shown on them lands a few
hundred metres off. The conversion is done by ``prcoords`` (public domain, pure Python;
its typed successor ``prcoords-typed`` needs Python 3.14), only for points inside China
(outside, the apps take WGS-84 and the links say so). Baidu's web "direction" link needs
a start point, so the Baidu link opens the place with Baidu's own "go here" button.

This module is the only one that imports ``prcoords``.
"""

from __future__ import annotations

from urllib.parse import quote

import prcoords

from planner.output import NAVIGATION_APPS


def in_china(lat: float, lon: float) -> bool:
    """Whether Chinese maps offset this point (prcoords' rough mainland-China box)."""
    return bool(prcoords.sanity_in_china_p(prcoords.Coords(float(lat), float(lon))))


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 -> GCJ-02 (Amap, Tencent); unchanged outside China."""
    if not in_china(lat, lon):
        return float(lat), float(lon)
    c = prcoords.wgs_gcj(prcoords.Coords(float(lat), float(lon)), check_china=False)
    return c.lat, c.lon


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """GCJ-02 -> BD-09 (Baidu's further offset of GCJ-02)."""
    c = prcoords.gcj_bd(prcoords.Coords(float(lat), float(lon)))
    return c.lat, c.lon


def wgs84_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 -> BD-09 (Baidu), through GCJ-02; unchanged outside China."""
    if not in_china(lat, lon):
        return float(lat), float(lon)
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))


def nav_url(app: str, lat: float, lon: float, name: str = "") -> str:
    """A directions (or place) link to ``(lat, lon)`` (WGS-84) in ``app``.

    Parameters
    ----------
    app : {"google", "apple", "osm", "amap", "baidu"}
    lat, lon : float
        WGS-84 degrees, as in the customers file.
    name : str
        The stop's name (URL-encoded into links that show it).

    Raises
    ------
    ValueError
        An unknown app.
    """
    q = quote(str(name), safe="")
    if app == "google":
        return f"https://www.google.com/maps/dir/?api=1&destination={lat:.6f},{lon:.6f}"
    if app == "apple":
        return f"https://maps.apple.com/?daddr={lat:.6f},{lon:.6f}&dirflg=d&q={q}"
    if app == "osm":
        return f"https://www.openstreetmap.org/directions?route=%3B{lat:.6f}%2C{lon:.6f}"
    if app == "amap":
        china = in_china(lat, lon)
        glat, glon = wgs84_to_gcj02(lat, lon)
        system = "gaode" if china else "wgs84"
        return (
            f"https://uri.amap.com/navigation?to={glon:.6f},{glat:.6f},{q}"
            f"&mode=car&coordinate={system}&callnative=1&src=planner"
        )
    if app == "baidu":
        china = in_china(lat, lon)
        blat, blon = wgs84_to_bd09(lat, lon)
        system = "bd09ll" if china else "wgs84"
        return (
            f"https://api.map.baidu.com/marker?location={blat:.6f},{blon:.6f}&title={q}"
            f"&content={q}&output=html&coord_type={system}&src=planner"
        )
    raise ValueError(f"unknown navigation app {app!r}; use one of: {', '.join(NAVIGATION_APPS)}")
