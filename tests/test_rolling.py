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
    # C2 never visited and missed on 12-02: made overdue (due 12-02 = last + 2 weeks)
    assert last == {
        "C1": D(2026, 12, 1),
        "C2": D(2026, 11, 18),
        "C3": D(2026, 12, 3),
        "C4": D(2026, 12, 4),
    }
    assert (roll.updated_last_visits, roll.assumed_done) == (4, 1)
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


def test_rolled_tiny_plan_carries_the_miss_and_passes_check(tiny_road_plan, tmp_path):
    """Roll the tiny road plan one week: a missed B visit of week 1 is planned in the new
    plan's first week (or reported), changes_vs_previous.csv says why, check passes."""
    from planner.check import check_plan_dir

    plan, plan_dir = tiny_road_plan
    v = plan.visits
    week1 = v[(v["date"] < D(2026, 12, 7)) & (v["tier"] == "B")].sort_values(["date", "seq"])
    missed = week1.iloc[0]
    log = tmp_path / "log.csv"
    log.write_text(
        "customer_id,rep_id,date,status,notes\n"
        f"{missed.customer_id},{missed.rep_id},{missed.date},missed,closed\n",
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
    first_week = rolled.visits[rolled.visits["date"] <= D(2026, 12, 11)]
    planned = missed.customer_id in set(first_week["customer_id"])
    reported = missed.customer_id in set(rolled.unscheduled["customer_id"])
    assert planned or reported
    changes = pd.read_csv(out / "changes_vs_previous.csv", dtype=str, keep_default_na=False)
    mine = changes[changes["customer_id"] == missed.customer_id]
    if planned:
        assert f"the visit of {missed.date} was missed" in " ".join(mine["reason"])
    assert rolled.meta["rolling"]["carried"] == 1 and rolled.meta["rolling"]["log_rows"] == 1
    assert check_plan_dir(out) == []
