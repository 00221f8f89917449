"""Random small valid instances: the plan passes ``planner check`` (read back from its CSV
files, so minute-rounded times and lunch breaks are exercised) and every due visit is
scheduled or reported unscheduled exactly once (issue 15).

Hypothesis draws each instance (place anywhere on Earth but the poles, 3-10 customers
within a few km, tiers, service times, opening hours, 1-3 reps with their own hours and
days, an optional lunch, 1-2 weeks, a seed); ``derandomize`` makes the examples the same
on every run, and ``max_examples`` keeps the test to a few plans.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HOURS = [
    "",
    "24/7",
    "Mo-Fr 08:00-17:00",
    "Mo-Sa 09:00-18:00; Su off",
    "Tu-Fr 10:00-15:00",
    "Mo-Fr 07:30-12:00,13:00-16:00; PH off",
]


@st.composite
def instances(draw):
    lat0 = draw(st.one_of(st.floats(-60, -5), st.floats(5, 70)))  # (0, 0) is a problem
    lon0 = draw(st.one_of(st.floats(-179, -5), st.floats(5, 179)))
    n = draw(st.integers(3, 10))
    rows = ["id,name,lat,lon,tier,service_min,opening_hours,last_visit"]
    for i in range(n):
        rows.append(
            ",".join(
                [
                    f"C{i}",
                    f"customer {i}",
                    f"{lat0 + draw(st.floats(-0.03, 0.03)):.6f}",
                    f"{lon0 + draw(st.floats(-0.03, 0.03)):.6f}",
                    draw(st.sampled_from("ABC")),
                    draw(st.sampled_from(["", "15", "25", "45", "12.5"])),
                    f'"{draw(st.sampled_from(HOURS))}"',
                    draw(st.sampled_from(["", "2026-11-20", "2026-11-02"])),
                ]
            )
        )
    reps = ["id,name,home_lat,home_lon,work_start,work_end,working_days"]
    for r in range(draw(st.integers(1, 3))):
        start, end = draw(st.sampled_from([("", ""), ("07:30", "15:30"), ("09:00", "17:30")]))
        reps.append(
            f"R{r},rep {r},{lat0 + draw(st.floats(-0.02, 0.02)):.6f},"
            f"{lon0 + draw(st.floats(-0.02, 0.02)):.6f},{start},{end},"
            + draw(st.sampled_from(["", "Mo-Fr", "Mo-Th", "Tu-Sa"]))
        )
    lunch = draw(st.booleans())
    scenario = (
        "customers: customers.csv\nreps: reps.csv\n"
        f"horizon: {{start: 2026-11-30, weeks: {draw(st.integers(1, 2))}}}\n"
        "travel: {mode: haversine, speed_kmh: 25}\n"
        + (
            "workday: {start: '08:00', end: '16:30', lunch: {earliest: '11:30', "
            "latest: '13:30', duration_min: 30}}\n"
            if lunch
            else ""
        )
        + f"seed: {draw(st.integers(0, 1000))}\nworkers: 1\nrouting: {{time_limit_s: 3}}\n"
    )
    return "\n".join(rows) + "\n", "\n".join(reps) + "\n", scenario


def _write_inputs(d: Path, customers: str, reps: str) -> None:
    (d / "customers.csv").write_text(customers, encoding="utf-8")
    (d / "reps.csv").write_text(reps, encoding="utf-8")


def _plan_and_check(d: Path, name: str, scenario: str, out: str):
    """Plan ``scenario`` (written to ``d / name``) into ``d / out``; assert ``planner check``
    passes on the written folder and every due visit is scheduled or unscheduled once."""
    from planner.check import check_plan_dir
    from planner.pipeline import run_plan, write_plan
    from planner.scenario import load_scenario

    (d / name).write_text(scenario, encoding="utf-8")
    plan = run_plan(load_scenario(d / name), workers=1)
    write_plan(plan, d / out, maps=False)
    violations = check_plan_dir(d / out)
    assert violations == [], "\n".join(map(str, violations))
    keys = [(v.customer_id, v.due_date) for v in plan.visits.itertuples()]
    keys += [(u.customer_id, u.due_date) for u in plan.unscheduled.itertuples()]
    assert len(keys) == len(set(keys))  # no due visit twice
    assert plan.kpis["required_visits"] == len(keys)
    return plan


@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(instances())
def test_random_instances_plan_and_check(instance):
    customers, reps, scenario = instance
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        _write_inputs(d, customers, reps)
        _plan_and_check(d, "s.yaml", scenario, "plan")


@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(instances(), st.data())
def test_random_rolled_plans_check_and_carry_every_miss(instance, data):
    """Plan two weeks, let a random visit log report each first-week visit done, missed or
    cancelled, roll a week with ``previous_plan:`` and ``actuals:``: the rolled plan passes
    ``planner check``, holds every due visit once (scheduled or reported) and keeps every
    missed or cancelled customer in it (planned or reported)."""
    import datetime as dt
    import re

    customers, reps, scenario = instance
    scenario = re.sub(r"weeks: \d", "weeks: 2", scenario)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        _write_inputs(d, customers, reps)
        first = _plan_and_check(d, "s.yaml", scenario, "plan")
        week1 = first.visits[first.visits["date"] < dt.date(2026, 12, 7)]
        statuses = ["done", "missed", "cancelled"]
        rows = ["customer_id,rep_id,date,status"]
        carried = set()
        for v in week1.itertuples():
            status = data.draw(st.sampled_from(statuses))
            rows.append(f"{v.customer_id},{v.rep_id},{v.date},{status}")
            if status != "done":
                carried.add(v.customer_id)
        (d / "log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        rolled_yaml = scenario.replace("start: 2026-11-30", "start: 2026-12-07")
        rolled_yaml += "previous_plan: plan\nactuals: log.csv\n"
        rolled = _plan_and_check(d, "r.yaml", rolled_yaml, "rolled")
        present = set(rolled.visits["customer_id"]) | set(rolled.unscheduled["customer_id"])
        assert carried <= present, carried - present
