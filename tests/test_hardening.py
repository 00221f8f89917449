"""Issue 15: bad or odd inputs, outputs and plans: exit 2 with a clear message, never a
traceback, nothing written or lost.

Each case of :data:`INPUT_CASES` builds its own fixture (the valid files of
tests/data/valid/ with one change), runs ``planner validate`` in-process and asserts the
exit code, the message and that every input file is byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TINY
from typer.testing import CliRunner

from planner.cli import app

VALID = Path(__file__).resolve().parent / "data" / "valid"
HORIZON = "horizon: {start: 2026-11-30, weeks: 2}\n"


def invoke(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    text = r.output + (r.stderr if r.stderr_bytes is not None else "")
    assert "Traceback" not in text, text
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, " ".join(text.split())


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def make_inputs(tmp: Path, scenario_extra: str = "", with_appts: bool = False) -> Path:
    for name in ("customers.csv", "reps.csv", "appointments.csv"):
        shutil.copy2(VALID / name, tmp / name)
    text = "customers: customers.csv\nreps: reps.csv\n" + HORIZON
    if with_appts:
        text += "appointments: appointments.csv\n"
    (tmp / "s.yaml").write_text(text + scenario_extra, encoding="utf-8")
    return tmp / "s.yaml"


def edit(name: str, fn: Callable[[str], str], encoding: str = "utf-8"):
    def apply(tmp: Path) -> None:
        p = tmp / name
        p.write_bytes(fn(p.read_text(encoding="utf-8")).encode(encoding))

    return apply


def raw(name: str, data: bytes):
    def apply(tmp: Path) -> None:
        (tmp / name).write_bytes(data)

    return apply


def first_cell(col: str, value: str):
    """customers.csv with ``col`` of the first data row set to ``value``."""

    def fn(text: str) -> str:
        lines = text.splitlines()
        head = lines[0].split(",")
        import csv
        import io

        rows = list(csv.reader(io.StringIO(text)))
        rows[1][head.index(col)] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue()

    return edit("customers.csv", fn)


ZH_HEADER = "客户编号,客户名称,纬度,经度,等级\n"
ZH_ROWS = (
    "C1,北京咖啡店,60.170,24.940,A\nC2,上海茶馆,60.171,24.941,B\nC3,广州餐厅,60.168,24.943,C\n"
)

# (id, change to the fixture, extra scenario text, appointments?, exit code, message regex)
INPUT_CASES: list[tuple[str, Callable[[Path], None] | None, str, bool, int, str]] = [
    (
        "gbk_named",
        raw("customers.csv", (ZH_HEADER + ZH_ROWS).encode("gbk")),
        "",
        False,
        2,
        r"looks like GBK / GB18030 .*'客户编号'.*encoding: gb18030",
    ),
    (
        "gbk_read_with_encoding",
        raw("customers.csv", (ZH_HEADER + ZH_ROWS).encode("gbk")),
        "encoding: gb18030\n",
        False,
        0,
        r"customers: 3 \(3 active",
    ),
    (
        "chinese_headers",
        raw("customers.csv", (ZH_HEADER + ZH_ROWS).encode("utf-8")),
        "",
        False,
        0,
        r"customers: 3 \(3 active",
    ),
    (
        "columns_mapping",
        raw(
            "customers.csv",
            b"Kundnr,Namn,Y,X,Klass\nC1,a,60.17,24.94,A\n"
            b"C2,b,60.171,24.941,B\nC3,c,60.168,24.943,C\n",
        ),
        "columns: {customers: {id: Kundnr, name: Namn, lat: Y, lon: X, tier: Klass}}\n",
        False,
        0,
        r"customers: 3 \(3 active",
    ),
    (
        "columns_mapping_unknown_name",
        None,
        "columns: {customers: {tire: tier}}\n",
        False,
        2,
        r"columns: names 'tire', which is not a column of this file.*did you mean 'tier'",
    ),
    (
        "columns_mapping_missing_header",
        None,
        "columns: {customers: {id: 客户编号}}\n",
        False,
        2,
        r"says 'id' is the column '客户编号', but the file has no such column",
    ),
    ("date_year_first_slash", first_cell("last_visit", "2026/02/15"), "", False, 0, r"ok:"),
    (
        "date_far_future",
        first_cell("last_visit", "9999-12-31"),
        "",
        False,
        2,
        r"row 2, column 'last_visit': '9999-12-31' is not a plausible date",
    ),
    (
        "number_underscore",
        first_cell("lat", "6_0.17"),
        "",
        False,
        2,
        r"column 'lat': latitude '6_0.17' is not a number",
    ),
    (
        "number_full_width",
        first_cell("service_min", "３０"),
        "",
        False,
        2,
        r"'３０' is not a number: write the digits as ASCII",
    ),
    (
        "nul_after_4kb",
        edit("customers.csv", lambda t: t + "C99,x" + " " * 5000 + "\x00\n"),
        "",
        False,
        2,
        r"customers.csv, row \d+: file contains NUL bytes",
    ),
    ("cell_over_128kib", first_cell("notes", "x" * 200_000), "", False, 0, r"ok:"),
    (
        "sep_colon",
        raw(
            "customers.csv",
            b"sep=:\nid:name:lat:lon:tier\nC1:a:60.17:24.94:A\n"
            b"C2:b:60.171:24.941:B\nC3:c:60.168:24.943:C\n",
        ),
        "",
        False,
        0,
        r"customers: 3 \(3 active",
    ),
    (
        "header_case_and_space",
        edit("customers.csv", lambda t: t.replace(",phone,", ",Name ,", 1)),
        "",
        False,
        2,
        r"row 1, column 'Name': column 'name' and 'Name' \(the same name\) appears",
    ),
    (
        "two_appointments_one_day",
        edit("appointments.csv", lambda t: t + "C1,2026-12-02,15:00,\n"),
        "",
        True,
        2,
        r"customer 'C1' has another appointment on 2026-12-02 \(row 2\)",
    ),
    (
        "service_too_short",
        first_cell("service_min", "0.001"),
        "",
        False,
        2,
        r"service_min must be at least 1 minute",
    ),
    (
        "max_visits_huge",
        edit("reps.csv", lambda t: t.replace(",Mo-Th,8,", ",Mo-Th,1e20,")),
        "",
        False,
        2,
        r"more visits than fit in a day",
    ),
    (
        "did_you_mean_first_character",
        edit("appointments.csv", lambda t: t.replace("C4,", "c4,")),
        "",
        True,
        2,
        r"appointment for customer 'c4'.*did you mean 'C4'",
    ),
    (
        "osm_hours_ph_forms",
        first_cell("opening_hours", "Su,PH off; Mo-Sa 09:00-21:00"),
        "",
        False,
        0,
        r"ok:",
    ),
    (
        "osm_hours_ph_first",
        first_cell("opening_hours", "PH,Su 10:00-14:00; Mo-Fr 08:00-17:00"),
        "",
        False,
        0,
        r"ok:",
    ),
    ("osm_hours_24_7_ph_off", first_cell("opening_hours", "24/7; PH off"), "", False, 0, r"ok:"),
    (
        "terminal_escape_in_tier",
        first_cell("tier", "\x1b[2JA"),
        "",
        False,
        2,
        r"unknown tier '\\x1b\[2JA'",
    ),
    ("tiers_empty", None, "tiers: {}\n", False, 2, r"'tiers': .*at least 1 item"),
    (
        "lunch_longer_than_workday",
        None,
        "workday: {start: '08:00', end: '09:00', lunch: {earliest: '08:00', latest: '10:00', "
        "duration_min: 60}}\n",
        False,
        2,
        r"lunch break \(60 min\) is as long as the workday",
    ),
    ("weeks_true", None, "", False, 2, r"'horizon.weeks': Input should be a valid integer"),
    ("seed_negative", None, "seed: -1\n", False, 2, r"'seed': Input should be greater than"),
    (
        "count_huge",
        None,
        "territories: {count: 100000000000000000000}\n",
        False,
        2,
        r"'territories.count': Input should be less than or equal to 10000",
    ),
    (
        "count_1e20",
        None,
        "territories: {count: 1e20}\n",
        False,
        2,
        r"'territories.count': Input should be a valid integer",
    ),
    ("horizon_year_9999", None, "", False, 2, r"'horizon.start': Input should be less than"),
    ("duplicate_yaml_key", None, "seed: 1\nseed: 2\n", False, 2, r"key 'seed' is written twice"),
    (
        "int_tier_names",
        edit(
            "customers.csv",
            lambda t: re.sub(r",([ABC]),", lambda m: "," + "123"["ABC".index(m[1])] + ",", t),
        ),
        "tiers: {1: {every_weeks: 1, service_min: 30}, 2: {every_weeks: 2, service_min: 30}, "
        "3: {every_weeks: 4, service_min: 30}}\n",
        False,
        0,
        r"ok:.*1: \d+, 2: \d+, 3: \d+",
    ),
]


@pytest.mark.parametrize(
    ("case", "change", "extra", "appts", "code", "message"),
    INPUT_CASES,
    ids=[c[0] for c in INPUT_CASES],
)
def test_input_case(tmp_path, case, change, extra, appts, code, message):
    scenario = make_inputs(tmp_path, extra, appts)
    if case == "weeks_true":
        scenario.write_text(scenario.read_text().replace("weeks: 2", "weeks: true"))
    if case == "horizon_year_9999":
        scenario.write_text(scenario.read_text().replace("2026-11-30", "9999-01-04"))
    if change is not None:
        change(tmp_path)
    before = snapshot(tmp_path)
    exit_code, text = invoke("validate", str(scenario))
    assert exit_code == code, text
    assert re.search(message, text), text
    assert snapshot(tmp_path) == before  # nothing written, nothing lost


def test_scenario_special_files(tmp_path):
    scenario = make_inputs(tmp_path)
    code, text = invoke("validate", str(tmp_path))
    assert code == 2 and "is a folder, not a scenario file" in text
    (tmp_path / "w.yaml").write_text(f"extends: {tmp_path}\n", encoding="utf-8")
    code, text = invoke("validate", str(tmp_path / "w.yaml"))
    assert code == 2 and "is a folder, not a scenario file" in text
    os.mkfifo(tmp_path / "pipe.csv")
    scenario.write_text(scenario.read_text().replace("customers.csv", "pipe.csv"))
    code, text = invoke("validate", str(scenario))
    assert code == 2 and "pipe.csv: is not a regular file" in text
    bomb = "a: &a [1,2,3,4,5,6,7,8,9]\n" + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefg", "bcdefgh")
    )
    (tmp_path / "bomb.yaml").write_text(bomb, encoding="utf-8")
    code, text = invoke("validate", str(tmp_path / "bomb.yaml"))
    assert code == 2 and "expands to more than 20,000 values" in text and len(text) < 600


def test_whatif_replacing_tiers_says_what_happened(tmp_path):
    make_inputs(
        tmp_path,
        "tiers: {A: {every_weeks: 1, service_min: 45}, B: {every_weeks: 2, service_min: 30}}\n",
    )
    (tmp_path / "w.yaml").write_text(
        "extends: s.yaml\ntiers: {A: {every_weeks: 2, service_min: 45}}\n", encoding="utf-8"
    )
    code, text = invoke("validate", str(tmp_path / "w.yaml"))
    assert code == 2, text
    assert "tier 'B' of 3 customers (rows 3, 5, 8)" in text, text
    assert "w.yaml replaces the tiers of s.yaml as a whole" in text
    # one problem, not one per customer (the runner may hold the message twice: stdout+stderr)
    assert text.count("tier 'B'") == text.count("2 problems in the input") >= 1


def test_place_name_with_a_dot_is_not_a_file(tmp_path):
    from planner.pipeline import travel_params
    from planner.scenario import load_scenario

    s = make_inputs(tmp_path, 'travel: {mode: road, network: "St. Julian\'s, Malta"}\n')
    assert travel_params(load_scenario(s)).network == "St. Julian's, Malta"


def test_rep_id_index_html_gets_its_own_folder():
    from planner.maps.text import unique_slugs

    assert unique_slugs(["index.html", "R1"]) == {"index.html": "index.html-2", "R1": "R1"}


def test_times_rounded_so_durations_show_right():
    import datetime as dt

    import pandas as pd

    from planner.plan import visits_to_csv
    from planner.units import format_clock

    start = 8 * 3600 + 49 * 60 + 30
    assert (format_clock(start), format_clock(start + 45 * 60)) == ("08:50", "09:35")
    v = pd.DataFrame(
        [
            dict(
                rep_id="R1",
                territory_id="T",
                date=dt.date(2026, 12, 1),
                seq=1,
                customer_id="C",
                customer_name="c",
                tier="A",
                arrival_s=start - 100,
                start_s=start + 10,
                departure_s=start + 10 + 750,
                travel_s=60,
                dist_m=50,
                due_date=None,
            )
        ]
    )
    row = visits_to_csv(v).iloc[0]
    assert (row["start"], row["departure"]) == ("08:50", "09:03")  # 12.5 min shows as 13


# ---------------------------------------------------------------- --out and plan folders
@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory):
    from planner.pipeline import run_plan
    from planner.scenario import load_scenario

    return run_plan(load_scenario(TINY / "haversine.yaml"), workers=1)


def _out_case(tmp: Path, kind: str) -> tuple[list[str], str]:
    if kind == "device":
        return ["--out", "/dev/null"], "must name a folder, but this is a file"
    if kind == "under_a_file":
        (tmp / "f.txt").write_text("x")
        return ["--out", str(tmp / "f.txt" / "plan")], "lies under"
    if kind == "not_writable":
        return ["--out", "/proc/planner-test-plan"], "cannot write in '/proc'"
    if kind == "not_a_plan":
        (tmp / "docs").mkdir()
        (tmp / "docs" / "mine.txt").write_text("mine")
        return ["--out", str(tmp / "docs")], "is not an earlier plan folder"
    if kind == "holds_inputs":
        return ["--out", str(tmp)], "would replace the input"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["device", "under_a_file", "not_writable", "not_a_plan", "holds_inputs"]
)
def test_bad_out_is_refused_before_planning(tmp_path, kind):
    scenario = make_inputs(tmp_path)
    args, message = _out_case(tmp_path, kind)
    before = snapshot(tmp_path)
    code, text = invoke("plan", str(scenario), *args, "--no-maps")
    assert code == 2 and message in text, text
    assert snapshot(tmp_path) == before
    assert "reading inputs" not in text  # refused before any planning


def test_maps_manifest_cannot_delete_outside_files(tmp_path, tiny_plan):
    import json

    from planner.maps import render_maps

    victim = tmp_path / "victim.html"
    victim.write_text("keep me")
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "_maps.json").write_text(json.dumps({"pages": [str(victim), "../victim.html"]}))
    render_maps(tiny_plan, maps)
    assert victim.read_text() == "keep me"


# ---------------------------------------------------------------- planner check on edits
def _edit_visits_time(d: Path) -> None:
    lines = (d / "visits.csv").read_text().splitlines()
    cells = lines[1].split(",")
    cells[lines[0].split(",").index("arrival")] = "25:99"
    lines[1] = ",".join(cells)
    (d / "visits.csv").write_text("\n".join(lines) + "\n")


CHECK_CASES = [
    ("time_25_99", _edit_visits_time, r"visits.csv, row 2, column 'arrival': '25:99' is not a"),
    (
        "missing_column",
        lambda d: (d / "routes.csv").write_text(
            "\n".join(
                ",".join(x.split(",")[1:]) for x in (d / "routes.csv").read_text().splitlines()
            )
            + "\n"
        ),
        r"routes.csv, row 1: column\(s\) rep_id missing",
    ),
    ("empty_visits", lambda d: (d / "visits.csv").write_text(""), r"visits.csv: file is empty"),
    (
        "binary_visits",
        lambda d: (d / "visits.csv").write_bytes(b"\x89PNG\x00\x01\x02"),
        r"visits.csv, row 1: file contains NUL bytes",
    ),
    (
        "invalid_kpis",
        lambda d: (d / "kpis.json").write_text("{not json"),
        r"kpis.json: not readable JSON",
    ),
    (
        "bad_opening_hours",
        lambda d: (d / "customers.csv").write_text(
            (d / "customers.csv").read_text().replace("Mo-Fr", "Mx-Fr", 1)
        ),
        r"customers.csv, row \d+, column 'opening_hours'",
    ),
]


@pytest.mark.parametrize(
    ("case", "change", "message"), CHECK_CASES, ids=[c[0] for c in CHECK_CASES]
)
def test_check_reads_hand_edited_plans(tmp_path, tiny_plan, case, change, message):
    from planner.pipeline import write_plan

    d = tmp_path / "plan"
    write_plan(tiny_plan, d, maps=False)
    change(d)
    before = snapshot(d)
    code, text = invoke("check", str(d))
    assert code == 2, text
    assert re.search(message, text), text
    assert snapshot(d) == before


def test_no_active_customers_is_a_warning_and_an_empty_plan(tmp_path):
    scenario = make_inputs(tmp_path)
    import csv

    c = tmp_path / "customers.csv"
    with c.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index("active")
    with c.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([rows[0]] + [r[:col] + ["false"] + r[col + 1 :] for r in rows[1:]])
    code, text = invoke("plan", str(scenario), "--out", str(tmp_path / "out"), "--no-maps")
    assert code == 0, text
    assert "no active customers" in text
    assert (tmp_path / "out" / "visits.csv").read_text().count("\n") == 1  # the header


def test_scenario_name_with_rich_markup(tmp_path):
    shutil.copytree(TINY, tmp_path / "tiny")
    s = tmp_path / "tiny" / "haversine.yaml"
    s.write_text(s.read_text().replace("name: tiny haversine", "name: '[/bold] odd'"))
    code, text = invoke("plan", str(s), "--out", str(tmp_path / "o"), "--no-maps")
    assert code == 0, text
    assert "[/bold] odd" in text


# ---------------------------------------------------------------- maps on odd geography
GEOGRAPHY = {
    "antimeridian": (
        [(-16.50, 179.95), (-16.52, -179.95), (-16.55, 179.90), (-16.60, -179.90)],
        [(-16.51, 179.97), (-16.58, -179.93)],
    ),
    "pole": ([(89.90, 0.0), (89.91, 90.0), (89.92, 180.0), (89.93, -90.0)], [(89.95, 45.0)]),
    "rep_on_another_continent": (
        [(60.170, 24.940), (60.171, 24.945), (60.168, 24.950), (60.166, 24.938)],
        [(60.17, 24.94), (-33.86, 151.2)],
    ),
}


@pytest.mark.parametrize("where", sorted(GEOGRAPHY))
def test_maps_render_on_odd_geography(tmp_path, where):
    customers, homes = GEOGRAPHY[where]
    rows = [f"C{i},c{i},{la},{lo},{'AB'[i % 2]}" for i, (la, lo) in enumerate(customers)]
    (tmp_path / "c.csv").write_text("id,name,lat,lon,tier\n" + "\n".join(rows) + "\n")
    reps = [f"R{i},r{i},{la},{lo}" for i, (la, lo) in enumerate(homes)]
    (tmp_path / "r.csv").write_text("id,name,home_lat,home_lon\n" + "\n".join(reps) + "\n")
    (tmp_path / "s.yaml").write_text(
        "customers: c.csv\nreps: r.csv\nhorizon: {start: 2026-11-30, weeks: 1}\n"
        "travel: {mode: haversine, speed_kmh: 40}\nworkers: 1\n"
    )
    code, text = invoke("plan", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "out"))
    assert code == 0, text
    assert (tmp_path / "out" / "maps" / "index.html").stat().st_size > 1000
