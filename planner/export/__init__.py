"""What teams hold in their hands: the visit plan workbook, daily report forms, calendars.

:func:`export_plan` writes, into a plan directory (``planner plan``) or any folder
(``planner export PLAN_DIR --out DIR``):

- ``visit_plan.xlsx``: the visit plan table per rep, a summary per rep and week, and the
  daily visit report form (:mod:`planner.export.workbook`);
- ``daily-reports/<rep>.html``: the daily visit report, one rep-day per A4 page
  (:mod:`planner.export.daily`);
- ``calendar/<rep>.ics``: one event per visit, UIDs stable across re-plans
  (:mod:`planner.export.ics`).

Layer 3 (presentation): reads a :class:`~planner.plan.Plan` only; labels come from the
message catalogues (:mod:`planner.i18n`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from planner.i18n import DEFAULT_LANGUAGE, translator
from planner.plan import Plan

WORKBOOK_NAME = "visit_plan.xlsx"
REPORTS_DIR = "daily-reports"
CALENDAR_DIR = "calendar"


@dataclass(frozen=True)
class ExportParams:
    """What to export and in which language.

    Parameters
    ----------
    language : {"en", "zh"}
    workbook, daily_reports, calendars : bool
        Which outputs to write.
    """

    language: str = DEFAULT_LANGUAGE
    workbook: bool = True
    daily_reports: bool = True
    calendars: bool = True


@dataclass
class ExportResult:
    """Paths written by :func:`export_plan` (``None`` / empty when not asked for)."""

    workbook: Path | None = None
    daily_reports: dict[str, Path] = field(default_factory=dict)
    calendars: dict[str, Path] = field(default_factory=dict)


def export_plan(
    plan: Plan, out_dir: str | Path, params: ExportParams = ExportParams()
) -> ExportResult:
    """Write the workbook, the daily report forms and the calendars of ``plan``.

    Parameters
    ----------
    plan : Plan
        Fresh from the pipeline or read with :meth:`Plan.from_dir`.
    out_dir : str or Path
        Folder to write into (created); every file is written atomically.
    params : ExportParams

    Returns
    -------
    ExportResult
    """
    from planner.export.daily import write_daily_reports
    from planner.export.ics import write_calendars
    from planner.export.workbook import write_workbook

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tr = translator(params.language)
    res = ExportResult()
    if params.workbook:
        res.workbook = write_workbook(plan, out / WORKBOOK_NAME, tr)
    if params.daily_reports:
        res.daily_reports = write_daily_reports(plan, out / REPORTS_DIR, tr)
        remove_stale(out / REPORTS_DIR, ".html", res.daily_reports.values())
    if params.calendars:
        res.calendars = write_calendars(plan, out / CALENDAR_DIR, tr)
        remove_stale(out / CALENDAR_DIR, ".ics", res.calendars.values())
    return res


def remove_stale(folder: Path, suffix: str, kept) -> None:
    """Delete the ``suffix`` files of a previous run in ``folder`` (a rep who left) that
    this run did not write; other files are left alone."""
    keep = {Path(p).name for p in kept}
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.is_file() and path.suffix == suffix and path.name not in keep:
            path.unlink(missing_ok=True)
