"""One bad file per defect (tests/data/invalid/), all through one parametrised test.

Each case is ``(filename, kind, expected_message_regex)``: ``kind`` says which input the
file stands for (``customers``, ``reps`` or ``appointments``); the other inputs are the
valid files in tests/data/valid/ (appointments only when ``kind == "appointments"``), see
:func:`params_for_case`. Every file holds exactly one defect, so exactly one problem is
expected, at the row and column given by :data:`EXPECTED_WHERE`.

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

INVALID_CASES: list[tuple[str, str, str]] = [
    ("customers_missing_column.csv", "customers",
     r"required column 'lat' is missing.*did you mean 'lattitude'"),
    ("customers_duplicate_id.csv", "customers", r"duplicate customer id 'C2': also on row 3"),
    ("customers_bad_coordinate.csv", "customers", r"latitude 'N60\.1683' is not a number"),
    ("customers_out_of_range.csv", "customers", r"longitude 249\.482 is outside -180\.\.180"),
    ("customers_swapped_latlon.csv", "customers", r"looks like lat and lon are swapped"),
    ("customers_swapped_out_of_range.csv", "customers",
     r"latitude 103\.85 is outside -90\.\.90 .*looks like lat and lon are swapped"),
    ("customers_null_island.csv", "customers", r"coordinates are \(0, 0\).*never geocoded"),
    ("customers_empty_coordinate.csv", "customers", r"latitude is empty"),
    ("customers_unknown_tier.csv", "customers",
     r"unknown tier 'AA'; valid tiers: A, B, C .*did you mean 'A'"),
    ("customers_bad_time.csv", "customers", r"'25:00' is not a valid time of day"),
    ("customers_open_after_close.csv", "customers",
     r"opens at 18:00 but closes at 09:00: closing must be later"),
    ("customers_service_too_long.csv", "customers",
     r"service of 600 min is longer than the workday \(08:00-16:30, 510 min\)"),
    ("customers_unknown_weekday.csv", "customers", r"unknown weekday 'Sx'"),
    ("customers_empty.csv", "customers", r"file has a header but no customer rows"),
    ("customers_zero_bytes.csv", "customers", r"file is empty"),
    ("customers_unknown_rep.csv", "customers",
     r"pinned to rep 'R9', which is not in the reps file.*rep ids are: R1, R2"),
    ("customers_cp1252.csv", "customers",
     r"not UTF-8.*Windows-1252.*'Café Müller'.*CSV UTF-8"),
    ("customers_empty_name.csv", "customers", r"customer name is empty"),
    ("customers_bad_date.csv", "customers",
     r"'01/31/2026' is not a valid date \(it looks like month/day/year.*2026-01-31"),
    ("customers_bad_active.csv", "customers", r"'maybe' is not true or false"),
    ("customers_bad_service.csv", "customers", r"'thirty' is not a number"),
    ("customers_field_count.csv", "customers",
     r"row has 7 values but the header has 6 columns.*double quotes"),
    ("customers_duplicate_header.csv", "customers", r"column 'name' appears twice"),
    ("does_not_exist.csv", "customers", r"does not exist"),
    ("reps_missing_column.csv", "reps",
     r"required column 'home_lon' is missing.*did you mean 'home_longtitude'"),
    ("reps_duplicate_id.csv", "reps", r"duplicate rep id 'R2': also on row 3"),
    ("reps_end_before_start.csv", "reps", r"work ends \(08:00\) before it starts \(16:30\)"),
    ("reps_bad_time.csv", "reps", r"'8am' is not a time of day"),
    ("reps_unknown_weekday.csv", "reps", r"'Fx' is not a weekday"),
    ("reps_bad_unavailable.csv", "reps", r"range '2026-03-06\.\.2026-03-02' ends before it starts"),
    ("reps_bad_max_visits.csv", "reps", r"'-3' is not a whole number"),
    ("reps_swapped_home.csv", "reps", r"home .*looks like lat and lon are swapped"),
    ("reps_empty.csv", "reps", r"file has a header but no rep rows"),
    ("reps_bad_coordinate.csv", "reps", r"home latitude 'sixty' is not a number"),
    ("reps_start_incomplete.csv", "reps", r"start longitude is empty"),
    ("appointments_unknown_customer.csv", "appointments",
     r"appointment for customer 'C9', which is not in the customers file"),
    ("appointments_bad_time.csv", "appointments", r"'25:00' is not a valid time of day"),
    ("appointments_bad_date.csv", "appointments", r"'31\.02\.2026' is not a valid date"),
    ("appointments_missing_column.csv", "appointments", r"required column 'time' is missing"),
    ("appointments_duplicate.csv", "appointments",
     r"the same appointment \(C1, 2026-12-02, 10:30\) is also on row 2"),
]

EXPECTED_WHERE: dict[str, tuple[int | None, str | None]] = {
    "customers_missing_column.csv": (None, "lat"),
    "customers_duplicate_id.csv": (5, "id"),
    "customers_bad_coordinate.csv": (3, "lat"),
    "customers_out_of_range.csv": (4, "lon"),
    "customers_swapped_latlon.csv": (4, "lat"),
    "customers_swapped_out_of_range.csv": (3, "lat"),
    "customers_null_island.csv": (3, "lat"),
    "customers_empty_coordinate.csv": (4, "lat"),
    "customers_unknown_tier.csv": (4, "tier"),
    "customers_bad_time.csv": (3, "open"),
    "customers_open_after_close.csv": (3, "close"),
    "customers_service_too_long.csv": (3, "service_min"),
    "customers_unknown_weekday.csv": (3, "opening_hours"),
    "customers_empty.csv": (None, None),
    "customers_zero_bytes.csv": (None, None),
    "customers_unknown_rep.csv": (3, "rep_id"),
    "customers_cp1252.csv": (3, "name"),
    "customers_empty_name.csv": (4, "name"),
    "customers_bad_date.csv": (3, "last_visit"),
    "customers_bad_active.csv": (4, "active"),
    "customers_bad_service.csv": (2, "service_min"),
    "customers_field_count.csv": (3, None),
    "customers_duplicate_header.csv": (1, "name"),
    "does_not_exist.csv": (None, None),
    "reps_missing_column.csv": (None, "home_lon"),
    "reps_duplicate_id.csv": (4, "id"),
    "reps_end_before_start.csv": (2, "work_end"),
    "reps_bad_time.csv": (2, "work_start"),
    "reps_unknown_weekday.csv": (3, "working_days"),
    "reps_bad_unavailable.csv": (2, "unavailable"),
    "reps_bad_max_visits.csv": (3, "max_visits_per_day"),
    "reps_swapped_home.csv": (3, "home_lat"),
    "reps_empty.csv": (None, None),
    "reps_bad_coordinate.csv": (2, "home_lat"),
    "reps_start_incomplete.csv": (3, "start_lon"),
    "appointments_unknown_customer.csv": (3, "customer_id"),
    "appointments_bad_time.csv": (2, "time"),
    "appointments_bad_date.csv": (2, "date"),
    "appointments_missing_column.csv": (None, "time"),
    "appointments_duplicate.csv": (3, "customer_id"),
}


def params_for_case(filename: str, kind: str) -> ReadParams:
    """The inputs of one case: the bad file in its slot, valid files elsewhere."""
    paths = {"customers_path": VALID / "customers.csv", "reps_path": VALID / "reps.csv",
             "appointments_path": None}
    paths[f"{kind}_path"] = INVALID / filename
    return ReadParams(**paths)


def test_every_fixture_has_a_case():
    files = {p.name for p in INVALID.iterdir()}
    named = {f for f, _, _ in INVALID_CASES}
    assert files <= named, f"fixtures without a case: {sorted(files - named)}"
    assert set(EXPECTED_WHERE) == named


@pytest.mark.parametrize(("filename", "kind", "message"), INVALID_CASES,
                         ids=[c[0] for c in INVALID_CASES])
def test_invalid_file(filename: str, kind: str, message: str):
    with pytest.raises(InputError, match=message) as info:
        read_inputs(params_for_case(filename, kind))
    problems = info.value.problems
    assert len(problems) == 1, info.value.render()
    p = problems[0]
    assert p.file == str(INVALID / filename)
    assert (p.row, p.column) == EXPECTED_WHERE[filename], str(p)
    assert "Traceback" not in str(info.value)
