"""Plan versus actual and completion (planner/report/actuals.py, planner/actuals.py and
``planner actuals``): a hand-counted case, a real plan through the CLI, logs imported
twice, and every log problem giving exit 2 with its row and column and nothing written."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.report.actuals import ActualsFrame, completion_table, plan_vs_actual

D = dt.date
HEADER = "customer_id,rep_id,date,status,start,duration_min,outcome,person_met,purpose,notes"


def _visits(rows):
    return pd.DataFrame(rows, columns=["rep_id", "date", "customer_id", "customer_name", "tier"])


def _log(rows):
    out = []
    for i, (cid, rep, day, status) in enumerate(rows):
        out.append(
            {
                "customer_id": cid,
                "rep_id": rep,
                "date": day,
                "status": status,
                "start_s": None,
                "duration_s": None,
                "outcome": "",
                "person_met": "",
                "purpose": "",
                "notes": "closed" if status != "done" else "",
                "source_file": "log.csv",
                "source_row": i + 2,
            }
        )
    return pd.DataFrame(out)


HAND_FRAME = ActualsFrame(
    start=D(2026, 11, 30),
    end=D(2026, 12, 13),
    as_of=D(2026, 12, 4),
    window_days={"A": 3, "B": 7, "C": 14},
    top_tier="A",
)
HAND_VISITS = _visits(
    [
        ("R1", D(2026, 11, 30), "C1", "One", "A"),  # done on the day
        ("R1", D(2026, 12, 7), "C1", "One", "A"),  # upcoming
        ("R1", D(2026, 12, 1), "C2", "Two", "B"),  # missed, then done on 12-03
        ("R1", D(2026, 12, 2), "C3", "Three", "C"),  # no report
        ("R2", D(2026, 12, 1), "C4", "Four", "A"),  # cancelled
        ("R2", D(2026, 12, 8), "C4", "Four", "A"),  # upcoming
        ("R2", D(2026, 12, 3), "C5", "Five", "B"),  # done a day early
        ("R2", D(2026, 12, 4), "C6", "Six", "A"),  # missed
        ("R2", D(2026, 12, 11), "C7", "Seven", "C"),  # done a week early (C window 14 days)
    ]
)
HAND_LOG = _log(
    [
        ("C1", "R1", D(2026, 11, 25), "done"),  # before the horizon: not compared
        ("C1", "R1", D(2026, 11, 30), "done"),
        ("C2", "R1", D(2026, 12, 1), "missed"),
        ("C4", "R2", D(2026, 12, 1), "cancelled"),
        ("C5", "R2", D(2026, 12, 2), "done"),
        ("C8", "R2", D(2026, 12, 2), "done"),  # unplanned
        ("C9", "R1", D(2026, 12, 2), "missed"),  # a miss of a visit the plan did not hold
        ("C1", "R1", D(2026, 12, 3), "done"),  # unplanned: 4 days from 12-07 > A window
        ("C2", "R1", D(2026, 12, 3), "done"),
        ("C6", "R2", D(2026, 12, 4), "missed"),
        ("C7", "R2", D(2026, 12, 4), "done"),
    ]
)
HAND_CUSTOMERS = pd.DataFrame(
    {
        "customer_id": [f"C{i}" for i in range(1, 10)],
        "name": ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine"],
        "tier": ["A", "B", "C", "A", "B", "A", "C", "B", "C"],
    }
)


def test_plan_vs_actual_hand_count():
    pva, outside = plan_vs_actual(HAND_VISITS, HAND_LOG, HAND_CUSTOMERS, HAND_FRAME)
    assert outside == 1
    got = {(r.customer_id, r.planned_date, r.actual_date): r.result for r in pva.itertuples()}
    assert got == {
        ("C1", D(2026, 11, 30), D(2026, 11, 30)): "done",
        ("C1", D(2026, 12, 7), None): "upcoming",
        ("C2", D(2026, 12, 1), D(2026, 12, 3)): "done_other_day",
        ("C3", D(2026, 12, 2), None): "no_report",
        ("C4", D(2026, 12, 1), D(2026, 12, 1)): "cancelled",
        ("C4", D(2026, 12, 8), None): "upcoming",
        ("C5", D(2026, 12, 3), D(2026, 12, 2)): "done_other_day",
        ("C6", D(2026, 12, 4), D(2026, 12, 4)): "missed",
        ("C7", D(2026, 12, 11), D(2026, 12, 4)): "done_other_day",
        ("C8", None, D(2026, 12, 2)): "unplanned",
        ("C9", None, D(2026, 12, 2)): "not_planned",
        ("C1", None, D(2026, 12, 3)): "unplanned",
    }
    c2 = pva[pva["customer_id"] == "C2"].iloc[0]
    assert c2["earlier_report"] == "missed on 2026-12-01: closed" and c2["shift_days"] == 2
    assert pva[pva["customer_id"] == "C5"].iloc[0]["shift_days"] == -1


def _row(table, group, **key):
    t = table[table["group"] == group]
    for k, v in key.items():
        t = t[t[k] == v]
    assert len(t) == 1
    return t.iloc[0]


FIGS = ["planned", "done", "done_on_day", "done_other_day", "missed", "cancelled", "no_report"]
FIGS2 = ["completion_pct", "unplanned", "visit_rate_pct", "missed_top_tier", "upcoming"]


@pytest.mark.parametrize(
    ("group", "key", "expected"),
    [
        # planned, done, on day, other day, missed, cancelled, no report;
        # completion %, unplanned, actual/planned %, A not done, upcoming
        ("total", {}, (7, 4, 1, 3, 1, 1, 1, 57.1, 2, 85.7, 2, 2)),
        ("rep", {"rep_id": "R1"}, (3, 2, 1, 1, 0, 0, 1, 66.7, 1, 100.0, 0, 1)),
        ("rep", {"rep_id": "R2"}, (4, 2, 0, 2, 1, 1, 0, 50.0, 1, 75.0, 2, 1)),
        ("tier", {"tier": "A"}, (3, 1, 1, 0, 1, 1, 0, 33.3, 1, 66.7, 2, 2)),
        ("tier", {"tier": "B"}, (2, 2, 0, 2, 0, 0, 0, 100.0, 1, 150.0, 0, 0)),
        ("tier", {"tier": "C"}, (2, 1, 0, 1, 0, 0, 1, 50.0, 0, 50.0, 0, 0)),
        ("week", {"week": 1}, (6, 3, 1, 2, 1, 1, 1, 50.0, 2, 83.3, 2, 0)),
        ("week", {"week": 2}, (1, 1, 0, 1, 0, 0, 0, 100.0, 0, 100.0, 0, 2)),
    ],
)
def test_completion_hand_count(group, key, expected):
    pva, _ = plan_vs_actual(HAND_VISITS, HAND_LOG, HAND_CUSTOMERS, HAND_FRAME)
    table = completion_table(pva, HAND_FRAME)
    assert list(table["group"]) == ["total", "rep", "rep", "tier", "tier", "tier", "week", "week"]
    r = _row(table, group, **key)
    assert tuple(r[c] for c in FIGS + FIGS2) == expected


# ---------------------------------------------------------------- through the CLI, real plan
def _invoke(*args):
    result = CliRunner().invoke(app, ["actuals", *map(str, args)])
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in text
    return result.exit_code, " ".join(text.split())


@pytest.fixture(scope="module")
def week_log(tiny_road_plan, tmp_path_factory):
    """A log of the tiny plan's first two days: day 1 done but one missed, day 2 without
    report, one unplanned visit, user text that must be escaped / neutralised."""
    plan, plan_dir = tiny_road_plan
    v = plan.visits
    day1, day2 = sorted(set(v["date"]))[:2]
    first = v[v["date"] == day1].sort_values(["rep_id", "seq"])
    lines = [HEADER]
    for i, r in enumerate(first.itertuples()):
        status = "missed" if i == 0 else "done"
        note = "<script>alert(1)</script>" if i == 0 else ("=HYPERLINK(1)" if i == 1 else "")
        lines.append(f"{r.customer_id},{r.rep_id},{day1},{status},,,,,,{note}")
    planned_ids = set(v["customer_id"])
    idle = plan.assignments[~plan.assignments["customer_id"].isin(planned_ids)].iloc[0]
    lines.append(f"{idle.customer_id},{idle.rep_id},{day2},done,11:00,20,A,Ms Lee,demo,")
    folder = tmp_path_factory.mktemp("logs")
    path = folder / "week.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = {
        "planned": int((v["date"] <= day2).sum()),
        "done": len(first) - 1,
        "missed": 1,
        "no_report": int((v["date"] == day2).sum()),
        "unplanned": 1,
    }
    return plan_dir, path, day2, expected


def test_actuals_cli_counts_escapes_and_neutralises(week_log, tmp_path):
    plan_dir, log, as_of, expected = week_log
    code, text = _invoke(plan_dir, log, "--out", tmp_path / "out", "--as-of", as_of)
    assert code == 0, text
    table = pd.read_csv(tmp_path / "out" / "completion.csv", dtype=str, keep_default_na=False)
    total = table[table["group"] == "total"].iloc[0]
    assert {k: int(total[k]) for k in expected} == expected
    assert float(total["completion_pct"]) == round(100 * expected["done"] / expected["planned"], 1)
    html = (tmp_path / "out" / "completion.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<svg" in html and "Completion by rep" in html
    pva = (tmp_path / "out" / "plan_vs_actual.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in pva and "\n=HYPERLINK" not in pva and ",=HYPERLINK" not in pva


def test_importing_the_log_twice_changes_nothing(week_log, tmp_path):
    plan_dir, log, as_of, _ = week_log
    again = tmp_path / "again"
    again.mkdir()
    shutil.copy(log, again / "copy.csv")
    outs = []
    for i, logs in enumerate([(log,), (log, log, again)]):
        out = tmp_path / f"out{i}"
        code, text = _invoke(plan_dir, *logs, "--out", out, "--as-of", as_of)
        assert code == 0, text
        outs.append(out)
    for name in ("completion.csv", "plan_vs_actual.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def _log_with(path, week_log, line_of):
    """The week log with its row 3 replaced by ``line_of(plan)``."""
    _, log, _, _ = week_log
    lines = log.read_text(encoding="utf-8").splitlines()
    lines[2] = line_of(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _other_rep(lines):
    cid, rep, *rest = lines[2].split(",")
    other = {"R1": "R2", "R2": "R1"}[rep]  # the tiny plan's two reps
    return ",".join([cid, other, *rest])


CLI_CASES = [
    ("unknown customer", lambda ls: "NOPE1," + ls[2].split(",", 1)[1], "customer_id"),
    ("rep not the customer's", _other_rep, "rep_id"),
    ("bad status", lambda ls: ls[2].replace(",done,", ",perhaps,"), "status"),
    (
        "date in the future",
        lambda ls: ",".join(ls[2].split(",")[:2] + ["2027-01-04"] + ls[2].split(",")[3:]),
        "date",
    ),
    ("duplicate", lambda ls: ls[1].replace(",missed,", ",done,"), "customer_id"),
]


@pytest.mark.parametrize(("name", "line_of", "column"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_each_log_problem_exits_2_with_row_and_column(week_log, tmp_path, name, line_of, column):
    plan_dir, _, as_of, _ = week_log
    bad = _log_with(tmp_path / "bad.csv", week_log, line_of)
    out = tmp_path / "out"
    code, text = _invoke(plan_dir, bad, "--out", out, "--as-of", as_of)
    assert code == 2, text
    assert f"bad.csv, row 3, column '{column}'" in text, text
    assert not out.exists()


def test_output_inside_the_log_folder_is_refused(week_log):
    plan_dir, log, as_of, _ = week_log
    code, text = _invoke(plan_dir, log.parent, "--out", log.parent / "report", "--as-of", as_of)
    assert code == 2 and "inside the log folder" in text
    assert not (log.parent / "report").exists()


def test_completion_page_and_summary_in_chinese(week_log, tmp_path):
    """``--lang zh``: the page's labels, chart and the CLI summary come from the catalogue;
    the CSV tables keep their English column names and codes (machine-read)."""
    plan_dir, log, as_of, _ = week_log
    code, text = _invoke(plan_dir, log, "--out", tmp_path / "zh", "--as-of", as_of, "--lang", "zh")
    assert code == 0, text
    assert "拜访完成率" in text and "合计" in text
    html = (tmp_path / "zh" / "completion.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    for label in (
        "各业务员完成率",
        "每周完成率",
        "按业务员",
        "按客户等级",
        "未完成的计划拜访",
        ">未完成<",
    ):
        assert label in html, label
    for english in ("Completion by rep", "By tier", "planned visits without a report", ">missed<"):
        assert english not in html, english
    en = (tmp_path / "en").resolve()
    assert _invoke(plan_dir, log, "--out", en, "--as-of", as_of)[0] == 0
    for name in ("completion.csv", "plan_vs_actual.csv"):
        assert (tmp_path / "zh" / name).read_bytes() == (en / name).read_bytes(), name


def test_completion_page_unknown_language_exits_2(week_log, tmp_path):
    plan_dir, log, as_of, _ = week_log
    code, text = _invoke(plan_dir, log, "--out", tmp_path / "x", "--as-of", as_of, "--lang", "fr")
    assert code == 2 and "--lang" in text and "zh" in text
    assert not (tmp_path / "x").exists()
