"""The rep's phone in real Chromium (headless, offline): the Chinese rep-day page with its
visit report form (fill, reload, export, read back in the visit-log format), the printed
daily report, a forwarded page without its assets, and the map fixes (touch targets,
dates, overlapping stops, legend on a phone, territory figures by tap, cluster colours,
dashed straight legs, the sizing table at 1366 px).

Screenshots go to tests/artifacts/ (docs/img/ holds the ones docs/maps.md shows).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil

import pandas as pd
import pytest
from browser import chromium, open_page
from test_maps_browser import rects

from planner.io.visit_log import VisitLogParams, read_visit_log
from planner.maps import MapParams, render_maps
from planner.maps.form import LOG_COLUMNS
from planner.maps.text import clock
from planner.maps.view import view_of
from planner.plan import Plan, read_plan_csv

PHONE = {"width": 390, "height": 844, "mobile": True}
DESK = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def read_log(path, day: dt.date) -> pd.DataFrame:
    """The exported CSV read with the weekly loop's visit-log reader (``planner actuals``),
    back in the file's text form, after a strict check of the format itself."""
    strict_log(path)
    log = read_visit_log(VisitLogParams(paths=(path,), as_of=day)).log
    out = pd.DataFrame(
        {
            "customer_id": log["customer_id"],
            "rep_id": log["rep_id"],
            "date": log["date"].map(lambda d: d.isoformat()),
            "status": log["status"],
            "start": log["start_s"].map(lambda s: "" if s is None or pd.isna(s) else clock(s)),
            "duration_min": log["duration_s"].map(
                lambda s: "" if s is None or pd.isna(s) else str(round(s / 60))
            ),
        }
    )
    for c in ("outcome", "person_met", "purpose", "notes"):
        out[c] = log[c].map(
            lambda x: "" if x is None or (isinstance(x, float) and pd.isna(x)) else x
        )
    return out


def strict_log(path) -> None:
    """The visit-log format, checked cell by cell (docs/data-contract.md, "Visit log")."""
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == LOG_COLUMNS
    for r in rows[1:]:
        rec = dict(zip(LOG_COLUMNS, r, strict=True))
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", rec["date"])
        dt.date.fromisoformat(rec["date"])
        assert rec["status"] in ("done", "missed", "cancelled")
        assert rec["start"] == "" or re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", rec["start"])
        assert rec["duration_min"] == "" or float(rec["duration_min"]) > 0
        assert rec["outcome"] in ("", "A", "B", "C", "D", "E")
        assert rec["customer_id"] and rec["rep_id"]


def zh_day(zh_plan) -> tuple[str, dt.date, object]:
    _, plan_dir = zh_plan
    v = read_plan_csv(plan_dir / "visits.csv")
    day = v.loc[v["customer_id"] == "SH02", "date"].iloc[0]  # the day of the 10:30 appointment
    return "R1", dt.date.fromisoformat(day), plan_dir / "maps" / "R1" / f"{day}.html"


def test_outcome_form_round_trip_on_a_chinese_phone(browser, zh_plan, tmp_path):
    _, plan_dir = zh_plan
    rep_id, day, path = zh_day(zh_plan)
    v = read_plan_csv(plan_dir / "visits.csv")
    stops = v[(v["rep_id"] == rep_id) & (v["date"] == day.isoformat())]
    first, second = stops["customer_id"].iloc[0], stops["customer_id"].iloc[1]
    visit = open_page(browser, path, **PHONE)
    try:
        page = visit.page
        assert visit.js_errors == [] and visit.dialogs == []
        # self-contained: nothing but the page itself (and offline tiles) was requested
        local = [u for u in visit.requests if u.startswith("file:")]
        assert local == [path.resolve().as_uri()]
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        assert "拜访报告" in page.locator("#itinerary").inner_text()
        assert page.locator("#itinerary .appt").first.inner_text() == "预约 10:30"
        nav = page.locator("#itinerary a.nav").first
        assert nav.get_attribute("href").startswith("https://uri.amap.com/navigation?to=121.")
        assert nav.bounding_box()["height"] >= 44  # a touch target
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # the straight legs of a haversine plan are dashed
        assert page.locator("path.leaflet-interactive[stroke-dasharray]").count() >= 1
        # fill two stops: done with outcome and a formula-like note, missed with a reason
        li = page.locator(f'#itinerary details.report[data-customer-id="{first}"]')
        li.locator("summary").click()
        li.locator('input[value="done"]').check()
        li.locator('[data-field="outcome"]').select_option("A")
        li.locator('[data-field="person_met"]').fill("刘芳")
        li.locator('[data-field="notes"]').fill("=订单+10箱, 下周补货")
        li.locator('[data-field="next"]').fill("2026-12-09T10:00")
        li2 = page.locator(f'#itinerary details.report[data-customer-id="{second}"]')
        li2.locator("summary").click()
        li2.locator('input[value="missed"]').check()
        li2.locator('[data-field="reason"]').fill("店铺关门")
        li2.locator('[data-field="duration_min"]').fill("")
        visit.screenshot("zh_day_form_390x844.png", full_page=True)
        # kept across a reload (and without any network)
        page.reload(wait_until="load")
        page.wait_for_function("window.plannerMaps && window.plannerMaps.ready === true")
        li = page.locator(f'#itinerary details.report[data-customer-id="{first}"]')
        assert li.locator('input[value="done"]').is_checked()
        assert li.locator('[data-field="outcome"]').input_value() == "A"
        assert li.locator('[data-field="person_met"]').input_value() == "刘芳"
        assert li.get_attribute("data-status") == "done"
        assert "已报告 2 / " in page.locator("#log-state").inner_text()
        with page.expect_download() as dl:
            page.locator("#export-log").click()
        saved = tmp_path / dl.value.suggested_filename
        dl.value.save_as(saved)
        assert saved.name == f"visit-log_R1_{day.isoformat()}.csv"
        assert visit.js_errors == []
    finally:
        visit.close()
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the scenario's csv_encoding: utf-8-sig
    assert b"'=" in raw  # the formula-like note is neutralised in the file
    log = read_log(saved, day).set_index("customer_id")
    assert sorted(log.index) == sorted([first, second])
    done, missed = log.loc[first], log.loc[second]
    planned = stops.set_index("customer_id").loc[first]
    assert (done["rep_id"], done["date"], done["status"]) == ("R1", day.isoformat(), "done")
    assert (done["start"], done["outcome"], done["person_met"]) == (planned["start"], "A", "刘芳")
    assert done["notes"] == "=订单+10箱, 下周补货; 下次预约: 2026-12-09 10:00"
    assert done["purpose"] == planned["purpose"]  # pre-filled with the planned purpose
    assert (missed["status"], missed["notes"], missed["duration_min"]) == (
        "missed",
        "原因: 店铺关门",
        "",
    )


def test_forwarded_page_without_assets_still_reads(browser, tiny_road_plan, tmp_path):
    """A linked-assets day page mailed on its own: the map says why it is grey, the
    itinerary and the form still work."""
    _, plan_dir = tiny_road_plan
    page_path = sorted((plan_dir / "maps" / "R1").glob("2026-*.html"))[0]
    alone = tmp_path / "forwarded.html"
    shutil.copy(page_path, alone)
    visit = open_page(browser, alone, wait_ready=False, **PHONE)
    try:
        page = visit.page
        assert any("L is not defined" in e for e in visit.js_errors)  # the old grey map
        assert "_static folder" in page.locator(".no-map").inner_text()
        page.locator("details.report summary").first.click()
        page.locator('details.report input[value="done"]').first.check()
        assert page.locator("details.report").first.get_attribute("data-status") == "done"
    finally:
        visit.close()


def test_rep_page_dates_and_cluster_colours(browser, tiny_road_plan, tmp_path):
    """Dates on the rep page never wrap inside on a phone; cluster bubbles have their
    rep's colour. (Pins, touch targets, the legend and territory taps are checked on
    every page test_maps_browser.py opens.)"""
    plan, plan_dir = tiny_road_plan
    view = view_of(plan)
    rep_page = plan_dir / "maps" / view.reps["R1"].slug / "index.html"
    visit = open_page(browser, rep_page, wait_ready=False, **PHONE)
    try:
        lines = visit.page.eval_on_selector_all(
            "#days .date", "els => els.map(e => e.getClientRects().length)"
        )
        heights = [r["h"] for r in rects(visit.page, "#days .date")]
        assert lines and set(lines) == {1} and max(heights) < 30
    finally:
        visit.close()
    out = tmp_path / "clustered"  # clusters forced with a low threshold
    render_maps(Plan.from_dir(plan_dir), out, MapParams(cluster_threshold=5, tiles=""))
    visit = open_page(browser, out / "index.html", **DESK)
    try:
        assert visit.js_errors == []
        colours = visit.page.eval_on_selector_all(
            ".rep-cluster div", "els => els.map(e => getComputedStyle(e).backgroundColor)"
        )
        rep_rgb = {
            "rgb({}, {}, {})".format(*(int(r.color[i : i + 2], 16) for i in (1, 3, 5)))
            for r in view.reps.values()
        }
        assert colours and set(colours) <= rep_rgb
    finally:
        visit.close()


def test_printed_daily_report_and_sizing_table(browser, zh_plan, tmp_path):
    _, plan_dir = zh_plan
    visit = open_page(browser, plan_dir / "daily-reports" / "R1.html", wait_ready=False, **DESK)
    try:
        page = visit.page
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
        assert page.locator("section.sheet").count() >= 1
        breaks = page.eval_on_selector_all(
            "section.sheet", "els => els.map(e => getComputedStyle(e).breakAfter)"
        )
        assert len(breaks) >= 2 and set(breaks[:-1]) <= {"page", "always"}
        assert "预约 10:30" in page.locator("section.sheet").all_inner_texts()[0] + "".join(
            page.locator("section.sheet").all_inner_texts()
        )
        visit.screenshot("zh_daily_report_print.png")
        pdf = page.pdf(format="A4", landscape=True, print_background=True)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages == page.locator("section.sheet").count()  # one rep-day per page
    finally:
        visit.close()
    from planner.report.sizing import SIZING_COLUMNS, sizing_html

    frame = pd.DataFrame(
        [{c: (k if c == "reps" else 123.45) for c in SIZING_COLUMNS} for k in (3, 4, 5)]
    )
    frame["removed_reps"] = "R3 R4"
    frame["added_reps"] = ""
    (tmp_path / "sizing.html").write_text(sizing_html(frame, "<svg></svg>", "Sizing", []), "utf-8")
    visit = open_page(browser, tmp_path / "sizing.html", wait_ready=False, **DESK)
    try:
        wraps = visit.page.eval_on_selector_all(
            ".wrap", "els => els.map(e => e.scrollWidth <= e.clientWidth)"
        )
        assert wraps and all(wraps)  # the sizing table is not clipped at 1366 px
    finally:
        visit.close()
