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
from planner.maps.form import form_panel, stop_form
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
from planner.maps.popups import appointment_text, contact_text, nav_links, phone_link, tier_badge
from planner.maps.style import PAGE_CSS
from planner.maps.text import clock, duration, esc, km
from planner.maps.view import PlanView, rep_workload


def _footer(view: PlanView) -> str:
    tr = view.tr
    return (
        f"<footer>{esc(tr('Map data'))} {OSM_ATTRIBUTION}. Leaflet (BSD-2-Clause). "
        f"{esc(tr('Made with planner.'))}</footer>"
    )


def _day(view: PlanView, day: dt.date) -> str:
    """A day label that never wraps inside the date."""
    return f'<span class="date">{esc(view.tr.day_label(day))}</span>'


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
    title = params.title or view.tr("Visit plan")
    return f"{title}: {name}" if name else title


def plan_key(view: PlanView) -> str:
    """Scenario name and horizon start: tells plans apart in the browser's storage."""
    meta = view.plan.meta if isinstance(view.plan.meta, dict) else {}
    start = (meta.get("horizon") or {}).get("start", "") if isinstance(meta, dict) else ""
    return f"{meta.get('scenario', '')}@{start}"


def overview_page(view: PlanView, params: MapParams, prefix: str = "_static/") -> str:
    """``index.html``: territories, customers by tier, homes, legend, layer per rep, rep table."""
    tr = view.tr
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
        tr("{n} customers", n=len(view.customers))
        if n_active == len(view.customers)
        else tr("{n} active customers ({all} in all)", n=n_active, all=len(view.customers))
    )
    facts = [
        tr("{n} reps", n=len(view.reps)),
        n_cust,
        tr("{n} visits planned", n=len(view.plan.visits)),
    ]
    if days:
        facts.insert(
            0, tr("{first} to {last}", first=days[0].isoformat(), last=days[-1].isoformat())
        )
    if "coverage_pct" in kp:
        facts.append(tr("coverage {pct} %", pct=kp["coverage_pct"]))
    if len(view.plan.unscheduled):
        facts.append(tr("{n} unscheduled", n=len(view.plan.unscheduled)))
    rows = []
    for r in view.reps.values():
        w = work.get(r.rep_id, {})
        links = " ".join(
            f'<a href="{esc(r.slug)}/{d.isoformat()}.html">{esc(tr.day_label(d))}</a>'
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
            f'<tr class="days"><td colspan="7" class="daylinks">'
            f"{links or esc(tr('no days planned'))}</td></tr>"
        )
    head = "".join(
        f'<th class="{cls}" title="{esc(hint)}">{esc(label)}</th>'
        for label, hint, cls in (
            (tr("Rep"), tr("Rep"), ""),
            (tr("Cust."), tr("Customers"), "n"),
            (tr("Visits"), tr("Visits"), "n"),
            (tr("Days"), tr("Days"), "n"),
            (tr("Drive h"), tr("Drive time, hours"), "n wide"),
            (tr("km"), tr("Distance driven"), "n wide"),
            (tr("Unsch."), tr("Visits that could not be planned"), "n"),
        )
    )
    panel = (
        f'<aside id="panel" class="overview"><h1>{esc(title)}</h1>'
        f'<p class="meta">{esc(" · ".join(facts))}</p>'
        f'<p class="hint">{esc(tr("Tap a territory for its workload."))}</p>'
        f'<div class="table-wrap"><table class="list" id="reps"><thead><tr>{head}'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{_footer(view)}</aside>"
    )
    assets = asset_tags(prefix, params.inline_assets, uses_cluster(m))
    return render_page(m, _head(title, assets), panel, tr.html_lang)


def rep_page(view: PlanView, rep_id: str, params: MapParams) -> str:
    """``<rep>/index.html``: the rep's days with totals, and the rep's unscheduled visits."""
    tr = view.tr
    r = view.reps[rep_id]
    rows = []
    for d in view.rep_days.get(rep_id, []):
        rt = view.day_routes.get((rep_id, d), {})
        g = view.day_visits.get((rep_id, d))
        rows.append(
            f'<tr><td><a href="{d.isoformat()}.html">{_day(view, d)}</a></td>'
            f'<td class="n">{0 if g is None else len(g)}</td>'
            f'<td class="n">{esc(clock(rt.get("start_s")))}</td>'
            f'<td class="n">{esc(clock(rt.get("end_s")))}</td>'
            f'<td class="n">{esc(duration(rt.get("travel_s", 0), tr))}</td>'
            f'<td class="n">{esc(km(rt.get("dist_m", 0), tr))}</td></tr>'
        )
    uns = view.plan.unscheduled
    uns_rows = []
    if len(uns):
        for u in uns[uns["rep_id"].astype(str) == rep_id].to_dict("records"):
            due = u.get("due_date")
            uns_rows.append(
                f"<tr><td>{esc(u.get('customer_name'))}</td><td>{esc(u.get('tier'))}"
                f'</td><td class="date">{esc(due.isoformat() if due else "")}</td>'
                f"<td>{esc(u.get('reason'))}</td></tr>"
            )
    uns_html = (
        (
            f"<h2>{esc(tr('Visits that could not be planned'))}</h2>"
            '<table class="list" id="unscheduled"><thead><tr>'
            f"<th>{esc(tr('Customer'))}</th><th>{esc(tr('Tier'))}</th>"
            f"<th>{esc(tr('Due'))}</th><th>{esc(tr('Reason'))}</th></tr>"
            f"</thead><tbody>{''.join(uns_rows)}</tbody></table>"
        )
        if uns_rows
        else ""
    )
    title = tr("{name}: planned days", name=r.name)
    heads = "".join(
        f'<th class="{"n" if i else ""}">{esc(x)}</th>'
        for i, x in enumerate(
            (tr("Day"), tr("Visits"), tr("Leave"), tr("Back"), tr("Drive"), tr("Distance"))
        )
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{tr.html_lang}"><head><meta charset="utf-8"/>'
        f'{_head(title, "")}</head><body class="no-map"><main id="panel">'
        f'<nav class="crumbs"><a href="../index.html">{esc(tr("Overview"))}</a></nav>'
        f'<h1>{esc(r.name)} <span class="meta">({esc(rep_id)})</span></h1>'
        f'<table class="list" id="days"><thead><tr>{heads}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"{uns_html}{_footer(view)}</main></body></html>\n"
    )


def _event(num: str, time_html: str, text: str, cls: str) -> str:
    return (
        f'<li class="event {cls}"><span class="num">{num}</span><span class="time">'
        f"{time_html}</span> {text}</li>"
    )


def _stop_item(view: PlanView, v: dict, color: str) -> str:
    tr = view.tr
    c = view.customers.get(str(v["customer_id"]))
    seq = int(v["seq"])
    name = c.get("name") if c else v.get("customer_name")
    tier = str(v.get("tier") or "")
    wait = ""
    if v.get("start_s") is not None and v["start_s"] > v["arrival_s"] + 59:
        wait = " " + esc(tr("(wait, start {time})", time=clock(v["start_s"])))
    appt = appointment_text(v, tr)
    contact = phone_link(c.get("phone")) if c else ""
    links = nav_links(view, float(c["lat"]), float(c["lon"]), str(name)) if c else ""
    show = f'<a href="#" class="show-on-map btn">{esc(tr("Show on map"))}</a>' if c else ""
    notes = " · ".join(x for x in (v.get("appointment_notes"), c.get("notes") if c else "") if x)
    who = contact_text(v)
    return (
        f'<li class="stop" data-seq="{seq}" data-customer-id="{esc(v["customer_id"])}">'
        f'<span class="num" style="background:{color}">{seq}</span>'
        f'<div class="leg">{esc(tr("{drive} drive", drive=duration(v.get("travel_s", 0), tr)))}'
        f" · {esc(km(v.get('dist_m', 0), tr))}</div>"
        f'<div><span class="time">{esc(clock(v["arrival_s"]))}&#8211;'
        f"{esc(clock(v['departure_s']))}</span>{wait}</div>"
        + (f'<div class="appt">{esc(appt)}</div>' if appt else "")
        + f'<div><span class="stop-name">{esc(name)}</span>{tier_badge(view, tier)}</div>'
        + (
            f'<div class="purpose">{esc(tr("Purpose"))}: {esc(v.get("purpose"))}</div>'
            if v.get("purpose")
            else ""
        )
        + (f'<div class="who">{esc(tr("Contact"))}: {who}</div>' if who else "")
        + (f'<div class="addr">{esc(c.get("address"))}</div>' if c and c.get("address") else "")
        + (f'<div class="contact">{contact}</div>' if contact else "")
        + f'<div class="links">{links} {show}</div>'
        + (f'<div class="notes">{esc(notes)}</div>' if notes else "")
        + stop_form(v, tr)
        + "</li>"
    )


def _itinerary(view: PlanView, rep_id: str, day: dt.date) -> str:
    tr = view.tr
    r = view.reps.get(rep_id)
    color = r.color if r else "#1f77b4"
    rt = view.day_routes.get((rep_id, day), {})
    visits = view.day_visits.get((rep_id, day)) or []
    brk = rt.get("break_start_s")
    brk_end = rt.get("break_end_s")
    has_break = brk is not None and not pd.isna(brk) and brk_end is not None
    break_item = _event(
        "&#9749;",
        f"{esc(clock(brk))}&#8211;{esc(clock(brk_end))}" if has_break else "",
        esc(tr("Break")),
        "break",
    )
    items = [
        _event("&#8962;", esc(clock(rt.get("start_s"))), esc(tr("Leave the start point")), "depart")
    ]
    for v in visits:
        if has_break and v["arrival_s"] >= brk:
            items.append(break_item)
            has_break = False
        items.append(_stop_item(view, v, color))
    if has_break:
        items.append(break_item)
    items.append(
        _event("&#8962;", esc(clock(rt.get("end_s"))), esc(tr("Back at the start point")), "return")
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
    """``<rep>/<date>.html``: the map of the day, the itinerary with the day's totals and
    the visit report form (:mod:`planner.maps.form`)."""
    tr = view.tr
    m = day_route_layer(view, rep_id, day, None, params)
    r = view.reps.get(rep_id)
    name = r.name if r else rep_id
    rt = view.day_routes.get((rep_id, day), {})
    g = view.day_visits.get((rep_id, day))
    n = 0 if g is None else len(g)
    travel_s = rt.get("travel_s", sum(v["travel_s"] for v in g or []))
    dist_m = rt.get("dist_m", sum(v["dist_m"] for v in g or []))
    totals = [
        ("visits", tr("Visits"), str(n)),
        ("drive", tr("Drive"), duration(travel_s, tr)),
        ("distance", tr("Distance"), km(dist_m, tr)),
        ("leave", tr("Leave"), clock(rt.get("start_s"))),
        ("finish", tr("Finish"), clock(rt.get("end_s"))),
        ("on-site", tr("On site"), duration(rt.get("service_s", 0), tr)),
    ]
    crumbs = [
        f'<a href="../index.html">{esc(tr("Overview"))}</a>',
        f'<a href="index.html">{esc(name)}</a>',
    ]
    if prev_day:
        crumbs.append(
            f'<a href="{prev_day.isoformat()}.html" rel="prev">&#8249; {_day(view, prev_day)}</a>'
        )
    if next_day:
        crumbs.append(
            f'<a href="{next_day.isoformat()}.html" rel="next">{_day(view, next_day)} &#8250;</a>'
        )
    slug = r.slug if r else rep_id
    bom = params.csv_encoding == "utf-8-sig"
    bar, script = form_panel(tr, plan_key(view), rep_id, slug, day.isoformat(), bom)
    panel = (
        f'<aside id="panel"><nav class="crumbs">{" · ".join(crumbs)}</nav>'
        f"<h1>{esc(name)}<br>{_day(view, day)}</h1>"
        '<div class="totals" id="totals">'
        + "".join(
            f'<div data-total="{key}"><b>{esc(value)}</b><span>{esc(label)}</span></div>'
            for key, label, value in totals
        )
        + f"</div>{_itinerary(view, rep_id, day)}{bar}{_footer(view)}</aside>{script}"
    )
    title = f"{name}, {tr.day_label(day)}"
    head = _head(title, asset_tags(prefix, params.inline_assets, False))
    return render_page(m, head, panel, tr.html_lang)
