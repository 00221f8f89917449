"""Look-ups the map pages need, computed once from a :class:`~planner.plan.Plan`.

Only the plan's tables are read (layer 3: no stage is imported). Colours are fixed by
the order of the reps and tiers, so the same plan always gets the same colours.
"""

from __future__ import annotations

import colorsys
import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd
import shapely

from planner.i18n import Translator, translator
from planner.maps.text import unique_slugs
from planner.plan import Plan
from planner.visit_details import visit_details

REP_COLORS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
    "#756bb1",
    "#a05195",
    "#6baed6",
    "#fd8d3c",
    "#74c476",
    "#9e9ac8",
    "#ad494a",
    "#5254a3",
)
# Tiers are shades of one neutral ink, darkest for the first (most important) tier, so
# they never look like a rep's (saturated) territory colour; their dots also shrink.
TIER_DARKEST, TIER_LIGHTEST = (0x1B, 0x1F, 0x24), (0xE4, 0xE7, 0xEB)


def tier_palette(n: int) -> list[str]:
    """``n`` tier colours from near-black to near-white (one colour: the darkest)."""
    out = []
    for i in range(n):
        t = i / (n - 1) if n > 1 else 0.0
        rgb = [round(a + (b - a) * t) for a, b in zip(TIER_DARKEST, TIER_LIGHTEST, strict=True)]
        out.append("#" + "".join(f"{c:02x}" for c in rgb))
    return out


def is_light(color: str) -> bool:
    """Whether dark text (and a dark outline) reads better on ``color`` (``#rrggbb``)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b > 150


def rep_color(i: int) -> str:
    """A distinct colour for the ``i``-th rep (golden-angle hues after the fixed 25)."""
    if i < len(REP_COLORS):
        return REP_COLORS[i]
    h = (i * 0.618033988749895) % 1.0
    r, g, b = colorsys.hls_to_rgb(h, 0.42, 0.65)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


def _num(x: object, default: float = 0.0) -> float:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return default if math.isnan(v) else v


@dataclass
class RepInfo:
    """One rep as the maps show it."""

    rep_id: str
    name: str
    color: str
    slug: str
    home: tuple[float, float] | None
    start: tuple[float, float] | None


@dataclass
class PlanView:
    """Pre-computed look-ups over one plan (see :func:`view_of`).

    ``day_visits`` holds each rep-day's visit rows (dicts, in ``seq`` order);
    ``day_routes`` each rep-day's ``routes`` row.
    """

    plan: Plan
    reps: dict[str, RepInfo]
    customers: dict[str, dict]
    tiers: list[str]
    tier_colors: dict[str, str]
    rep_of_customer: dict[str, str]
    day_visits: dict[tuple[str, dt.date], list[dict]]
    day_routes: dict[tuple[str, dt.date], dict]
    road_routes: bool
    rep_days: dict[str, list[dt.date]] = field(default_factory=dict)
    tr: Translator = field(default_factory=translator)
    navigation: str = "google"


def _tier_order(plan: Plan) -> list[str]:
    seen = [str(t) for t in plan.customers["tier"].dropna().unique()] if len(plan.customers) else []
    settings = plan.meta.get("settings") if isinstance(plan.meta, dict) else None
    declared = list((settings or {}).get("tiers") or []) if isinstance(settings, dict) else []
    order = [t for t in declared if t in seen] + sorted(t for t in seen if t not in declared)
    return order


def view_of(plan: Plan, language: str = "en", navigation: str = "google") -> PlanView:
    """Build the look-ups of ``plan`` (reps with colours and folder names, customers by id,
    visits with their details (:func:`planner.visit_details.visit_details`) and route rows
    per rep-day), for pages in ``language`` with ``navigation`` links."""
    rep_rows = plan.reps.to_dict("records") if len(plan.reps) else []
    rep_ids = [str(r["rep_id"]) for r in rep_rows]
    extra = [
        str(x)
        for x in pd.concat(
            [
                plan.visits.get("rep_id", pd.Series(dtype=object)),
                plan.routes.get("rep_id", pd.Series(dtype=object)),
                plan.assignments.get("rep_id", pd.Series(dtype=object)),
            ]
        )
        .dropna()
        .unique()
        if str(x) not in rep_ids and str(x)
    ]
    slugs = unique_slugs(rep_ids + sorted(set(extra)))
    reps: dict[str, RepInfo] = {}
    for i, r in enumerate(rep_rows):
        rid = str(r["rep_id"])
        home = (_num(r.get("home_lat"), math.nan), _num(r.get("home_lon"), math.nan))
        start = (_num(r.get("start_lat"), math.nan), _num(r.get("start_lon"), math.nan))
        reps[rid] = RepInfo(
            rid,
            str(r.get("name") or rid),
            rep_color(i),
            slugs[rid],
            None if math.isnan(home[0] + home[1]) else home,
            None if math.isnan(start[0] + start[1]) else start,
        )
        if reps[rid].start is None:
            reps[rid].start = reps[rid].home
    for j, rid in enumerate(sorted(set(extra))):
        reps[rid] = RepInfo(rid, rid, rep_color(len(rep_rows) + j), slugs[rid], None, None)

    customers = {str(c["customer_id"]): c for c in plan.customers.to_dict("records")}
    rep_of = {}
    if len(plan.customers):
        rep_of.update(
            {
                str(k): str(v)
                for k, v in zip(
                    plan.customers["customer_id"], plan.customers["rep_id"], strict=True
                )
                if v
            }
        )
    if len(plan.assignments):
        rep_of.update(
            {
                str(k): str(v)
                for k, v in zip(
                    plan.assignments["customer_id"], plan.assignments["rep_id"], strict=True
                )
            }
        )
    tiers = _tier_order(plan)
    tier_colors = dict(zip(tiers, tier_palette(len(tiers)), strict=True))

    day_visits: dict[tuple[str, dt.date], list[dict]] = {}
    if len(plan.visits):
        ordered = plan.visits.sort_values(["rep_id", "date", "seq"], kind="stable")
        ordered = visit_details(ordered, plan.customers, plan.appointments)
        for v in ordered.to_dict("records"):
            day_visits.setdefault((str(v["rep_id"]), v["date"]), []).append(v)
    day_routes = {(str(r["rep_id"]), r["date"]): r for r in plan.routes.to_dict("records")}
    rep_days: dict[str, list[dt.date]] = {}
    for rid, day in sorted(set(day_visits) | set(day_routes)):
        rep_days.setdefault(rid, []).append(day)
    source = str(plan.meta.get("travel_source", "")) if isinstance(plan.meta, dict) else ""
    return PlanView(
        plan=plan,
        reps=reps,
        customers=customers,
        tiers=tiers,
        tier_colors=tier_colors,
        rep_of_customer=rep_of,
        day_visits=day_visits,
        day_routes=day_routes,
        road_routes=source.startswith("road"),
        rep_days=rep_days,
        tr=translator(language),
        navigation=navigation,
    )


def rep_workload(view: PlanView) -> dict[str, dict]:
    """Per rep: customers, visits, days, drive/service seconds, metres, unscheduled."""
    plan = view.plan
    out: dict[str, dict[str, float]] = {
        rid: {
            "customers": 0,
            "visits": 0,
            "days": 0,
            "travel_s": 0,
            "service_s": 0,
            "dist_m": 0,
            "unscheduled": 0,
        }
        for rid in view.reps
    }
    for rid in view.rep_of_customer.values():
        if rid in out:
            out[rid]["customers"] += 1
    for r in view.day_routes.values():
        w = out.get(str(r["rep_id"]))
        if w is None:
            continue
        w["travel_s"] += _num(r.get("travel_s"))
        w["service_s"] += _num(r.get("service_s"))
        w["dist_m"] += _num(r.get("dist_m"))
    for (rid, _day), g in view.day_visits.items():
        if rid in out:
            out[rid]["visits"] += len(g)
    for rid, days in view.rep_days.items():
        if rid in out:
            out[rid]["days"] = len(days)
    if len(plan.unscheduled):
        for rid, n in plan.unscheduled.groupby("rep_id").size().items():
            if str(rid) in out:
                out[str(rid)]["unscheduled"] = int(n)
    return out


def territory_shapes(territories) -> list[tuple[dict, object]]:
    """``(row, geometry)`` of every non-empty territory in WGS84, simplified for the web
    (about 3 m, topology kept) and rounded to 1e-6 degrees."""
    if territories is None or len(territories) == 0:
        return []
    if getattr(territories, "crs", None) is not None and territories.crs.to_epsg() != 4326:
        territories = territories.to_crs(4326)
    out = []
    for row in territories.to_dict("records"):
        geom = row.get("geometry")
        if geom is None or geom.is_empty:
            continue
        out.append((row, _web_geometry(geom)))
    return out


def _web_geometry(geom):
    """Simplified (about 3 m, topology kept) and rounded to 1e-6 degrees; shapes GEOS
    cannot simplify or snap (slivers across the antimeridian, near a pole) are repaired
    with ``make_valid`` first, and drawn unsimplified if that fails too."""
    for repair in (False, True):
        try:
            g = shapely.make_valid(geom) if repair else geom
            return shapely.set_precision(g.simplify(0.00003, preserve_topology=True), 1e-6)
        except shapely.errors.GEOSException:
            continue
    return geom
