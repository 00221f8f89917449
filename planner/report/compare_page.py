"""``comparison.html``: the side-by-side table and a map of what moves, in one file.

The page is self-contained: Leaflet is inlined (from :mod:`planner.maps`, no CDN), the
data travels as one JSON block, and only the background tiles come from the network
(without them the territories and customers still draw). The map has one layer per
scenario with its territories and rep homes (the base drawn dashed, unfilled) and, per
what-if, the customers whose rep changed, ringed in black and filled with their new
rep's colour. Every piece of user text is escaped with :func:`planner.maps.text.esc`.
"""

from __future__ import annotations

import json
import math

import pandas as pd
from shapely.geometry import mapping

from planner.i18n import Translator, translator
from planner.maps.elements import asset_tags
from planner.maps.layers import OSM_ATTRIBUTION
from planner.maps.text import esc
from planner.maps.view import rep_color, territory_shapes
from planner.plan import Plan

MAX_LISTED = 300

PAGE_CSS = """
body { margin: 0; color: #1d2329; background: #fff;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 12px 16px 32px; }
h1 { font-size: 1.35rem; margin: 0.3rem 0; } h2 { font-size: 1.1rem; margin: 1.4rem 0 0.4rem; }
.meta { color: #55616b; font-size: 0.9rem; margin: 0 0 0.6rem; }
.table-wrap { overflow-x: auto; }
table.cmp, table.list { border-collapse: collapse; font-size: 0.9rem; }
table.cmp th, table.cmp td, table.list th, table.list td { padding: 4px 8px;
  border-bottom: 1px solid #e3e8eb; text-align: left; vertical-align: top; }
table.cmp thead th { background: #f1f4f6; position: sticky; top: 0; }
table.cmp td.n, table.cmp th.n { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
table.cmp tbody th { font-weight: 500; }
.delta { font-size: 0.8rem; color: #55616b; } .delta.better { color: #1e7b34; }
.delta.worse { color: #b0281a; }
#map { height: 620px; border: 1px solid #c9d1d6; border-radius: 4px; background: #dfe6ea; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px;
  margin-right: 5px; vertical-align: -1px; }
.home-pin { width: 16px; height: 16px; border-radius: 3px; border: 3px solid; background: #fff;
  color: #222; font: 700 13px/16px system-ui, sans-serif; text-align: center; }
footer { color: #6b7780; font-size: 0.8rem; margin-top: 1.5rem; }
@media (max-width: 760px) { #map { height: 60vh; } main { padding: 8px; } }
"""

SCRIPT = """
(function () {
  var D = JSON.parse(document.getElementById("comparison-data").textContent);
  var map = L.map("map", {preferCanvas: true});
  L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
              {maxZoom: 19, attribution: D.attribution}).addTo(map);
  var overlays = {};
  var changedMarkers = 0;
  var all = L.featureGroup();
  D.customers.forEach(function (c) {
    L.circleMarker([c[0], c[1]], {radius: 3, stroke: false, fillColor: "#56626b",
      fillOpacity: 0.55}).bindTooltip(c[2]).addTo(all);
  });
  all.addTo(map);
  overlays[D.text.all.replace("%N%", D.customers.length)] = all;
  D.scenarios.forEach(function (s, i) {
    var g = L.featureGroup();
    L.geoJSON(s.territories, {
      style: function (f) {
        return {color: f.properties.color, weight: i === 0 ? 3 : 2,
                dashArray: i === 0 ? "7 5" : null, fillColor: f.properties.color,
                fillOpacity: i === 0 ? 0 : 0.16};
      },
      onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.tip, {sticky: true}); }
    }).addTo(g);
    s.homes.forEach(function (h) {
      L.marker([h[0], h[1]], {icon: L.divIcon({className: "",
        html: '<div class="home-pin" style="border-color:' + h[3] + '">&#8962;</div>',
        iconSize: [22, 22], iconAnchor: [11, 11]})}).bindTooltip(h[2]).addTo(g);
    });
    overlays[D.text.territories.replace("%S%", s.label)] = g;
    if (i <= 1) { g.addTo(map); }
    if (i > 0) {
      var ch = L.featureGroup();
      s.changed.forEach(function (c) {
        L.circleMarker([c[0], c[1]], {radius: 7, color: "#000", weight: 2.5,
          fillColor: c[3], fillOpacity: 1}).bindTooltip(c[2]).addTo(ch);
        changedMarkers += 1;
      });
      overlays[D.text.changed.replace("%S%", s.label)
               .replace("%N%", s.changed.length)] = ch;
      if (i === 1) { ch.addTo(map); }
    }
  });
  L.control.layers(null, overlays, {collapsed: window.innerWidth < 760}).addTo(map);
  if (D.bounds) { map.fitBounds(D.bounds, {padding: [20, 20], animate: false}); }
  else { map.setView([0, 0], 2); }
  window.plannerMaps = {map: map, changedMarkers: changedMarkers, ready: true};
})();
"""


def rep_colors(plans: list[Plan]) -> dict[str, str]:
    """One colour per rep id across all plans: the base's reps first (as in its own maps)."""
    colors: dict[str, str] = {}
    for p in plans:
        for rid in p.reps["rep_id"].astype(str):
            if rid not in colors:
                colors[rid] = rep_color(len(colors))
    return colors


def _finite(*xs: object) -> bool:
    try:
        return all(math.isfinite(float(x)) for x in xs)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _rep_label(plan: Plan) -> dict[str, str]:
    return {
        str(r): f"{esc(n)} ({esc(r)})"
        for r, n in zip(plan.reps["rep_id"], plan.reps["name"], strict=True)
    }


def _territories(plan: Plan, label: str, colors: dict[str, str], tr: Translator) -> dict:
    feats: list[dict] = []
    names = _rep_label(plan)
    for row, geom in territory_shapes(plan.territories):
        rid = str(row.get("rep_id") or "")
        work = row.get("workload_h")
        tip = (
            f"<b>{esc(label)}</b><br>{names.get(rid, esc(rid) or esc(tr('no rep')))}<br>"
            + esc(tr("{n} customers", n=row.get("customers", "")))
            + (
                esc(tr(", {hours} h of work per cycle", hours=f"{float(work or 0):.1f}"))
                if _finite(work)
                else ""
            )
        )
        feats.append(
            {
                "type": "Feature",
                "geometry": mapping(geom),
                "properties": {"color": colors.get(rid, "#555555"), "tip": tip},
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def map_data(
    plans: list[Plan],
    labels: list[str],
    changed: list[pd.DataFrame],
    tr: Translator | None = None,
) -> dict:
    """The JSON the page's script draws: customers, and per scenario territories, homes and
    changed customers (``[lat, lon, tooltip_html, colour]``; all text escaped), and the
    layer names in ``tr``'s language (default English) with ``%S%`` (scenario) and
    ``%N%`` (count) for the script to fill."""
    tr = tr or translator()
    colors = rep_colors(plans)
    cust: dict[str, dict] = {}
    for p in plans:
        for c in p.customers.to_dict("records"):
            if c.get("active", True) and _finite(c["lat"], c["lon"]):
                cust.setdefault(str(c["customer_id"]), c)
    customers = [
        [round(float(c["lat"]), 6), round(float(c["lon"]), 6), f"{esc(c.get('name'))} ({esc(cid)})"]
        for cid, c in sorted(cust.items())
    ]
    base_names = _rep_label(plans[0])
    scenarios = []
    pts: list[tuple[float, float]] = [(c[0], c[1]) for c in customers]  # type: ignore[misc]
    for i, (p, label) in enumerate(zip(plans, labels, strict=True)):
        names = {**base_names, **_rep_label(p)}
        homes = []
        for r in p.reps.to_dict("records"):
            if _finite(r["home_lat"], r["home_lon"]):
                rid = str(r["rep_id"])
                homes.append(
                    [
                        round(float(r["home_lat"]), 6),
                        round(float(r["home_lon"]), 6),
                        esc(label)
                        + ": "
                        + esc(tr("home of {rep}", rep="%R%")).replace(
                            "%R%", names.get(rid, esc(rid))
                        ),
                        colors.get(rid, "#555555"),
                    ]
                )
                pts.append((float(r["home_lat"]), float(r["home_lon"])))
        moved = []
        if i > 0:
            for row in changed[i].to_dict("records"):
                c = cust.get(str(row["customer_id"]))
                if c is None:
                    continue
                tip = (
                    f"{esc(c.get('name'))} ({esc(row['customer_id'])})<br>"
                    f"{names.get(row['base_rep_id'], esc(row['base_rep_id']))} &rarr; "
                    f"{names.get(row['rep_id'], esc(row['rep_id']))}"
                )
                moved.append(
                    [
                        round(float(c["lat"]), 6),
                        round(float(c["lon"]), 6),
                        tip,
                        colors.get(str(row["rep_id"]), "#555555"),
                    ]
                )
        scenarios.append(
            {
                "label": esc(label),
                "territories": _territories(p, label, colors, tr),
                "homes": homes,
                "changed": moved,
            }
        )
    bounds = None
    if pts:
        lats, lons = [q[0] for q in pts], [q[1] for q in pts]
        bounds = [[min(lats), min(lons)], [max(lats), max(lons)]]
    return {
        "attribution": OSM_ATTRIBUTION,
        "customers": customers,
        "scenarios": scenarios,
        "bounds": bounds,
        "text": {
            "all": esc(tr("all customers ({n})", n="%N%")),
            "territories": esc(tr("{scenario}: territories and homes", scenario="%S%")),
            "changed": esc(
                tr(
                    "{scenario}: customers whose rep changed ({n})",
                    scenario="%S%",
                    n="%N%",
                )
            ),
        },
    }


def script_json(data: dict) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>``, no ``<!--``)."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def changed_list_html(
    labels: list[str],
    changed: list[pd.DataFrame],
    plans: list[Plan],
    tr: Translator | None = None,
) -> str:
    """Per what-if, the customers whose rep changed (first :data:`MAX_LISTED`)."""
    tr = tr or translator()
    parts = []
    names = {
        str(c): n
        for p in plans
        for c, n in zip(p.customers["customer_id"], p.customers["name"], strict=True)
    }
    for label, ch, p in zip(labels[1:], changed[1:], plans[1:], strict=True):
        reps = {**_rep_label(plans[0]), **_rep_label(p)}
        rows = "".join(
            f"<tr><td>{esc(r['customer_id'])}</td><td>{esc(names.get(r['customer_id'], ''))}"
            f"</td><td>{reps.get(r['base_rep_id'], esc(r['base_rep_id']))}</td>"
            f"<td>{reps.get(r['rep_id'], esc(r['rep_id']))}</td></tr>"
            for r in ch.head(MAX_LISTED).to_dict("records")
        )
        more = (
            '<p class="meta">'
            + esc(tr("... and {n} more in changed_customers.csv", n=len(ch) - MAX_LISTED))
            + "</p>"
            if len(ch) > MAX_LISTED
            else ""
        )
        head = "".join(
            f"<th>{esc(h)}</th>" for h in (tr("customer"), tr("name"), tr("base rep"), tr("rep"))
        )
        body = (
            f'<div class="table-wrap"><table class="list"><thead><tr>{head}'
            f"</tr></thead><tbody>{rows}</tbody></table></div>{more}"
            if len(ch)
            else f'<p class="meta">{esc(tr("no customer changed rep"))}</p>'
        )
        parts.append(
            f"<details><summary>{esc(label)}: {esc(tr('{n} customers', n=len(ch)))}</summary>"
            f"{body}</details>"
        )
    return "".join(parts)


def _map_note(tr: Translator) -> str:
    return tr(
        "Toggle scenarios in the layer control. Customers whose rep changed are ringed in "
        "black and filled with their new rep's colour."
    )


def comparison_page(
    title: str,
    facts: list[str],
    table_html: str,
    plans: list[Plan],
    labels: list[str],
    changed: list[pd.DataFrame],
    language: str | None = None,
) -> str:
    """The whole ``comparison.html``.

    Parameters
    ----------
    title : str
        Page heading (escaped here).
    facts : list of str
        Short lines under the heading (escaped here).
    table_html : str
        Trusted table HTML (:func:`planner.report.compare.comparison_table_html`).
    plans : list of Plan
        The plans, base first.
    labels : list of str
        Their unique names.
    changed : list of pandas.DataFrame
        Per plan, :func:`planner.report.compare.changed_customers` versus the base
        (the base's own entry is ignored).
    language : str, optional
        ``en`` (default) or ``zh``: the page's labels.
    """
    tr = translator(language)
    data = map_data(plans, labels, changed, tr)
    meta = "".join(f'<p class="meta">{esc(f)}</p>' for f in facts)
    return (
        f'<!DOCTYPE html>\n<html lang="{tr.html_lang}"><head><meta charset="utf-8"/>\n'
        f"<title>{esc(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
        f"{asset_tags('', inline=True, cluster=False)}\n<style>{PAGE_CSS}</style></head>\n"
        f"<body><main><h1>{esc(title)}</h1>{meta}"
        f'<div class="table-wrap">{table_html}</div>'
        f"<h2>{esc(tr('Territories: base (dashed) and what-ifs'))}</h2>"
        f'<p class="meta">{esc(_map_note(tr))}</p>'
        '<div id="map"></div>'
        f"<h2>{esc(tr('Customers whose rep changed'))}</h2>"
        f"{changed_list_html(labels, changed, plans, tr)}"
        f"<footer>{esc(tr('Map data'))} {OSM_ATTRIBUTION}. Leaflet (BSD-2-Clause). "
        f"{esc(tr('Made with planner.'))}</footer></main>\n"
        f'<script type="application/json" id="comparison-data">{script_json(data)}</script>\n'
        f"<script>{SCRIPT}</script>\n</body></html>\n"
    )
