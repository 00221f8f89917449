"""``planner actuals``: compare a plan with the visit log of what happened.

:func:`run_actuals` reads a plan directory and one or more visit log files or folders,
validates the log against the plan (customers, reps, the plan's assignments on the days of
its horizon, no date after the as-of date), matches every planned visit with the log
(:func:`planner.report.actuals.plan_vs_actual`), counts completion per rep, tier and week
(:func:`planner.report.actuals.completion_table`) and writes, each file atomically:

``plan_vs_actual.csv``  every planned visit with its result, then the unplanned visits
``completion.csv``      planned, done, completion % ... per rep, tier, week and in total
``completion.html``     the same figures with a chart (self-contained page)

Nothing is written when the plan or the log has a problem. Definitions:
docs/data-contract.md ("Outputs of planner actuals") and docs/weekly-routine.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from planner.cells import csv_bytes
from planner.errors import InputError, Problem
from planner.files import write_bytes, write_text
from planner.i18n import Translator, translator
from planner.output import plan_output_options
from planner.plan import Plan
from planner.report.actuals import (
    ActualsFrame,
    completion_table,
    completion_to_csv,
    match_window_days,
    plan_vs_actual,
    pva_to_csv,
)
from planner.report.actuals_page import completion_html

if TYPE_CHECKING:
    from planner.io.visit_log import VisitLogResult


@dataclass(frozen=True)
class ActualsParams:
    """What to compare and where to write.

    Parameters
    ----------
    plan_dir : Path
        A plan directory written by ``planner plan``.
    logs : tuple of Path
        Visit log files and folders (see :class:`planner.io.visit_log.VisitLogParams`).
    out : Path
        Output directory (created); must not lie inside a log folder.
    as_of : date or None
        The day the log is complete up to; log rows after it are a problem and planned
        visits after it without a row are ``upcoming``. ``None`` = today.
    language : str or None
        Labels of ``completion.html`` (``en`` / ``zh``); ``None`` = the plan's language.
    """

    plan_dir: Path
    logs: tuple[Path, ...]
    out: Path
    as_of: dt.date | None = None
    language: str | None = None


@dataclass
class ActualsResult:
    """What :func:`run_actuals` computed and wrote.

    Attributes
    ----------
    plan_vs_actual, completion : pandas.DataFrame
        The two tables (dates as ``datetime.date``).
    total : dict
        The ``total`` row of ``completion``.
    as_of : date
    paths : dict
        ``plan_vs_actual``, ``completion``, ``html`` -> the written files.
    warnings : list of str
    language : str
        The language the page was written in.
    """

    plan_vs_actual: pd.DataFrame
    completion: pd.DataFrame
    total: dict
    as_of: dt.date
    paths: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    language: str = "en"


def plan_tiers(plan: Plan, plan_dir: Path):
    """The tier rules a plan was made with (from its ``plan.json`` settings)."""
    from planner.scenario import Scenario, ScenarioModel

    try:
        model = ScenarioModel.model_validate(plan.meta["settings"])
    except Exception as e:  # noqa: BLE001 - any defect in plan.json is bad input
        raise InputError(
            Problem(
                str(plan_dir / "plan.json"),
                f"cannot read the scenario settings: {e}",
                fix="re-run 'planner plan' to write a fresh plan",
            )
        ) from None
    return Scenario(model, plan_dir / "scenario.yaml").tier_table()


def _check_out(out: Path, logs: tuple[Path, ...]) -> None:
    """The outputs must not land where the next run would read them as logs."""
    target = out.resolve()
    for p in logs:
        if p.is_dir() and (target == p.resolve() or p.resolve() in target.parents):
            raise InputError(
                Problem(
                    str(out),
                    f"the output folder is inside the log folder {p}: its CSV files would be "
                    "read as visit logs next time",
                    column="--out",
                    fix="write the outputs to another folder",
                )
            )


def _facts(
    tr: Translator,
    plan: Plan,
    plan_dir: Path,
    days: tuple[dt.date, dt.date, dt.date],
    log: VisitLogResult,
    outside: int,
) -> list[str]:
    """The lines under the page's title: the plan, its horizon, the log read."""
    start, end, as_of = days
    lines = [
        tr(
            "Plan: {plan} ({scenario}), horizon {start} to {end}; as of {as_of}.",
            plan=plan_dir,
            scenario=plan.meta.get("scenario", ""),
            start=start,
            end=end,
            as_of=as_of,
        ),
        tr("Log: {rows} row(s) from {files} file(s).", rows=len(log.log), files=len(log.files)),
    ]
    if log.repeated_rows:
        lines.append(tr("{n} repeated row(s) counted once.", n=log.repeated_rows))
    if outside:
        lines.append(tr("{n} row(s) outside the horizon, not compared.", n=outside))
    return lines


def run_actuals(params: ActualsParams) -> ActualsResult:
    """Compare a plan with its visit log and write the three outputs.

    Raises
    ------
    InputError
        The plan directory cannot be read, the log has problems (every one listed), or
        ``out`` is inside a log folder. Nothing is written then.
    """
    from planner.io.visit_log import VisitLogParams, read_visit_log

    plan_dir = Path(params.plan_dir)
    _check_out(Path(params.out), params.logs)
    plan = Plan.from_dir(plan_dir)
    tiers = plan_tiers(plan, plan_dir)
    start = dt.date.fromisoformat(plan.meta["horizon"]["start"])
    end = dt.date.fromisoformat(plan.meta["horizon"]["end"])
    as_of = params.as_of or dt.date.today()
    owners = dict(zip(plan.assignments["customer_id"], plan.assignments["rep_id"], strict=True))
    log = read_visit_log(
        VisitLogParams(
            paths=tuple(params.logs),
            customer_ids=frozenset(plan.customers["customer_id"]),
            rep_ids=frozenset(plan.reps["rep_id"]),
            customer_reps=owners,
            rep_days=(start, end),
            as_of=as_of,
            as_of_label="the as-of date" if params.as_of else "today",
        )
    )
    frame = ActualsFrame(
        start=start,
        end=end,
        as_of=as_of,
        window_days={t: match_window_days(tiers[t].every_weeks) for t in tiers.names()},
        top_tier=max(tiers.names(), key=lambda t: (tiers[t].priority, -tiers.names().index(t))),
    )
    pva, outside = plan_vs_actual(plan.visits, log.log, plan.customers, frame)
    table = completion_table(pva, frame)
    warnings = list(log.warnings)
    if outside:
        warnings.append(
            f"{outside} log row(s) dated outside the plan's horizon {start}..{end} are not compared"
        )
    names = {
        str(r): f"{n} ({r})" for r, n in zip(plan.reps["rep_id"], plan.reps["name"], strict=True)
    }
    opts = plan_output_options(plan.meta, params.language)
    tr = translator(opts.language)
    facts = _facts(tr, plan, plan_dir, (start, end, as_of), log, outside)
    enc = opts.csv_encoding  # as the plan's
    out = Path(params.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "plan_vs_actual": write_bytes(out / "plan_vs_actual.csv", csv_bytes(pva_to_csv(pva), enc)),
        "completion": write_bytes(out / "completion.csv", csv_bytes(completion_to_csv(table), enc)),
        "html": write_text(
            out / "completion.html",
            completion_html(
                table,
                pva,
                names,
                tr("Visit completion: {scenario}", scenario=plan.meta.get("scenario", "")),
                facts,
                frame.top_tier,
                opts.language,
            ),
        ),
    }
    total = table[table["group"] == "total"].iloc[0].to_dict()
    return ActualsResult(pva, table, total, as_of, paths, warnings, opts.language)
