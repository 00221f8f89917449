"""Composable map layers: each takes ``m=None`` and returns the :class:`folium.Map`.

Layers of the same rep share one toggleable :class:`folium.FeatureGroup` per rep (its
territory, customers and home), so the layer control lists each rep once.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from functools import cache
from urllib.parse import quote

import folium
import xyzservices
from folium.template import Template
from shapely.geometry import mapping

from planner.maps.elements import (
    BindPopup,
    BindTooltip,
    PinMarker,
    PointsLayer,
    RawMacroElement,
    RouteLine,
    StopsLayer,
)
from planner.maps.navigation import nav_url
from planner.maps.params import DEFAULT_PARAMS, MapParams
from planner.maps.popups import (
    customer_fields,
    customer_labels,
    legend_html,
    stop_popup,
    territory_tooltip,
    tier_radius,
)
from planner.maps.text import clock, esc
from planner.maps.view import PlanView, is_light, rep_workload, territory_shapes, view_of
from planner.plan import Plan

OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


class Legend(RawMacroElement):
    """A Leaflet control (bottom left) holding trusted legend HTML."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "map-legend");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                // on a phone the open legend would cover homes and customers: start closed
                var box = div.querySelector("details");
                if (box && window.innerWidth < 760) { box.removeAttribute("open"); }
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, html: str):
        super().__init__()
        self._name = "Legend"
        self.html = html


class FitBounds(RawMacroElement):
    """Frame the map on ``bounds`` at once (folium's version animates the first zoom)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }},
            {padding: [24, 24], maxZoom: {{ this.max_zoom }}, animate: false});
        {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]], max_zoom: int = 16):
        super().__init__()
        self._name = "FitBounds"
        self.bounds = bounds
        self.max_zoom = int(max_zoom)


class Attribution(RawMacroElement):
    """Adds the OSM attribution to the map's attribution control (for maps without tiles)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
    """)

    def __init__(self, text: str = OSM_ATTRIBUTION):
        super().__init__()
        self._name = "Attribution"
        self.text = text


def _points(view: PlanView) -> list[tuple[float, float]]:
    pts = [(float(c["lat"]), float(c["lon"])) for c in view.customers.values()]
    pts += [r.home for r in view.reps.values() if r.home]
    return [p for p in pts if not math.isnan(p[0] + p[1])]


def _bounds(pts: list[tuple[float, float]]) -> list[list[float]] | None:
    if not pts:
        return None
    lats, lons = [p[0] for p in pts], [p[1] for p in pts]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


@cache
def _provider(name: str) -> xyzservices.TileProvider | None:
    """The xyzservices provider named ``name`` (looked up once), or ``None`` for a URL."""
    if "{" in name:
        return None
    query = "OpenStreetMap Mapnik" if name.lower() == "openstreetmap" else name
    try:
        return xyzservices.providers.query_name(query)
    except ValueError:
        return None


def base_map(
    view: PlanView, params: MapParams, pts: list | None = None, prefer_canvas: bool = False
) -> folium.Map:
    """An empty map framed on ``pts`` (default: all customers and homes), with tiles."""
    pts = _points(view) if pts is None else pts
    b = _bounds(pts)
    center = [(b[0][0] + b[1][0]) / 2, (b[0][1] + b[1][1]) / 2] if b else [0.0, 0.0]
    tiles = params.tiles or None
    m = folium.Map(
        location=center,
        zoom_start=14 if b else 2,
        tiles=None,
        control_scale=True,
        prefer_canvas=prefer_canvas,
        zoom_snap=0.5,
    )  # half steps: fitBounds frames the plan more tightly
    m.options["maxZoom"] = 19  # also without tiles (markercluster needs the map's maxZoom)
    if tiles:
        provider = _provider(tiles)
        m.add_child(
            folium.TileLayer(
                provider or tiles, attr=None if provider else OSM_ATTRIBUTION, control=False
            )
        )
    else:
        m.add_child(Attribution())
    if b:
        m.add_child(FitBounds(b))
    return m


def _ensure(plan_or_view: Plan | PlanView, params: MapParams = DEFAULT_PARAMS) -> PlanView:
    if isinstance(plan_or_view, PlanView):
        return plan_or_view
    return view_of(plan_or_view, params.language, params.navigation)


def rep_group(m: folium.Map, view: PlanView, rep_id: str | None) -> folium.FeatureGroup:
    """The rep's toggleable layer on ``m`` (created on first use); ``None``: unassigned."""
    groups = getattr(m, "_planner_rep_groups", None)
    if groups is None:
        groups = {}
        m._planner_rep_groups = groups  # type: ignore[attr-defined]
    key = rep_id or ""
    if key not in groups:
        if rep_id and rep_id in view.reps:
            r = view.reps[rep_id]
            label = (
                f'<span class="swatch" style="background:{r.color}"></span>'
                f"{esc(r.name)} ({esc(r.rep_id)})"
            )
        else:
            label = esc(view.tr("Customers without a rep"))
        groups[key] = folium.FeatureGroup(name=label, overlay=True, control=True, show=True)
        m.add_child(groups[key])
    return groups[key]


def territory_layer(
    plan: Plan | PlanView, m: folium.Map | None = None, params: MapParams = DEFAULT_PARAMS
) -> folium.Map:
    """Territory polygons coloured per rep, with the workload in the tooltip.

    Parameters
    ----------
    plan : Plan
        The plan (its ``territories`` GeoDataFrame; nothing is drawn without it).
    m : folium.Map or None
        Map to draw on; a new one framed on the plan when ``None``.
    params : MapParams
        Tiles for a new map.

    Returns
    -------
    folium.Map
    """
    view = _ensure(plan, params)
    m = base_map(view, params) if m is None else m
    shapes = territory_shapes(view.plan.territories)
    if not shapes:
        return m
    work = rep_workload(view)
    for row, geom in shapes:
        rep_id = str(row.get("rep_id") or "")
        color = view.reps[rep_id].color if rep_id in view.reps else "#555555"
        feature = {"type": "Feature", "properties": {}, "geometry": mapping(geom)}
        gj = folium.GeoJson(
            json.loads(json.dumps(feature)),
            control=False,
            style_function=lambda _f, c=color: {
                "color": c,
                "weight": 2,
                "fillColor": c,
                "fillOpacity": 0.15,
            },
        )
        tip = territory_tooltip(view, row, work.get(rep_id))
        gj.add_child(BindTooltip(tip, {"sticky": True}))
        gj.add_child(BindPopup(tip, {"maxWidth": 320}))  # touch screens cannot hover
        rep_group(m, view, rep_id or None).add_child(gj)
    return m


def customers_layer(
    plan: Plan | PlanView, m: folium.Map | None = None, params: MapParams = DEFAULT_PARAMS
) -> folium.Map:
    """Active customers coloured by tier, one layer per rep, clustered when many.

    Markers cluster (per rep) when the plan has more than ``params.cluster_threshold``
    customers. Each popup shows contact details, tier, rep and planned visit dates.
    """
    view = _ensure(plan, params)
    m = base_map(view, params, prefer_canvas=True) if m is None else m
    cs = [
        c
        for c in view.customers.values()
        if c.get("active", True) and not math.isnan(float(c["lat"]) + float(c["lon"]))
    ]
    planned: dict[str, list[dt.date]] = {}
    visits = view.plan.visits
    if len(visits):
        pairs = zip(visits["customer_id"], visits["date"], strict=True)
        for cid, day in sorted(pairs, key=lambda x: x[1]):
            planned.setdefault(str(cid), []).append(day)
    colors = list(view.tier_colors.values()) or ["#555555"]
    outlines = ["#333333" if is_light(c) else "#ffffff" for c in colors]
    radii = [tier_radius(i) for i in range(len(colors))]
    tier_index = {t: i for i, t in enumerate(view.tier_colors)}
    tr = view.tr
    cluster = len(cs) > params.cluster_threshold
    by_rep: dict[str, list] = {}
    for c in cs:
        cid = str(c["customer_id"])
        by_rep.setdefault(view.rep_of_customer.get(cid, ""), []).append(
            [
                round(float(c["lat"]), 6),
                round(float(c["lon"]), 6),
                tier_index.get(str(c.get("tier")), 0),
                esc(c.get("name")),
                customer_fields(c, planned.get(cid, []), tr),
                quote(str(c.get("name")), safe=""),
                esc(nav_url(view.navigation, float(c["lat"]), float(c["lon"]), str(c.get("name")))),
            ]
        )
    order = [r for r in view.reps if r in by_rep] + sorted(r for r in by_rep if r not in view.reps)
    for rep_id in order:
        rep = view.reps.get(rep_id)
        who = esc(rep.name) if rep else esc(tr("not assigned"))
        fixed = f"<tr><th>{esc(tr('Rep'))}</th><td>{who}</td></tr>"
        layer = PointsLayer(
            by_rep[rep_id],
            colors,
            customer_labels(tr),
            fixed,
            cluster=cluster,
            radius=radii,
            outlines=outlines,
            link_labels=(esc(tr("Navigate")), esc(tr("Open in maps app"))),
            cluster_color=rep.color if rep else "#555555",
        )
        rep_group(m, view, rep_id or None).add_child(layer)
    return m


def _home_html(color: str) -> str:
    return f'<div class="home-pin" style="border-color:{color}">&#8962;</div>'


def homes_layer(
    plan: Plan | PlanView, m: folium.Map | None = None, params: MapParams = DEFAULT_PARAMS
) -> folium.Map:
    """Each rep's home as a house symbol in the rep's colour (in the rep's layer)."""
    view = _ensure(plan, params)
    m = base_map(view, params) if m is None else m
    for r in view.reps.values():
        if r.home:
            tip = esc(view.tr("Home of {name}", name=r.name))
            rep_group(m, view, r.rep_id).add_child(
                PinMarker(r.home, _home_html(r.color), tip, "home-marker")
            )
    return m


def legend_layer(
    plan: Plan | PlanView, m: folium.Map | None = None, params: MapParams = DEFAULT_PARAMS
) -> folium.Map:
    """The legend (tier colours, home symbol, rep colours for up to 12 reps)."""
    view = _ensure(plan, params)
    m = base_map(view, params) if m is None else m
    m.add_child(Legend(legend_html(view)))
    return m


def day_points(view: PlanView, rep_id: str, day: dt.date) -> list[tuple[float, float]]:
    """Start point and stops of a rep-day (to frame its map)."""
    rep = view.reps.get(rep_id)
    pts = [rep.start] if rep and rep.start else []
    g = view.day_visits.get((rep_id, day))
    if g is not None:
        for v in g:
            c = view.customers.get(str(v["customer_id"]))
            if c is not None:
                pts.append((float(c["lat"]), float(c["lon"])))
    return pts


def day_route_layer(
    plan: Plan | PlanView,
    rep_id: str,
    day: dt.date,
    m: folium.Map | None = None,
    params: MapParams = DEFAULT_PARAMS,
) -> folium.Map:
    """One rep-day: numbered stops in visiting order, the route line and the start point.

    The line is the plan's road-following path when it has one for this day
    (``plan.route_lines``), else straight dashed segments start -> stops -> start.
    Each stop's popup holds name, address, phone, tier, arrival and departure, notes
    and navigation links.
    """
    view = _ensure(plan, params)
    tr = view.tr
    pts = day_points(view, rep_id, day)
    m = base_map(view, params, pts=pts) if m is None else m
    rep = view.reps.get(rep_id)
    color = rep.color if rep else "#1f77b4"
    g = view.day_visits.get((rep_id, day))
    line = view.plan.route_lines.get((rep_id, day)) if view.plan.route_lines else None
    if line and len(line) >= 2 and view.road_routes:
        path = [[round(float(a), 6), round(float(b), 6)] for a, b in line]
        what = tr("Route along the road network")
        dashed = False
    else:  # no road path: straight legs, drawn dashed so nobody mistakes them for streets
        if line and len(line) >= 2:
            path = [[round(float(a), 6), round(float(b), 6)] for a, b in line]
        else:
            path = [list(p) for p in pts] + ([list(pts[0])] if rep and rep.start and pts else [])
        what = tr("Straight lines between stops (no road path in the plan)")
        dashed = True
    if len(path) >= 2:
        m.add_child(RouteLine(path, color, esc(what), dashed=dashed))
    if rep and rep.start:
        route = view.day_routes.get((rep_id, day)) or {}
        m.add_child(
            PinMarker(
                rep.start,
                _home_html(color),
                esc(
                    tr(
                        "Start and finish: leave {leave}, back {back}",
                        leave=clock(route.get("start_s")),
                        back=clock(route.get("end_s")),
                    )
                ),
                "start-marker",
            )
        )
    stops = []
    if g is not None:
        for v in g:
            c = view.customers.get(str(v["customer_id"]))
            if c is None:
                continue
            seq = int(v["seq"])
            stops.append(
                [
                    seq,
                    round(float(c["lat"]), 6),
                    round(float(c["lon"]), 6),
                    stop_popup(view, seq, v, c),
                    f"{seq}. {esc(c.get('name'))}",
                ]
            )
    m.add_child(StopsLayer(stops, color))
    return m
