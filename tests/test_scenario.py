"""Scenario YAML: schema, nearest-key suggestions, paths, extends."""

import datetime as dt
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    (tmp_path / "c.csv").write_text("id,name,lat,lon,tier\n", encoding="utf-8")
    (tmp_path / "r.csv").write_text("id,name,home_lat,home_lon\n", encoding="utf-8")
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


BASE = "customers: c.csv\nreps: r.csv\nhorizon: {start: 2026-11-30, weeks: 4}\n"


def test_demo_scenario_loads():
    sc = load_scenario(ROOT / "scenarios" / "demo.yaml")
    assert sc.horizon().start == dt.date(2026, 11, 30)
    assert sc.workday().start_s == 8 * 3600 and sc.workday().end_s == 16 * 3600 + 1800
    assert sc.workday().lunch.duration_s == 1800
    assert sc.tier_table()["A"].every_weeks == 1
    assert sc.customers_path.exists()


def test_defaults(tmp_path):
    sc = load_scenario(write(tmp_path, BASE))
    tiers = sc.tier_table()
    assert [tiers[t].every_weeks for t in "ABC"] == [1, 2, 4]
    assert tiers["A"].priority > tiers["B"].priority > tiers["C"].priority
    assert sc.model.travel.mode == "haversine" and sc.model.travel.circuity == 1.3


def test_misspelled_key_names_nearest(tmp_path):
    p = write(tmp_path, BASE + "workday: {strat: '08:00'}\ntravle: {mode: road}\n")
    with pytest.raises(InputError) as e:
        load_scenario(p)
    text = str(e.value)
    assert "unknown key 'workday.strat'" in text and "did you mean 'workday.start'" in text
    assert "unknown key 'travle'" in text and "did you mean 'travel'" in text


def test_misspelled_tier_key(tmp_path):
    p = write(tmp_path, BASE + "tiers:\n  A: {every_week: 1, service_min: 30}\n")
    with pytest.raises(InputError, match=r"did you mean 'tiers\.A\.every_weeks'"):
        load_scenario(p)


def test_bad_time_and_missing_file(tmp_path):
    p = write(tmp_path, BASE.replace("c.csv", "nope.csv") + "workday: {end: '25:00'}\n")
    with pytest.raises(InputError) as e:
        load_scenario(p)
    text = str(e.value)
    assert "workday.end" in text and "25:00" in text
    assert "nope.csv does not exist" in text


def test_road_needs_network(tmp_path):
    with pytest.raises(InputError, match="travel.network is not set"):
        load_scenario(write(tmp_path, BASE + "travel: {mode: road}\n"))


def test_empty_and_not_yaml(tmp_path):
    with pytest.raises(InputError, match="empty"):
        load_scenario(write(tmp_path, ""))
    with pytest.raises(InputError, match="not valid YAML"):
        load_scenario(write(tmp_path, "a: [1,\n"))
    with pytest.raises(InputError, match="does not exist"):
        load_scenario(tmp_path / "missing.yaml")


def test_extends_overrides_and_keeps_paths(tmp_path):
    write(
        tmp_path,
        BASE + "seed: 3\ntiers:\n  A: {every_weeks: 1, service_min: 45}\n"
        "  B: {every_weeks: 2, service_min: 30}\n",
        name="base.yaml",
    )
    sub = tmp_path / "whatif"
    sub.mkdir()
    p = sub / "w.yaml"
    p.write_text(
        "extends: ../base.yaml\nworkday: {end: '16:00'}\n"
        "tiers:\n  A: {every_weeks: 1, service_min: 45}\n"
        "  B: {every_weeks: 1, service_min: 30}\n",
        encoding="utf-8",
    )
    sc = load_scenario(p)
    assert sc.seed == 3
    assert sc.workday().end_s == 16 * 3600
    assert sc.tier_table()["B"].every_weeks == 1
    assert sc.customers_path.resolve() == (tmp_path / "c.csv").resolve()


def test_yaml_sexagesimal_time(tmp_path):
    # YAML 1.1 reads an unquoted 08:00 as the integer 480: accept it as 08:00.
    sc = load_scenario(write(tmp_path, BASE + "workday: {start: 08:00, end: 16:00}\n"))
    assert sc.workday().start_s == 8 * 3600 and sc.workday().end_s == 16 * 3600


def test_atomic_writes_have_normal_permissions(tmp_path):
    import os
    import stat

    from planner.files import write_text

    p = write_text(tmp_path / "out.csv", "a,b\n")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask
    assert p.read_text() == "a,b\n"
    assert [f.name for f in tmp_path.iterdir()] == ["out.csv"]  # no temp file left
