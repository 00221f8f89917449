"""What-if comparison: plan a base scenario and its what-ifs side by side.

:func:`compare_scenarios` works in two phases, each one call of :func:`run_parallel`
("run these picklable tasks in parallel"; each task is :func:`plan_file`, a pure function
of file paths):

1. the base is planned (its territories routed in parallel);
2. the what-ifs are planned in parallel, each starting from the base's territories
   (``keep`` mode: :func:`planner.pipeline.keep_territories_from`) unless the what-if
   says ``territories: {method: redesign}`` (:func:`whatif_method`).

Each plan goes to ``<out>/<scenario>/`` with its own ``kpis.json``; then the plans are
read back and compare writes:

- ``comparison.csv``: one row per figure, one column per scenario (base first);
- ``changed_customers.csv``: per what-if, the customers whose rep differs from the base;
- ``comparison.html``: the table with changes versus the base, and a map of the
  territories of every scenario with the customers that changed rep highlighted.

Every file is written atomically (:mod:`planner.files`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
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
    """One scenario planned and written by :func:`plan_file` (picklable)."""

    scenario_path: str
    name: str
    plan_dir: str
    runtime_s: float
    problems: tuple[Problem, ...] = ()
    error_exit: int = 0
    error: str = ""
    keep_from: str = ""


def plan_file(
    scenario_path: str,
    out_dir: str,
    maps: bool = True,
    workers: int = 1,
    keep_from: str = "",
) -> PlanRun:
    """Plan one scenario file and write the plan (the unit of work of a compare or size run).

    Parameters
    ----------
    scenario_path : str
        The scenario YAML.
    out_dir : str
        The plan directory to write (``kpis.json``, tables, maps).
    maps : bool
        Render the plan's HTML maps too.
    workers : int
        Processes for the plan's territories (1 when scenarios already run in parallel).
    keep_from : str
        An earlier plan folder whose territories are kept (``keep`` mode); ``""`` = the
        scenario's own territory method.

    Returns
    -------
    PlanRun
        With ``problems`` / ``error`` set instead of raising, so the result crosses a
        process boundary intact.
    """
    from planner.pipeline import run_plan, write_plan
    from planner.scenario import load_scenario

    t0 = time.perf_counter()
    try:
        sc = load_scenario(scenario_path)
        plan = run_plan(sc, workers=workers, keep_from=Path(keep_from) if keep_from else None)
        write_plan(plan, Path(out_dir), maps=maps)
    except InputError as e:
        return PlanRun(
            scenario_path,
            Path(scenario_path).stem,
            out_dir,
            0.0,
            tuple(e.problems),
            e.exit_code,
            str(e),
        )
    except PlannerError as e:
        return PlanRun(
            scenario_path, Path(scenario_path).stem, out_dir, 0.0, (), e.exit_code, str(e)
        )
    return PlanRun(
        scenario_path, sc.name, out_dir, round(time.perf_counter() - t0, 2), keep_from=keep_from
    )


def run_parallel(
    fn: Callable, tasks: list[tuple], processes: int, done: Callable[[int, Any], None]
) -> list:
    """``[fn(*t) for t in tasks]``, in up to ``processes`` parallel processes (0 = one per
    core), results in task order; ``done(i, result)`` as each finishes (in order).

    The one place compare and size run work in parallel: ``fn`` and the tasks must be
    picklable (module-level function, plain values).
    """
    if processes <= 0:
        processes = os.cpu_count() or 1
    processes = max(1, min(processes, len(tasks)))
    out: list = []
    if processes == 1:
        for i, t in enumerate(tasks):
            out.append(fn(*t))
            done(i, out[-1])
        return out
    with ProcessPoolExecutor(max_workers=processes) as pool:
        futures = [pool.submit(fn, *t) for t in tasks]
        for i, f in enumerate(futures):
            out.append(f.result())
            done(i, out[-1])
    return out


def plan_files(
    jobs: list[tuple],
    maps: bool,
    processes: int,
    progress: Progress = _no_progress,
    *,
    workers: int = 1,
    counted: tuple[int, int] | None = None,
) -> list[PlanRun]:
    """Run :func:`plan_file` for each ``(scenario_path, out_dir[, keep_from])``, in
    parallel processes (``workers`` processes per plan for its territories).

    ``counted = (done before, total)`` numbers the progress calls across phases.

    Raises
    ------
    InputError
        Any scenario's bad input (all of them listed); other planner errors as they are.
    """
    first, total = counted or (0, len(jobs))
    tasks = [(j[0], j[1], maps, workers, j[2] if len(j) > 2 else "") for j in jobs]
    runs: list[PlanRun] = run_parallel(
        plan_file, tasks, processes, lambda i, r: progress(r.name, first + i + 1, total)
    )
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
        Scenarios planned at once (0 = one per core).
    """

    scenarios: list[Path]
    out: Path
    maps: bool = True
    processes: int = 0


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
    # phase 1: the base, its territories routed in parallel
    procs = params.processes if params.processes > 0 else (os.cpu_count() or 1)
    runs = plan_files(
        [(str(scenarios[0].path), str(dirs[0]))],
        params.maps,
        1,
        progress,
        workers=procs,
        counted=(0, n),
    )
    # phase 2: the what-ifs in parallel, from the base's territories unless they redesign
    modes = ["base"] + [whatif_method(sc.path, scenarios[0].path) for sc in scenarios[1:]]
    jobs = [
        (str(sc.path), str(d), str(dirs[0]) if mode == "keep" else "")
        for sc, d, mode in zip(scenarios[1:], dirs[1:], modes[1:], strict=True)
    ]
    runs += plan_files(jobs, params.maps, params.processes, progress, counted=(1, n))
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
