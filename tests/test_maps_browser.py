"""The map pages in Debian's headless Chromium, offline (file://, every http(s) aborted).

Checked: no JavaScript errors, the scripts ran (markers exist), stop markers = the
day's visits, itinerary order = visits.csv, hostile names stay inert text, the page
fits a 390 px phone, no asset is fetched from the internet. Screenshots (desktop
1366x768, phone 390x844) go to tests/artifacts/ for a person to look at. Also on every
page: numbered pins never overlap, buttons are at least 44 px tall, the legend is folded
on a phone (clear of the homes) and territory figures open by tap.
"""

from __future__ import annotations

import datetime as dt
import shutil
from urllib.parse import urlparse

import pandas as pd
import pytest
from browser import chromium, open_page
from conftest import TINY, plan_scenario
from test_maps_data import (
    DAY_STOPS,
    DAYS,
    JINJA_NOTES,
    ODD_REP_ID,
    XSS_NAME,
    XSS_NOTES,
    XSS_REP,
    tiny_plan,
)

from planner.maps.view import view_of
from planner.plan import Plan

TILE_HOSTS = {"tile.openstreetmap.org"}

OPEN_EVERY_POPUP_AND_TOOLTIP = """() => {
    // opens (and closes) every popup and tooltip; returns the text they showed
    const map = window.plannerMaps.map; const seen = []; const done = new Set();
    const visit = (layer) => {
        if (done.has(layer)) { return; }
        done.add(layer);
        if (layer.eachLayer) { layer.eachLayer(visit); }
        const at = layer.getLatLng ? layer.getLatLng() : map.getCenter();
        if (layer.getPopup && layer.getPopup()) {
            map.openPopup(layer.getPopup(), at);
            seen.push(layer.getPopup().getElement().innerText);
            map.closePopup();
        }
        if (layer.getTooltip && layer.getTooltip()) {
            const t = layer.getTooltip();
            map.openTooltip(t, at);
            seen.push(t.getElement().innerText);
            map.closeTooltip(t);
        }
    };
    map.eachLayer(visit);
    return seen;
}"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    from planner.maps import render_plan_dir

    plan_dir = tmp_path_factory.mktemp("tiny_browser")
    tiny_plan().to_dir(plan_dir)
    return plan_dir, render_plan_dir(plan_dir)


HOSTILE_ID = "HEL0021"  # an active tier-A customer of the tiny scenario (visited every week)


@pytest.fixture(scope="module")
def hostile_real_plan(tmp_path_factory):
    """The tiny scenario planned for real (pipeline, haversine travel) after giving one
    customer the XSS name and notes and rep R2 a hostile name."""
    work = tmp_path_factory.mktemp("hostile_real")
    shutil.copy(TINY / "haversine.yaml", work / "haversine.yaml")
    cust = pd.read_csv(TINY / "customers.csv", dtype=str, keep_default_na=False)
    row = cust["id"] == HOSTILE_ID
    assert row.sum() == 1 and cust.loc[row, "active"].item() == "true"
    cust.loc[row, "name"] = XSS_NAME
    cust.loc[row, "notes"] = XSS_NOTES
    cust.to_csv(work / "customers.csv", index=False)
    reps = pd.read_csv(TINY / "reps.csv", dtype=str, keep_default_na=False)
    reps.loc[reps["id"] == "R2", "name"] = XSS_REP
    reps.to_csv(work / "reps.csv", index=False)
    plan_scenario(work / "haversine.yaml", work / "plan")
    return work / "plan"


def assert_clean(visit) -> None:
    assert visit.js_errors == []
    assert visit.dialogs == []
    remote = {urlparse(u).hostname for u in visit.requests if u.startswith(("http:", "https:"))}
    assert remote <= TILE_HOSTS, remote  # only map tiles may come from the internet


def day_order_in_dom(page) -> list[tuple[int, str]]:
    return page.eval_on_selector_all(
        "#itinerary li[data-seq]",
        "els => els.map(e => [Number(e.dataset.seq), e.dataset.customerId])",
    )


def visits_csv(plan_dir) -> pd.DataFrame:
    return pd.read_csv(plan_dir / "visits.csv", dtype=str, keep_default_na=False)


def rects(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {x: r.x, y: r.y, w: r.width, h: r.height}; })",
    )


def overlap(a: dict, b: dict) -> float:
    w = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
    h = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
    return max(0.0, w) * max(0.0, h)


def centre_gap(a: dict, b: dict) -> float:
    """Distance between the centres of two boxes (round pins overlap when it is less than
    their diameter)."""
    dx = (a["x"] + a["w"] / 2) - (b["x"] + b["w"] / 2)
    dy = (a["y"] + a["h"] / 2) - (b["y"] + b["h"] / 2)
    return (dx * dx + dy * dy) ** 0.5


def check_pins_and_targets(page) -> None:
    """Numbered pins never pile up; every button a rep taps is at least 44 px tall."""
    pins = rects(page, ".stop-marker")
    closest = min((centre_gap(a, b) for i, a in enumerate(pins) for b in pins[i + 1 :]), default=99)
    assert closest >= pins[0]["w"] - 1, closest
    for box in rects(page, "#itinerary a.btn, #itinerary summary, #export-log"):
        assert box["h"] >= 44, box


def check_legend_and_territories(page, phone: bool) -> None:
    """The legend is folded on a phone, clear of the homes; territory figures open by tap."""
    assert page.evaluate("document.querySelector('details.legend').open") == (not phone)
    if phone:
        legend = rects(page, ".map-legend")[0]
        assert all(overlap(legend, home) == 0 for home in rects(page, ".home-marker"))
    text = page.evaluate(
        """() => { let t = null; window.plannerMaps.map.eachLayer(l => {
            if (!t && l.feature && l.getBounds) {
                l.fire('click', {latlng: l.getBounds().getCenter()}, true);
                const p = document.querySelector('.leaflet-popup-content');
                t = p ? p.innerText : null; } });
            window.plannerMaps.map.closePopup(); return t; }"""
    )
    assert text and "Workload" in text


def check_day_page(browser, path, plan_dir, rep_id: str, day: dt.date, shot: str) -> None:
    v = visits_csv(plan_dir)
    v = v[(v["rep_id"] == rep_id) & (v["date"] == day.isoformat())]
    want = [[int(s), c] for s, c in zip(v["seq"], v["customer_id"], strict=True)]
    assert want
    for width, height, mobile in ((1366, 768, False), (390, 844, True)):
        visit = open_page(browser, path, width, height, mobile=mobile)
        try:
            assert_clean(visit)
            page = visit.page
            assert page.locator(".stop-marker").count() == len(want)
            assert page.evaluate("window.plannerMaps.stopMarkers") == len(want)
            assert day_order_in_dom(page) == want
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            total = page.locator('[data-total="visits"] b').inner_text()
            assert int(total) == len(want)
            check_pins_and_targets(page)
            visit.screenshot(f"{shot}_{width}x{height}.png", full_page=mobile)
        finally:
            visit.close()


def test_tiny_day_page_with_hostile_text(browser, tiny_dir):
    plan_dir, res = tiny_dir
    rep, day = "R1", DAYS[0]
    path = res.day_pages[(rep, day)]
    check_day_page(browser, path, plan_dir, rep, day, "tiny_day")
    visit = open_page(browser, path)
    try:
        page = visit.page
        names = page.locator("#itinerary .stop-name").all_inner_texts()
        assert XSS_NAME in names  # shown as text ...
        assert page.locator("#itinerary img, #panel script").count() == 0  # ... not as markup
        seen = page.evaluate(OPEN_EVERY_POPUP_AND_TOOLTIP)
        assert len(seen) >= 2 * len(DAY_STOPS[(rep, 0)])
        assert sum(XSS_NAME in t for t in seen) == 2  # its popup and its tooltip, as text
        page.wait_for_timeout(300)  # an injected <img onerror> would fire by now
        # clicking a marker opens its popup with the stop's details and navigation link
        page.locator(".stop-marker").nth(1).click()
        popup = page.locator(".leaflet-popup-content")
        assert XSS_NAME in popup.inner_text()
        assert (
            popup.locator("a.nav")
            .get_attribute("href")
            .startswith("https://www.google.com/maps/dir/?api=1&destination=60.1675")
        )
        # "Show on map" in the itinerary opens the first stop's popup
        page.locator("#itinerary li[data-seq='1'] .show-on-map").click()
        popup = page.locator(".leaflet-popup-content", has_text="1. M Room")
        popup.wait_for(state="visible")
        assert JINJA_NOTES in popup.inner_text()  # template syntax in data stays text
        assert_clean(visit)
    finally:
        visit.close()


def test_tiny_overview_layers_and_hostile_text(browser, tiny_dir):
    _, res = tiny_dir
    for width, height, mobile in ((1366, 768, False), (390, 844, True)):
        visit = open_page(browser, res.index_path, width, height, mobile=mobile)
        try:
            page = visit.page
            assert_clean(visit)
            check_legend_and_territories(page, mobile)
            assert page.evaluate("window.plannerMaps.customerMarkers") == 10
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            visit.screenshot(f"tiny_overview_{width}x{height}.png", full_page=mobile)
        finally:
            visit.close()
    visit = open_page(browser, res.index_path)
    try:
        page = visit.page
        labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        assert len(labels) == 2 and any(XSS_REP in t for t in labels)
        assert XSS_REP in page.locator("#reps").inner_text()
        assert page.locator("#reps a").first.get_attribute("href") == "R1/index.html"
        count = "() => { let n = 0; window.plannerMaps.map.eachLayer(() => n++); return n; }"
        before = page.evaluate(count)
        page.locator(".leaflet-control-layers-overlays input").nth(1).uncheck()
        assert page.evaluate(count) < before  # the second rep's layer is hidden
        page.locator(".leaflet-control-layers-overlays input").nth(1).check()
        assert page.evaluate(count) == before
        seen = page.evaluate(OPEN_EVERY_POPUP_AND_TOOLTIP)
        assert len(seen) >= 2 * 10  # customers' popups and tooltips, territories' tooltips
        assert sum(XSS_NAME in t for t in seen) == 2
        assert any(XSS_NOTES.split(" <")[0] in t and "<script>alert(2)</script>" in t for t in seen)
        assert sum(XSS_REP in t for t in seen) >= 1  # territory tooltip names the rep
        page.wait_for_timeout(300)
        assert_clean(visit)
        # the rep's page lists its days with links to existing pages
        rep_page = res.rep_pages[ODD_REP_ID]
        rp = open_page(browser, rep_page, wait_ready=False)
        hrefs = rp.page.eval_on_selector_all(
            "#days a", "els => els.map(e => e.getAttribute('href'))"
        )
        assert hrefs == ["2026-12-01.html", "2026-12-03.html"]
        assert all((rep_page.parent / h).exists() for h in hrefs)
        assert "closed on every allowed day <maybe>" in rp.page.locator("#unscheduled").inner_text()
        assert rp.js_errors == [] and rp.dialogs == []
        rp.close()
    finally:
        visit.close()


def test_real_plan_maps(browser, demo_plan_dir):
    """The lead's real plan (pipeline on OSM streets): overview and its busiest day."""
    maps = demo_plan_dir / "maps"
    active = pd.read_csv(demo_plan_dir / "customers.csv", dtype=str)
    n_active = int((active["active"] == "true").sum())
    n_reps = len(pd.read_csv(demo_plan_dir / "reps.csv", dtype=str))
    for width, height, mobile in ((1366, 768, False), (390, 844, True)):
        visit = open_page(browser, maps / "index.html", width, height, mobile=mobile)
        try:
            assert_clean(visit)
            page = visit.page
            check_legend_and_territories(page, mobile)
            assert page.evaluate("window.plannerMaps.customerMarkers") == n_active
            meta = page.locator("#panel .meta").first.inner_text()
            assert f"{n_active} active customers ({len(active)} in all)" in meta
            assert page.locator(".leaflet-control-layers-overlays label").count() == n_reps
            assert page.locator("#reps a").count() >= n_reps
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            wrap = page.locator(".table-wrap")  # the rep table fits its panel, no scrolling
            assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth"), width
            visit.screenshot(f"demo_overview_{width}x{height}.png", full_page=mobile)
        finally:
            visit.close()
    v = visits_csv(demo_plan_dir)
    rep_id, day = v.groupby(["rep_id", "date"]).size().sort_values(ascending=False).index[0]
    slug = view_of(Plan.from_dir(demo_plan_dir)).reps[rep_id].slug
    check_day_page(
        browser,
        maps / slug / f"{day}.html",
        demo_plan_dir,
        rep_id,
        dt.date.fromisoformat(day),
        "demo_day",
    )


def test_real_plan_hostile_text_inert(browser, hostile_real_plan):
    """A real plan whose customer and rep names are markup: shown as text, nothing runs."""
    plan_dir = hostile_real_plan
    maps = plan_dir / "maps"
    v = visits_csv(plan_dir)
    days = v[v["customer_id"] == HOSTILE_ID]
    assert len(days) >= 1, "the hostile customer must be visited for this test to mean anything"
    rep_id, day = days.iloc[0]["rep_id"], days.iloc[0]["date"]
    slug = view_of(Plan.from_dir(plan_dir)).reps[rep_id].slug
    path = maps / slug / f"{day}.html"
    check_day_page(browser, path, plan_dir, rep_id, dt.date.fromisoformat(day), "hostile_day")
    visit = open_page(browser, path)
    try:
        page = visit.page
        assert XSS_NAME in page.locator("#itinerary .stop-name").all_inner_texts()
        assert page.locator("#itinerary img, #panel script, #panel svg").count() == 0
        seen = page.evaluate(OPEN_EVERY_POPUP_AND_TOOLTIP)
        assert sum(XSS_NAME in t for t in seen) == 2  # its popup and its tooltip, as text
        assert any("<script>alert(2)</script>" in t for t in seen)
        page.wait_for_timeout(300)  # an injected <img onerror> would fire by now
        assert_clean(visit)
    finally:
        visit.close()
    visit = open_page(browser, maps / "index.html")
    try:
        page = visit.page
        assert XSS_REP in page.locator("#reps").inner_text()
        labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        assert any(XSS_REP in t for t in labels)
        seen = page.evaluate(OPEN_EVERY_POPUP_AND_TOOLTIP)
        assert sum(XSS_NAME in t for t in seen) == 2
        assert page.locator("svg[onload], img[src='x']").count() == 0
        page.wait_for_timeout(300)
        assert_clean(visit)
        visit.screenshot("hostile_overview_1280x800.png")
    finally:
        visit.close()
