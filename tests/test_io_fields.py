"""Cell parsers and file-level defects of planner.io (encodings, formats)."""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from planner.domain import DEFAULT_TIERS, Workday
from planner.errors import InputError
from planner.io import read_customers, read_table
from planner.io.columns import APPOINTMENT_SPECS, CUSTOMER_SPECS, REP_SPECS, normalise_name
from planner.io.fields import (
    normalise_opening_hours,
    parse_bool,
    parse_count,
    parse_date,
    parse_date_list,
    parse_hours,
    parse_number,
)

D = dt.date


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-01-31", D(2026, 1, 31)),
        ("31.01.2026", D(2026, 1, 31)),
        ("31/01/2026", D(2026, 1, 31)),
        ("1.2.2026", D(2026, 2, 1)),
        ("2026-01-31 00:00:00", D(2026, 1, 31)),
        ("2026-01-31T08:15", D(2026, 1, 31)),
    ],
)
def test_parse_date_formats(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Jan 31 2026", r"not a date; write 2026-01-31"),
        ("2026-02-30", r"not a valid date"),
        ("12/31/2026", r"looks like month/day/year"),
    ],
)
def test_parse_date_errors_say_the_expected_format(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date(text)


def test_parse_date_list_separators_and_ranges():
    got = parse_date_list("2026-03-09; 2026-03-02 .. 2026-03-04,2026-03-09 05.03.2026")
    assert got == (D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 4), D(2026, 3, 5), D(2026, 3, 9))
    assert parse_date_list("") == ()
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_date_list("2026-03-06..2026-03-02")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("YES", True),
        ("y", True),
        ("1", True),
        ("False", False),
        ("no", False),
        ("N", False),
        ("0", False),
    ],
)
def test_parse_bool(text, value):
    assert parse_bool(text) is value


def test_parse_numbers():
    assert parse_number("55,67") == 55.67
    assert parse_number("-8,6109") == -8.6109
    assert parse_number("\u22128.61") == -8.61  # typographic minus
    for bad in ("1,234,5", "N55", "nan", "inf", ""):
        with pytest.raises(ValueError):
            parse_number(bad)
    assert parse_count("") == 0 and parse_count("12.0") == 12
    with pytest.raises(ValueError):
        parse_count("2.5")


def test_opening_hours_spellings():
    assert (
        normalise_opening_hours("Mon-Fri 9:00-17:00, sat 10:00-14:00")
        == "Mo-Fr 9:00-17:00; Sa 10:00-14:00"
    )
    assert (
        normalise_opening_hours("Mo-Fr 10:30-21:30; Sa,Su 11:30-21:30")
        == "Mo-Fr 10:30-21:30; Sa,Su 11:30-21:30"
    )
    h = parse_hours("Monday-Friday 08:00-12:00,13:00-17:00; Saturday off")
    assert h[0] == ((8 * 3600, 12 * 3600), (13 * 3600, 17 * 3600)) and h[5] == () and h[6] == ()
    # a month rule that changes the hours of some weeks (the planner needs weekly hours)
    with pytest.raises(ValueError, match="month and date rules"):
        parse_hours("Mo-Fr 10:00-18:00; Jun 06-Aug 13 Sa 10:00-14:00")
    # one that changes nothing (Sa is closed anyway) is read as the weekly hours it gives
    assert parse_hours("Mo-Fr 10:00-18:00; Jun 06-Aug 13 Sa off")[5] == ()


def test_aliases_are_unambiguous():
    for specs in (CUSTOMER_SPECS, REP_SPECS, APPOINTMENT_SPECS):
        spellings = [s for spec in specs for s in spec.spellings]
        assert len(spellings) == len(set(spellings))
        assert all(normalise_name(s) == s for s in spellings)


def _customers(tmp_path, data: bytes, name="c.csv"):
    p = tmp_path / name
    p.write_bytes(data)
    return read_customers(p, DEFAULT_TIERS, Workday())


HEADER = "id,name,lat,lon,tier\r\n"


def test_utf16_with_bom_is_read(tmp_path):
    text = HEADER.replace(",", "\t") + "C1\tCafé Müller\t60.1690801\t24.9391241\tA\r\n"
    c = _customers(tmp_path, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert c["name"].iloc[0] == "Café Müller"


def test_latin1_only_bytes_named_as_latin1(tmp_path):
    # 0x81 is undefined in Windows-1252, so only Latin-1 decodes this
    with pytest.raises(InputError, match=r"looks like ISO-8859-1.*save it as UTF-8") as info:
        _customers(tmp_path, (HEADER + "C1,Caf\xe9 \x81,60.1,24.9,A\r\n").encode("latin-1"))
    assert (info.value.problems[0].row, info.value.problems[0].column) == (2, "name")


def test_workbook_with_csv_name_and_old_xls(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["id", "name", "lat", "lon", "tier"])
    wb.save(tmp_path / "book.xlsx")
    (tmp_path / "book.csv").write_bytes((tmp_path / "book.xlsx").read_bytes())
    with pytest.raises(InputError, match="this is an Excel workbook"):
        read_table(tmp_path / "book.csv")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"old Excel \.xls workbooks are not read"):
        read_table(tmp_path / "old.xls")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip file")
    with pytest.raises(InputError, match="not a readable Excel"):
        read_table(tmp_path / "broken.xlsx")


def test_xlsx_blank_rows_keep_spreadsheet_numbers(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "name", "lat", "lon", "tier"])
    ws.append(["C1", "Din Sko", 60.1690801, 24.9391241, "A"])
    ws.append([])
    ws.append([1002, "Alko", 60.1693328, "sixty", "B"])
    wb.create_sheet("notes")
    wb.save(tmp_path / "c.xlsx")
    with pytest.raises(InputError) as info:
        read_customers(tmp_path / "c.xlsx", DEFAULT_TIERS, Workday())
    (p,) = info.value.problems
    assert (p.row, p.column) == (4, "lon") and "'sixty' is not a number" in p.message
    t = read_table(tmp_path / "c.xlsx")
    assert t["id"].tolist() == ["C1", "1002"] and t["source_row"].tolist() == [2, 4]
