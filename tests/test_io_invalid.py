"""One bad file per defect (tests/data/invalid/), all through one parametrised test.

Each case is ``(filename, kind, row, column, expected_message_regex)``: ``kind`` says
which input the file stands for (``customers``, ``reps`` or ``appointments``); the other
inputs are the valid files in tests/data/valid/ (appointments only when
``kind == "appointments"``), see :func:`params_for_case`. Every file holds exactly one
defect, so exactly one problem is expected, at the case's ``row`` and ``column``.

The messages assume the default tiers (A 45 min, B 30, C 20) and workday (08:00-16:30), as
a scenario without ``tiers:``/``workday:`` has. ``does_not_exist.csv`` is deliberately absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import InputError
from planner.io import ReadParams, read_inputs

DATA = Path(__file__).resolve().parent / "data"
INVALID = DATA / "invalid"
VALID = DATA / "valid"

INVALID_CASES: list[tuple[str, str, int | None, str | None, str]] = [
    # (file, kind, row, column, message regex)
    (
        "customers_missing_column.csv",
        "customers",
        None,
        "lat",
        r"required column 'lat' is missing.*did you mean 'lattitude'",
    ),
    (
        "customers_duplicate_id.csv",
        "customers",
        5,
        "id",
        r"duplicate customer id 'C2': also on row 3",
    ),
    (
        "customers_bad_coordinate.csv",
        "customers",
        3,
        "lat",
        r"latitude 'N60\.1683' is not a number",
    ),
    (
        "customers_out_of_range.csv",
        "customers",
        4,
        "lon",
        r"longitude 249\.482 is outside -180\.\.180",
    ),
    ("customers_swapped_latlon.csv", "customers", 4, "lat", r"looks like lat and lon are swapped"),
    (
        "customers_swapped_out_of_range.csv",
        "customers",
        3,
        "lat",
        r"latitude 103\.85 is outside -90\.\.90 .*looks like lat and lon are swapped",
    ),
    (
        "customers_null_island.csv",
        "customers",
        3,
        "lat",
        r"coordinates are \(0, 0\).*never geocoded",
    ),
    ("customers_empty_coordinate.csv", "customers", 4, "lat", r"latitude is empty"),
    (
        "customers_unknown_tier.csv",
        "customers",
        4,
        "tier",
        r"unknown tier 'AA'; valid tiers: A, B, C .*did you mean 'A'",
    ),
    ("customers_bad_time.csv", "customers", 3, "open", r"'25:00' is not a valid time of day"),
    (
        "customers_open_after_close.csv",
        "customers",
        3,
        "close",
        r"opens at 18:00 but closes at 09:00: closing must be later",
    ),
    (
        "customers_service_too_long.csv",
        "customers",
        3,
        "service_min",
        r"service of 600 min is longer than the workday \(08:00-16:30, 510 min\)",
    ),
    ("customers_unknown_weekday.csv", "customers", 3, "opening_hours", r"unknown weekday 'Sx'"),
    ("customers_empty.csv", "customers", None, None, r"file has a header but no customer rows"),
    ("customers_zero_bytes.csv", "customers", None, None, r"file is empty"),
    (
        "customers_unknown_rep.csv",
        "customers",
        3,
        "rep_id",
        r"pinned to rep 'R9', which is not in the reps file.*rep ids are: R1, R2",
    ),
    (
        "customers_cp1252.csv",
        "customers",
        3,
        "name",
        r"not UTF-8.*Windows-1252.*'Café Müller'.*CSV UTF-8",
    ),
    ("customers_empty_name.csv", "customers", 4, "name", r"customer name is empty"),
    (
        "customers_bad_date.csv",
        "customers",
        3,
        "last_visit",
        r"'01/31/2026' is not a valid date \(it looks like month/day/year.*2026-01-31",
    ),
    ("customers_bad_active.csv", "customers", 4, "active", r"'maybe' is not true or false"),
    ("customers_bad_service.csv", "customers", 2, "service_min", r"'thirty' is not a number"),
    (
        "customers_field_count.csv",
        "customers",
        3,
        None,
        r"row has 7 values but the header has 6 columns.*double quotes",
    ),
    ("customers_duplicate_header.csv", "customers", 1, "name", r"column 'name' appears twice"),
    ("does_not_exist.csv", "customers", None, None, r"does not exist"),
    (
        "reps_missing_column.csv",
        "reps",
        None,
        "home_lon",
        r"required column 'home_lon' is missing.*did you mean 'home_longtitude'",
    ),
    ("reps_duplicate_id.csv", "reps", 4, "id", r"duplicate rep id 'R2': also on row 3"),
    (
        "reps_end_before_start.csv",
        "reps",
        2,
        "work_end",
        r"work ends \(08:00\) before it starts \(16:30\)",
    ),
    ("reps_bad_time.csv", "reps", 2, "work_start", r"'8am' is not a time of day"),
    ("reps_unknown_weekday.csv", "reps", 3, "working_days", r"'Fx' is not a weekday"),
    (
        "reps_bad_unavailable.csv",
        "reps",
        2,
        "unavailable",
        r"range '2026-03-06\.\.2026-03-02' ends before it starts",
    ),
    ("reps_bad_max_visits.csv", "reps", 3, "max_visits_per_day", r"'-3' is not a whole number"),
    ("reps_swapped_home.csv", "reps", 3, "home_lat", r"home .*looks like lat and lon are swapped"),
    ("reps_empty.csv", "reps", None, None, r"file has a header but no rep rows"),
    ("reps_bad_coordinate.csv", "reps", 2, "home_lat", r"home latitude 'sixty' is not a number"),
    ("reps_start_incomplete.csv", "reps", 3, "start_lon", r"start longitude is empty"),
    (
        "appointments_unknown_customer.csv",
        "appointments",
        3,
        "customer_id",
        r"appointment for customer 'C9', which is not in the customers file",
    ),
    ("appointments_bad_time.csv", "appointments", 2, "time", r"'25:00' is not a valid time of day"),
    ("appointments_bad_date.csv", "appointments", 2, "date", r"'31\.02\.2026' is not a valid date"),
    (
        "appointments_missing_column.csv",
        "appointments",
        None,
        "time",
        r"required column 'time' is missing",
    ),
    (
        "appointments_duplicate.csv",
        "appointments",
        3,
        "customer_id",
        r"the same appointment \(C1, 2026-12-02, 10:30\) is also on row 2",
    ),
]


def params_for_case(filename: str, kind: str) -> ReadParams:
    """The inputs of one case: the bad file in its slot, valid files elsewhere."""
    paths = {
        "customers_path": VALID / "customers.csv",
        "reps_path": VALID / "reps.csv",
        "appointments_path": None,
    }
    paths[f"{kind}_path"] = INVALID / filename
    return ReadParams(**paths)


def test_every_fixture_has_a_case():
    files = {p.name for p in INVALID.iterdir()}
    named = [case[0] for case in INVALID_CASES]
    assert len(named) == len(set(named)), "a fixture with two cases"
    assert files <= set(named), f"fixtures without a case: {sorted(files - set(named))}"


@pytest.mark.parametrize(
    ("filename", "kind", "row", "column", "message"),
    INVALID_CASES,
    ids=[c[0] for c in INVALID_CASES],
)
def test_invalid_file(filename: str, kind: str, row: int | None, column: str | None, message: str):
    with pytest.raises(InputError, match=message) as info:
        read_inputs(params_for_case(filename, kind))
    problems = info.value.problems
    assert len(problems) == 1, info.value.render()
    p = problems[0]
    assert p.file == str(INVALID / filename)
    assert (p.row, p.column) == (row, column), str(p)
    assert "Traceback" not in str(info.value)
