"""Printable daily visit report forms: ``daily-reports/<rep>.html``, one rep-day per A4
page.

Each page is pre-filled from the plan (rep, day, planned visits in order with times,
appointments, customer, planned purpose, contact) and leaves blank what the rep writes
by hand: person met, purpose (first visit / solve a problem / build the relationship),
outcome A-E, problems solved and still open, next appointment; then the day's totals
to fill in and a signature line. Plain HTML and CSS (no script, no external file): open
it and print, or save it as PDF.
"""

from __future__ import annotations

from pathlib import Path

from planner.export.table import RepInfo, plan_reps, rep_days, route_of, visit_rows
from planner.export.workbook import purpose_choices, report_columns
from planner.files import write_text
from planner.i18n import Translator
from planner.maps.text import esc
from planner.plan import Plan
from planner.units import format_clock

REPORT_CSS = """
@page { size: A4 landscape; margin: 10mm; }
* { box-sizing: border-box; }
body { margin: 0; color: #111; background: #e9edf0;
  font: 11pt/1.35 "Noto Sans", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC",
  system-ui, sans-serif; }
.sheet { background: #fff; width: 277mm; min-height: 190mm; margin: 8mm auto; padding: 8mm;
  box-shadow: 0 1px 4px rgba(0,0,0,.25); break-after: page; page-break-after: always; }
.sheet:last-of-type { break-after: auto; page-break-after: auto; }
header { display: flex; justify-content: space-between; align-items: baseline;
  border-bottom: 2px solid #111; margin-bottom: 3mm; }
h1 { font-size: 15pt; margin: 0; }
.day { font-size: 13pt; font-weight: 700; white-space: nowrap; }
.meta { color: #333; margin: 0 0 3mm; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
th, td { border: 1px solid #555; padding: 1.5mm; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eef1f4; font-size: 9pt; text-align: left; }
td { height: 14mm; font-size: 9.5pt; }
td.n { text-align: right; }
.appt { font-weight: 700; }
.small { color: #444; font-size: 8.5pt; }
.choices { color: #444; font-size: 8pt; }
.lines { margin-top: 4mm; display: grid; grid-template-columns: 1fr 1fr; gap: 3mm 8mm; }
.lines div { border-bottom: 1px solid #555; min-height: 9mm; padding-top: 1mm; }
@media print { body { background: #fff; } .sheet { margin: 0; box-shadow: none; width: auto;
  min-height: 0; padding: 0; } }
"""

WIDTHS = (4, 10, 17, 12, 11, 11, 7, 10, 10, 8)  # % of the table, with report_columns()


def _page(rep: RepInfo, day, rows, route: dict, tr: Translator) -> str:
    cols = report_columns(tr)
    head = "".join(
        f'<th style="width:{w}%">{esc(label)}</th>'
        for (label, _), w in zip(cols, WIDTHS, strict=True)
    )
    choices = " / ".join(purpose_choices(tr)[:3])
    body = []
    for v in rows.to_dict("records"):
        when = f"{format_clock(v['start_s'])}&#8211;{format_clock(v['departure_s'])}"
        if v["appointment_s"] is not None:
            when += (
                '<div class="appt">'
                f"{esc(tr('Appointment {time}', time=format_clock(v['appointment_s'])))}</div>"
            )
        who = esc(v["contact"]) + (f" ({esc(v['contact_title'])})" if v["contact_title"] else "")
        customer = (
            f"{esc(v['customer_name'])}"
            + (f'<div class="small">{esc(v["address"])}</div>' if v["address"] else "")
            + (f'<div class="small">{esc(v["phone"])}</div>' if v["phone"] else "")
        )
        body.append(
            f'<tr data-customer-id="{esc(v["customer_id"])}"><td class="n">{int(v["seq"])}</td>'
            f"<td>{when}</td><td>{customer}</td><td>{esc(v['purpose'])}</td>"
            f'<td><div class="small">{who}</div></td>'
            f'<td><div class="choices">{esc(choices)}</div></td>'
            '<td><div class="choices">A B C D E</div></td><td></td><td></td><td></td></tr>'
        )
    planned = tr(
        "Planned: {n} visits, leave {leave}, back {back}",
        n=len(rows),
        leave=format_clock(route["start_s"]) if route else "",
        back=format_clock(route["end_s"]) if route else "",
    )
    lines = "".join(
        f"<div>{esc(label)}</div>"
        for label in (
            tr("Visits made today: ____ of {n} planned", n=len(rows)),
            tr("Problems solved today:"),
            tr("Problems still open:"),
            tr("Signature:"),
        )
    )
    return (
        f'<section class="sheet" data-rep-id="{esc(rep.rep_id)}" data-date="{day.isoformat()}">'
        f"<header><h1>{esc(tr('Daily visit report'))}: {esc(rep.name)} "
        f'<span class="small">({esc(rep.rep_id)})</span></h1>'
        f'<span class="day">{esc(tr.day_label(day))}</span></header>'
        f'<p class="meta">{esc(planned)} · {esc(tr("Outcome: A best ... E worst."))}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f'<div class="lines">{lines}</div></section>'
    )


def write_daily_reports(plan: Plan, folder: str | Path, tr: Translator) -> dict[str, Path]:
    """Write ``<folder>/<rep>.html`` per rep with visits: one A4 page per rep-day.

    Returns
    -------
    dict
        ``rep_id -> path`` (file names are the maps' rep folder names).
    """
    folder = Path(folder)
    rows = visit_rows(plan)
    routes = route_of(plan)
    days = rep_days(rows)
    out: dict[str, Path] = {}
    for rid, rep in plan_reps(plan).items():
        pages = [
            _page(rep, day, g, routes.get((rid, day), {}), tr)
            for (r, day), g in days.items()
            if r == rid
        ]
        if not pages:
            continue
        title = f"{tr('Daily visit report')}: {rep.name}"
        html = (
            f'<!DOCTYPE html>\n<html lang="{tr.html_lang}"><head><meta charset="utf-8"/>'
            f"<title>{esc(title)}</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
            f"<style>{REPORT_CSS}</style></head><body>{''.join(pages)}</body></html>\n"
        )
        out[rid] = write_text(folder / f"{rep.slug}.html", html)
    return out
