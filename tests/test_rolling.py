"""The rolling re-plan's pieces outside the calendar (planner/rolling.py): history from the
log, carried visits, preferred dates, changes_vs_previous, the scenario keys and CLI flags,
and a real roll of the tiny plan that ``planner check`` accepts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import TINY
from typer.testing import CliRunner

from planner.cli import app
from planner.domain import DEFAULT_TIERS, Horizon
from planner.errors import InputError
from planner.plan import Plan
from planner.rolling import RollParams, changes_vs_previous, prepare_roll
from planner.scenario import load_scenario
from planner.schedule.due import DueVisit

D = dt.date


def _customers(rows):
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "name": [r[0].lower() for r in rows],
            "tier": [r[1] for r in rows],
            "last_visit": pd.Series([r[2] for r in rows], dtype=object),
            "active": [r[3] if len(r) > 3 else True for r in rows],
        }
    )


def _visits(rows):
    return pd.DataFrame(
        {
            "rep_id": [r[0] for r in rows],
            "date": [r[1] for r in rows],
            "customer_id": [r[2] for r in rows],
            "customer_name": [r[2].lower() for r in rows],
            "tier": [r[3] for r in rows],
        }
    )


def _log(rows):
    return pd.DataFrame(
        [
            {
                "customer_id": c,
                "rep_id": rep,
                "date": d,
                "status": s,
                "start_s": None,
                "duration_s": None,
                "outcome": "",
                "person_met": "",
                "purpose": "",
                "notes": "flu" if s != "done" else "",
                "source_file": "log.csv",
                "source_row": i + 2,
            }
            for i, (c, rep, d, s) in enumerate(rows)
        ]
    )


def _plan(visits, customers, start, end, unscheduled=None):
    return Plan(
        visits=visits,
        routes=pd.DataFrame(),
        unscheduled=unscheduled
        if unscheduled is not None
        else pd.DataFrame(columns=["customer_id", "reason"]),
        assignments=pd.DataFrame(
            {"customer_id": customers["customer_id"], "territory_id": "T", "rep_id": "R1"}
        ),
        customers=customers,
        reps=pd.DataFrame({"rep_id": ["R1"], "name": ["Rep"]}),
        meta={"horizon": {"start": start.isoformat(), "end": end.isoformat()}},
    )


CUSTOMERS = _customers(
    [
        ("C1", "A", D(2026, 11, 20)),  # done a day late: history follows the log
        ("C2", "B", None),  # missed: carried, made overdue
        ("C3", "C", D(2026, 11, 2)),  # no row: taken as visited on its planned day
        ("C4", "A", D(2026, 11, 27)),  # visited unplanned on 12-04
    ]
)
PREVIOUS = _plan(
    _visits(
        [
            ("R1", D(2026, 11, 30), "C1", "A"),
            ("R1", D(2026, 12, 7), "C1", "A"),
            ("R1", D(2026, 12, 2), "C2", "B"),
            ("R1", D(2026, 12, 3), "C3", "C"),
            ("R1", D(2026, 12, 4), "C4", "A"),
            ("R1", D(2026, 12, 9), "C4", "A"),
        ]
    ),
    CUSTOMERS,
    D(2026, 11, 30),
    D(2026, 12, 13),
)
LOG = _log(
    [
        ("C1", "R1", D(2026, 12, 1), "done"),
        ("C2", "R1", D(2026, 12, 2), "missed"),
        ("C4", "R1", D(2026, 12, 4), "done"),
    ]
)
PARAMS = RollParams(Horizon(D(2026, 12, 7), 2), DEFAULT_TIERS, freeze_days=2)


def test_history_carried_and_preferred():
    roll = prepare_roll(CUSTOMERS, LOG, PREVIOUS, PARAMS)
    assert roll.history == {
        "C1": (D(2026, 11, 20), D(2026, 12, 1)),
        "C3": (D(2026, 11, 2), D(2026, 12, 3)),
        "C4": (D(2026, 11, 27), D(2026, 12, 4)),
    }
    last = dict(zip(roll.customers["customer_id"], roll.customers["last_visit"], strict=True))
    assert last == {"C1": D(2026, 12, 1), "C2": None, "C3": D(2026, 12, 3), "C4": D(2026, 12, 4)}
    # C2 never visited and missed on 12-02: anchored so it is overdue (12-02 = anchor + 2 w)
    assert roll.anchors == {"C2": D(2026, 11, 18)}
    assert roll.calendar_history()["C2"] == (D(2026, 11, 18),)
    assert (roll.updated_last_visits, roll.assumed_done) == (3, 1)
    assert list(roll.carried["customer_id"]) == ["C2"]
    assert roll.carried.iloc[0]["status"] == "missed" and roll.carried.iloc[0]["notes"] == "flu"
    pref = roll.preferred
    assert list(zip(pref["customer_id"], pref["date"], pref["frozen"], strict=True)) == [
        ("C1", D(2026, 12, 7), True),
        ("C4", D(2026, 12, 9), False),
    ]
    assert CUSTOMERS.loc[1, "last_visit"] is None  # the input is not changed


def test_empty_log_takes_the_previous_plan_as_made():
    roll = prepare_roll(CUSTOMERS, LOG.iloc[0:0], PREVIOUS, PARAMS)
    assert roll.assumed_done == 4 and len(roll.carried) == 0
    assert roll.history["C2"] == (D(2026, 12, 2),)


def test_changes_vs_previous_reasons():
    roll = prepare_roll(CUSTOMERS, LOG, PREVIOUS, PARAMS)
    customers = pd.concat(
        [
            roll.customers.assign(active=lambda f: f["customer_id"] != "C3"),
            _customers([("C5", "B", None)]),
        ],
        ignore_index=True,
    )
    new = _plan(
        _visits(
            [
                ("R1", D(2026, 12, 8), "C1", "A"),  # moved: follows the visit of 12-01
                ("R1", D(2026, 12, 8), "C2", "B"),  # carried forward
                ("R1", D(2026, 12, 9), "C4", "A"),  # unchanged: not listed
                ("R1", D(2026, 12, 10), "C5", "B"),  # new customer
                ("R1", D(2026, 12, 14), "C1", "A"),  # after the previous plan: not compared
            ]
        ),
        customers,
        D(2026, 12, 7),
        D(2026, 12, 20),
    )
    prev = _plan(
        pd.concat(
            [PREVIOUS.visits, _visits([("R1", D(2026, 12, 10), "C3", "C")])], ignore_index=True
        ),
        CUSTOMERS,
        D(2026, 11, 30),
        D(2026, 12, 13),
    )
    ch = changes_vs_previous(prev, new, roll, PARAMS)
    got = {
        (r.change, r.customer_id, r.previous_date, r.new_date): r.reason for r in ch.itertuples()
    }
    assert got == {
        ("added", "C2", None, D(2026, 12, 8)): "carried forward: the visit of 2026-12-02 was "
        "missed",
        ("moved", "C1", D(2026, 12, 7), D(2026, 12, 8)): "the cadence follows the visit made "
        "on 2026-12-01",
        ("removed", "C3", D(2026, 12, 10), None): "the customer is inactive",
        ("added", "C5", None, D(2026, 12, 10)): "new customer",
    }
    assert ch.loc[ch["customer_id"] == "C1", "shift_days"].iloc[0] == 1


def test_scenario_keys_and_their_problems(tmp_path):
    (tmp_path / "log.csv").write_text("customer_id,rep_id,date,status\n", encoding="utf-8")
    base = tmp_path / "base.yaml"
    base.write_text(
        f"customers: {TINY / 'customers.csv'}\nreps: {TINY / 'reps.csv'}\n"
        "horizon: {start: 2026-12-07}\nactuals: [log.csv]\n",
        encoding="utf-8",
    )
    (tmp_path / "sub").mkdir()
    child = tmp_path / "sub" / "child.yaml"
    child.write_text("extends: ../base.yaml\n", encoding="utf-8")
    assert [p.resolve() for p in load_scenario(child).actuals_paths] == [tmp_path / "log.csv"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"customers: {TINY / 'customers.csv'}\nreps: {TINY / 'reps.csv'}\n"
        "horizon: {start: 2026-12-07}\nactuals: nope.csv\nprevious_plan: nowhere\n"
        "freeze_days: 2\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_scenario(bad)
    assert {p.column for p in info.value.problems} == {"actuals", "previous_plan"}
    lone = tmp_path / "lone.yaml"
    lone.write_text(base.read_text(encoding="utf-8") + "freeze_days: 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="freeze_days needs previous_plan"):
        load_scenario(lone)
    rolled = load_scenario(base).with_rolling([tmp_path / "log.csv"], None)
    assert rolled.actuals_paths == ((tmp_path / "log.csv").resolve(),)
    with pytest.raises(InputError, match="not a plan folder"):
        load_scenario(base).with_rolling(None, tmp_path)


def test_rolled_tiny_plan_carries_the_misses_and_passes_check(tiny_road_plan, tmp_path):
    """Roll the tiny road plan one week: a missed A and a missed B visit of week 1 are in
    the new plan's first week (or reported), changes_vs_previous.csv says why for the B
    visit (the previous plan had none for it that week), planner check passes."""
    from planner.check import check_plan_dir

    plan, plan_dir = tiny_road_plan
    v = plan.visits[plan.visits["date"] < D(2026, 12, 7)].sort_values(["date", "seq"])
    missed = [v[v["tier"] == t].iloc[0] for t in ("A", "B")]
    log = tmp_path / "log.csv"
    log.write_text(
        "customer_id,rep_id,date,status,notes\n"
        + "".join(f"{m.customer_id},{m.rep_id},{m.date},missed,closed\n" for m in missed),
        encoding="utf-8",
    )
    scenario = tmp_path / "next.yaml"
    scenario.write_text(
        f"extends: {TINY / 'road.yaml'}\nname: tiny rolled\n"
        "horizon: {start: 2026-12-07, weeks: 1}\n",
        encoding="utf-8",
    )
    out = tmp_path / "rolled"
    args = ["plan", str(scenario), "--out", str(out), "--no-maps", "--workers", "1"]
    result = CliRunner().invoke(app, [*args, "--previous", str(plan_dir), "--actuals", str(log)])
    assert result.exit_code == 0, result.output
    rolled = Plan.from_dir(out)
    first_week = set(rolled.visits.loc[rolled.visits["date"] <= D(2026, 12, 11), "customer_id"])
    reported = set(rolled.unscheduled["customer_id"])
    for m in missed:
        assert m.customer_id in first_week | reported, m.customer_id
    b = missed[1]
    if b.customer_id in first_week:
        changes = pd.read_csv(out / "changes_vs_previous.csv", dtype=str, keep_default_na=False)
        reasons = " ".join(changes.loc[changes["customer_id"] == b.customer_id, "reason"])
        assert f"the visit of {b.date} was missed" in reasons
    assert rolled.meta["rolling"]["carried"] == 2 and rolled.meta["rolling"]["log_rows"] == 2
    assert check_plan_dir(out) == []


def test_validate_checks_the_visit_log(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(
        "customer_id,rep_id,date,status\nHEL0021,R1,2026-12-01,done\nHEL0021,R1,2026-12-08,done\n",
        encoding="utf-8",
    )
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"extends: {TINY / 'haversine.yaml'}\nhorizon: {{start: 2026-12-07}}\nactuals: {log}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(scenario)])
    text = " ".join(result.output.split())
    assert result.exit_code == 2, text
    assert "log.csv, row 3, column 'date': visit dated 2026-12-08, after the day before" in text


# ---------------------------------------------------------------- the calendar side
def _due(cid, due, lo, hi, overdue=False, k=0):
    from planner.schedule import DueVisit

    return DueVisit(cid, due, lo, hi, overdue, k, tier="A")


def test_previous_dates_are_paired_inside_each_visit_window():
    from planner.schedule import frozen_subset, previous_preferred

    due = [
        _due("C1", D(2026, 12, 7), D(2026, 12, 7), D(2026, 12, 13)),
        _due("C1", D(2026, 12, 14), D(2026, 12, 14), D(2026, 12, 20), k=1),
        _due("C2", D(2026, 12, 10), D(2026, 12, 9), D(2026, 12, 11)),  # previous day outside
        _due("C3", D(2026, 12, 7), D(2026, 12, 7), D(2026, 12, 13), overdue=True),  # carried
    ]
    previous = {"C1": (D(2026, 12, 16), D(2026, 12, 9)), "C2": (D(2026, 12, 14),)}
    got = previous_preferred(due, previous, {"C3"}, D(2026, 12, 7))
    assert got == {
        ("C1", D(2026, 12, 7)): D(2026, 12, 9),
        ("C1", D(2026, 12, 14)): D(2026, 12, 16),
        ("C3", D(2026, 12, 7)): D(2026, 12, 7),
    }
    frozen = frozen_subset(got, previous, D(2026, 12, 10))
    assert frozen == {("C1", D(2026, 12, 7)): D(2026, 12, 9)}  # C3's day is no previous day


def _two_flexible_on_monday(**calendar_params):
    """Days of two flexible weekly customers who both prefer Monday, one week, with the
    given :class:`CalendarParams` extras."""
    from test_frequency_rules import MONDAY, rep, table

    from planner.domain import TierRule, TierTable
    from planner.schedule import CalendarParams, assign_days, due_visits
    from planner.schedule.synthetic import haversine_travel

    h = Horizon(MONDAY, 1)
    tiers = TierTable({"F": TierRule("F", 1, 30, 1, cadence="flexible")})
    cust = table([("p1", "F", None), ("p2", "F", None)], seed=2)
    r = rep()
    params = CalendarParams(
        h,
        tiers,
        preferred_dates={("p1", MONDAY): MONDAY, ("p2", MONDAY): MONDAY},
        preferred_cost_s=1e6,
        **calendar_params,
    )
    res = assign_days(cust, r, due_visits(cust, h, tiers), haversine_travel(cust, r), None, params)
    return dict(zip(res.visits["customer_id"], res.visits["date"], strict=True))


def test_frozen_date_holds_against_any_preference():
    from test_frequency_rules import MONDAY

    thursday = MONDAY + dt.timedelta(days=3)
    got = _two_flexible_on_monday(frozen_dates={("p1", MONDAY): thursday})
    assert got == {"p1": thursday, "p2": MONDAY}


def test_closed_days_take_no_new_flexible_visit():
    """``freeze_days``: published days take no new visit, even one that prefers them; a
    visit whose window holds only closed days still gets one of them."""
    from test_frequency_rules import MONDAY

    tuesday = MONDAY + dt.timedelta(days=1)
    got = _two_flexible_on_monday(closed_dates=frozenset({MONDAY, tuesday}))
    assert set(got) == {"p1", "p2"} and all(d > tuesday for d in got.values()), got
    week = frozenset(MONDAY + dt.timedelta(days=i) for i in range(7))
    assert set(_two_flexible_on_monday(closed_dates=week)) == {"p1", "p2"}  # none dropped


def test_rolled_plan_with_an_empty_log_equals_the_previous_remaining_days(tiny_road_plan, tmp_path):
    plan, plan_dir = tiny_road_plan
    log = tmp_path / "log.csv"
    log.write_text("customer_id,rep_id,date,status\n", encoding="utf-8")
    scenario = tmp_path / "next.yaml"
    scenario.write_text(
        f"extends: {TINY / 'road.yaml'}\nname: tiny rolled\n"
        "horizon: {start: 2026-12-07, weeks: 1}\n"
        f"previous_plan: {plan_dir}\nactuals: {log}\nfreeze_days: 2\n",
        encoding="utf-8",
    )
    out = tmp_path / "rolled"
    args = ["plan", str(scenario), "--out", str(out), "--no-maps", "--workers", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    cols = ["rep_id", "date", "seq", "customer_id", "arrival", "start", "departure"]
    a = pd.read_csv(plan_dir / "visits.csv", dtype=str)
    b = pd.read_csv(out / "visits.csv", dtype=str)
    a = a[(a["date"] >= "2026-12-07") & (a["date"] <= "2026-12-13")][cols]
    assert len(a) > 0
    assert a.reset_index(drop=True).equals(b[cols].reset_index(drop=True))
    assert pd.read_csv(out / "changes_vs_previous.csv").empty
    rolled = Plan.from_dir(out)
    assert rolled.meta["rolling"]["stability"]["kept_pct"] == 100.0
    assert rolled.history and (out / "history.csv").exists()


# ---------------------------------------------------------------- make-up visits first
def _make_up_problem(
    a_hours="Mo-Fr 08:00-18:00",
    a_tier="A",
    a_far=False,
    a_last=D(2026, 11, 23),
    a_missed=D(2026, 11, 30),
    a_previous=D(2026, 12, 10),
):
    """One rep, one week from Monday 2026-12-07, at most two visits a day. The A customer
    ``a1`` missed its visit of Monday 2026-11-30 (due again by Monday 12-07, five working
    days later); two C customers are kept on Monday 12-07 from the previous plan (their
    windows run Monday-Tuesday)."""
    from test_frequency_rules import LUNCH, rep, table

    from planner.routing import RoutingParams
    from planner.schedule.synthetic import haversine_travel
    from planner.territory_plan import TerritoryProblem

    monday = D(2026, 12, 7)
    cust = table(
        [
            ("a1", a_tier, a_last, {"hours": a_hours}),
            ("c1", "C", D(2026, 11, 9)),
            ("c2", "C", D(2026, 11, 9)),
        ],
        seed=4,
    )
    if a_far:  # the costliest of the three to keep on a day
        cust.loc[cust["customer_id"] == "a1", ["lat", "lon"]] = (55.78, 12.40)
    r = rep(max_visits_per_day=2)
    return TerritoryProblem(
        "T1",
        r,
        cust,
        pd.DataFrame(columns=["customer_id", "date", "start_s", "source_row"]),
        haversine_travel(cust, r),
        Horizon(monday, 1),
        LUNCH,
        DEFAULT_TIERS,
        RoutingParams(time_limit_s=2.0),
        previous_dates={"c1": (monday,), "c2": (monday,), "a1": (a_previous,)},
        carried=frozenset({"a1"}),
        carried_from={"a1": (a_missed, "missed")},
    )


def test_make_up_visit_displaces_a_kept_lower_tier_visit():
    """Monday is full with two kept C visits; the make-up of a1 is due by Monday (its kept
    Thursday is too late): it takes Monday, a C visit moves to Tuesday, none is lost."""
    from planner.territory_plan import plan_territory

    tp = plan_territory(_make_up_problem())
    days = tp.visits.groupby("customer_id")["date"].apply(sorted).to_dict()
    assert days["a1"] == [D(2026, 12, 7)], days
    c_days = sorted([*days["c1"], *days["c2"]])
    assert c_days == [D(2026, 12, 7), D(2026, 12, 8)], days
    assert len(tp.unscheduled) == 0, tp.unscheduled


def test_make_up_visit_that_fits_no_day_by_its_deadline_is_reported():
    """a1 now opens on Wednesdays only: no day up to Monday 12-07 takes its make-up, so it
    is unscheduled with the reason (not placed later in the week)."""
    from planner.schedule.preferred import CARRIED_REASON
    from planner.territory_plan import plan_territory

    tp = plan_territory(_make_up_problem(a_hours="We 08:00-18:00"))
    assert "a1" not in set(tp.visits["customer_id"])
    (reason,) = tp.unscheduled.loc[tp.unscheduled["customer_id"] == "a1", "reason"]
    assert reason.startswith(CARRIED_REASON), reason
    assert "the visit of 2026-11-30 was missed" in reason and "by 2026-12-07" in reason


def test_make_up_visit_keeps_the_weekly_rule_when_the_roll_still_can():
    """a1 (weekly) was last seen on Friday 11-27 and missed Friday 12-04; the previous plan
    kept it on Friday 12-11, five working days after the miss. The roll from Monday 12-07
    can still keep the rule (last visit + 7 days + 4 = Tuesday 12-08), so the make-up
    takes Monday or Tuesday, not the kept Friday (a gap of 14 days)."""
    from planner.territory_plan import plan_territory

    tp = plan_territory(
        _make_up_problem(
            a_last=D(2026, 11, 27), a_missed=D(2026, 12, 4), a_previous=D(2026, 12, 11)
        )
    )
    (day,) = tp.visits.loc[tp.visits["customer_id"] == "a1", "date"]
    assert D(2026, 12, 7) <= day <= D(2026, 12, 8), day
    assert len(tp.unscheduled) == 0, tp.unscheduled


def test_make_up_visit_that_misses_its_rule_deadline_says_so():
    """a1 opens on Wednesdays only: no day by Tuesday 12-08 (the rule's deadline) takes the
    make-up, so it is reported with that deadline and why."""
    from planner.schedule.preferred import CARRIED_REASON
    from planner.territory_plan import plan_territory

    tp = plan_territory(
        _make_up_problem(
            a_hours="We 08:00-18:00",
            a_last=D(2026, 11, 27),
            a_missed=D(2026, 12, 4),
            a_previous=D(2026, 12, 11),
        )
    )
    assert "a1" not in set(tp.visits["customer_id"])
    (reason,) = tp.unscheduled.loc[tp.unscheduled["customer_id"] == "a1", "reason"]
    assert reason.startswith(CARRIED_REASON), reason
    assert "by 2026-12-08" in reason and "last visit (2026-11-27) + 1 week(s)" in reason, reason


def test_make_up_deadline_is_the_rule_day_only_while_it_can_still_be_kept():
    from planner.schedule.due import DueVisit
    from planner.schedule.preferred import make_up_deadline, rule_deadline

    week = [D(2026, 12, 7) + dt.timedelta(days=i) for i in range(5)]

    def due(last, every=1, max_gap=0, period=""):
        return DueVisit(
            "c",
            D(2026, 12, 7),
            D(2026, 12, 7),
            D(2026, 12, 11),
            True,
            0,
            "A",
            every,
            period=period,
            last_visit=last,
            max_gap_days=max_gap,
        )

    assert rule_deadline(due(D(2026, 11, 27))) == D(2026, 12, 8)
    assert rule_deadline(due(D(2026, 11, 20), every=2)) == D(2026, 12, 8)
    assert rule_deadline(due(D(2026, 11, 27), max_gap=10)) == D(2026, 12, 7)
    assert rule_deadline(due(None)) is None
    assert rule_deadline(due(D(2026, 11, 27), period="2026-Q4")) is None
    fri = D(2026, 12, 11)
    assert make_up_deadline(fri, D(2026, 12, 8), week) == (D(2026, 12, 8), True)
    # the rule ran out before the rep's first working day: five working days after the miss
    assert make_up_deadline(fri, D(2026, 12, 6), week) == (fri, False)
    assert make_up_deadline(fri, D(2026, 12, 8), week[2:]) == (fri, False)
    # the rule's day after the five working days: the five working days
    assert make_up_deadline(D(2026, 12, 8), D(2026, 12, 9), week) == (D(2026, 12, 8), False)
    assert make_up_deadline(fri, None, week) == (fri, False)


def test_make_up_visit_outweighs_a_kept_visit_of_its_own_tier():
    """a1 is a C customer now (four-weekly, last visit 11-02, missed 11-30), and the
    farthest of the three: its make-up is due by Monday 12-07, which two kept C visits
    fill. The make-up stays (with equal drop penalties the route dropped it, the costliest
    visit), a kept C visit moves to Tuesday, nothing is unscheduled."""
    from planner.territory_plan import plan_territory

    tp = plan_territory(_make_up_problem(a_tier="C", a_last=D(2026, 11, 2), a_far=True))
    days = tp.visits.groupby("customer_id")["date"].apply(sorted).to_dict()
    assert days.get("a1") == [D(2026, 12, 7)], (days, tp.unscheduled)
    assert sorted([*days["c1"], *days["c2"]]) == [D(2026, 12, 7), D(2026, 12, 8)], days
    assert len(tp.unscheduled) == 0, tp.unscheduled


def test_a_make_up_visit_outweighs_one_visit_of_its_tier_not_two():
    from planner.territory_plan import stop_penalty

    for rank in (1, 2, 3):
        assert stop_penalty(rank) < stop_penalty(rank, make_up=True) < 2 * stop_penalty(rank)
        assert stop_penalty(rank, make_up=True) < stop_penalty(rank + 1)


def test_carry_deadline_counts_working_days_from_the_miss():
    from planner.schedule.preferred import carry_deadline

    week = [D(2026, 12, 7) + dt.timedelta(days=i) for i in range(5)]
    mon_to_fri = {0, 1, 2, 3, 4}
    assert carry_deadline(D(2026, 11, 30), D(2026, 12, 7), week, mon_to_fri) == D(2026, 12, 7)
    assert carry_deadline(D(2026, 12, 2), D(2026, 12, 7), week, mon_to_fri) == D(2026, 12, 9)
    # Monday off: the make-up of a Monday miss may take Tuesday
    assert carry_deadline(D(2026, 11, 30), D(2026, 12, 7), week[1:], mon_to_fri) == D(2026, 12, 8)
    # a miss long before the horizon: the horizon's first five working days
    assert carry_deadline(D(2026, 11, 2), D(2026, 12, 7), week, mon_to_fri) == D(2026, 12, 11)


def test_displaced_visit_and_late_make_up_are_explained():
    from planner.rolling import late_make_up_warning

    customers = _customers([("A1", "A", D(2026, 11, 23)), ("C1", "C", D(2026, 11, 9))])
    start, end = D(2026, 11, 30), D(2026, 12, 13)
    prev = _plan(
        _visits([("R1", D(2026, 11, 30), "A1", "A"), ("R1", D(2026, 12, 7), "C1", "C")]),
        customers,
        start,
        end,
    )
    new = _plan(
        _visits([("R1", D(2026, 12, 7), "A1", "A"), ("R1", D(2026, 12, 8), "C1", "C")]),
        customers,
        D(2026, 12, 7),
        D(2026, 12, 20),
    )
    log = _log([("A1", "R1", D(2026, 11, 30), "missed")])
    params = RollParams(Horizon(D(2026, 12, 7), 2), DEFAULT_TIERS)
    roll = prepare_roll(customers, log, prev, params)
    ch = changes_vs_previous(prev, new, roll, params)
    (reason,) = ch.loc[ch["customer_id"] == "C1", "reason"]
    assert reason == "made room on 2026-12-07 for the make-up visit of A1"
    assert late_make_up_warning(new) == []
    new.unscheduled = pd.DataFrame(
        {"customer_id": ["A1"], "reason": ["make-up visit carried forward (...): no room"]}
    )
    (warning,) = late_make_up_warning(new)
    assert warning.startswith("1 missed/cancelled visit(s) could not be made up within 5")


def test_new_dated_visit_of_a_roll_prefers_its_cadence_date():
    """A four-weekly flexible customer last seen on 12-04 is due on 01-01 (window
    12-25..01-03): without a previous day it prefers 01-01, not the window's early end; a
    weekly-pattern visit or one without history gets no such preference."""
    from planner.schedule import DueVisit, previous_preferred

    last = D(2026, 12, 4)
    c4 = DueVisit(
        "C4", D(2027, 1, 1), D(2026, 12, 25), D(2027, 1, 3), False, 0, "C", 4, False,
        last_visit=last,
    )  # fmt: skip
    fresh = DueVisit("C5", D(2026, 12, 7), D(2026, 12, 7), D(2027, 1, 3), False, 0, "C", 4, False)
    got = previous_preferred([c4, fresh, _due("A1", D(2026, 12, 28), D(2026, 12, 28),
                                              D(2027, 1, 3))], {})  # fmt: skip
    assert got == {("C4", D(2027, 1, 1)): D(2027, 1, 1)}


def test_a_visit_making_room_prefers_days_before_its_window_end_in_a_rolled_plan():
    """The repair's choice of a new day for a dropped visit: in a rolled plan each day after
    the visit's due date costs REPAIR_LATE_DAY_COST_S; a first plan stays travel-first."""
    from dataclasses import replace

    from planner.territory_plan import REPAIR_LATE_DAY_COST_S, _late_day_cost

    rolled = _make_up_problem()
    first = replace(rolled, previous_dates={}, carried=frozenset(), carried_from={})
    v = DueVisit("c1", D(2026, 12, 9), D(2026, 12, 7), D(2026, 12, 11), False, 0, "C", 4)
    late = _late_day_cost(rolled, v)
    assert [late(D(2026, 12, d)) for d in (7, 9, 10, 11)] == [
        0,
        0,
        REPAIR_LATE_DAY_COST_S,
        2 * REPAIR_LATE_DAY_COST_S,
    ]
    assert _late_day_cost(first, v)(D(2026, 12, 11)) == 0
    assert _late_day_cost(rolled, None)(D(2026, 12, 11)) == 0
