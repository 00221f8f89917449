"""HTML snippets for tooltips, popups and the legend, built only from escaped values."""

from __future__ import annotations

import math

from planner.maps.text import clock, day_label, duration, esc, geo_uri, km, nav_url, tel_uri
from planner.maps.view import PlanView


def _rows(pairs: list[tuple[str, str]]) -> str:
    """Label/value rows; labels are ours, values already escaped HTML."""
    return "".join(
        f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in pairs if value != ""
    )


def nav_links(lat: float, lon: float, name: str) -> str:
    """Navigate (Google Maps) and ``geo:`` links for a phone."""
    return (
        f'<a class="nav" href="{esc(nav_url(lat, lon))}" target="_blank" '
        f'rel="noopener">Navigate</a> · <a class="geo" href="{esc(geo_uri(lat, lon, name))}">'
        "Open in maps app</a>"
    )


def phone_link(phone: object) -> str:
    text = "" if phone is None else str(phone).strip()
    if not text:
        return ""
    uri = tel_uri(text)
    return f'<a href="{esc(uri)}">{esc(text)}</a>' if uri else esc(text)


def territory_tooltip(view: PlanView, terr: dict, work: dict | None) -> str:
    """Workload of one territory: the territory file's figures and what the plan holds."""
    rep_id = str(terr.get("rep_id") or "")
    rep = view.reps.get(rep_id)
    pairs = [
        ("Territory", esc(terr.get("territory_id", ""))),
        ("Rep", esc(rep.name if rep else terr.get("rep_name", rep_id))),
    ]
    for key, label in (
        ("customers", "Customers"),
        ("visits", "Visits / 4 weeks"),
        ("workload_h", "Workload (h / 4 weeks)"),
        ("capacity_h", "Rep's time (h / 4 weeks)"),
        ("load_pct", "Load (% of the rep's time)"),
        ("deviation_pct", "From the rep's fair share (%)"),
        ("mean_home_travel_min", "Mean drive from home (min)"),
    ):
        v = terr.get(key)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        pairs.append(
            (
                label,
                esc(
                    f"{v:+.1f}"
                    if key == "deviation_pct"
                    else (f"{v:.1f}" if isinstance(v, float) else v)
                ),
            )
        )
    note = terr.get("contiguity_note")
    if isinstance(note, str) and note:
        label = (
            "In one piece" if terr.get("contiguous") in (True, "true", "True") else "Why in pieces"
        )
        pairs.append((label, esc(note)))
    if work:
        pairs += [
            ("Planned visits", esc(work["visits"])),
            ("Working days", esc(work["days"])),
            ("Drive time", esc(duration(work["travel_s"]))),
            ("Distance", esc(km(work["dist_m"]))),
            ("Unscheduled visits", esc(work["unscheduled"])),
        ]
    return f'<table class="tip">{_rows(pairs)}</table>'


CUSTOMER_LABELS = ["Id", "Tier", "Address", "Phone", "Planned visits", "Notes"]


def customer_fields(c: dict, planned: list) -> list[str]:
    """Escaped popup values of a customer, aligned with :data:`CUSTOMER_LABELS`."""
    dates = ", ".join(day_label(d) for d in planned[:6]) + (" …" if len(planned) > 6 else "")
    return [
        esc(c["customer_id"]),
        esc(c.get("tier")),
        esc(c.get("address")),
        phone_link(c.get("phone")),
        esc(f"{len(planned)}" + (f": {dates}" if planned else "")),
        esc(c.get("notes")),
    ]


def stop_popup(seq: int, visit: dict, c: dict | None) -> str:
    """Rep-day popup of a stop: name, address, phone, tier, arrival/departure, notes, links."""
    name = c.get("name") if c else visit.get("customer_name")
    arrive = clock(visit["arrival_s"])
    if visit.get("start_s") is not None and visit["start_s"] > visit["arrival_s"] + 59:
        arrive += f" (wait, start {clock(visit['start_s'])})"
    pairs = [
        ("Arrive", esc(arrive)),
        ("Leave", esc(clock(visit["departure_s"]))),
        ("Tier", esc(visit.get("tier"))),
        ("Address", esc(c.get("address")) if c else ""),
        ("Phone", phone_link(c.get("phone")) if c else ""),
        ("Notes", esc(c.get("notes")) if c else ""),
    ]
    links = nav_links(c["lat"], c["lon"], str(name)) if c else ""
    return (
        f'<div class="pop"><div class="pop-title">{int(seq)}. {esc(name)}</div>'
        f'<table>{_rows(pairs)}</table><div class="pop-links">{links}</div></div>'
    )


def legend_html(view: PlanView, reps: bool = True) -> str:
    """Tier colours, the home symbol and (optionally) rep colours."""
    parts = ['<div class="legend-title">Customers by tier</div>']
    parts += [
        f'<div><span class="dot" style="background:{col}"></span>Tier {esc(t)}</div>'
        for t, col in view.tier_colors.items()
    ]
    parts.append('<div><span class="home-sym">&#8962;</span>Rep home</div>')
    if reps and len(view.reps) <= 12:
        parts.append('<div class="legend-reps"><div class="legend-title">Territories</div>')
        parts += [
            f'<div><span class="swatch" style="background:{r.color}"></span>{esc(r.name)}</div>'
            for r in view.reps.values()
        ]
        parts.append("</div>")
    return "".join(parts)
