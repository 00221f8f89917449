"""What-if comparison: plan a base scenario and its what-ifs side by side.

:func:`compare_scenarios` plans every scenario as a task of a Dask cluster
(:mod:`planner.cluster`; the task carries the scenario and its inputs, read here), writes
each plan to ``<out>/<scenario>/`` with its own ``kpis.json`` as it arrives, then reads
the plans back and writes:

- ``comparison.csv``: one row per figure, one column per scenario (base first);
- ``changed_customers.csv``: per what-if, the customers whose rep differs from the base;
- ``comparison.html``: the table with changes versus the base, and a map of the
  territories of every scenario with the customers that changed rep highlighted.

Every file is written atomically (:mod:`planner.files`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import InputError, PlannerError, Problem
from planner.files import write_text

Progress = Callable[[str, int, int], None]
"""``progress(scenario_name, done, total)``: called when a scenario is planned."""


def _no_progress(name: str, done: int, total: int) -> None:
    pass


@dataclass(frozen=True)
class PlanRun:
    """One scenario planned and written by :func:`plan_files` (picklable)."""

    scenario_path: str
    name: str
    plan_dir: str
    runtime_s: float
    problems: tuple[Problem, ...] = ()
    error_exit: int = 0
    error: str = ""


@dataclass(frozen=True)
class PlanJob:
    """One scenario to plan, with its inputs already read (a task carries its inputs: the
    worker that plans it needs no access to the client's files).

    Attributes
    ----------
    scenario : planner.scenario.Scenario
    inputs : planner.pipeline.Inputs
        The scenario's validated customers, reps and appointments, changes applied.
    """

    scenario: Any
    inputs: Any


@dataclass(frozen=True)
class PlanOutcome:
    """What :func:`plan_job` returns: the plan, or the error it met (picklable)."""

    plan: Any
    runtime_s: float
    problems: tuple[Problem, ...] = ()
    error_exit: int = 0
    error: str = ""


def plan_job(job: PlanJob) -> PlanOutcome:
    """Plan one scenario in this process (the unit of work of a compare or size run).

    Returns
    -------
    PlanOutcome
        With ``problems`` / ``error`` set instead of raising, so the result crosses a
        process boundary intact.
    """
    from planner.pipeline import run_plan

    t0 = time.perf_counter()
    try:
        plan = run_plan(job.scenario, workers=1, inputs=job.inputs)
    except InputError as e:
        return PlanOutcome(None, 0.0, tuple(e.problems), e.exit_code, str(e))
    except PlannerError as e:
        return PlanOutcome(None, 0.0, (), e.exit_code, str(e))
    return PlanOutcome(plan, round(time.perf_counter() - t0, 2))


def _read_job(scenario_path: str) -> PlanJob:
    from planner.pipeline import read_scenario_inputs
    from planner.scenario import load_scenario

    sc = load_scenario(scenario_path)
    return PlanJob(sc, read_scenario_inputs(sc))


def _write_outcome(path: str, out_dir: str, maps: bool, res: PlanOutcome) -> PlanRun:
    from planner.pipeline import write_plan

    if res.plan is None:
        return PlanRun(path, Path(path).stem, out_dir, 0.0, res.problems, res.error_exit, res.error)
    write_plan(res.plan, Path(out_dir), maps=maps)
    return PlanRun(path, res.plan.meta["scenario"], out_dir, res.runtime_s)


def plan_file(scenario_path: str, out_dir: str, maps: bool = True, workers: int = 1) -> PlanRun:
    """Plan one scenario file and write the plan, in this process.

    Parameters
    ----------
    scenario_path : str
        The scenario YAML.
    out_dir : str
        The plan directory to write (``kpis.json``, tables, maps).
    maps : bool
        Render the plan's HTML maps too.
    workers : int
        Unused (kept for callers of the earlier interface): one process plans it.

    Returns
    -------
    PlanRun
        With ``problems`` / ``error`` set instead of raising.
    """
    try:
        job = _read_job(scenario_path)
    except InputError as e:
        res = PlanOutcome(None, 0.0, tuple(e.problems), e.exit_code, str(e))
    else:
        res = plan_job(job)
    return _write_outcome(scenario_path, out_dir, maps, res)


def plan_files(
    jobs: list[tuple[str, str]],
    maps: bool,
    processes: int,
    progress: Progress = _no_progress,
    scheduler: str | None = None,
) -> list[PlanRun]:
    """Plan each ``(scenario_path, out_dir)`` as a task of a Dask cluster
    (:func:`planner.cluster.run_tasks`: ``processes`` local workers, or the cluster at
    ``scheduler``) and write each plan here as it arrives.

    The inputs are read here and travel with the task; the plan comes back and is
    written here, so workers need neither the input files nor the output folder (a road
    network file must exist at the same path on the workers).

    Raises
    ------
    InputError
        Any scenario's bad input (all of them listed); other planner errors as they are.
    """
    from planner.cluster import ClusterParams, run_tasks

    runs: list = [None] * len(jobs)
    inputs = (_read_job(path) for path, _ in jobs)
    params = ClusterParams(scheduler, processes)
    with contextlib.closing(run_tasks(plan_job, inputs, params, len(jobs))) as tasks:
        for done, (i, res) in enumerate(tasks, start=1):
            path, out = jobs[i]
            runs[i] = _write_outcome(path, out, maps, res)
            progress(runs[i].name, done, len(jobs))
    problems = [p for r in runs for p in r.problems]
    if problems:
        raise InputError(problems)
    for r in runs:
        if r.error_exit:
            err = PlannerError(f"{r.scenario_path}: {r.error}")
            err.exit_code = r.error_exit
            raise err
    return runs


def check_scenarios(paths: list[Path]) -> list:
    """Load every scenario and apply its changes (cheap), so bad input stops the run before
    any planning; every problem of every file is reported at once.

    Returns
    -------
    list of planner.scenario.Scenario
    """
    from planner.pipeline import read_scenario_inputs
    from planner.scenario import load_scenario

    problems: list[Problem] = []
    scenarios = []
    for p in paths:
        try:
            sc = load_scenario(p)
            read_scenario_inputs(sc)
            scenarios.append(sc)
        except InputError as e:
            problems.extend(e.problems)
    if problems:
        raise InputError(problems)
    return scenarios


def scenario_dirs(names: list[str]) -> list[str]:
    """Folder names for scenarios: their names made file-safe and unique,
    case-insensitively (``Helsinki demo`` -> ``Helsinki-demo``, ``李娜 leaves`` ->
    ``李娜-leaves``; a repeat gets ``-2``)."""
    from planner.maps.text import slugify

    out: list[str] = []
    for n in names:
        base = slugify(n, ascii_only=False, default="scenario")
        s, i = base, 2
        while s.lower() in {o.lower() for o in out}:
            s, i = f"{base}-{i}", i + 1
        out.append(s)
    return out


@dataclass(frozen=True)
class CompareParams:
    """What :func:`compare_scenarios` runs.

    Parameters
    ----------
    scenarios : list of Path
        The base scenario first, then the what-ifs.
    out : Path
        Output folder (created).
    maps : bool
        Also render each plan's own maps under ``<out>/<scenario>/maps/``.
    processes : int
        Scenarios planned at once by the local cluster (0 = one per core).
    scheduler : str or None
        Address of a Dask scheduler to plan on instead (default: the environment's
        ``DASK_SCHEDULER_ADDRESS``, else a local cluster).
    """

    scenarios: list[Path]
    out: Path
    maps: bool = True
    processes: int = 0
    scheduler: str | None = None


@dataclass
class CompareResult:
    """What :func:`compare_scenarios` wrote and the figures it compared.

    Attributes
    ----------
    table : pandas.DataFrame
        ``metric, label, unit`` and one column per scenario (``comparison.csv``).
    metrics : list
        :class:`planner.report.compare.Metric` of each row.
    names : list of str
        Column names of the scenarios (unique), base first.
    plan_dirs : list of Path
        Each scenario's plan directory.
    changed : list of pandas.DataFrame
        Per scenario, the customers whose rep differs from the base (empty for the base).
    csv_path, html_path, changed_path : Path
    runtime_s : float
        Wall-clock seconds for the whole comparison.
    """

    table: pd.DataFrame
    metrics: list
    names: list[str]
    plan_dirs: list[Path]
    changed: list[pd.DataFrame]
    csv_path: Path
    html_path: Path
    changed_path: Path
    runtime_s: float = 0.0
    warnings: list[str] = field(default_factory=list)


def compare_scenarios(params: CompareParams, progress: Progress = _no_progress) -> CompareResult:
    """Plan a base scenario and its what-ifs in parallel and compare them.

    Parameters
    ----------
    params : CompareParams
    progress : callable, optional
        ``progress(scenario_name, done, total)`` as plans finish.

    Returns
    -------
    CompareResult

    Raises
    ------
    InputError
        A scenario file or its inputs or changes are bad (every problem of every scenario
        listed, before any planning), or fewer than two scenarios are given.
    """
    from planner.plan import Plan
    from planner.report.compare import (
        PlanFigures,
        changed_customers,
        comparison_frame,
        comparison_table_html,
        csv_text,
        unique_names,
    )
    from planner.report.compare_page import comparison_page

    t0 = time.perf_counter()
    if len(params.scenarios) < 2:
        raise InputError(
            Problem(
                "compare",
                "give a base scenario and at least one what-if",
                fix="planner compare base.yaml whatif.yaml --out DIR",
            )
        )
    scenarios = check_scenarios(list(params.scenarios))
    out = Path(params.out)
    out.mkdir(parents=True, exist_ok=True)
    dirs = [out / d for d in scenario_dirs([sc.name for sc in scenarios])]
    jobs = [(str(sc.path), str(d)) for sc, d in zip(scenarios, dirs, strict=True)]
    runs = plan_files(jobs, params.maps, params.processes, progress, params.scheduler)
    plans = [Plan.from_dir(d) for d in dirs]
    figures = [
        PlanFigures(sc.name, p.kpis, p.assignments, r.runtime_s, str(d))
        for sc, p, r, d in zip(scenarios, plans, runs, dirs, strict=True)
    ]
    changed = [changed_customers(plans[0].assignments, p.assignments) for p in plans]
    changed[0] = changed[0].iloc[0:0]
    table, metrics = comparison_frame(figures, [len(c) for c in changed])
    names = unique_names([sc.name for sc in scenarios])
    csv_path = write_text(out / "comparison.csv", csv_text(table))
    changed_path = write_text(out / "changed_customers.csv", _changed_csv(names, changed, plans))
    facts = [
        f"base: {names[0]} ({scenarios[0].path}); what-ifs: {', '.join(names[1:])}",
        f"horizon of the base: {scenarios[0].horizon().start} .. {scenarios[0].horizon().end}",
        "changes are shown against the base; green = better, red = worse",
    ]
    html = comparison_page(
        "Scenario comparison", facts, comparison_table_html(table, metrics), plans, names, changed
    )
    html_path = write_text(out / "comparison.html", html)
    # the base's warnings once; a what-if's only when the base does not have them
    base_w = list(plans[0].meta.get("warnings", []))
    warnings = [f"{names[0]}: {w}" for w in base_w] + [
        f"{n}: {w}"
        for n, p in zip(names[1:], plans[1:], strict=True)
        for w in p.meta.get("warnings", [])
        if w not in base_w
    ]
    return CompareResult(
        table,
        metrics,
        names,
        dirs,
        changed,
        csv_path,
        html_path,
        changed_path,
        round(time.perf_counter() - t0, 2),
        warnings,
    )


def _changed_csv(names: list[str], changed: list[pd.DataFrame], plans: list) -> str:
    cols = [
        "scenario",
        "customer_id",
        "customer_name",
        "base_rep_id",
        "rep_id",
        "base_territory_id",
        "territory_id",
    ]
    frames = []
    for name, ch, p in zip(names[1:], changed[1:], plans[1:], strict=True):
        if len(ch):
            nm = dict(zip(p.customers["customer_id"].astype(str), p.customers["name"], strict=True))
            frames.append(
                ch.assign(scenario=name, customer_name=ch["customer_id"].map(nm).fillna(""))
            )
    from planner.report.compare import csv_text

    frame = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    return csv_text(frame)
