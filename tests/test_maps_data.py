"""A tiny hand-checkable plan for the map tests (Helsinki shops, 2 reps, 3 days), and
tests of the map pages' HTML without a browser.

The plan holds hostile user text on purpose: a customer named
``<img src=x onerror=alert(1)>``, notes with ``<script>``, a JavaScript template
``${...}`` and a backtick, notes with Jinja syntax ``{{ 6*7 }}``, a rep name with
markup and a rep id that is not a safe path.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import MultiPoint

from planner.hours import ALWAYS_OPEN
from planner.plan import Plan
from planner.units import haversine_scalar_m

XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_NOTES = "Ring twice <script>alert(2)</script> ${alert(3)} `x` \\u0041"
XSS_REP = "Juha <svg onload=alert(4)> {{ 6*7 }} Mäkinen"
JINJA_NOTES = "Back door {{ 6*7 }} {% if x %}"  # must print as is (never evaluated)
ODD_REP_ID = "R 2/Äö"
DAYS = [dt.date(2026, 12, 1), dt.date(2026, 12, 2), dt.date(2026, 12, 3)]

# customer_id, name, lat, lon, tier, address, phone, notes, rep
CUSTOMERS = [
    (
        "HEL01",
        "Spun Coffee & Goods",
        60.164202,
        24.939722,
        "C",
        "Uudenmaankatu 19-21",
        "+358 40 172 8510",
        "",
        "R1",
    ),
    ("HEL02", "M Room", 60.164693, 24.941011, "A", "Uudenmaankatu 13", "", JINJA_NOTES, "R1"),
    ("HEL03", "Tony's deli + Street Bar", 60.164867, 24.938100, "A", "Bulevardi 7", "", "", "R1"),
    (
        "HEL04",
        XSS_NAME,
        60.167500,
        24.943000,
        "B",
        "Yrjönkatu 1 <b>bold</b>",
        "09 123 456",
        XSS_NOTES,
        "R1",
    ),
    ("HEL05", "Cafe Regatta", 60.182900, 24.912000, "B", "Merikannontie 8", "", "", "R1"),
    (
        "HEL06",
        "Kiosk Helsinginkatu",
        60.181200,
        24.950200,
        "C",
        "Helsinginkatu 2",
        "",
        "",
        ODD_REP_ID,
    ),
    (
        "HEL07",
        "Kallio Books",
        60.184000,
        24.951000,
        "A",
        "Fleminginkatu 5",
        "+358 9 555 0101",
        "Order list ready Tuesdays",
        ODD_REP_ID,
    ),
    (
        "HEL08",
        "Hakaniemi Market Deli",
        60.179400,
        24.951800,
        "B",
        "Hämeentie 1",
        "",
        "",
        ODD_REP_ID,
    ),
    (
        "HEL09",
        "Sörnäinen Hardware",
        60.187300,
        24.960400,
        "C",
        "Sörnäisten rantatie 3",
        "",
        "",
        ODD_REP_ID,
    ),
    ("HEL10", "Vallila Bakery", 60.193000, 24.955000, "A", "Mäkelänkatu 20", "", "", ODD_REP_ID),
]
REPS = [("R1", "Aino Virtanen", 60.1780, 24.9385), (ODD_REP_ID, XSS_REP, 60.1660, 24.9510)]
# (rep, day index) -> customer ids in visiting order
DAY_STOPS = {
    ("R1", 0): ["HEL02", "HEL04", "HEL03"],
    ("R1", 1): ["HEL05", "HEL01"],
    ("R1", 2): ["HEL04", "HEL02"],
    (ODD_REP_ID, 0): ["HEL08", "HEL07", "HEL09", "HEL10"],
    (ODD_REP_ID, 2): ["HEL06", "HEL07"],
}
SPEED_MPS = 5.0
SERVICE_S = {"A": 45 * 60, "B": 30 * 60, "C": 20 * 60}


def tiny_plan() -> Plan:
    """Build the tiny plan: times from straight-line distance at 5 m/s, lunch on day 1."""
    cust = pd.DataFrame(
        {
            "customer_id": [c[0] for c in CUSTOMERS],
            "name": [c[1] for c in CUSTOMERS],
            "lat": [c[2] for c in CUSTOMERS],
            "lon": [c[3] for c in CUSTOMERS],
            "tier": [c[4] for c in CUSTOMERS],
            "address": [c[5] for c in CUSTOMERS],
            "phone": [c[6] for c in CUSTOMERS],
            "notes": [c[7] for c in CUSTOMERS],
            "service_s": [SERVICE_S[c[4]] for c in CUSTOMERS],
            "hours": [ALWAYS_OPEN] * len(CUSTOMERS),
            "last_visit": [None] * len(CUSTOMERS),
            "rep_id": [None] * len(CUSTOMERS),
            "territory_id": [None] * len(CUSTOMERS),
            "active": [True] * len(CUSTOMERS),
            "source_row": range(2, len(CUSTOMERS) + 2),
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": [r[0] for r in REPS],
            "name": [r[1] for r in REPS],
            "home_lat": [r[2] for r in REPS],
            "home_lon": [r[3] for r in REPS],
            "start_lat": [r[2] for r in REPS],
            "start_lon": [r[3] for r in REPS],
            "work_start_s": [8 * 3600] * 2,
            "work_end_s": [16 * 3600 + 1800] * 2,
            "working_days": [(0, 1, 2, 3, 4)] * 2,
            "max_visits_per_day": [0, 0],
            "unavailable": [(), ()],
            "source_row": [2, 3],
        }
    )
    pos = {c[0]: (c[2], c[3]) for c in CUSTOMERS}
    home = {r[0]: (r[2], r[3]) for r in REPS}
    tier = {c[0]: c[4] for c in CUSTOMERS}
    name = {c[0]: c[1] for c in CUSTOMERS}
    rep_of = {c[0]: c[8] for c in CUSTOMERS}
    terr_of = {"R1": "T-R1", ODD_REP_ID: "T-R2"}
    visits, routes, lines = [], [], {}
    for (rep, di), stops in DAY_STOPS.items():
        day = DAYS[di]
        t = 8 * 3600
        here = home[rep]
        path = [here]
        tot_travel = tot_dist = tot_service = 0
        brk = None
        for seq, cid in enumerate(stops, start=1):
            d = haversine_scalar_m(*here, *pos[cid]) * 1.3
            travel = round(d / SPEED_MPS)
            arrival = t + travel
            start = max(arrival, 9 * 3600) if seq == 1 and rep == "R1" else arrival
            if di == 0 and rep == ODD_REP_ID and seq == 3:  # lunch before the third stop
                brk = (arrival, arrival + 1800)
                arrival += 1800
                start = arrival
            dep = start + SERVICE_S[tier[cid]]
            visits.append(
                {
                    "rep_id": rep,
                    "territory_id": terr_of[rep],
                    "date": day,
                    "seq": seq,
                    "customer_id": cid,
                    "customer_name": name[cid],
                    "tier": tier[cid],
                    "arrival_s": arrival,
                    "start_s": start,
                    "departure_s": dep,
                    "travel_s": travel,
                    "dist_m": round(d),
                    "due_date": day,
                }
            )
            tot_travel += travel
            tot_dist += round(d)
            tot_service += dep - start
            t, here = dep, pos[cid]
            # a wiggly path stands in for a road-following line
            mid = ((path[-1][0] + here[0]) / 2 + 0.0008, (path[-1][1] + here[1]) / 2)
            path += [mid, here]
        d = haversine_scalar_m(*here, *home[rep]) * 1.3
        back = round(d / SPEED_MPS)
        routes.append(
            {
                "rep_id": rep,
                "territory_id": terr_of[rep],
                "date": day,
                "start_s": 8 * 3600,
                "end_s": t + back,
                "visits": len(stops),
                "travel_s": tot_travel + back,
                "service_s": tot_service,
                "wait_s": 0,
                "dist_m": tot_dist + round(d),
                "break_start_s": brk[0] if brk else None,
                "break_end_s": brk[1] if brk else None,
            }
        )
        if (rep, di) != ("R1", 1):  # one day without a path: the map draws straight lines
            lines[(rep, day)] = path + [home[rep]]
    terr_rows = []
    for rep, tid in terr_of.items():
        pts = [pos[c] for c in pos if rep_of[c] == rep] + [home[rep]]
        hull = MultiPoint([(lon, lat) for lat, lon in pts]).convex_hull.buffer(0.002)
        terr_rows.append(
            {
                "territory_id": tid,
                "rep_id": rep,
                "customers": len(pts) - 1,
                "workload_h": 12.5,
                "deviation_pct": 3.2 if rep == "R1" else -3.2,
                "geometry": hull,
            }
        )
    uns = pd.DataFrame(
        [
            {
                "customer_id": "HEL09",
                "customer_name": name["HEL09"],
                "tier": "C",
                "rep_id": ODD_REP_ID,
                "territory_id": "T-R2",
                "due_date": DAYS[1],
                "reason": "closed on every allowed day <maybe>",
            }
        ]
    )
    return Plan(
        visits=pd.DataFrame(visits),
        routes=pd.DataFrame(routes),
        unscheduled=uns,
        assignments=pd.DataFrame(
            {
                "customer_id": list(rep_of),
                "rep_id": list(rep_of.values()),
                "territory_id": [terr_of[r] for r in rep_of.values()],
            }
        ),
        customers=cust,
        reps=reps,
        territories=gpd.GeoDataFrame(terr_rows, geometry="geometry", crs=4326),
        route_lines=lines,
        kpis={"coverage_pct": 92.3},
        meta={"scenario": "tiny maps <test>", "travel_source": "road (hand-made test path)"},
    )


class ItineraryParser(HTMLParser):
    """Reads ``data-seq``/``data-customer-id`` of the itinerary items, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "li" and "data-seq" in a:
            self.items.append((int(a["data-seq"]), a["data-customer-id"]))


def itinerary_of(html: str) -> list[tuple[int, str]]:
    p = ItineraryParser()
    p.feed(html)
    return p.items


def visits_csv_order(plan_dir: Path, rep_id: str, day: dt.date) -> list[tuple[int, str]]:
    v = pd.read_csv(plan_dir / "visits.csv", dtype=str, keep_default_na=False)
    v = v[(v["rep_id"] == rep_id) & (v["date"] == day.isoformat())]
    return [(int(s), c) for s, c in zip(v["seq"], v["customer_id"], strict=True)]


# ---------------------------------------------------------------------- tests
@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from planner.maps import render_plan_dir

    plan_dir = tmp_path_factory.mktemp("tiny_maps")
    tiny_plan().to_dir(plan_dir)
    return plan_dir, render_plan_dir(plan_dir)


def test_pages_written_for_every_rep_and_day(rendered):
    plan_dir, res = rendered
    assert res.index_path == plan_dir / "maps" / "index.html"
    assert set(res.rep_pages) == {"R1", ODD_REP_ID}
    assert sorted(res.day_pages) == sorted((r, DAYS[i]) for r, i in DAY_STOPS)
    assert res.rep_dirs == {"R1": "R1", ODD_REP_ID: "R-2-Ao"}
    for path in [res.index_path, *res.rep_pages.values(), *res.day_pages.values()]:
        assert path.exists() and path.stat().st_size > 500
    assert res.day_pages[(ODD_REP_ID, DAYS[0])] == plan_dir / "maps" / "R-2-Ao" / "2026-12-01.html"


def test_itinerary_order_matches_visits_csv(rendered):
    plan_dir, res = rendered
    for (rep, day), path in res.day_pages.items():
        want = visits_csv_order(plan_dir, rep, day)
        assert want and itinerary_of(path.read_text(encoding="utf-8")) == want


def test_no_cdn_and_local_assets_exist(rendered):
    _, res = rendered
    for path in [res.index_path, *res.day_pages.values()]:
        html = path.read_text(encoding="utf-8")
        srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
        assert srcs and all(not s.startswith(("http:", "https:", "//")) for s in srcs), srcs
        for s in srcs:
            assert (path.parent / s).resolve().exists(), s
        assert "jquery" not in html.lower() and "bootstrap" not in html.lower()


def test_user_text_is_escaped_everywhere(rendered):
    _, res = rendered
    pages = [res.index_path, *res.rep_pages.values(), *res.day_pages.values()]
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    for raw in ("<img src=x", "<script>alert", "<svg onload", "${alert", "<b>bold", "<maybe>"):
        assert raw not in text, raw
    day = res.day_pages[("R1", DAYS[0])].read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in day  # shown as text in the itinerary
    assert "&#36;&#123;alert(3)&#125;" in day and "&#96;x&#96;" in day
    assert "Back door &#123;&#123; 6*7 &#125;&#125; &#123;% if x %&#125;" in day
    assert "Back door 42" not in text


def test_same_plan_same_bytes(tmp_path):
    from planner.maps import render_maps

    plan = tiny_plan()
    a = render_maps(plan, tmp_path / "a")
    b = render_maps(plan, tmp_path / "b")
    for pa in [a.index_path, *a.day_pages.values(), *a.rep_pages.values()]:
        pb = tmp_path / "b" / pa.relative_to(tmp_path / "a")
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    assert b.index_path.exists()


def test_rerender_removes_pages_of_days_gone(tmp_path):
    from planner.maps import render_maps

    plan = tiny_plan()
    first = render_maps(plan, tmp_path)
    gone = first.day_pages[("R1", DAYS[2])]
    plan.visits = plan.visits[~((plan.visits["rep_id"] == "R1") & (plan.visits["date"] == DAYS[2]))]
    plan.routes = plan.routes[~((plan.routes["rep_id"] == "R1") & (plan.routes["date"] == DAYS[2]))]
    (tmp_path / "notes.txt").write_text("mine")
    second = render_maps(plan, tmp_path)
    assert not gone.exists() and ("R1", DAYS[2]) not in second.day_pages
    assert (tmp_path / "notes.txt").exists()
    assert json.loads((tmp_path / "_maps.json").read_text())["pages"][0] == "R-2-Ao/2026-12-01.html"


def test_inline_assets_make_standalone_pages(tmp_path):
    from planner.maps import MapParams, render_maps

    res = render_maps(tiny_plan(), tmp_path, MapParams(inline_assets=True, tiles=""))
    html = res.day_pages[("R1", DAYS[0])].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html) and "<link" not in html
    assert "OpenStreetMap" in html  # attribution even without tiles
    assert not (tmp_path / "_static").exists()


def test_day_totals_and_fallback_line(rendered):
    plan_dir, res = rendered
    routes = pd.read_csv(plan_dir / "routes.csv", dtype=str)
    r = routes[(routes["rep_id"] == "R1") & (routes["date"] == "2026-12-02")].iloc[0]
    html = res.day_pages[("R1", DAYS[1])].read_text(encoding="utf-8")
    finish = re.search(r'data-total="finish"><b>([^<]+)</b>', html).group(1)
    assert finish == r["end"]
    visits = re.search(r'data-total="visits"><b>([^<]+)</b>', html).group(1)
    assert visits == r["visits"] == "2"
    assert "Straight lines between stops" in html  # no route line stored for this day
    assert "Straight lines" not in res.day_pages[("R1", DAYS[0])].read_text(encoding="utf-8")
