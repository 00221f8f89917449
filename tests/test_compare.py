"""``planner compare`` and ``planner size`` on real plans of the tiny Helsinki data.

The comparison fixture: a base with 3 reps (territories designed afresh) and two
what-ifs that start from the base's territories by default (keep mode): R3 leaves (only
R3's customers may move) and a name full of HTML. Planned once per module, the base
first and then the what-ifs in parallel processes, without per-plan maps.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from browser import chromium, open_page
from conftest import ROOT, TINY

from planner.compare import CompareParams, compare_scenarios
from planner.pipeline import read_scenario_inputs
from planner.report.compare import BASE_METRICS, TAIL_METRICS
from planner.scenario import load_scenario
from planner.sizing import parse_rep_counts, team_changes

EVIL = "lose R3 <img src=x onerror=alert(1)> & {{ 7*7 }}"


def _write_base(tmp) -> None:
    """reps3.csv (tiny reps + R3) and base.yaml: a plain redesign, nothing copied by hand."""
    reps = (TINY / "reps.csv").read_text(encoding="utf-8").rstrip("\n")
    (tmp / "reps3.csv").write_text(
        reps + "\nR3,Sanna Nieminen,60.1700,24.9440,Mo-Fr,,\n", encoding="utf-8"
    )
    (tmp / "base.yaml").write_text(
        f"extends: {TINY / 'haversine.yaml'}\nname: base keep\nreps: reps3.csv\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    _write_base(tmp)
    (tmp / "lose.yaml").write_text(
        "extends: base.yaml\nname: lose R3\nchanges: {reps: {remove: [R3]}}\n", encoding="utf-8"
    )
    (tmp / "evil.yaml").write_text(
        f"extends: base.yaml\nname: '{EVIL}'\nworkday: {{end: '15:30'}}\n", encoding="utf-8"
    )
    res = compare_scenarios(
        CompareParams(
            [tmp / "base.yaml", tmp / "lose.yaml", tmp / "evil.yaml"],
            tmp / "out",
            maps=False,
            processes=2,
        )
    )
    return res, tmp


def test_comparison_figures_equal_each_plans_kpis(compared):
    res, tmp = compared
    table = pd.read_csv(res.csv_path, dtype=str, keep_default_na=False)
    assert list(table.columns[3:]) == ["base keep", "lose R3", EVIL]
    assert [d.name for d in res.plan_dirs] == [
        "base-keep",
        "lose-R3",
        "lose-R3-img-src-x-onerror-alert-1-7-7",
    ]
    by_metric = table.set_index("metric")
    keys = [m.key for m in (*BASE_METRICS, *TAIL_METRICS)]
    assert set(keys) <= set(by_metric.index)
    for name, d in zip(res.names, res.plan_dirs, strict=True):
        kpis = json.loads((d / "kpis.json").read_text(encoding="utf-8"))
        col = by_metric[name]
        for key in (
            "reps",
            "active_customers",
            "required_visits",
            "scheduled_visits",
            "coverage_pct",
            "unscheduled_visits",
            "travel_h",
            "travel_per_visit_min",
            "distance_km",
            "service_h",
            "rep_days",
            "overtime_h",
            "balance_pct",
        ):
            assert float(col[key]) == pytest.approx(kpis[key]), (name, key)
        for part in ("min", "mean", "max"):
            assert float(col[f"rep_hours_{part}"]) == pytest.approx(kpis["rep_hours"][part])
        tiers = {
            k.removeprefix("unscheduled_")
            for k in by_metric.index
            if k.startswith("unscheduled_") and k != "unscheduled_visits"
        }
        assert set(kpis["unscheduled_by_tier"]) <= tiers
        for t in tiers:
            assert int(col[f"unscheduled_{t}"]) == kpis["unscheduled_by_tier"].get(t, 0)
        assert float(col["runtime_s"]) > 0
    assert int(by_metric.at["reps", "lose R3"]) == 2
    assert int(by_metric.at["changed_rep_customers", "base keep"]) == 0
    assert res.modes == ["base", "keep", "keep"]


def test_removed_rep_customers_land_elsewhere_and_only_they_move(compared):
    res, tmp = compared
    base = pd.read_csv(res.plan_dirs[0] / "assignments.csv", dtype=str)
    lose = pd.read_csv(res.plan_dirs[1] / "assignments.csv", dtype=str)
    assert set(base["rep_id"]) == {"R1", "R2", "R3"}
    r3 = set(base.loc[base["rep_id"] == "R3", "customer_id"])
    assert len(r3) >= 3
    # every active customer is still planned, exactly once, and none by the leaver
    assert sorted(lose["customer_id"]) == sorted(base["customer_id"])
    assert set(lose["rep_id"]) == {"R1", "R2"}
    # the default keep mode: the leaver's customers move, nobody else does
    changed = pd.read_csv(res.changed_path, dtype=str)
    moved = changed[changed["scenario"] == "lose R3"]
    assert set(moved["customer_id"]) == r3
    assert set(moved["base_rep_id"]) == {"R3"} and set(moved["rep_id"]) <= {"R1", "R2"}
    assert len(res.changed[1]) == len(r3)
    assert len(res.changed[2]) == 0  # the workday what-if keeps every territory
    kpis = json.loads((res.plan_dirs[1] / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["territory_moved_customers"] == len(r3)
    visits = pd.read_csv(res.plan_dirs[1] / "visits.csv", dtype=str)
    assert "R3" not in set(visits["rep_id"])


def test_comparison_html_in_browser(compared):
    res, _ = compared
    html = res.html_path.read_text(encoding="utf-8")
    assert "<img src=x" not in html and "{{ 7*7 }}" not in html
    assert re.search(r"<(script|link)\b[^>]*\b(src|href)=", html) is None  # all inline
    with chromium() as browser:
        visit = open_page(browser, res.html_path)
        page = visit.page
        assert visit.js_errors == []
        assert visit.dialogs == []  # the scenario name's onerror never ran
        assert [
            u for u in visit.requests if not u.startswith(("file://", "data:", "https://tile."))
        ] == []
        assert page.locator("img:not(.leaflet-tile)").count() == 0  # no injected <img>
        assert page.evaluate("window.plannerMaps.changedMarkers") == len(res.changed[1])
        assert page.locator(".leaflet-control-layers-overlays label").count() == 6
        heads = page.locator("table.cmp thead th").all_inner_texts()
        assert heads == ["figure", "base keep", "lose R3", EVIL]
        row = page.locator('tr[data-metric="changed_rep_customers"] td').all_inner_texts()
        assert row[0] == "0" and row[1].startswith(str(len(res.changed[1])))
        visit.close()


def test_team_changes_rule_on_a_hand_checkable_team():
    # clusters of 10 customers around homes A and B, 1 customer near C, 10 far from all
    def pts(lat, lon, n):
        return [(lat + 0.0005 * (i % 3), lon + 0.0008 * (i // 3)) for i in range(n)]

    cl = (
        pts(60.10, 24.90, 10) + pts(60.20, 24.90, 10) + pts(60.15, 25.10, 1) + pts(60.30, 25.30, 10)
    )
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i:02d}" for i in range(len(cl))],
            "lat": [p[0] for p in cl],
            "lon": [p[1] for p in cl],
            "tier": "A",
            "service_s": 1800,
            "active": True,
        }
    )
    customers.loc[30, "active"] = False  # inactive customers weigh nothing
    reps = pd.DataFrame(
        {
            "rep_id": ["A", "B", "C"],
            "home_lat": [60.10, 60.20, 60.15],
            "home_lon": [24.90, 24.90, 25.10],
        }
    )
    tiers = load_scenario(TINY / "haversine.yaml").tier_table()
    ch = team_changes(customers, reps, tiers, (1, 2, 3, 4))
    assert ch[3].removed == () and ch[3].added == ()
    assert ch[2].removed == ("C",)  # the least needed home leaves first
    assert ch[1].removed[0] == "C" and len(ch[1].removed) == 2  # nested teams
    (new,) = ch[4].added
    far = customers.iloc[21:30].round({"lat": 6, "lon": 6})  # the active far ones
    assert new["id"] == "NEW1"
    assert ((far["lat"] == new["home_lat"]) & (far["lon"] == new["home_lon"])).any()
    # the weighted medoid of the far cluster is its middle point
    d = np.hypot(far["lat"] - far["lat"].median(), far["lon"] - far["lon"].median())
    mid = far.loc[d.idxmin()]
    assert (new["home_lat"], new["home_lon"]) == (mid["lat"], mid["lon"])
    assert team_changes(customers, reps, tiers, (1, 2, 3, 4)) == ch  # deterministic


def test_whatif_keeps_the_base_territories_unless_it_says_redesign(tmp_path):
    from planner.compare import whatif_method

    base = tmp_path / "base.yaml"
    base.write_text("territories: {method: redesign, balance_tolerance: 0.2}\n", encoding="utf-8")
    files = {
        "plain": "extends: base.yaml\nchanges: {reps: {remove: [R3]}}\n",
        "redesign": "extends: base.yaml\nterritories: {method: redesign}\n",
        "keep": "extends: base.yaml\nterritories: {method: keep}\n",
        "via": "extends: redesign.yaml\nworkday: {end: '16:00'}\n",
        "tolerance": "extends: base.yaml\nterritories: {balance_tolerance: 0.3}\n",
    }
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    got = {n: whatif_method(tmp_path / f"{n}.yaml", base) for n in files}
    assert got == {
        "plain": "keep",  # the base's 'redesign' is the base's, not the what-if's
        "redesign": "redesign",
        "keep": "keep",
        "via": "redesign",
        "tolerance": "keep",
    }


def test_rep_counts_parse():
    assert parse_rep_counts("3..6") == (3, 4, 5, 6)
    assert parse_rep_counts("5,2-3") == (2, 3, 5)


def test_size_cli_writes_table_chart_and_rerunnable_scenarios(tmp_path):
    out = tmp_path / "size"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner",
            "size",
            str(TINY / "haversine.yaml"),
            "--reps",
            "1,3",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Team sizing" in r.stdout and "NEW1" in r.stdout
    table = pd.read_csv(out / "sizing.csv", keep_default_na=False)
    assert list(table["reps"]) == [1, 3]
    for k, row in zip((1, 3), table.to_dict("records"), strict=True):
        kpis = json.loads((out / f"reps-{k}" / "kpis.json").read_text(encoding="utf-8"))
        assert kpis["reps"] == k
        assert row["coverage_pct"] == pytest.approx(kpis["coverage_pct"])
        assert row["travel_h"] == pytest.approx(kpis["travel_h"])
        sc = load_scenario(out / "scenarios" / f"reps-{k}.yaml")
        assert len(read_scenario_inputs(sc).reps) == k
    assert table.loc[1, "added_reps"] == "NEW1" and table.loc[0, "removed_reps"] in ("R1", "R2")
    svg = ET.fromstring((out / "sizing.svg").read_text(encoding="utf-8"))
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "Coverage" in texts and "Hours per rep per week" in texts and "Travel per visit" in texts
    html = (out / "sizing.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html and 'data-reps="3"' in html


def test_size_and_compare_bad_input_exit_2(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner",
            "size",
            str(TINY / "haversine.yaml"),
            "--reps",
            "3..x",
            "--out",
            str(tmp_path / "s"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr and "3..8" in r.stderr
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner",
            "compare",
            str(TINY / "haversine.yaml"),
            "--out",
            str(tmp_path / "c"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "at least one what-if" in r.stderr


def test_comparison_and_sizing_pages_in_chinese(compared):
    """``language: zh``: headings, figure labels, map layer names and the sizing chart come
    from the catalogue; the CSV keeps its English labels (machine-read)."""
    from planner.i18n import translator
    from planner.plan import Plan
    from planner.report.compare import PlanFigures, comparison_frame, comparison_table_html
    from planner.report.compare_page import comparison_page, map_data
    from planner.report.sizing import sizing_frame, sizing_html, sizing_row, sizing_svg

    res, _ = compared
    tr = translator("zh")
    plans = [Plan.from_dir(d) for d in res.plan_dirs]
    figures = [PlanFigures(n, p.kpis, p.assignments) for n, p in zip(res.names, plans)]
    frame, metrics = comparison_frame(figures, [len(c) for c in res.changed])
    html = comparison_page(
        tr("Scenario comparison"),
        [],
        comparison_table_html(frame, metrics, tr),
        plans,
        res.names,
        res.changed,
        "zh",
    )
    assert '<html lang="zh-CN">' in html and "<title>方案对比</title>" in html
    for label in ("区域：基准方案（虚线）与假设方案", "更换业务员的客户", "业务员人数", "未排拜访"):
        assert label in html, label
    for english in ("Customers whose rep changed", ">unscheduled visits", ">figure<"):
        assert english not in html, english
    text = map_data(plans, res.names, res.changed, tr)["text"]
    assert text["all"] == "全部客户（%N%）" and "%S%" in text["changed"]
    assert "unscheduled visits" in set(frame["label"])  # the CSV's labels stay English

    rows = [
        sizing_row(k, p.kpis, 1, [], [], str(d))
        for k, p, d in zip((3, 2), plans[:2], res.plan_dirs[:2])
    ]
    table = sizing_frame(rows)
    svg = sizing_svg(table, 40.0, "团队：需要多少业务员？", tr)
    texts = " ".join(
        t.text or "" for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")
    )
    assert (
        "拜访覆盖率（%）" in texts and "每位业务员每周工时" in texts and "可用时间 40 小时" in texts
    )
    assert "Coverage" not in texts and "reps" not in texts
    page = sizing_html(table, svg, "团队", [], "zh")
    assert '<html lang="zh-CN">' in page and "<th>覆盖率 %</th>" in page
