"""Reach and contiguity through a whole plan of the tiny Helsinki data: customers no rep
can reach are reported once (unscheduled.csv with the nearest rep and the time, one
territory warning), ``planner size`` says where a rep would have to live, and every
territory states its contiguity in plan.json and on the map."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import TINY, plan_scenario

# ~26 km north of central Helsinki: at 5 km/h x 1.3 one visit needs ~13.5 h there and back
FAR = [("FAR1", 60.400, 24.940), ("FAR2", 60.401, 24.941)]


def _write(tmp, far=FAR) -> None:
    cust = (TINY / "customers.csv").read_text(encoding="utf-8").rstrip("\n")
    rows = "".join(f"\n{c},Far shop {c},{lat},{lon},A,,,,,,,,true," for c, lat, lon in far)
    (tmp / "customers.csv").write_text(cust + rows + "\n", encoding="utf-8")
    (tmp / "s.yaml").write_text(
        f"extends: {TINY / 'haversine.yaml'}\nname: far\ncustomers: customers.csv\n"
        f"reps: {TINY / 'reps.csv'}\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def far_plan(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("far")
    _write(tmp, FAR[:1])
    out = tmp / "plan"
    plan, _ = plan_scenario(tmp / "s.yaml", out, maps=True)
    return plan, out


def test_unreachable_customer_is_reported_once_with_nearest_rep_and_time(far_plan):
    plan, out = far_plan
    uns = pd.read_csv(out / "unscheduled.csv", dtype=str, keep_default_na=False)
    far = uns[uns["customer_id"] == "FAR1"]
    assert len(far) >= 1  # its due visits, each once
    assert far["due_date"].nunique() == len(far)
    for reason in far["reason"]:
        assert "no rep can reach this customer" in reason
        assert ("nearest, R1," in reason) or ("nearest, R2," in reason)
        need_h = float(reason.split("would need ")[1].split(" h")[0])
        assert 12.0 < need_h < 15.0  # 2 x 26.0 km x 1.3 / 5 km/h + service
        assert "works 8.0 h a day" in reason
    # nobody else is unscheduled for reach
    assert not uns[uns["customer_id"] != "FAR1"]["reason"].str.contains("can reach").any()
    meta = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    mentions = [w for w in meta["warnings"] if "FAR1" in w]
    assert len(mentions) == 1 and "cannot be visited by any rep" in mentions[0]
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["unreachable_customers"] == 1
    # it weighs nothing in the balance: both reps share the reachable customers
    terr = {t["rep_id"]: t for t in json.loads((out / "plan.json").read_text())["territories"]}
    assert min(t["customers"] for t in terr.values()) >= 10, terr
    assert all(t["commute_h"] < 20 for t in terr.values()), terr
    # it is not planned on any day
    visits = pd.read_csv(out / "visits.csv", dtype=str)
    assert "FAR1" not in set(visits["customer_id"])


def test_every_territory_states_its_contiguity_in_plan_json_and_on_the_map(far_plan):
    plan, out = far_plan
    meta = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    terr = meta["territories"]
    assert {t["territory_id"] for t in terr} == set(plan.assignments["territory_id"])
    for t in terr:
        assert isinstance(t["contiguous"], bool)
        assert t["contiguous"] or t["contiguity_note"], t
    # the overview map's tooltip says it for every territory
    html = (out / "maps" / "index.html").read_text(encoding="utf-8")
    for t in terr:
        if t["contiguous"]:
            said = "In one piece</th><td>" + (t["contiguity_note"] or "yes")
        else:
            said = "Why in pieces</th><td>" + t["contiguity_note"].split(" ")[0]
        assert said.replace("<", "\\u003c").replace(">", "\\u003e") in html, t


def test_size_suggests_where_a_rep_would_have_to_live(tmp_path):
    from planner.pipeline import read_scenario_inputs
    from planner.scenario import load_scenario
    from planner.sizing import unreachable_homes

    _write(tmp_path)
    sc = load_scenario(tmp_path / "s.yaml")
    ids, homes = unreachable_homes(sc, read_scenario_inputs(sc))
    assert ids == ["FAR1", "FAR2"]
    # one rep living at either far customer reaches both
    assert len(homes) == 1
    assert set(homes[0].reaches) == {"FAR1", "FAR2"}
    assert homes[0].customer_id in {"FAR1", "FAR2"}
    assert homes[0].lat == pytest.approx(60.40, abs=0.002)
