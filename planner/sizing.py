"""Team sizing: plan the base scenario with each number of reps and compare.

:func:`size_team` writes, for every rep count ``k``, a what-if scenario
``<out>/scenarios/reps-<k>.yaml`` (``extends:`` the base, so anyone can re-plan it) and
its plan ``<out>/reps-<k>/``; then ``sizing.csv``, ``sizing.svg`` (a chart for slides)
and ``sizing.html`` (chart and table).

Which reps leave and where new reps live (:func:`team_changes`) follows one documented
rule, measured on the workload: every active customer weighs its tier's service hours
per week (``service_min / 60 / every_weeks``), and the *cost* of a set of homes is the
sum over customers of weight x straight-line distance to the nearest home.

- fewer reps: reps are removed one at a time, each time the one whose absence raises the
  cost least (the least needed home), so the team of ``k`` reps is part of the team of
  ``k + 1``;
- more reps: new homes are placed one at a time on the customer location that lowers the
  cost most, then moved to the weighted medoid of the customers they serve until stable
  (k-medoids with the existing homes fixed). New reps are ``NEW1``, ``NEW2`` ... and work
  the scenario's workday, Monday to Friday.

Customers no rep of the base can reach within a working day (the territories' reach
rule) come first: the first new reps live where they reach most of them
(:func:`unreachable_homes`), and the sizing page says where.

Territories are redesigned for every count (``territories.method: redesign``): the
question is how many reps the work needs, not how little changes. Each plan balances
territories on each rep's capacity and reach, like any plan.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from planner.compare import Progress, _no_progress, plan_files
from planner.errors import InputError, Problem
from planner.files import write_text

MAX_REPS = 200
MAX_CANDIDATES = 2000


def parse_rep_counts(text: str) -> tuple[int, ...]:
    """``"3..8"``, ``"3-8"``, ``"3,5,8"`` or ``"4"`` to sorted distinct counts.

    Raises
    ------
    InputError
        Not a count or range, a count below 1, or more than 30 counts.
    """
    counts: set[int] = set()
    for part in str(text).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d+)(?:(?:\.\.|-)(\d+))?", part)
        if not m:
            raise InputError(
                Problem(
                    "--reps",
                    f"'{part}' is not a rep count or range",
                    fix="write e.g. 3..8 or 3,5,8",
                )
            )
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if a > b:
            a, b = b, a
        counts.update(range(a, b + 1))
    if not counts or min(counts) < 1 or max(counts) > MAX_REPS or len(counts) > 30:
        raise InputError(
            Problem(
                "--reps", f"rep counts must be 1..{MAX_REPS}, at most 30 of them (got '{text}')"
            )
        )
    return tuple(sorted(counts))


@dataclass(frozen=True)
class TeamChange:
    """How the base team becomes a team of ``reps`` reps.

    Attributes
    ----------
    reps : int
    removed : tuple of str
        Rep ids of the base team left out.
    added : tuple of dict
        New reps: ``id, name, home_lat, home_lon``.
    """

    reps: int
    removed: tuple[str, ...] = ()
    added: tuple[dict, ...] = ()


def _xy(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    """Equirectangular metres around ``lat0`` (good to a fraction of a percent in a city)."""
    return np.column_stack(
        [np.radians(lon) * 6371000.0 * np.cos(np.radians(lat0)), np.radians(lat) * 6371000.0]
    )


def workload_weights(customers: pd.DataFrame, tiers) -> np.ndarray:
    """Service hours per week of each customer: ``service_s / 3600 / every_weeks``."""
    every = customers["tier"].map(lambda t: tiers[t].every_weeks if t in tiers else 1)
    return (customers["service_s"].astype(float) / 3600.0 / every.astype(float)).to_numpy()


def _cost(d: np.ndarray, w: np.ndarray) -> float:
    """Weighted distance to the nearest of the homes in the columns of ``d``."""
    return float((w * d.min(axis=1)).sum()) if d.shape[1] else float("inf")


def team_changes(
    customers: pd.DataFrame,
    reps: pd.DataFrame,
    tiers,
    counts: tuple[int, ...],
    first_homes: tuple[str, ...] = (),
) -> dict[int, TeamChange]:
    """The rule of the module docstring, for every count in ``counts``.

    Parameters
    ----------
    customers, reps : pandas.DataFrame
        The base's validated tables (after its own changes).
    tiers : TierTable
    counts : tuple of int
    first_homes : tuple of str
        Customer ids where the first new reps live, in order (where a rep must live to
        reach customers nobody reaches, :func:`unreachable_homes`); the rule places the
        rest.

    Returns
    -------
    dict
        ``count -> TeamChange``; deterministic for the same input.
    """
    act = customers[customers["active"]].reset_index(drop=True)
    rep_ids = reps["rep_id"].astype(str).tolist()
    if len(act) == 0:
        return {k: TeamChange(k, tuple(rep_ids[k:]) if k < len(rep_ids) else ()) for k in counts}
    lat0 = float(act["lat"].mean())
    cxy = _xy(act["lat"].to_numpy(float), act["lon"].to_numpy(float), lat0)
    hxy = _xy(reps["home_lat"].to_numpy(float), reps["home_lon"].to_numpy(float), lat0)
    w = workload_weights(act, tiers)
    d_home = np.hypot(cxy[:, None, 0] - hxy[None, :, 0], cxy[:, None, 1] - hxy[None, :, 1])
    out: dict[int, TeamChange] = {}
    n = len(rep_ids)
    # ---- fewer reps: backward elimination, nested teams
    keep = list(range(n))
    removed: list[str] = []
    for k in range(n - 1, min(counts) - 1, -1):
        if k < 1:
            break
        best = min(keep, key=lambda j: (_cost(d_home[:, [i for i in keep if i != j]], w), j))
        keep.remove(best)
        removed.append(rep_ids[best])
        if k in counts:
            out[k] = TeamChange(k, tuple(removed))
    if n in counts:
        out[n] = TeamChange(n)
    # ---- more reps: homes that reach the unreachable first, then greedy addition and
    # medoid refinement of the other new homes
    ids = act["customer_id"].astype(str).tolist()
    fixed = [ids.index(c) for c in first_homes if c in ids]
    for k in sorted(c for c in counts if c > n):
        first = fixed[: k - n]
        d_fixed = np.hypot(
            cxy[:, None, 0] - cxy[None, first, 0], cxy[:, None, 1] - cxy[None, first, 1]
        )
        rest = _new_homes(act, cxy, w, np.hstack([d_home, d_fixed]), k - n - len(first))
        homes = [_home(act, c) for c in first] + rest
        out[k] = TeamChange(
            k,
            (),
            tuple(
                {"id": f"NEW{i + 1}", "name": f"New rep {i + 1}", **h} for i, h in enumerate(homes)
            ),
        )
    return out


def _home(act: pd.DataFrame, i: int) -> dict:
    return {
        "home_lat": round(float(act.at[i, "lat"]), 6),
        "home_lon": round(float(act.at[i, "lon"]), 6),
    }


def _new_homes(
    act: pd.DataFrame, cxy: np.ndarray, w: np.ndarray, d_home: np.ndarray, extra: int
) -> list[dict]:
    if extra <= 0:
        return []
    step = max(1, len(cxy) // MAX_CANDIDATES)
    cand = np.arange(0, len(cxy), step)
    d_cand = np.hypot(cxy[:, None, 0] - cxy[None, cand, 0], cxy[:, None, 1] - cxy[None, cand, 1])
    nearest = d_home.min(axis=1) if d_home.shape[1] else np.full(len(cxy), np.inf)
    chosen: list[int] = []
    for _ in range(extra):
        gain = (w[:, None] * np.maximum(nearest[:, None] - d_cand, 0.0)).sum(axis=0)
        gain[[int(np.flatnonzero(cand == c)[0]) for c in chosen]] = -1.0
        j = int(np.argmax(gain))
        chosen.append(int(cand[j]))
        nearest = np.minimum(nearest, d_cand[:, j])
    # k-medoids (Voronoi iteration) on the new homes, existing homes fixed
    for _ in range(10):
        d_new = np.hypot(
            cxy[:, None, 0] - cxy[None, chosen, 0], cxy[:, None, 1] - cxy[None, chosen, 1]
        )
        fixed = d_home.min(axis=1) if d_home.shape[1] else np.full(len(cxy), np.inf)
        owner = np.where(d_new.min(axis=1) < fixed, d_new.argmin(axis=1), -1)
        moved = False
        for i in range(len(chosen)):
            members = np.flatnonzero(owner == i)
            if len(members) == 0:
                continue
            sub = cxy[members]
            dm = np.hypot(sub[:, None, 0] - sub[None, :, 0], sub[:, None, 1] - sub[None, :, 1])
            med = int(members[int(np.argmin((w[members, None] * dm).sum(axis=0)))])
            if med != chosen[i] and med not in chosen:
                chosen[i] = med
                moved = True
        if not moved:
            break
    return [_home(act, c) for c in chosen]


def variant_yaml(
    base_path: Path, target: Path, base_name: str, base_model, change: TeamChange
) -> str:
    """The what-if scenario text of one rep count (``extends:`` the base)."""
    ch = base_model.changes.reps
    file_reps = set(change.removed) - {r.id for r in ch.add}
    adds = [r.model_dump(exclude_defaults=True) for r in ch.add if r.id not in change.removed]
    base_abs, here = base_path.resolve(), target.parent.resolve()
    # relative when the two share more than the root, so the folder can move with the base
    shared = os.path.commonpath([base_abs, here]) != base_abs.anchor
    doc = {
        "extends": os.path.relpath(base_abs, here) if shared else str(base_abs),
        "name": f"{base_name}: {change.reps} rep{'s' if change.reps != 1 else ''}",
        "description": f"written by 'planner size': {base_name} with {change.reps} reps "
        "(rule: docs/what-if.md, team sizing)",
        "territories": {"method": "redesign", "count": None},
        "changes": {
            "reps": {
                "remove": sorted(set(ch.remove) | file_reps),
                "add": adds + [dict(a) for a in change.added],
            }
        },
    }
    return (
        "# Written by 'planner size'; plan it alone with 'planner plan THIS_FILE'.\n"
        + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    )


@dataclass(frozen=True)
class SizeParams:
    """What :func:`size_team` runs.

    Parameters
    ----------
    scenario : Path
        The base scenario.
    rep_counts : tuple of int
        Team sizes to plan (:func:`parse_rep_counts`); empty: the base's count +-2.
    out : Path
        Output folder (created).
    maps : bool
        Render each plan's maps too (off by default: sizing wants figures).
    processes : int
        Plans run at once by the local cluster (0 = one per core).
    scheduler : str or None
        Address of a Dask scheduler to plan on instead (default: the environment's
        ``DASK_SCHEDULER_ADDRESS``, else a local cluster).
    """

    scenario: Path
    rep_counts: tuple[int, ...]
    out: Path
    maps: bool = False
    processes: int = 0
    scheduler: str | None = None


@dataclass
class SizeResult:
    """What :func:`size_team` wrote: the table (one row per count) and the file paths."""

    table: pd.DataFrame
    changes: dict[int, TeamChange]
    scenario_files: dict[int, Path]
    plan_dirs: dict[int, Path]
    csv_path: Path
    svg_path: Path
    html_path: Path
    capacity_h_per_week: float
    runtime_s: float = 0.0
    unreachable: list[str] = field(default_factory=list)
    homes: list[HomeSuggestion] = field(default_factory=list)


def capacity_h_per_week(reps: pd.DataFrame, scenario=None) -> float:
    """Mean hours a rep has per week. With the scenario: the territories' capacity rule
    (working dates in the horizon minus ``unavailable``, own hours minus lunch, per week:
    :func:`planner.pipeline.rep_capacity_h`); without: workday length x working days."""
    if len(reps) == 0:
        return 0.0
    if scenario is not None:
        from planner.pipeline import rep_capacity_h

        per = list(rep_capacity_h(scenario, reps, cycle_weeks=1).values())
    else:
        per = [
            (int(r["work_end_s"]) - int(r["work_start_s"])) / 3600.0 * len(r["working_days"])
            for r in reps.to_dict("records")
        ]
    return round(sum(per) / len(per), 1)


@dataclass(frozen=True)
class HomeSuggestion:
    """Where a new rep would have to live to reach customers no rep reaches today."""

    customer_id: str  # the home is this customer's location
    lat: float
    lon: float
    reaches: tuple[str, ...]  # the unreachable customers a rep living there reaches


def unreachable_homes(base, inputs) -> tuple[list[str], list[HomeSuggestion]]:
    """Customers no rep of the base can reach within a working day (the territories'
    reach rule, :mod:`planner.territory.reach`) and where new reps would have to live to
    reach them (working the scenario's workday)."""
    from planner.pipeline import build_travel, rep_capacity_h
    from planner.territory.reach import cover_homes, rep_times

    act = inputs.customers[inputs.customers["active"]].reset_index(drop=True)
    if len(act) == 0 or len(inputs.reps) == 0:
        return [], []
    travel = build_travel(base, inputs)
    times = rep_times(
        act,
        inputs.reps,
        travel,
        base.workday(),
        4,
        rep_capacity_h(base, inputs.reps),
    )
    svc = act["service_s"].to_numpy(float)
    nobody = np.flatnonzero(~times.reach(svc).any(axis=0))
    ids = act["customer_id"].astype(str).to_numpy()[nobody].tolist()
    wd = base.workday()
    day_s = wd.length_s - (wd.lunch.duration_s if wd.lunch else 0)
    where = act.set_index(act["customer_id"].astype(str))
    out = [
        HomeSuggestion(
            c,
            round(float(where.at[c, "lat"]), 6),
            round(float(where.at[c, "lon"]), 6),
            tuple(got),
        )
        for c, got in cover_homes(ids, svc[nobody], travel, day_s)
    ]
    return ids, out


def size_team(params: SizeParams, progress: Progress = _no_progress) -> SizeResult:
    """Plan the base scenario with each rep count and tabulate the figures.

    Parameters
    ----------
    params : SizeParams
    progress : callable, optional
        ``progress(scenario_name, done, total)`` as plans finish.

    Returns
    -------
    SizeResult

    Raises
    ------
    InputError
        Bad base scenario or inputs (before any planning).
    """
    import json

    from planner.compare import check_scenarios
    from planner.i18n import translator
    from planner.pipeline import read_scenario_inputs
    from planner.report.compare import csv_text
    from planner.report.sizing import sizing_frame, sizing_html, sizing_row, sizing_svg
    from planner.scenario import load_scenario

    t0 = time.perf_counter()
    base = load_scenario(Path(params.scenario))
    inputs = read_scenario_inputs(base)  # bad input stops here, before any planning
    counts = params.rep_counts
    if not counts:  # around the base team: n-2 .. n+2
        n = len(inputs.reps)
        counts = tuple(range(max(1, n - 2), n + 3))
    unreachable, homes = unreachable_homes(base, inputs)
    changes = team_changes(
        inputs.customers,
        inputs.reps,
        base.tier_table(),
        counts,
        tuple(h.customer_id for h in homes),
    )
    out = Path(params.out)
    files: dict[int, Path] = {}
    dirs: dict[int, Path] = {}
    for k, change in sorted(changes.items()):
        files[k] = out / "scenarios" / f"reps-{k}.yaml"
        write_text(files[k], variant_yaml(base.path, files[k], base.name, base.model, change))
        dirs[k] = out / f"reps-{k}"
    check_scenarios(list(files.values()))
    order = sorted(changes)
    plan_files(
        [(str(files[k]), str(dirs[k])) for k in order],
        params.maps,
        params.processes,
        progress,
        params.scheduler,
    )
    rows = []
    for k in order:
        kpis = json.loads((dirs[k] / "kpis.json").read_text(encoding="utf-8"))
        rows.append(
            sizing_row(
                k,
                kpis,
                base.horizon().weeks,
                list(changes[k].removed),
                [a["id"] for a in changes[k].added],
                str(dirs[k]),
            )
        )
    table = sizing_frame(rows)
    cap = capacity_h_per_week(inputs.reps, base)
    tr = translator(base.model.language)
    title = tr("{scenario}: how many reps?", scenario=base.name)
    svg = sizing_svg(table, cap, title, tr)
    facts = [
        f"base: {base.path} ({len(inputs.reps)} reps, "
        f"{int(inputs.customers['active'].sum())} active customers); horizon "
        f"{base.horizon().start} .. {base.horizon().end} ({base.horizon().weeks} weeks)",
        "fewer reps: the least needed homes leave first; more reps: new homes at "
        "workload medoids (docs/what-if.md); territories redesigned for each count",
        f"time available per rep: {cap} h per week (working days in the horizon x own "
        "hours minus lunch, per week)",
        *_reach_facts(unreachable, homes),
    ]
    csv_path = write_text(out / "sizing.csv", csv_text(table))
    svg_path = write_text(out / "sizing.svg", svg)
    html_path = write_text(out / "sizing.html", sizing_html(table, svg, title, facts, tr.language))
    return SizeResult(
        table,
        changes,
        files,
        dirs,
        csv_path,
        svg_path,
        html_path,
        cap,
        round(time.perf_counter() - t0, 2),
        unreachable,
        homes,
    )


def _reach_facts(unreachable: list[str], homes: list[HomeSuggestion]) -> list[str]:
    if not unreachable:
        return ["every active customer can be reached by a rep within a working day"]
    shown = ", ".join(unreachable[:10]) + (" ..." if len(unreachable) > 10 else "")
    out = [f"{len(unreachable)} customers no rep can reach within a working day: {shown}"]
    for i, h in enumerate(homes):
        out.append(
            f"a new rep living at {h.lat:.5f}, {h.lon:.5f} (customer {h.customer_id}) would "
            f"reach {len(h.reaches)} of them"
            + (f" (NEW{i + 1} in the larger teams)" if i == 0 else "")
        )
    return out
