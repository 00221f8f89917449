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
        Per point ``[lat, lon, colour_index, title_html, row_values, geo_label]``:
        ``title_html`` (escaped) is the tooltip and popup title, ``row_values`` a list of
        escaped HTML aligned with ``labels`` (``""`` leaves the row out), ``geo_label``
        the URL-encoded name for the ``geo:`` link.
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
    radius : int
        Marker radius in pixels.

    Notes
    -----
    Adds the number of markers it created to ``window.plannerMaps.customerMarkers`` so a
    browser test can check the script ran.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {% if this.cluster -%}
            L.markerClusterGroup({{ this.cluster_options|tojson }})
        {%- else %}L.featureGroup(){% endif %};
        (function () {
            var colors = {{ this.colors|tojson }};
            var labels = {{ this.labels|tojson }};
            var fixedRows = {{ this.fixed_rows|tojson }};
            var pts = {{ this.points|tojson }};
            var layers = [];
            var popup = function (p) {
                var ll = p[0] + "," + p[1];
                var h = '<div class="pop"><div class="pop-title">' + p[3] + "</div><table>";
                for (var k = 0; k < labels.length; k++) {
                    if (p[4][k]) {
                        h += "<tr><th>" + labels[k] + "</th><td>" + p[4][k] + "</td></tr>";
                    }
                }
                return h + fixedRows + '</table><div class="pop-links"><a class="nav" '
                    + 'href="https://www.google.com/maps/dir/?api=1&amp;destination=' + ll
                    + '" target="_blank" rel="noopener">Navigate</a> · <a class="geo" href="geo:'
                    + ll + "?q=" + ll + "(" + p[5] + ')">Open in maps app</a></div></div>';
            };
            for (var i = 0; i < pts.length; i++) {
                (function (p) {
                    var mk = L.circleMarker([p[0], p[1]], {radius: {{ this.radius }},
                        color: "#ffffff", weight: 1.5, fillColor: colors[p[2]], fillOpacity: 0.95});
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
        radius: int = 6,
    ):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "PointsLayer"
        self.points = points
        self.colors = colors
        self.labels = labels
        self.fixed_rows = fixed_rows
        self.cluster = cluster
        self.radius = int(radius)
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
    stop and opens its popup.

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
            var stops = {};
            for (var i = 0; i < data.length; i++) {
                var s = data[i];
                var icon = L.divIcon({className: "stop-marker", iconSize: [30, 30],
                    iconAnchor: [15, 15], popupAnchor: [0, -12],
                    html: '<div class="stop-pin" style="background:' + color + '">' + s[0]
                        + "</div>"});
                var mk = L.marker([s[1], s[2]], {icon: icon, riseOnHover: true,
                    zIndexOffset: 1000 - s[0]}).addTo(map);
                mk.bindPopup(s[3], {maxWidth: 300});
                mk.bindTooltip(s[4]);
                stops[String(s[0])] = mk;
            }
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


def render_page(m: folium.Map, head_html: str, body_html: str) -> str:
    """Render a map and its panel as one HTML document with deterministic element names.

    Parameters
    ----------
    m : folium.Map
        The map with all its layers.
    head_html : str
        Trusted HTML for ``<head>`` (title, assets, styles).
    body_html : str
        Trusted HTML placed after the map's ``<div>`` (the panel).

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
    return page.replace("<html>", '<html lang="en">', 1)
