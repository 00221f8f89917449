"""Small folium elements that keep user text inert, and the page assembly around a map.

Folium's own ``Tooltip`` and ``Popup`` paste their text into JavaScript template
literals (and ``Popup`` needs jQuery), so user text could break out of the string.
The elements here pass every HTML snippet to Leaflet as a JSON string instead (Jinja's
``tojson`` escapes ``<``, ``>``, ``&`` and ``'``); the snippets themselves are built
from :func:`planner.maps.text.esc`-escaped values.

Pages never load anything from a CDN: Leaflet (and markercluster when used) come from
``planner/maps/static/``, either linked from ``<out_dir>/_static/`` or inlined.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from pathlib import Path

import folium
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.template import Template

from planner.files import write_bytes

_FOLIUM_VIEWPORT = re.compile(
    r'<meta name="viewport" content="width=device-width,\s*'
    r'initial-scale=1\.0, maximum-scale=1\.0, user-scalable=no" />'
)
STATIC_FILES = (
    "leaflet.js",
    "leaflet.css",
    "leaflet.markercluster.js",
    "MarkerCluster.css",
    "MarkerCluster.Default.css",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
)


class RawElement(Element):
    """Already rendered text, inserted into the page as is."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "RawElement"
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class RawMacroElement(MacroElement):
    """A ``MacroElement`` whose rendered macros are not parsed again as templates.

    branca wraps each macro's output in ``Element(output)``, which compiles the output
    as a new Jinja template: slow for large data, and ``{{ ... }}`` inside data would be
    evaluated. Here the output goes into the page untouched.
    """

    def render(self, **kwargs) -> None:  # type: ignore[override]
        figure = self.get_root()
        module = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = module.get(part)
            if macro is not None:
                getattr(figure, part).add_child(
                    RawElement(str(macro(self, kwargs))), name=self.get_name()
                )
        for child in self._children.values():
            child.render(**kwargs)


class BindTooltip(RawMacroElement):
    """``parent.bindTooltip(html)`` with ``html`` passed as a JSON string.

    Parameters
    ----------
    html : str
        Trusted HTML built from escaped values.
    options : dict or None
        Leaflet tooltip options (camelCase keys).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindTooltip(
            {{ this.html|tojson }}, {{ this.options|tojson }});
        {% endmacro %}
    """)

    def __init__(self, html: str, options: dict | None = None):
        super().__init__()
        self._name = "BindTooltip"
        self.html = html
        self.options = options or {}


class PointsLayer(Layer, RawMacroElement):
    """Many circle markers from one compact JSON array (fast for thousands of points).

    Popups are assembled in the browser, when opened, from escaped values: the page
    carries each value once instead of a full HTML popup per point.

    Parameters
    ----------
    points : list
        Per point ``[lat, lon, colour_index, title_html, row_values, geo_label, nav_href]``:
        ``title_html`` (escaped) is the tooltip and popup title, ``row_values`` a list of
        escaped HTML aligned with ``labels`` (``""`` leaves the row out), ``geo_label``
        the URL-encoded name for the ``geo:`` link, ``nav_href`` the escaped navigation
        link (:mod:`planner.maps.navigation`).
    colors : list of str
        CSS colours indexed by ``colour_index``.
    labels : list of str
        Row labels of the popup table (trusted).
    fixed_rows : str
        Trusted HTML rows (``<tr>...``) shown in every popup of this layer.
    cluster : bool
        Put the markers in a ``L.markerClusterGroup`` (needs the markercluster assets).
    name, control, show
        As for :class:`folium.map.Layer`.
    radius : int or list of int
        Marker radius in pixels (one per colour index when a list).
    outlines : list of str or None
        Outline colour per colour index (white by default).
    link_labels : tuple of str
        Trusted texts of the "Navigate" and "Open in maps app" links.
    cluster_color : str
        Fill of the cluster bubbles (the rep's colour), so a bubble says whose customers
        it holds.

    Notes
    -----
    Adds the number of markers it created to ``window.plannerMaps.customerMarkers`` so a
    browser test can check the script ran.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {% if this.cluster -%}
            L.markerClusterGroup(Object.assign({{ this.cluster_options|tojson }}, {
                iconCreateFunction: function (cluster) {
                    var n = cluster.getChildCount();
                    var size = n < 10 ? 30 : (n < 100 ? 36 : 42);
                    return L.divIcon({className: "rep-cluster", iconSize: [size, size],
                        html: '<div style="background:' + {{ this.cluster_color|tojson }}
                            + '"><span>' + n + "</span></div>"});
                }}))
        {%- else %}L.featureGroup(){% endif %};
        (function () {
            var colors = {{ this.colors|tojson }};
            var labels = {{ this.labels|tojson }};
            var fixedRows = {{ this.fixed_rows|tojson }};
            var pts = {{ this.points|tojson }};
            var radii = {{ this.radii|tojson }};
            var outlines = {{ this.outlines|tojson }};
            var linkLabels = {{ this.link_labels|tojson }};
            var layers = [];
            var popup = function (p) {
                var ll = p[0] + "," + p[1];
                var h = '<div class="pop"><div class="pop-title">' + p[3] + "</div><table>";
                for (var k = 0; k < labels.length; k++) {
                    if (p[4][k]) {
                        h += "<tr><th>" + labels[k] + "</th><td>" + p[4][k] + "</td></tr>";
                    }
                }
                return h + fixedRows + '</table><div class="pop-links"><a class="nav btn" '
                    + 'href="' + p[6] + '" target="_blank" rel="noopener">' + linkLabels[0]
                    + '</a> <a class="geo btn" href="geo:' + ll + "?q=" + ll + "(" + p[5]
                    + ')">' + linkLabels[1] + "</a></div></div>";
            };
            for (var i = 0; i < pts.length; i++) {
                (function (p) {
                    var mk = L.circleMarker([p[0], p[1]], {radius: radii[p[2]] || radii[0],
                        color: outlines[p[2]] || "#ffffff", weight: 1.5, fillColor: colors[p[2]],
                        fillOpacity: 0.95});
                    mk.bindTooltip(p[3]);
                    mk.bindPopup(function () { return popup(p); }, {maxWidth: 300});
                    layers.push(mk);
                })(pts[i]);
            }
            {% if this.cluster -%}
            {{ this.get_name() }}.addLayers(layers);
            {%- else -%}
            for (var j = 0; j < layers.length; j++) { {{ this.get_name() }}.addLayer(layers[j]); }
            {%- endif %}
            window.plannerMaps = window.plannerMaps || {};
            window.plannerMaps.customerMarkers = (window.plannerMaps.customerMarkers || 0)
                + layers.length;
        })();
        {% endmacro %}
    """)

    def __init__(
        self,
        points: list,
        colors: list[str],
        labels: list[str],
        fixed_rows: str = "",
        cluster: bool = False,
        name: str | None = None,
        control: bool = False,
        show: bool = True,
        radius: int | list[int] = 6,
        outlines: list[str] | None = None,
        link_labels: tuple[str, str] = ("Navigate", "Open in maps app"),
        cluster_color: str = "#555555",
    ):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "PointsLayer"
        self.points = points
        self.colors = colors
        self.labels = labels
        self.fixed_rows = fixed_rows
        self.cluster = cluster
        self.radii = [int(r) for r in radius] if isinstance(radius, list) else [int(radius)]
        self.outlines = outlines or ["#ffffff"] * len(colors)
        self.link_labels = list(link_labels)
        self.cluster_color = cluster_color
        self.cluster_options = {
            "disableClusteringAtZoom": 16,
            "chunkedLoading": True,
            "showCoverageOnHover": False,
            "maxClusterRadius": 45,
        }


class RouteLine(RawMacroElement):
    """A polyline with a tooltip, added to its parent (map or layer).

    Parameters
    ----------
    path : list
        ``[[lat, lon], ...]``.
    color : str
        CSS colour.
    tooltip_html : str
        Trusted HTML.
    dashed : bool
        Dashed (for straight segments standing in for roads).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.polyline({{ this.path|tojson }}, {{ this.options|tojson }})
            .bindTooltip({{ this.tooltip_html|tojson }}, {sticky: true})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, path: list, color: str, tooltip_html: str, dashed: bool = False):
        super().__init__()
        self._name = "RouteLine"
        self.path = path
        self.tooltip_html = tooltip_html
        self.options = {
            "color": color,
            "weight": 3 if dashed else 5,
            "opacity": 0.7 if dashed else 0.75,
            "lineJoin": "round",
        }
        if dashed:
            self.options["dashArray"] = "6 8"


class PinMarker(RawMacroElement):
    """A marker drawn as trusted HTML (``L.divIcon``) with a tooltip, added to its parent.

    Parameters
    ----------
    location : tuple
        ``(lat, lon)``.
    icon_html : str
        Trusted HTML of the icon.
    tooltip_html : str
        Trusted HTML.
    class_name : str
        CSS class of the icon (tests count markers by class).
    size : int
        Icon width and height in pixels (anchored at its centre).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.marker({{ this.location|tojson }}, {icon: L.divIcon({{ this.icon|tojson }})})
            .bindTooltip({{ this.tooltip_html|tojson }})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(
        self,
        location: tuple[float, float],
        icon_html: str,
        tooltip_html: str,
        class_name: str = "pin-marker",
        size: int = 26,
    ):
        super().__init__()
        self._name = "PinMarker"
        self.location = [round(float(location[0]), 6), round(float(location[1]), 6)]
        self.icon = {
            "html": icon_html,
            "className": class_name,
            "iconSize": [size, size],
            "iconAnchor": [size // 2, size // 2],
        }
        self.tooltip_html = tooltip_html


class StopsLayer(RawMacroElement):
    """Numbered stop markers of one rep-day, linked to the itinerary list.

    One element draws every stop from a JSON array (folium's ``Marker`` costs a few
    Jinja compilations per marker). Clicking "Show on map" in the itinerary centres the
    stop and opens its popup. Stops whose pins would overlap at the current zoom (dense
    streets, one building) are pushed apart on screen until none overlaps, each with a
    thin leader line and a dot at its true position; zooming in puts them back.

    Parameters
    ----------
    stops : list
        ``[seq, lat, lon, popup_html, tooltip_html]`` per stop, popup and tooltip built
        from escaped values.
    color : str
        Fill colour of the numbered circles (the rep's colour).

    Notes
    -----
    Sets ``window.plannerMaps.stopMarkers`` to the number of markers created.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var data = {{ this.stops|tojson }};
            var color = {{ this.color|tojson }};
            var PIN = 30;  // pin diameter in px, border included
            var stops = {}, order = [], leaders = L.layerGroup().addTo(map);
            var icon = function (seq, dx, dy) {
                return L.divIcon({className: "stop-marker", iconSize: [PIN, PIN],
                    iconAnchor: [PIN / 2 - dx, PIN / 2 - dy], popupAnchor: [dx, dy - 12],
                    html: '<div class="stop-pin" style="background:' + color + '">' + seq
                        + "</div>"});
            };
            for (var i = 0; i < data.length; i++) {
                var s = data[i];
                var mk = L.marker([s[1], s[2]], {icon: icon(s[0], 0, 0), riseOnHover: true,
                    zIndexOffset: 1000 - s[0]}).addTo(map);
                mk.bindPopup(s[3], {maxWidth: 300});
                mk.bindTooltip(s[4]);
                stops[String(s[0])] = mk;
                order.push([s[0], mk]);
            }
            var spread = function () {
                // push overlapping pins apart on screen (a few rounds of pairwise repulsion)
                var pos = order.map(function (o) {
                    return map.latLngToLayerPoint(o[1].getLatLng());
                });
                var home = pos.map(function (p) { return p.clone(); });
                for (var round = 0; round < 60; round++) {
                    var moved = false;
                    for (var a = 0; a < pos.length; a++) {
                        for (var b = a + 1; b < pos.length; b++) {
                            var dx = pos[b].x - pos[a].x, dy = pos[b].y - pos[a].y;
                            var d = Math.sqrt(dx * dx + dy * dy);
                            if (d >= PIN + 2) { continue; }
                            if (d < 0.01) {  // same spot: fan out by order
                                var ang = 2 * Math.PI * (b % 8) / 8;
                                dx = Math.cos(ang); dy = Math.sin(ang); d = 1;
                            }
                            var push = (PIN + 3 - d) / 2;
                            pos[a].x -= dx / d * push; pos[a].y -= dy / d * push;
                            pos[b].x += dx / d * push; pos[b].y += dy / d * push;
                            moved = true;
                        }
                    }
                    if (!moved) { break; }
                }
                leaders.clearLayers();
                for (var k = 0; k < order.length; k++) {
                    var ox = Math.round(pos[k].x - home[k].x);
                    var oy = Math.round(pos[k].y - home[k].y);
                    order[k][1].setIcon(icon(order[k][0], ox, oy));
                    if (Math.abs(ox) + Math.abs(oy) > 4) {
                        var ll = order[k][1].getLatLng();
                        leaders.addLayer(L.polyline([ll, map.layerPointToLatLng(pos[k])],
                            {color: color, weight: 1.5, opacity: 0.8, interactive: false}));
                        leaders.addLayer(L.circleMarker(ll, {radius: 3, color: "#fff", weight: 1,
                            fillColor: color, fillOpacity: 1, interactive: false}));
                    }
                }
            };
            spread();
            map.on("zoomend", spread);
            window.plannerMaps = window.plannerMaps || {};
            window.plannerMaps.stopMarkers = Object.keys(stops).length;
            var items = document.querySelectorAll("#itinerary li[data-seq]");
            for (var j = 0; j < items.length; j++) {
                (function (li) {
                    var mk = stops[li.getAttribute("data-seq")];
                    var btn = li.querySelector(".show-on-map");
                    if (!mk || !btn) { return; }
                    btn.addEventListener("click", function (ev) {
                        ev.preventDefault();
                        map.setView(mk.getLatLng(), Math.max(map.getZoom(), 16), {animate: false});
                        mk.openPopup();
                        map.getContainer().scrollIntoView({behavior: "smooth"});
                    });
                })(items[j]);
            }
        })();
        {% endmacro %}
    """)

    def __init__(self, stops: list, color: str):
        super().__init__()
        self._name = "StopsLayer"
        self.stops = stops
        self.color = color


class BindPopup(RawMacroElement):
    """``parent.bindPopup(html)`` with ``html`` passed as a JSON string (tap to read what
    a tooltip shows on hover: touch screens have no hover).

    Parameters
    ----------
    html : str
        Trusted HTML built from escaped values.
    options : dict or None
        Leaflet popup options (camelCase keys).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup(
            {{ this.html|tojson }}, {{ this.options|tojson }});
        {% endmacro %}
    """)

    def __init__(self, html: str, options: dict | None = None):
        super().__init__()
        self._name = "BindPopup"
        self.html = html
        self.options = options or {}


class PageExtras(RawMacroElement):
    """Head assets and styles, the HTML panel after the map, and a final script.

    Add it to the map last: its script then runs after every layer exists.
    """

    _template = Template("""
        {% macro header(this, kwargs) %}
        {{ this.head_html }}
        {% endmacro %}
        {% macro html(this, kwargs) %}
        {{ this.body_html }}
        {% endmacro %}
        {% macro script(this, kwargs) %}
        window.plannerMaps = window.plannerMaps || {};
        window.plannerMaps.map = {{ this._parent.get_name() }};
        window.plannerMaps.ready = true;
        {% endmacro %}
    """)

    def __init__(self, head_html: str, body_html: str):
        super().__init__()
        self._name = "PageExtras"
        self.head_html = head_html
        self.body_html = body_html


# ------------------------------------------------------------------ assets
@cache
def _static_bytes(name: str) -> bytes:
    return resources.files("planner.maps").joinpath("static", name).read_bytes()


def copy_static(out_dir: Path) -> Path:
    """Copy Leaflet and markercluster into ``out_dir/_static/`` (only when changed)."""
    target = Path(out_dir) / "_static"
    for name in STATIC_FILES:
        data = _static_bytes(name)
        path = target / name
        if not path.exists() or path.read_bytes() != data:
            write_bytes(path, data)
    return target


def _inline_css(name: str) -> str:
    css = _static_bytes(name).decode("utf-8")

    def data_uri(m: re.Match) -> str:
        png = base64.b64encode(_static_bytes(m.group(1))).decode("ascii")
        return f"url(data:image/png;base64,{png})"

    return re.sub(r"url\((images/[A-Za-z0-9_.-]+\.png)\)", data_uri, css)


def asset_tags(prefix: str, inline: bool, cluster: bool) -> str:
    """``<link>``/``<script>`` tags for Leaflet (+ markercluster), local or inlined.

    Parameters
    ----------
    prefix : str
        Relative URL of the ``_static/`` folder from the page (``"_static/"``,
        ``"../_static/"``); unused when ``inline``.
    inline : bool
        Embed the files in the page instead of linking them.
    cluster : bool
        Include markercluster.
    """
    css = ["leaflet.css"] + (["MarkerCluster.css", "MarkerCluster.Default.css"] if cluster else [])
    js = ["leaflet.js"] + (["leaflet.markercluster.js"] if cluster else [])
    if inline:
        parts = [f"<style>{_inline_css(c)}</style>" for c in css]
        parts += [f"<script>{_static_bytes(j).decode('utf-8')}</script>" for j in js]
    else:
        parts = [f'<link rel="stylesheet" href="{prefix}{c}"/>' for c in css]
        parts += [f'<script src="{prefix}{j}"></script>' for j in js]
    return "\n".join(parts)


def uses_cluster(m: folium.Map) -> bool:
    """Whether any :class:`PointsLayer` on the map clusters."""
    stack: list[Element] = [m]
    while stack:
        el = stack.pop()
        if isinstance(el, PointsLayer) and el.cluster:
            return True
        stack.extend(el._children.values())
    return False


def render_page(m: folium.Map, head_html: str, body_html: str, lang: str = "en") -> str:
    """Render a map and its panel as one HTML document with deterministic element names.

    Parameters
    ----------
    m : folium.Map
        The map with all its layers.
    head_html : str
        Trusted HTML for ``<head>`` (title, assets, styles).
    body_html : str
        Trusted HTML placed after the map's ``<div>`` (the panel).
    lang : str
        The page's ``lang`` attribute (``en``, ``zh-CN``).

    Returns
    -------
    str
        The page. Folium's default CDN links (jQuery, Bootstrap, Font Awesome ...) are
        dropped; element names are numbered in tree order so the same plan gives the
        same bytes.
    """
    m.default_js = []
    m.default_css = []
    m.add_child(PageExtras(head_html, body_html))
    root = m.get_root()
    queue: list[Element] = [root]
    i = 0
    while queue:
        el = queue.pop(0)
        el._id = f"{i:05d}"
        i += 1
        queue.extend(el._children.values())
    page = root.render()
    # folium's viewport tag forbids zooming (bad on a phone); the page brings its own
    page = _FOLIUM_VIEWPORT.sub("", page, count=1)
    return page.replace("<html>", f'<html lang="{lang}">', 1)
