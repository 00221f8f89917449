"""What teams hold in their hands: visit_plan.xlsx, calendars, daily report forms, visits.csv
pass-through fields, CSV encodings and formula neutralisation, languages, navigation links.

One real plan of a Chinese team (``zh_plan``, tests/data/zh) is read back in every way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil

import openpyxl
import pandas as pd  # noqa: F401
import pytest
from conftest import ZH, plan_scenario
from icalendar import Calendar
from typer.testing import CliRunner

from planner.cells import neutralise, restore
from planner.cli import app
from planner.export import ExportParams, export_plan
from planner.export.workbook import plan_columns
from planner.i18n import translator
from planner.i18n.catalogue import missing_translations
from planner.maps.navigation import gcj02_to_bd09, nav_url, wgs84_to_gcj02
from planner.plan import Plan, read_plan_csv

FORMULA_NAME = '=HYPERLINK("http://x.example","点我")'


def visits(plan_dir) -> pd.DataFrame:
    """visits.csv as text, the formula neutralisation undone (as Plan.from_dir does)."""
    return read_plan_csv(plan_dir / "visits.csv")


# ------------------------------------------------------------------ visits.csv, CSV files
def test_pass_through_fields_and_appointments_reach_visits_csv(zh_plan):
    _, plan_dir = zh_plan
    v = visits(plan_dir).set_index("customer_id")
    for col in ("appointment", "contact", "contact_title", "purpose", "appointment_notes"):
        assert col in v.columns
    # Chinese headers 联系人 / 职务 / 拜访目的 are the contact, title and purpose columns
    assert (v.loc["SH01", "contact"], v.loc["SH01", "contact_title"]) == ("张伟", "店长")
    assert v.loc["SH01", "purpose"] == "新品陈列检查"
    assert v.loc["SH01", "appointment"] == ""
    # the appointments file's 拜访目的 / 备注: the appointment's purpose wins over the customer's
    sh02 = v.loc["SH02"]
    assert (sh02["date"], sh02["start"], sh02["appointment"]) == ("2026-12-02", "10:30", "10:30")
    assert (sh02["purpose"], sh02["appointment_notes"]) == ("年度合同续签", "带上新价格表")
    sh11 = v.loc["SH11"]
    assert (sh11["appointment"], sh11["purpose"]) == ("14:00", "季度订货")  # no appt purpose
    assert sh11["appointment_notes"] == "店长只在下午"
    assert (v["appointment"] != "").sum() == 2


def test_csv_files_have_a_bom_and_no_live_formula(zh_plan, tiny_road_plan):
    _, plan_dir = zh_plan
    files = sorted(plan_dir.glob("*.csv"))
    assert len(files) >= 7
    for path in files:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path.name  # csv_encoding: utf-8-sig
        for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"))):
            for cell in row:
                assert not re.match(r"[=+\-@\t\r]", cell) or re.fullmatch(
                    r"[+-]?\d+([.,]\d+)?", cell
                ), (path.name, cell)
    text = (plan_dir / "visits.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(" in text and ",'-周杰,'+经理,'=1+2," in text
    # the default encoding has no BOM
    assert not (tiny_road_plan[1] / "visits.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    # reading the plan back undoes the neutralisation exactly
    back = Plan.from_dir(plan_dir)
    row = back.customers.set_index("customer_id").loc["SH07"]
    assert (row["name"], row["contact"], row["contact_title"], row["purpose"]) == (
        FORMULA_NAME,
        "-周杰",
        "+经理",
        "=1+2",
    )
    assert row["phone"] == "@evil"


@pytest.mark.parametrize(
    "text", ["=1+2", "+x", "-x", "@x", "\t=x", "'=x", "''+x", "plain", "-3", "+358401728510", ""]
)
def test_neutralise_round_trips(text):
    safe = neutralise(text)
    assert restore(safe) == text
    assert not re.match(r"[=+\-@\t\r]", safe) or re.fullmatch(r"[+-]?\d+([.,]\d+)?", safe)


# ------------------------------------------------------------------ workbook
@pytest.fixture(scope="module")
def workbook(zh_plan):
    _, plan_dir = zh_plan
    return openpyxl.load_workbook(plan_dir / "visit_plan.xlsx")


def test_workbook_sheets_rows_and_appointments(zh_plan, workbook):
    _, plan_dir = zh_plan
    tr = translator("zh")
    assert workbook.sheetnames == ["汇总", "李娜", "王强", "拜访日报"]
    v = visits(plan_dir)
    want_header = [label for label, _ in plan_columns(tr)]
    assert "预约" in want_header and "联系人" in want_header and "拜访目的" in want_header
    for rep_id, sheet in (("R1", "李娜"), ("R2", "王强")):
        ws = workbook[sheet]
        rows = list(ws.iter_rows(values_only=True))
        assert list(rows[0]) == want_header
        mine = v[v["rep_id"] == rep_id]
        assert len(rows) - 1 == len(mine) > 0  # one row per visit
        col = {h: i for i, h in enumerate(want_header)}
        assert [r[col["客户编号"]] for r in rows[1:]] == list(mine["customer_id"])
        assert [r[col["日期"]].date().isoformat() for r in rows[1:]] == list(mine["date"])
        assert [r[col["开始"]].strftime("%H:%M") for r in rows[1:]] == list(mine["start"])
        assert {r[col["星期"]] for r in rows[1:]} <= {"周一", "周二", "周三", "周四", "周五"}
        for r, (_, m) in zip(rows[1:], mine.iterrows(), strict=True):
            want = f"预约 {m['appointment']}" if m["appointment"] else None
            assert r[col["预约"]] == want
        assert ws.freeze_panes == "A2"
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"
        assert ws.column_dimensions["F"].width >= 20  # customer names are readable
    appt = [r for r in workbook["李娜"].iter_rows(values_only=True) if r[6] == "SH02"]
    assert (
        appt[0][8] == "预约 10:30"
        and appt[0][9] == "年度合同续签"
        and appt[0][10] == "刘芳 (采购经理)"
    )
    summary = list(workbook["汇总"].iter_rows(values_only=True))
    assert summary[0][:3] == ("业务员", "业务员编号", "周")
    assert sum(r[5] for r in summary[1:]) == len(v)  # visits per rep and week add up
    assert sum(r[6] for r in summary[1:]) == 2  # the two appointments


def test_workbook_daily_report_form(zh_plan, workbook):
    _, plan_dir = zh_plan
    v = visits(plan_dir)
    ws = workbook["拜访日报"]
    titles = [
        c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("每日拜访报告")
    ]
    assert len(titles) == v.groupby(["rep_id", "date"]).ngroups
    assert len(ws.row_breaks.brk) == len(titles)  # one printed page per rep-day
    header_rows = [c.row for c in ws["A"] if c.value == "序号"]
    assert len(header_rows) == len(titles)
    header = [c.value for c in ws[header_rows[0]]]
    for label in ("拜访对象", "结果（A-E）", "已解决问题", "待解决问题", "下次预约"):
        assert label in header
    outcome_lists = [d for d in ws.data_validations.dataValidation if "A,B,C,D,E" in d.formula1]
    assert outcome_lists and len(outcome_lists[0].sqref.ranges) >= 1
    # the outcome (G) and purpose (F) lists cover exactly the visit rows of every block
    visit_rows = {c.row for c in ws["A"] if isinstance(c.value, int) and c.row > header_rows[0]}
    assert len(visit_rows) == len(v)
    validations = ws.data_validations.dataValidation
    assert len(validations) == 2
    for dv in validations:
        col = 7 if dv is outcome_lists[0] else 6
        assert {row for rng in dv.sqref.ranges for (row, _) in rng.cells} == visit_rows
        assert all(rng.min_col == rng.max_col == col for rng in dv.sqref.ranges)


def test_workbook_text_is_never_a_formula(workbook):
    seen = 0
    for ws in workbook:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and re.match(r"[=+\-@]", cell.value):
                    assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
                    seen += 1
    assert seen >= 4  # the name, contact, title and purpose of SH07 at least


def test_workbook_in_english_and_deterministic(zh_plan, tmp_path):
    plan, _ = zh_plan
    a = export_plan(plan, tmp_path / "a", ExportParams(language="en", calendars=False))
    b = export_plan(plan, tmp_path / "b", ExportParams(language="en", calendars=False))
    assert a.workbook.read_bytes() == b.workbook.read_bytes()
    wb = openpyxl.load_workbook(a.workbook)
    assert wb.sheetnames == ["Summary", "李娜", "王强", "Daily report"]
    assert [c.value for c in wb["李娜"][1]][:9] == [
        "Date",
        "Weekday",
        "Start",
        "End",
        "No.",
        "Customer",
        "Customer ID",
        "Tier",
        "Appointment",
    ]
    page = a.daily_reports["R1"].read_text(encoding="utf-8")
    assert "Daily visit report" in page and "Appointment 10:30" in page


# ------------------------------------------------------------------ calendars
def events(path) -> list:
    cal = Calendar.from_ical(path.read_bytes())
    return list(cal.walk("VEVENT"))


def test_calendars_one_event_per_visit_stable_uids(zh_plan, tmp_path):
    _, plan_dir = zh_plan
    v = visits(plan_dir)
    first: dict[tuple, str] = {}
    for rep_id in ("R1", "R2"):
        evs = events(plan_dir / "calendar" / f"{rep_id}.ics")
        mine = v[v["rep_id"] == rep_id]
        assert len(evs) == len(mine)  # one event per visit
        assert len({str(e["UID"]) for e in evs}) == len(evs)
        for e, (_, m) in zip(evs, mine.iterrows(), strict=True):
            assert e.decoded("DTSTART").strftime("%Y-%m-%d %H:%M") == f"{m['date']} {m['start']}"
            assert e.decoded("DTSTART").tzinfo is None  # floating local time
            assert m["customer_name"] in str(e["SUMMARY"])
            lat, lon = e["GEO"].latitude, e["GEO"].longitude
            assert abs(lat - 31.23) < 0.05 and abs(lon - 121.47) < 0.05
            first[(m["customer_id"], m["due_date"])] = str(e["UID"])
    sh02 = next(
        e for e in events(plan_dir / "calendar" / "R1.ics") if "新世界城" in str(e["SUMMARY"])
    )
    assert "预约 10:30" in str(sh02["DESCRIPTION"]) and str(sh02["LOCATION"]).startswith("上海市")
    # a re-plan of the same scenario with slower travel: times move, UIDs stay
    again = tmp_path / "slower.yaml"
    again.write_text(
        f"extends: {ZH / 'scenario.yaml'}\nname: 上海 测试\ntravel: {{speed_kmh: 8}}\n",
        encoding="utf-8",
    )
    plan_scenario(again, tmp_path / "plan2", maps=False)
    v2 = visits(tmp_path / "plan2")
    both = moved = 0
    for rep_id in ("R1", "R2"):
        evs = events(tmp_path / "plan2" / "calendar" / f"{rep_id}.ics")
        mine = v2[v2["rep_id"] == rep_id]
        assert len(evs) == len(mine)
        for e, (_, m) in zip(evs, mine.iterrows(), strict=True):
            key = (m["customer_id"], m["due_date"])
            if key not in first:
                continue
            both += 1
            assert first[key] == str(e["UID"])
            old = v[(v["customer_id"] == key[0]) & (v["due_date"] == key[1])].iloc[0]
            moved += (old["date"], old["start"]) != (m["date"], m["start"])
    assert both >= len(first) - 2 and moved >= 1  # moved visits keep their UIDs
    # the same plan exported again gives the same calendars, byte for byte
    again_params = ExportParams(language="zh", workbook=False, daily_reports=False)
    res = export_plan(Plan.from_dir(plan_dir), tmp_path / "again", again_params)
    for rep_id, path in res.calendars.items():
        assert path.read_bytes() == (plan_dir / "calendar" / f"{rep_id}.ics").read_bytes()


# ------------------------------------------------------------------ daily report page
def test_daily_report_page(zh_plan):
    _, plan_dir = zh_plan
    v = visits(plan_dir)
    page = (plan_dir / "daily-reports" / "R1.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "@page { size: A4 landscape" in page
    days = sorted(set(v.loc[v["rep_id"] == "R1", "date"]))
    assert re.findall(r'class="sheet"[^>]*data-date="([^"]+)"', page) == days
    assert "预约 10:30" in page and "年度合同续签" in page and "刘芳 (采购经理)" in page
    # user text is escaped: the formula-like name shows as text, with its quotes
    assert "=HYPERLINK(&quot;http://x.example&quot;,&quot;点我&quot;)" in page
    assert "<script" not in page  # a printable form needs no script at all


# ------------------------------------------------------------------ languages
def test_every_label_has_a_chinese_translation():
    assert missing_translations("zh") == []


def test_translator_dates_and_labels():
    zh, en = translator("zh"), translator("en")
    day = dt.date(2026, 12, 1)
    assert zh.day_label(day) == "2026年12月1日 周二"
    assert en.day_label(day) == "Tue 2026-12-01"
    assert zh("Appointment {time}", time="10:30") == "预约 10:30"
    assert en("Appointment {time}", time="10:30") == "Appointment 10:30"
    with pytest.raises(ValueError, match="en, zh"):
        translator("fr")


# ------------------------------------------------------------------ navigation
def test_gcj02_and_bd09_match_published_pairs():
    # wandergis/coordtransform's published example (116.404, 39.915):
    # wgs84togcj02 -> [116.41024449916938, 39.91640428150164],
    # gcj02tobd09  -> [116.41036949371029, 39.92133699351021]
    lat, lon = wgs84_to_gcj02(39.915, 116.404)
    assert (round(lat, 9), round(lon, 9)) == (39.916404282, 116.410244499)
    lat, lon = gcj02_to_bd09(39.915, 116.404)
    assert (round(lat, 9), round(lon, 9)) == (39.921336994, 116.410369494)
    assert wgs84_to_gcj02(60.1699, 24.9384) == (60.1699, 24.9384)  # no offset outside China


def test_navigation_links():
    assert nav_url("amap", 39.915, 116.404, "天安门").startswith(
        "https://uri.amap.com/navigation?to=116.410244,39.916404,%E5%A4%A9"
    )
    assert "coordinate=gaode" in nav_url("amap", 39.915, 116.404)
    assert "coordinate=wgs84" in nav_url("amap", 60.1699, 24.9384)
    assert "coord_type=bd09ll" in nav_url("baidu", 39.915, 116.404)
    assert nav_url("google", 60.1699, 24.9384).endswith("destination=60.169900,24.938400")
    assert nav_url("apple", 60.1699, 24.9384).startswith("https://maps.apple.com/?daddr=60.169900")
    assert "route=%3B60.169900%2C24.938400" in nav_url("osm", 60.1699, 24.9384)
    with pytest.raises(ValueError, match="amap"):
        nav_url("here", 1, 2)


# ------------------------------------------------------------------ command line
def test_cli_export_and_bad_language(zh_plan, tmp_path):
    _, plan_dir = zh_plan
    copy = tmp_path / "plan"
    shutil.copytree(plan_dir, copy, ignore=shutil.ignore_patterns("maps"))
    res = CliRunner().invoke(
        app, ["export", str(copy), "--out", str(tmp_path / "out"), "--lang", "en"]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "visit_plan.xlsx").exists()
    assert sorted(p.name for p in (tmp_path / "out" / "calendar").iterdir()) == ["R1.ics", "R2.ics"]
    assert "workbook:" in res.output
    res = CliRunner().invoke(app, ["maps", str(copy), "--lang", "fr"])
    assert res.exit_code == 2 and "en, zh" in res.output
    assert not (copy / "maps").exists()  # nothing written on bad input


def test_export_replaces_stale_rep_files(zh_plan, tmp_path):
    plan, _ = zh_plan
    out = tmp_path / "out"
    (out / "calendar").mkdir(parents=True)
    (out / "calendar" / "R9.ics").write_text("old rep", encoding="utf-8")
    (out / "calendar" / "README.txt").write_text("mine", encoding="utf-8")
    res = export_plan(plan, out, ExportParams(workbook=False))
    assert sorted(p.name for p in (out / "calendar").iterdir()) == [
        "R1.ics",
        "R2.ics",
        "README.txt",
    ]
    assert set(res.daily_reports) == {"R1", "R2"}
