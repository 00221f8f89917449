"""The visit log reader (planner/io/visit_log.py): values, spellings, files and folders,
repeated rows, and one case per problem (each names its row and column)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.io.visit_log import VisitLogParams, parse_status, read_visit_log

HEADER = "customer_id,rep_id,date,status,start,duration_min,outcome,person_met,purpose,notes"
ROWS = [
    "C1,R1,2026-11-30,done,09:15,30,B,Anna,order,restocked",
    "C2,R1,2026-11-30,missed,,,,,,shop closed",
    'C4,R2,01.12.2026,Completed,10:00,"45,5",a,,,',
    "C5,R2,2026-12-01,已取消,,,,,,客户要求",
]
OWNERS = {"C1": "R1", "C2": "R1", "C3": "R1", "C4": "R2", "C5": "R2"}


def params(*paths: Path, **kw) -> VisitLogParams:
    base = {
        "customer_ids": frozenset(OWNERS),
        "rep_ids": frozenset({"R1", "R2"}),
        "customer_reps": OWNERS,
        "rep_days": (dt.date(2026, 11, 30), dt.date(2026, 12, 13)),
        "as_of": dt.date(2026, 12, 2),
    }
    base.update(kw)
    return VisitLogParams(paths=tuple(paths), **base)


def write(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_values_types_and_spellings(tmp_path):
    res = read_visit_log(params(write(tmp_path / "log.csv", ROWS)))
    log = res.log
    assert list(log["customer_id"]) == ["C1", "C2", "C4", "C5"]
    assert list(log["status"]) == ["done", "missed", "done", "cancelled"]
    assert list(log["date"]) == [dt.date(2026, 11, 30)] * 2 + [dt.date(2026, 12, 1)] * 2
    assert log.loc[0, "start_s"] == 9 * 3600 + 15 * 60 and log.loc[1, "start_s"] is None
    assert log.loc[2, "duration_s"] == 2730 and log.loc[0, "duration_s"] == 1800
    assert list(log["outcome"]) == ["B", "", "A", ""]
    assert log.loc[3, "notes"] == "客户要求"
    assert list(log["source_row"]) == [2, 3, 4, 5]
    assert res.repeated_rows == 0


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("done", "done"),
        (" Visited ", "done"),
        ("已完成", "done"),
        ("not_done", "missed"),
        ("No-Show", "missed"),
        ("未完成", "missed"),
        ("Canceled", "cancelled"),
        ("取消", "cancelled"),
    ],
)
def test_status_spellings(text, status):
    assert parse_status(text) == status


def test_xlsx_reads_like_csv(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(
        ["C1", "R1", dt.datetime(2026, 11, 30), "done", dt.time(9, 15), 30, "B", "Anna"]
        + ["order", "restocked"]
    )
    ws.append(["C2", "R1", "30.11.2026", "missed", None, None, None, None, None, "closed"])
    wb.save(tmp_path / "log.xlsx")
    write(tmp_path / "log.csv", [ROWS[0], "C2,R1,2026-11-30,missed,,,,,,closed"])
    a = read_visit_log(params(tmp_path / "log.xlsx")).log
    b = read_visit_log(params(tmp_path / "log.csv")).log
    cols = [c for c in a.columns if c != "source_file"]
    assert a[cols].equals(b[cols])


def test_same_rows_imported_twice_count_once(tmp_path):
    one = write(tmp_path / "week49.csv", ROWS)
    write(tmp_path / "exports" / "copy.csv", ROWS[2:] + ROWS[:1])
    write(tmp_path / "exports" / "more" / "extra.csv", ["C3,R1,2026-12-02,done,,,,,,"])
    (tmp_path / "exports" / "~$copy.xlsx").write_bytes(b"lock file")  # Excel's, skipped
    ref = read_visit_log(params(one)).log
    again = read_visit_log(params(one, one, tmp_path / "exports"))
    assert again.repeated_rows == 3
    assert len(again.files) == 3
    assert (
        again.log[again.log["customer_id"] != "C3"]
        .drop(columns="source_file")
        .equals(ref.drop(columns="source_file"))
    )
    assert list(again.log["customer_id"]) == ["C1", "C2", "C4", "C5", "C3"]


def test_header_only_and_zero_byte_logs_are_empty(tmp_path):
    a = write(tmp_path / "a.csv", [])
    b = tmp_path / "b.csv"
    b.write_bytes(b"")
    res = read_visit_log(params(a, b))
    assert len(res.log) == 0 and list(res.log.columns)[:4] == [
        "customer_id",
        "rep_id",
        "date",
        "status",
    ]


# (name, row text, column, message regex): each row replaces ROWS[1] (spreadsheet row 3)
PROBLEM_CASES = [
    ("unknown customer", "C9,R1,2026-11-30,done,,,,,,", "customer_id", r"customer 'C9' is not"),
    (
        "rep not the customer's",
        "C4,R1,2026-11-30,done,,,,,,",
        "rep_id",
        r"rep 'R1' is not the rep of customer 'C4': the plan gives it to 'R2'",
    ),
    ("unknown rep", "C2,R7,2026-11-30,done,,,,,,", "rep_id", r"rep 'R7' is not one of"),
    ("bad status", "C2,R1,2026-11-30,maybe,,,,,,", "status", r"'maybe' is not a visit status"),
    (
        "date in the future",
        "C2,R1,2026-12-03,done,,,,,,",
        "date",
        r"visit dated 2026-12-03, after the as-of date \(2026-12-02\)",
    ),
    (
        "duplicate",
        "C1,R1,2026-11-30,missed,,,,,,",
        "customer_id",
        r"customer 'C1' on 2026-11-30 is also on row 2, with another status, start",
    ),
    ("bad date", "C2,R1,11/31/2026,done,,,,,,", "date", r"'11/31/2026' is not a"),
    ("empty status", "C2,R1,2026-11-30,,,,,,,", "status", r"status is empty"),
    ("bad start", "C2,R1,2026-11-30,done,9am,,,,,", "start", r"'9am' is not a time of day"),
    ("bad outcome", "C2,R1,2026-11-30,done,,,F,,,", "outcome", r"'F' is not an outcome"),
    ("bad duration", "C2,R1,2026-11-30,done,,-5,,,,", "duration_min", r"'-5' is not a visit"),
]


@pytest.mark.parametrize(
    ("name", "text", "column", "message"), PROBLEM_CASES, ids=[c[0] for c in PROBLEM_CASES]
)
def test_each_problem_names_row_and_column(tmp_path, name, text, column, message):
    path = write(tmp_path / "log.csv", [ROWS[0], text, *ROWS[2:]])
    with pytest.raises(InputError, match=message) as info:
        read_visit_log(params(path, as_of_label="the as-of date"))
    problems = info.value.problems
    assert len(problems) == 1, info.value.render()
    assert (problems[0].file, problems[0].row, problems[0].column) == (str(path), 3, column)
    assert problems[0].fix


def test_rep_checks_apply_only_on_the_plan_days(tmp_path):
    # before the plan's horizon the customer may have belonged to another rep
    path = write(
        tmp_path / "log.csv", ["C4,R1,2026-11-20,done,,,,,,", "C4,R8,2026-11-21,done,,,,,,"]
    )
    assert len(read_visit_log(params(path)).log) == 2


def test_every_problem_of_every_file_at_once(tmp_path):
    a = write(tmp_path / "a.csv", ["C9,R1,2026-11-30,done,,,,,,", "C1,R1,2026-11-30,nope,,,,,,"])
    b = write(tmp_path / "b.csv", ["C1,R1,2026-11-30"], header="customer_id,rep_id,date")
    empty = tmp_path / "nothing"
    empty.mkdir()
    with pytest.raises(InputError) as info:
        read_visit_log(params(a, b, empty))
    found = {(p.file, p.row, p.column) for p in info.value.problems}
    assert found == {
        (str(empty), None, None),
        (str(a), 2, "customer_id"),
        (str(a), 3, "status"),
        (str(b), None, "status"),
    }, info.value.render()


def test_missing_file_and_unknown_header_spelling(tmp_path):
    path = write(tmp_path / "log.csv", ["C1,R1,2026-11-30,done"], header="客户编号,rep,日期,状态")
    assert list(read_visit_log(params(path)).log["customer_id"]) == ["C1"]
    with pytest.raises(InputError, match="does not exist"):
        read_visit_log(params(tmp_path / "missing.csv"))
