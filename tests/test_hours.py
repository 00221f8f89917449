"""Opening-hours parsing (OSM subset) and clock helpers."""

import pytest

from planner.hours import (
    ALWAYS_OPEN,
    format_opening_hours,
    hours_from_open_close,
    parse_opening_hours,
)
from planner.units import format_clock, parse_clock, parse_weekday_set

H = 3600


def test_basic_rules():
    h = parse_opening_hours("Mo-Fr 09:00-17:00; Sa 09:00-12:00")
    assert h[0] == ((9 * H, 17 * H),) and h[4] == ((9 * H, 17 * H),)
    assert h[5] == ((9 * H, 12 * H),) and h[6] == ()


def test_split_day_wrap_and_off():
    h = parse_opening_hours("Fr-Mo 10:00-12:00,13:00-18:00; Su off; PH off")
    assert h[4] == ((10 * H, 12 * H), (13 * H, 18 * H))
    assert h[0] == h[4] and h[5] == h[4] and h[6] == () and h[2] == ()


def test_later_rule_wins_and_past_midnight():
    h = parse_opening_hours("Mo-Su 10:00-20:00; Sa 22:00-02:00")
    assert h[5] == ((22 * H, 24 * H),) and h[1] == ((10 * H, 20 * H),)


def test_24_7_and_roundtrip():
    assert parse_opening_hours("24/7") == ALWAYS_OPEN
    text = "Mo-Fr 09:00-17:00; Sa 09:00-12:00"
    assert format_opening_hours(parse_opening_hours(text)) == text


@pytest.mark.parametrize(
    "bad", ["Mo-Fr 25:00-26:00", "Xx 09:00-10:00", "Mo-Fr 9am-5pm", "Mo-Fr", ""]
)
def test_bad_hours(bad):
    with pytest.raises(ValueError):
        parse_opening_hours(bad)


def test_open_close_columns():
    h = hours_from_open_close("08:30", "16:00", "Sa,Su")
    assert h[0] == ((8 * H + 1800, 16 * H),) and h[5] == () and h[6] == ()
    with pytest.raises(ValueError, match="closing must be later"):
        hours_from_open_close("17:00", "09:00")


def test_clock():
    assert parse_clock("08:00") == 8 * H and parse_clock("7:05") == 7 * H + 300
    assert format_clock(16 * H + 1799) == "16:30"
    for bad in ("25:00", "12:61", "noon"):
        with pytest.raises(ValueError):
            parse_clock(bad)
    assert parse_weekday_set("Mon-Wed, Fri") == (0, 1, 2, 4)


def test_opening_hours_survive_the_plan_csv_roundtrip():
    """customers.csv in a plan directory must give back the same hours (planner check
    reads them): a never-open customer stays closed, 24/7 stays open."""
    import pandas as pd

    from planner.plan import customers_from_csv, customers_to_csv

    texts = [
        "Mo-Fr 09:00-12:00,13:00-17:00; Sa 10:00-14:00",
        "24/7",
        "Mo-Su off",
        "Tu,Th 17:00-24:00",
    ]
    hours = [parse_opening_hours(t) for t in texts]
    n = len(hours)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "name": "x",
            "lat": 60.0,
            "lon": 24.9,
            "tier": "A",
            "address": "",
            "phone": "",
            "notes": "",
            "service_s": 1800,
            "hours": hours,
            "last_visit": None,
            "rep_id": None,
            "territory_id": None,
            "active": True,
        }
    )
    back = customers_from_csv(customers_to_csv(frame).astype(str))
    assert list(back["hours"]) == hours
