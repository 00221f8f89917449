"""Due visits (planner.schedule.due): how many visits each tier rule gives, and when."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from planner.domain import Horizon, TierRule, TierTable
from planner.hours import parse_opening_hours
from planner.schedule import due_frame, due_visits, match_appointments, week_of

MONDAY = dt.date(2026, 1, 5)
HORIZON = Horizon(MONDAY, 4)  # 2026-01-05 .. 2026-02-01
TIERS = TierTable(
    {
        "A": TierRule("A", every_weeks=1, service_min=45, priority=4),
        "B": TierRule("B", every_weeks=2, service_min=30, priority=3),
        "C": TierRule("C", every_weeks=4, service_min=20, priority=2, cadence="weekday"),
        "Q": TierRule("Q", every_weeks=13, service_min=60, priority=1, cadence="weekday"),
    }
)
D = dt.date


def customers_table(rows: list[tuple[str, str, dt.date | None]], seed: int = 0) -> pd.DataFrame:
    """Customers ``(customer_id, tier, last_visit)`` at random points of a 10 km square."""
    rng = np.random.default_rng(seed)
    hours = parse_opening_hours("Mo-Fr 08:00-18:00")
    return pd.DataFrame(
        [
            {
                "customer_id": cid,
                "name": cid,
                "lat": 60.17 + rng.uniform(0, 0.09),
                "lon": 24.94 + rng.uniform(0, 0.18),
                "tier": tier,
                "address": "",
                "phone": "",
                "notes": "",
                "service_s": TIERS[tier].service_s,
                "hours": hours,
                "last_visit": last,
                "rep_id": None,
                "territory_id": None,
                "active": True,
                "source_row": i + 2,
            }
            for i, (cid, tier, last) in enumerate(rows)
        ]
    )


def visits_of(due, cid):
    return [v for v in due if v.customer_id == cid]


def test_weekly_gives_one_visit_per_week_from_the_last_visit():
    due = due_visits(customers_table([("a1", "A", D(2026, 1, 1))]), HORIZON, TIERS)
    assert [v.due_date for v in due] == [
        D(2026, 1, 8),
        D(2026, 1, 15),
        D(2026, 1, 22),
        D(2026, 1, 29),
    ]
    assert [v.occurrence for v in due] == [0, 1, 2, 3]
    assert not any(v.overdue for v in due)
    for v in due:  # the window is the horizon week that holds the due date
        assert v.weekly_pattern
        assert v.earliest.weekday() == 0 and (v.latest - v.earliest).days == 6
        assert v.earliest <= v.due_date <= v.latest
    assert sorted(week_of(HORIZON, v.due_date) for v in due) == [0, 1, 2, 3]


def test_two_weekly_gives_every_other_week():
    due = due_visits(customers_table([("b1", "B", D(2025, 12, 29))]), HORIZON, TIERS)
    assert [v.due_date for v in due] == [D(2026, 1, 12), D(2026, 1, 26)]
    assert [week_of(HORIZON, v.due_date) for v in due] == [1, 3]


def test_four_weekly_with_last_visit_is_due_plus_minus_one_working_day():
    cust = customers_table(
        [
            ("c1", "C", D(2025, 12, 10)),  # due Wed 01-07
            ("c2", "C", D(2025, 12, 13)),  # due Sat 01-10
            ("c3", "C", D(2026, 1, 4)),
        ]
    )  # due 02-01: inside, on a Sunday
    due = {v.customer_id: v for v in due_visits(cust, HORIZON, TIERS)}
    assert (due["c1"].due_date, due["c1"].earliest, due["c1"].latest) == (
        D(2026, 1, 7),
        D(2026, 1, 6),
        D(2026, 1, 8),
    )
    assert not due["c1"].weekly_pattern
    # a due date on a day off: the nearest working days either side
    assert (due["c2"].earliest, due["c2"].latest) == (D(2026, 1, 9), D(2026, 1, 12))
    # the horizon's last day: clipped to the horizon
    assert (due["c3"].earliest, due["c3"].latest) == (D(2026, 1, 30), D(2026, 2, 1))
    two = {v.customer_id: v for v in due_visits(cust, HORIZON, TIERS, max_shift_days=2)}
    assert (two["c1"].earliest, two["c1"].latest) == (D(2026, 1, 5), D(2026, 1, 9))


def test_quarterly_tier_is_due_only_when_its_date_falls_in_the_horizon():
    cust = customers_table(
        [
            ("q1", "Q", D(2025, 10, 10)),  # + 91 d = Fri 2026-01-09
            ("q2", "Q", D(2025, 12, 1)),
        ]
    )  # + 91 d = 2026-03-02: not due
    due = due_visits(cust, HORIZON, TIERS)
    assert [(v.customer_id, v.due_date) for v in due] == [("q1", D(2026, 1, 9))]
    assert (due[0].earliest, due[0].latest) == (D(2026, 1, 8), D(2026, 1, 12))


@pytest.mark.parametrize(
    "tier, last, n_visits",
    [
        ("A", D(2025, 12, 1), 4),
        ("B", D(2025, 12, 1), 2),
        ("C", D(2025, 11, 1), 1),
        ("Q", D(2025, 6, 1), 1),
    ],
)
def test_overdue_customer_is_due_on_day_one_and_flagged(tier, last, n_visits):
    due = due_visits(customers_table([("x", tier, last)]), HORIZON, TIERS)
    assert len(due) == n_visits
    first = due[0]
    assert first.due_date == MONDAY and first.overdue
    assert (first.earliest, first.latest) == (MONDAY, D(2026, 1, 11))  # the first week
    assert not any(v.overdue for v in due[1:])
    step = 7 * TIERS[tier].every_weeks  # the cadence restarts from day one
    assert [v.due_date for v in due] == [
        MONDAY + dt.timedelta(days=step * k) for k in range(n_visits)
    ]


def test_counts_per_tier_without_last_visit():
    rows = [
        (f"{t}{i}", t, None)
        for t, n in (("A", 5), ("B", 8), ("C", 12), ("Q", 26))
        for i in range(n)
    ]
    due = due_visits(customers_table(rows), HORIZON, TIERS)
    per = Counter(v.customer_id for v in due)
    assert all(per[f"A{i}"] == 4 for i in range(5))
    assert all(per[f"B{i}"] == 2 for i in range(8))
    assert all(per[f"C{i}"] == 1 for i in range(12))
    # quarterly customers are spread over the 13 weeks of their quarter: 8 of 26 fall in
    # these 4 weeks (2 per phase)
    assert sum(per[f"Q{i}"] for i in range(26)) == 8
    assert all(per[f"Q{i}"] <= 1 for i in range(26))
    b_weeks = {
        cid: [week_of(HORIZON, v.due_date) for v in visits_of(due, cid)]
        for cid in per
        if cid.startswith("B")
    }
    assert all(ws in ([0, 2], [1, 3]) for ws in b_weeks.values())
    assert all(v.weekly_pattern for v in due)


def test_inactive_customers_are_not_due_and_order_does_not_matter():
    cust = customers_table([("a1", "A", None), ("b1", "B", None), ("c1", "C", None)])
    cust.loc[cust["customer_id"] == "b1", "active"] = False
    due = due_visits(cust, HORIZON, TIERS)
    assert {v.customer_id for v in due} == {"a1", "c1"}
    shuffled = due_visits(cust.iloc[::-1], HORIZON, TIERS)
    assert shuffled == due


def test_same_seed_same_due_visits_and_frame_columns():
    rows = [(f"C{i}", "C", None) for i in range(20)]
    a = due_visits(customers_table(rows), HORIZON, TIERS, seed=3)
    b = due_visits(customers_table(rows), HORIZON, TIERS, seed=3)
    assert a == b
    f = due_frame(a)
    assert len(f) == 20 and list(f.columns[:6]) == [
        "customer_id",
        "due_date",
        "earliest",
        "latest",
        "overdue",
        "occurrence",
    ]


def test_appointments_fill_a_due_visit_or_add_one():
    cust = customers_table([("a1", "A", None), ("c1", "C", D(2025, 12, 10))])
    due = due_visits(cust, HORIZON, TIERS)
    appts = pd.DataFrame(
        [
            {"customer_id": "a1", "date": D(2026, 1, 14), "start_s": 10 * 3600, "source_row": 2},
            {"customer_id": "c1", "date": D(2026, 1, 21), "start_s": 9 * 3600, "source_row": 3},
            {"customer_id": "c1", "date": D(2026, 3, 2), "start_s": 9 * 3600, "source_row": 4},
        ]
    )
    out, fixed = match_appointments(due, appts, HORIZON, cust, TIERS)
    # a1's week-2 visit is pinned; c1's 01-21 is outside its window: an extra visit
    a1 = [v for v in due if v.customer_id == "a1" and v.earliest <= D(2026, 1, 14) <= v.latest]
    assert fixed[("a1", a1[0].due_date)] == (D(2026, 1, 14), 10 * 3600)
    extra = [v for v in out if v.occurrence == -1]
    assert [(v.customer_id, v.due_date, v.earliest, v.latest) for v in extra] == [
        ("c1", D(2026, 1, 21), D(2026, 1, 21), D(2026, 1, 21))
    ]
    assert len(out) == len(due) + 1 and len(fixed) == 2  # the March one is ignored
