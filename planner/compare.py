"""What-if comparison: plan a base scenario and its what-ifs side by side.

:func:`compare_scenarios` works in two phases:

1. the base is planned here, its territories as tasks of a Dask cluster
   (:mod:`planner.cluster`);
2. the what-ifs are planned as tasks of the cluster (:func:`plan_files`; each task
   carries its scenario and inputs, read here), each starting from the base's territories
   (``keep`` mode: :func:`planner.pipeline.keep_territories_from`, read here too) unless
   the what-if says ``territories: {method: redesign}`` (:func:`whatif_method`).

Each plan goes to ``<out>/<scenario>/`` with its own ``kpis.json`` as it arrives; then
the plans are read back and compare writes:

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
from planner.i18n import Translator, translator

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
    keep_from: str = ""


@dataclass(frozen=True)
class PlanJob:
    """One scenario to plan, with its inputs already read (a task carries its inputs: the
    worker that plans it needs no access to the client's files).

    Attributes
    ----------
    scenario : planner.scenario.Scenario
    inputs : planner.pipeline.Inputs
        The scenario's validated customers, reps and appointments, changes applied, with
        its rolling re-plan and kept territories (:func:`planner.pipeline.read_plan_inputs`).
    workers : int
        Workers for the plan's territories (1 inside a cluster task: no cluster inside a
        cluster).
    scheduler : str or None
        The Dask scheduler for the plan's territories (with ``workers != 1``).
    """

    scenario: Any
    inputs: Any
    workers: int = 1
    scheduler: str | None = None


@dataclass(frozen=True)
class PlanOutcome:
    """What :func:`plan_job` returns: the plan, or the error it met (picklable)."""

    plan: Any
    runtime_s: float
    problems: tuple[Problem, ...] = ()
    error_exit: int = 0
    error: str = ""


def plan_job(job: PlanJob) -> PlanOutcome:
    """Plan one scenario (the unit of work of a compare or size run).

    Returns
    -------
    PlanOutcome
        With ``problems`` / ``error`` set instead of raising, so the result crosses a
        process boundary intact.
    """
    from planner.pipeline import run_plan

    t0 = time.perf_counter()
    try:
        plan = run_plan(
            job.scenario, workers=job.workers, scheduler=job.scheduler, inputs=job.inputs
        )
    except InputError as e:
        return PlanOutcome(None, 0.0, tuple(e.problems), e.exit_code, str(e))
    except PlannerError as e:
        return PlanOutcome(None, 0.0, (), e.exit_code, str(e))
    return PlanOutcome(plan, round(time.perf_counter() - t0, 2))


def _read_job(
    scenario_path: str, keep_from: str = "", workers: int = 1, scheduler: str | None = None
) -> PlanJob:
    from planner.pipeline import read_plan_inputs
    from planner.scenario import load_scenario

    sc = load_scenario(scenario_path)
    inputs = read_plan_inputs(sc, Path(keep_from) if keep_from else None)
    return PlanJob(sc, inputs, workers, scheduler)


def _write_outcome(
    path: str, out_dir: str, maps: bool, res: PlanOutcome, keep_from: str = ""
) -> PlanRun:
    from planner.pipeline import write_plan

    if res.plan is None:
        return PlanRun(path, Path(path).stem, out_dir, 0.0, res.problems, res.error_exit, res.error)
    write_plan(res.plan, Path(out_dir), maps=maps)
    return PlanRun(path, res.plan.meta["scenario"], out_dir, res.runtime_s, keep_from=keep_from)


def plan_file(
    scenario_path: str,
    out_dir: str,
    maps: bool = True,
    workers: int = 1,
    keep_from: str = "",
    scheduler: str | None = None,
) -> PlanRun:
    """Plan one scenario file and write the plan, in this process (its territories on the
    cluster when ``workers != 1``).

    Parameters
    ----------
    scenario_path, out_dir : str
        The scenario file and the plan folder to write.
    maps : bool
        Render the plan's HTML maps too.
    workers : int
        Workers for the plan's territories (:func:`planner.cluster.run_tasks`).
    keep_from : str
        An earlier plan folder whose territories are kept (``keep`` mode); ``""`` = the
        scenario's own territory method.
    scheduler : str, optional
        A Dask scheduler for the territories.

    Returns
    -------
    PlanRun
        With ``problems`` / ``error`` set instead of raising.
    """
    try:
        job = _read_job(scenario_path, keep_from, workers, scheduler)
    except InputError as e:
        res = PlanOutcome(None, 0.0, tuple(e.problems), e.exit_code, str(e))
    else:
        res = plan_job(job)
    return _write_outcome(scenario_path, out_dir, maps, res, keep_from)


def plan_files(
    jobs: list[tuple],
    maps: bool,
    processes: int,
    progress: Progress = _no_progress,
    scheduler: str | None = None,
    *,
    counted: tuple[int, int] | None = None,
) -> list[PlanRun]:
    """Plan each ``(scenario_path, out_dir[, keep_from])`` as a task of a Dask cluster
    (:func:`planner.cluster.run_tasks`: ``processes`` local workers, or the cluster at
    ``scheduler``) and write each plan here as it arrives.

    The inputs (and the kept plan's territories) are read here and travel with the task;
    the plan comes back and is written here, so workers need neither the input files nor
    the output folder (a road network file must exist at the same path on the workers).
    ``counted = (done before, total)`` numbers the progress calls across phases.

    Raises
    ------
    InputError
        Any scenario's bad input (all of them listed); other planner errors as they are.
    """
    from planner.cluster import ClusterParams, run_tasks

    first, total = counted or (0, len(jobs))
    keep = [j[2] if len(j) > 2 else "" for j in jobs]
    runs: list = [None] * len(jobs)
    inputs = (_read_job(j[0], k) for j, k in zip(jobs, keep, strict=True))
    params = ClusterParams(scheduler, processes)
    with contextlib.closing(run_tasks(plan_job, inputs, params, len(jobs))) as tasks:
        for done, (i, res) in enumerate(tasks, start=1):
            runs[i] = _write_outcome(jobs[i][0], jobs[i][1], maps, res, keep[i])
            progress(runs[i].name, first + done, total)
    return _raise_failed(runs)


def _raise_failed(runs: list[PlanRun]) -> list[PlanRun]:
    """``runs``, or the error of the failed ones (every input problem at once)."""
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
    warnings : list of str
    modes : list of str
        How each scenario's territories were made: ``base``, ``keep`` (from the base's)
        or ``redesign``.
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
    modes: list[str] = field(default_factory=list)


def compare_scenarios(params: CompareParams, progress: Progress = _no_progress) -> CompareResult:
    """Plan a base scenario, then its what-ifs in parallel from the base's territories, and
    compare them.

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
    n = len(scenarios)
    # phase 1: the base, its territories on the cluster
    base_run = plan_file(
        str(scenarios[0].path),
        str(dirs[0]),
        params.maps,
        workers=params.processes,
        scheduler=params.scheduler,
    )
    runs = _raise_failed([base_run])
    progress(base_run.name, 1, n)
    # phase 2: the what-ifs on the cluster, from the base's territories unless they redesign
    modes = ["base"] + [whatif_method(sc.path, scenarios[0].path) for sc in scenarios[1:]]
    jobs = [
        (str(sc.path), str(d), str(dirs[0]) if mode == "keep" else "")
        for sc, d, mode in zip(scenarios[1:], dirs[1:], modes[1:], strict=True)
    ]
    runs += plan_files(
        jobs, params.maps, params.processes, progress, params.scheduler, counted=(1, n)
    )
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
    tr = translator(scenarios[0].model.language)
    horizon = scenarios[0].horizon()
    facts = [
        tr(
            "base: {base} ({path}); what-ifs: {whatifs}",
            base=names[0],
            path=scenarios[0].path,
            whatifs=", ".join(names[1:]),
        ),
        tr("horizon of the base: {start} .. {end}", start=horizon.start, end=horizon.end),
        tr("changes are shown against the base; green = better, red = worse"),
        tr(
            "territories: {modes}",
            modes="; ".join(
                f"{nm}: {_mode_text(tr, mode)}"
                for nm, mode in zip(names[1:], modes[1:], strict=True)
            ),
        ),
    ]
    html = comparison_page(
        tr("Scenario comparison"),
        facts,
        comparison_table_html(table, metrics, tr),
        plans,
        names,
        changed,
        tr.language,
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
        modes,
    )


def _mode_text(tr: Translator, mode: str) -> str:
    """How a what-if's territories were made, for the comparison page."""
    if mode == "keep":
        return tr("the base's, moving as few customers as possible")
    return tr("redesigned (territories: {method: redesign})")


def whatif_method(path: Path, base: Path) -> str:
    """``"redesign"`` when the what-if asks for it (``territories: {method: redesign}`` in
    its own file, or in a file it extends on the way to the base), else ``"keep"``: a
    what-if starts from the base's territories.
    """
    import yaml

    seen: set[Path] = set()
    p, stop = Path(path).resolve(), Path(base).resolve()
    while p != stop and p not in seen and p.exists():
        seen.add(p)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            break  # load_scenario already checked the file
        terr = data.get("territories") if isinstance(data, dict) else None
        method = terr.get("method") if isinstance(terr, dict) else None
        if method in ("keep", "redesign"):
            return str(method)
        parent = data.get("extends") if isinstance(data, dict) else None
        if not parent:
            break
        p = (p.parent / str(parent)).resolve()
    return "keep"


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
