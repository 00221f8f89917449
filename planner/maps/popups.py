"""HTML snippets for tooltips, popups and the legend, built only from escaped values.

Labels come from the view's translator (``view.tr``), values pass through
:func:`~planner.maps.text.esc`.
"""

from __future__ import annotations

import math

from planner.i18n import Translator
from planner.maps.navigation import nav_url
from planner.maps.text import clock, duration, esc, geo_uri, km, tel_uri
from planner.maps.view import PlanView, is_light


def _rows(pairs: list[tuple[str, str]]) -> str:
    """Label/value rows; labels are ours (escaped here), values already escaped HTML."""
    return "".join(
        f"<tr><th>{esc(label)}</th><td>{value}</td></tr>" for label, value in pairs if value != ""
    )


def nav_links(view: PlanView, lat: float, lon: float, name: str) -> str:
    """Navigate (the team's maps app, ``view.navigation``) and ``geo:`` links, as
    buttons big enough to tap (44 px)."""
    tr = view.tr
    return (
        f'<a class="nav btn" href="{esc(nav_url(view.navigation, lat, lon, name))}" '
        f'target="_blank" rel="noopener">{esc(tr("Navigate"))}</a> '
        f'<a class="geo btn" href="{esc(geo_uri(lat, lon, name))}">'
        f"{esc(tr('Open in maps app'))}</a>"
    )


def phone_link(phone: object) -> str:
    text = "" if phone is None else str(phone).strip()
    if not text:
        return ""
    uri = tel_uri(text)
    return f'<a class="tel" href="{esc(uri)}">{esc(text)}</a>' if uri else esc(text)


def territory_tooltip(view: PlanView, terr: dict, work: dict | None) -> str:
    """Workload of one territory: the territory file's figures and what the plan holds."""
    tr = view.tr
    rep_id = str(terr.get("rep_id") or "")
    rep = view.reps.get(rep_id)
    pairs = [
        (tr("Territory"), esc(terr.get("territory_id", ""))),
        (tr("Rep"), esc(rep.name if rep else terr.get("rep_name", rep_id))),
    ]
    for key, label in (
        ("customers", tr("Customers")),
        ("visits", tr("Visits / 4 weeks")),
        ("workload_h", tr("Workload (h / 4 weeks)")),
        ("capacity_h", tr("Rep's time (h / 4 weeks)")),
        ("load_pct", tr("Load (share of the rep's time, %)")),
        ("deviation_pct", tr("From the rep's fair share (%)")),
        ("mean_home_travel_min", tr("Mean drive from home (min)")),
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
    pairs += _contiguity(tr, terr)
    if work:
        pairs += [
            (tr("Planned visits"), esc(work["visits"])),
            (tr("Working days"), esc(work["days"])),
            (tr("Drive time"), esc(duration(work["travel_s"], tr))),
            (tr("Distance"), esc(km(work["dist_m"]))),
            (tr("Unscheduled visits"), esc(work["unscheduled"])),
        ]
    return f'<table class="tip">{_rows(pairs)}</table>'


def _contiguity(tr: Translator, terr: dict) -> list[tuple[str, str]]:
    """Whether the territory is in one piece, and exactly why not (the territory stage's
    ``contiguity_note``); nothing for a territory file without the figure."""
    if "contiguous" not in terr:
        return []
    note = terr.get("contiguity_note")
    note = note if isinstance(note, str) else ""
    if terr.get("contiguous") in (True, "true", "True", 1):
        return [(tr("In one piece"), esc(note or tr("yes")))]
    return [(tr("Why in pieces"), esc(note or tr("not stated")))]


def customer_labels(tr: Translator) -> list[str]:
    """Row labels of a customer's popup (escaped), aligned with :func:`customer_fields`."""
    return [
        esc(x)
        for x in (
            tr("Id"),
            tr("Tier"),
            tr("Address"),
            tr("Phone"),
            tr("Contact"),
            tr("Purpose"),
            tr("Planned visits"),
            tr("Notes"),
        )
    ]


def contact_text(c: dict) -> str:
    """``Name (title)`` of a customer's contact person, escaped; ``""`` when none."""
    name, title = str(c.get("contact") or ""), str(c.get("contact_title") or "")
    if not name:
        return esc(title)
    return esc(name) + (f" ({esc(title)})" if title else "")


def customer_fields(c: dict, planned: list, tr: Translator) -> list[str]:
    """Escaped popup values of a customer, aligned with :func:`customer_labels`."""
    dates = ", ".join(tr.day_label(d) for d in planned[:6]) + (" …" if len(planned) > 6 else "")
    return [
        esc(c["customer_id"]),
        esc(c.get("tier")),
        esc(c.get("address")),
        phone_link(c.get("phone")),
        contact_text(c),
        esc(c.get("purpose")),
        esc(f"{len(planned)}" + (f": {dates}" if planned else "")),
        esc(c.get("notes")),
    ]


def appointment_text(visit: dict, tr: Translator) -> str:
    """``Appointment 10:30`` for a visit that keeps an appointment, else ``""``."""
    appt = visit.get("appointment_s")
    if appt is None or (isinstance(appt, float) and math.isnan(appt)):
        return ""
    return tr("Appointment {time}", time=clock(appt))


def stop_popup(view: PlanView, seq: int, visit: dict, c: dict | None) -> str:
    """Rep-day popup of a stop: name, appointment, arrival/departure, tier, purpose,
    contact, address, phone, notes, navigation links."""
    tr = view.tr
    name = c.get("name") if c else visit.get("customer_name")
    arrive = clock(visit["arrival_s"])
    if visit.get("start_s") is not None and visit["start_s"] > visit["arrival_s"] + 59:
        arrive += " " + tr("(wait, start {time})", time=clock(visit["start_s"]))
    appt = appointment_text(visit, tr)
    notes = " · ".join(
        x for x in (visit.get("appointment_notes"), c.get("notes") if c else "") if x
    )
    pairs = [
        (tr("Arrive"), esc(arrive)),
        (tr("Leave"), esc(clock(visit["departure_s"]))),
        (tr("Tier"), esc(visit.get("tier"))),
        (tr("Purpose"), esc(visit.get("purpose"))),
        (tr("Contact"), contact_text(visit)),
        (tr("Address"), esc(c.get("address")) if c else ""),
        (tr("Phone"), phone_link(c.get("phone")) if c else ""),
        (tr("Notes"), esc(notes)),
    ]
    links = nav_links(view, c["lat"], c["lon"], str(name)) if c else ""
    badge = f'<div class="appt">{esc(appt)}</div>' if appt else ""
    return (
        f'<div class="pop"><div class="pop-title">{int(seq)}. {esc(name)}</div>{badge}'
        f'<table>{_rows(pairs)}</table><div class="pop-links">{links}</div></div>'
    )


def tier_badge(view: PlanView, tier: str) -> str:
    """A tier label in the tier's colour (dark text on light shades)."""
    col = view.tier_colors.get(tier, "#777777")
    ink = "#1d2329" if is_light(col) else "#ffffff"
    return f'<span class="tier" style="background:{col};color:{ink}">{esc(tier)}</span>'


def legend_html(view: PlanView, reps: bool = True) -> str:
    """Tier colours, the home symbol and (optionally) rep colours, in a ``<details>``
    that the page closes on a phone (it would cover the map)."""
    tr = view.tr
    parts = [f'<details class="legend" open><summary>{esc(tr("Legend"))}</summary>']
    parts.append(f'<div class="legend-title">{esc(tr("Customers by tier"))}</div>')
    for i, (t, col) in enumerate(view.tier_colors.items()):
        edge = "#333" if is_light(col) else "#fff"
        size = tier_radius(i) * 2
        parts.append(
            f'<div><span class="dot" style="background:{col};border-color:{edge};'
            f'width:{size}px;height:{size}px"></span>{esc(tr("Tier {tier}", tier=t))}</div>'
        )
    parts.append(f'<div><span class="home-sym">&#8962;</span>{esc(tr("Rep home"))}</div>')
    if reps and len(view.reps) <= 12:
        parts.append(
            f'<div class="legend-reps"><div class="legend-title">{esc(tr("Territories"))}</div>'
        )
        parts += [
            f'<div><span class="swatch" style="background:{r.color}"></span>{esc(r.name)}</div>'
            for r in view.reps.values()
        ]
        parts.append("</div>")
    parts.append("</details>")
    return "".join(parts)


def tier_radius(index: int) -> int:
    """Dot radius of the ``index``-th tier: 7 px for the first, one less per tier, min 4."""
    return max(4, 7 - index)
