"""The three kinds of page: overview, a rep's list of days, and one rep-day.

Each returns the page's HTML text. Panels are plain HTML (readable without the map or
its tiles); every user value passes through :func:`~planner.maps.text.esc`.
"""

from __future__ import annotations

import datetime as dt

import folium
import pandas as pd
from folium.utilities import JsCode

from planner.maps.elements import asset_tags, render_page, uses_cluster
from planner.maps.layers import (
    OSM_ATTRIBUTION,
    base_map,
    customers_layer,
    day_route_layer,
    homes_layer,
    legend_layer,
    territory_layer,
)
from planner.maps.params import MapParams
from planner.maps.popups import nav_links, phone_link
from planner.maps.style import PAGE_CSS
from planner.maps.text import clock, day_label, duration, esc, km
from planner.maps.view import PlanView, rep_workload

FOOTER = f"<footer>Map data {OSM_ATTRIBUTION}. Leaflet (BSD-2-Clause). Made with planner.</footer>"


def _head(title: str, assets: str) -> str:
    return (
        f"<title>{esc(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
        f"{assets}\n<style>{PAGE_CSS}</style>"
    )


def _plan_name(view: PlanView, params: MapParams) -> str:
    meta = view.plan.meta if isinstance(view.plan.meta, dict) else {}
    name = meta.get("scenario") or meta.get("name") or ""
    if isinstance(name, dict):
        name = name.get("name", "")
    return f"{params.title}: {name}" if name else params.title


def overview_page(view: PlanView, params: MapParams, prefix: str = "_static/") -> str:
    """``index.html``: territories, customers by tier, homes, legend, layer per rep, rep table."""
    m = base_map(view, params, prefer_canvas=True)
    territory_layer(view, m, params)
    customers_layer(view, m, params)
    homes_layer(view, m, params)
    legend_layer(view, m, params)
    collapsed = "true" if len(view.reps) > 10 else "window.innerWidth < 760"
    folium.LayerControl(
        collapsed=JsCode(collapsed),  # type: ignore[arg-type]  # folium renders JsCode as is
        position="topright",
    ).add_to(m)
    title = _plan_name(view, params)
    work = rep_workload(view)
    kp = view.plan.kpis if isinstance(view.plan.kpis, dict) else {}
    days = sorted({d for ds in view.rep_days.values() for d in ds})
    n_active = sum(1 for c in view.customers.values() if c.get("active", True))
    n_cust = (
        f"{len(view.customers)} customers"
        if n_active == len(view.customers)
        else f"{n_active} active customers ({len(view.customers)} in all)"
    )
    facts = [f"{len(view.reps)} reps", n_cust, f"{len(view.plan.visits)} visits planned"]
    if days:
        facts.insert(0, f"{days[0].isoformat()} to {days[-1].isoformat()}")
    if "coverage_pct" in kp:
        facts.append(f"coverage {kp['coverage_pct']} %")
    if len(view.plan.unscheduled):
        facts.append(f"{len(view.plan.unscheduled)} unscheduled")
    rows = []
    for r in view.reps.values():
        w = work.get(r.rep_id, {})
        links = " ".join(
            f'<a href="{esc(r.slug)}/{d.isoformat()}.html">{esc(day_label(d))}</a>'
            for d in view.rep_days.get(r.rep_id, [])
        )
        rows.append(
            f'<tr data-rep-id="{esc(r.rep_id)}"><td><span class="swatch" '
            f'style="background:{r.color}"></span><a href="{esc(r.slug)}/index.html">'
            f'{esc(r.name)}</a></td><td class="n">{w.get("customers", 0)}</td>'
            f'<td class="n">{w.get("visits", 0)}</td><td class="n">{w.get("days", 0)}</td>'
            f'<td class="n wide">{w.get("travel_s", 0) / 3600:.1f}</td>'
            f'<td class="n wide">{w.get("dist_m", 0) / 1000:.0f}</td>'
            f'<td class="n">{w.get("unscheduled", 0)}</td></tr>'
            f'<tr class="days"><td colspan="7" class="daylinks">{links or "no days planned"}'
            "</td></tr>"
        )
    panel = (
        f'<aside id="panel" class="overview"><h1>{esc(title)}</h1>'
        f'<p class="meta">{esc(" · ".join(facts))}</p>'
        '<div class="table-wrap"><table class="list" id="reps"><thead><tr><th>Rep</th>'
        '<th class="n" title="Customers">Cust.</th><th class="n">Visits</th>'
        '<th class="n">Days</th><th class="n wide" title="Drive time, hours">Drive h</th>'
        '<th class="n wide" title="Distance driven">km</th>'
        '<th class="n" title="Visits that could not be planned">Unsch.</th>'
        "</tr></thead><tbody>"
        f"{''.join(rows)}</tbody></table></div>{FOOTER}</aside>"
    )
    assets = asset_tags(prefix, params.inline_assets, uses_cluster(m))
    return render_page(m, _head(title, assets), panel)


def rep_page(view: PlanView, rep_id: str, params: MapParams) -> str:
    """``<rep>/index.html``: the rep's days with totals, and the rep's unscheduled visits."""
    r = view.reps[rep_id]
    rows = []
    for d in view.rep_days.get(rep_id, []):
        rt = view.day_routes.get((rep_id, d), {})
        g = view.day_visits.get((rep_id, d))
        rows.append(
            f'<tr><td><a href="{d.isoformat()}.html">{esc(day_label(d))}</a></td>'
            f'<td class="n">{0 if g is None else len(g)}</td>'
            f'<td class="n">{esc(clock(rt.get("start_s")))}</td>'
            f'<td class="n">{esc(clock(rt.get("end_s")))}</td>'
            f'<td class="n">{esc(duration(rt.get("travel_s", 0)))}</td>'
            f'<td class="n">{esc(km(rt.get("dist_m", 0)))}</td></tr>'
        )
    uns = view.plan.unscheduled
    uns_rows = []
    if len(uns):
        for u in uns[uns["rep_id"].astype(str) == rep_id].to_dict("records"):
            due = u.get("due_date")
            uns_rows.append(
                f"<tr><td>{esc(u.get('customer_name'))}</td><td>{esc(u.get('tier'))}"
                f"</td><td>{esc(due.isoformat() if due else '')}</td>"
                f"<td>{esc(u.get('reason'))}</td></tr>"
            )
    uns_html = (
        (
            '<h2>Visits that could not be planned</h2><table class="list" id="unscheduled">'
            "<thead><tr><th>Customer</th><th>Tier</th><th>Due</th><th>Reason</th></tr>"
            f"</thead><tbody>{''.join(uns_rows)}</tbody></table>"
        )
        if uns_rows
        else ""
    )
    title = f"{r.name}: planned days"
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
        f'{_head(title, "")}</head><body class="no-map"><main id="panel">'
        f'<nav class="crumbs"><a href="../index.html">Overview</a></nav>'
        f'<h1>{esc(r.name)} <span class="meta">({esc(rep_id)})</span></h1>'
        '<table class="list" id="days"><thead><tr><th>Day</th><th class="n">Visits</th>'
        '<th class="n">Leave</th><th class="n">Back</th><th class="n">Drive</th>'
        f'<th class="n">Distance</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        f"{uns_html}{FOOTER}</main></body></html>\n"
    )


def _itinerary(view: PlanView, rep_id: str, day: dt.date) -> str:
    r = view.reps.get(rep_id)
    color = r.color if r else "#1f77b4"
    rt = view.day_routes.get((rep_id, day), {})
    g = view.day_visits.get((rep_id, day))
    visits = g or []
    brk = rt.get("break_start_s")
    brk_end = rt.get("break_end_s")
    has_break = brk is not None and not pd.isna(brk) and brk_end is not None
    items = [
        (
            f'<li class="event depart"><span class="num">&#8962;</span><span class="time">'
            f"{esc(clock(rt.get('start_s')))}</span> Leave the start point</li>"
        )
    ]
    for v in visits:
        if has_break and v["arrival_s"] >= brk:
            items.append(
                f'<li class="event break"><span class="num">&#9749;</span><span '
                f'class="time">{esc(clock(brk))}&#8211;{esc(clock(brk_end))}</span> '
                "Break</li>"
            )
            has_break = False
        c = view.customers.get(str(v["customer_id"]))
        seq = int(v["seq"])
        name = c.get("name") if c else v.get("customer_name")
        tier = str(v.get("tier") or "")
        tcol = view.tier_colors.get(tier, "#777777")
        wait = ""
        if v.get("start_s") is not None and v["start_s"] > v["arrival_s"] + 59:
            wait = f" (wait, start {esc(clock(v['start_s']))})"
        contact = phone_link(c.get("phone")) if c else ""
        links = nav_links(float(c["lat"]), float(c["lon"]), str(name)) if c else ""
        notes = esc(c.get("notes")) if c else ""
        items.append(
            f'<li class="stop" data-seq="{seq}" data-customer-id="{esc(v["customer_id"])}">'
            f'<span class="num" style="background:{color}">{seq}</span>'
            f'<div class="leg">{esc(duration(v.get("travel_s", 0)))} drive · '
            f"{esc(km(v.get('dist_m', 0)))}</div>"
            f'<div><span class="time">{esc(clock(v["arrival_s"]))}&#8211;'
            f"{esc(clock(v['departure_s']))}</span>{wait}</div>"
            f'<div><span class="stop-name">{esc(name)}</span><span class="tier" '
            f'style="background:{tcol}">{esc(tier)}</span></div>'
            + (f'<div class="addr">{esc(c.get("address"))}</div>' if c and c.get("address") else "")
            + f'<div class="contact">{" · ".join(x for x in (contact, links) if x)}'
            + (' · <a href="#" class="show-on-map">Show on map</a>' if c else "")
            + "</div>"
            + (f'<div class="notes">{notes}</div>' if notes else "")
            + "</li>"
        )
    if has_break:
        items.append(
            f'<li class="event break"><span class="num">&#9749;</span><span class="time">'
            f"{esc(clock(brk))}&#8211;{esc(clock(brk_end))}</span> Break</li>"
        )
    items.append(
        f'<li class="event return"><span class="num">&#8962;</span>'
        f'<span class="time">{esc(clock(rt.get("end_s")))}</span> Back at the start '
        "point</li>"
    )
    return f'<ol id="itinerary">{"".join(items)}</ol>'


def day_page(
    view: PlanView,
    rep_id: str,
    day: dt.date,
    params: MapParams,
    prev_day: dt.date | None = None,
    next_day: dt.date | None = None,
    prefix: str = "../_static/",
) -> str:
    """``<rep>/<date>.html``: the map of the day and the itinerary with the day's totals."""
    m = day_route_layer(view, rep_id, day, None, params)
    r = view.reps.get(rep_id)
    name = r.name if r else rep_id
    rt = view.day_routes.get((rep_id, day), {})
    g = view.day_visits.get((rep_id, day))
    n = 0 if g is None else len(g)
    travel_s = rt.get("travel_s", sum(v["travel_s"] for v in g or []))
    dist_m = rt.get("dist_m", sum(v["dist_m"] for v in g or []))
    totals = [
        ("Visits", str(n)),
        ("Drive", duration(travel_s)),
        ("Distance", km(dist_m)),
        ("Leave", clock(rt.get("start_s"))),
        ("Finish", clock(rt.get("end_s"))),
        ("On site", duration(rt.get("service_s", 0))),
    ]
    crumbs = ['<a href="../index.html">Overview</a>', f'<a href="index.html">{esc(name)}</a>']
    if prev_day:
        crumbs.append(
            f'<a href="{prev_day.isoformat()}.html" rel="prev">&#8249; '
            f"{esc(day_label(prev_day))}</a>"
        )
    if next_day:
        crumbs.append(
            f'<a href="{next_day.isoformat()}.html" rel="next">'
            f"{esc(day_label(next_day))} &#8250;</a>"
        )
    panel = (
        f'<aside id="panel"><nav class="crumbs">{" · ".join(crumbs)}</nav>'
        f"<h1>{esc(name)}<br>{esc(day_label(day))}</h1>"
        '<div class="totals" id="totals">'
        + "".join(
            f'<div data-total="{label.lower().replace(" ", "-")}"><b>{esc(value)}</b>'
            f"<span>{label}</span></div>"
            for label, value in totals
        )
        + f"</div>{_itinerary(view, rep_id, day)}{FOOTER}</aside>"
    )
    title = f"{name}, {day_label(day)}"
    return render_page(m, _head(title, asset_tags(prefix, params.inline_assets, False)), panel)
