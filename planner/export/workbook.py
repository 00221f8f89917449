"""``visit_plan.xlsx``: the visit plan table per rep, a summary per rep and week, and the
daily visit report form (openpyxl).

Sheets, in this order:

- the summary (one row per rep and ISO week);
- one sheet per rep in the visit-plan-table layout: one row per visit (date, weekday,
  start, end, customer, tier, appointed time, purpose, contact, phone, address, notes),
  appointments highlighted;
- the daily visit report: one block per rep-day, pre-filled from the plan, blank where
  the rep writes (person met, purpose, outcome A-E, problems solved / open, next
  appointment), a page break after each block.

Every sheet has a frozen header, set column widths and a print setup (A4 landscape, fit
to the page width, header rows repeated on each printed page). Text that a spreadsheet
would run as a formula is stored as text with Excel's quote prefix (the OWASP rule,
:mod:`planner.cells`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from planner.cells import is_formula_like
from planner.export.table import RepInfo, plan_reps, rep_days, route_of, visit_rows
from planner.files import write_bytes
from planner.i18n import Translator
from planner.plan import Plan
from planner.units import format_clock

HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
APPOINTMENT_FILL = PatternFill("solid", fgColor="FFF2CC")
BOLD = Font(bold=True)
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
OUTCOMES = ("A", "B", "C", "D", "E")


def put(ws: Worksheet, row: int, col: int, value: object, **style: object):
    """Write one cell; text never becomes a formula (quote prefix, OWASP rule)."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl would otherwise store '=...' as a formula
        if is_formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    for key, v in style.items():
        setattr(cell, key, v)
    return cell


def _time(seconds: object) -> dt.time | None:
    if seconds is None or (isinstance(seconds, float) and seconds != seconds):
        return None
    text = format_clock(float(seconds))  # type: ignore[arg-type]
    h, m = (int(x) for x in text.split(":"))
    return dt.time(h % 24, m)


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique worksheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    base = re.sub(r"[\[\]:*?/\\]", "-", name).strip("' ") or "Sheet"
    base = base[:31]
    title, k = base, 1
    while title.lower() in taken:
        k += 1
        suffix = f" ({k})"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(title.lower())
    return title


def _header(ws: Worksheet, labels: list[str], widths: list[float], row: int = 1) -> None:
    for i, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        put(ws, row, i, label, font=BOLD, fill=HEADER_FILL, border=BOX, alignment=WRAP)
        ws.column_dimensions[ws.cell(row=row, column=i).column_letter].width = width


def _print_setup(ws: Worksheet, title: str, header_rows: str | None = "1:1") -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_rows:
        ws.print_title_rows = header_rows
    ws.oddHeader.center.text = title.replace("&", "&&")
    ws.oddFooter.right.text = "&P / &N"


def plan_columns(tr: Translator) -> list[tuple[str, float]]:
    """Labels and widths of the visit plan table."""
    return [
        (tr("Date"), 11),
        (tr("Weekday"), 8),
        (tr("Start"), 7),
        (tr("End"), 7),
        (tr("No."), 5),
        (tr("Customer"), 28),
        (tr("Customer ID"), 12),
        (tr("Tier"), 6),
        (tr("Appointment"), 12),
        (tr("Purpose"), 22),
        (tr("Contact"), 16),
        (tr("Phone"), 16),
        (tr("Address"), 32),
        (tr("Notes"), 36),
    ]


def _rep_sheet(ws: Worksheet, rep: RepInfo, rows, tr: Translator, period: str) -> None:
    cols = plan_columns(tr)
    _header(ws, [c[0] for c in cols], [c[1] for c in cols])
    r = 1
    for v in rows.to_dict("records"):
        r += 1
        appt = _time(v["appointment_s"])
        contact = v["contact"] + (f" ({v['contact_title']})" if v["contact_title"] else "")
        values = [
            v["date"],
            tr.weekday(v["date"]),
            _time(v["start_s"]),
            _time(v["departure_s"]),
            int(v["seq"]),
            str(v["customer_name"]),
            str(v["customer_id"]),
            str(v["tier"]),
            (tr("Appointment {time}", time=appt.strftime("%H:%M")) if appt else ""),
            v["purpose"],
            contact,
            v["phone"],
            v["address"],
            v["notes"],
        ]
        for c, value in enumerate(values, start=1):
            cell = put(ws, r, c, value, alignment=WRAP)
            if appt is not None:
                cell.fill = APPOINTMENT_FILL
        ws.cell(row=r, column=1).number_format = "yyyy-mm-dd"
        ws.cell(row=r, column=3).number_format = "hh:mm"
        ws.cell(row=r, column=4).number_format = "hh:mm"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{ws.cell(row=max(r, 1), column=len(cols)).coordinate}"
    _print_setup(ws, f"{tr('Visit plan table')}: {rep.name} ({rep.rep_id}), {period}")


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _summary_sheet(ws: Worksheet, plan: Plan, reps: dict[str, RepInfo], rows, tr) -> None:
    labels = [
        (tr("Rep"), 24),
        (tr("Rep ID"), 10),
        (tr("Week"), 10),
        (tr("Week of"), 12),
        (tr("Days"), 7),
        (tr("Visits"), 8),
        (tr("Appointments"), 12),
        (tr("Drive (h)"), 10),
        (tr("Distance (km)"), 12),
        (tr("On site (h)"), 10),
        (tr("Working time (h)"), 14),
    ]
    _header(ws, [x[0] for x in labels], [x[1] for x in labels])
    weeks: dict[tuple[str, dt.date], dict] = {}
    for (rid, day), rt in sorted(route_of(plan).items()):
        w = weeks.setdefault((rid, _week_start(day)), _zero_week())
        w["days"] += 1
        w["travel_s"] += float(rt.get("travel_s") or 0)
        w["dist_m"] += float(rt.get("dist_m") or 0)
        w["service_s"] += float(rt.get("service_s") or 0)
        w["work_s"] += float(rt.get("end_s") or 0) - float(rt.get("start_s") or 0)
    for v in rows.to_dict("records"):
        w = weeks.setdefault((str(v["rep_id"]), _week_start(v["date"])), _zero_week())
        w["visits"] += 1
        w["appointments"] += v["appointment_s"] is not None
    order = {rid: i for i, rid in enumerate(reps)}
    r = 1
    for (rid, monday), w in sorted(weeks.items(), key=lambda kv: (order.get(kv[0][0], 1e9), kv[0])):
        r += 1
        iso = monday.isocalendar()
        rep = reps.get(rid)
        values = [
            rep.name if rep else rid,
            rid,
            f"{iso.year}-W{iso.week:02d}",
            monday,
            w["days"],
            w["visits"],
            w["appointments"],
            round(w["travel_s"] / 3600, 2),
            round(w["dist_m"] / 1000, 2),
            round(w["service_s"] / 3600, 2),
            round(w["work_s"] / 3600, 2),
        ]
        for c, value in enumerate(values, start=1):
            put(ws, r, c, value)
        ws.cell(row=r, column=4).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    _print_setup(ws, tr("Visits per rep and week"))


def _zero_week() -> dict:
    return {
        "days": 0,
        "visits": 0,
        "appointments": 0,
        "travel_s": 0.0,
        "dist_m": 0.0,
        "service_s": 0.0,
        "work_s": 0.0,
    }


def report_columns(tr: Translator) -> list[tuple[str, float]]:
    """Labels and widths of the daily visit report's table (also the HTML form's)."""
    return [
        (tr("No."), 5),
        (tr("Time"), 12),
        (tr("Customer"), 26),
        (tr("Planned purpose"), 18),
        (tr("Person met"), 14),
        (tr("Purpose"), 16),
        (tr("Outcome (A-E)"), 9),
        (tr("Problems solved"), 20),
        (tr("Problems still open"), 20),
        (tr("Next appointment"), 14),
    ]


def purpose_choices(tr: Translator) -> list[str]:
    """The purposes of a visit the daily report offers (the visit-report policy's)."""
    return [tr("first visit"), tr("solve a problem"), tr("build the relationship"), tr("other")]


def _daily_sheet(ws: Worksheet, plan: Plan, reps: dict[str, RepInfo], rows, tr) -> None:
    cols = report_columns(tr)
    for i, (_, width) in enumerate(cols, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    outcome = DataValidation(type="list", formula1='"' + ",".join(OUTCOMES) + '"', allow_blank=True)
    purposes = DataValidation(
        type="list", formula1='"' + ",".join(purpose_choices(tr)) + '"', allow_blank=True
    )
    ws.add_data_validation(outcome)
    ws.add_data_validation(purposes)
    routes = route_of(plan)
    r = 0
    for (rid, day), g in rep_days(rows).items():
        rep = reps.get(rid) or RepInfo(rid, rid, rid)
        rt = routes.get((rid, day), {})
        r += 1
        put(
            ws,
            r,
            1,
            f"{tr('Daily visit report')}: {rep.name} ({rid})",
            font=Font(bold=True, size=13),
        )
        put(ws, r, 6, tr.day_label(day), font=Font(bold=True, size=13))
        r += 1
        put(
            ws,
            r,
            1,
            tr(
                "Planned: {n} visits, leave {leave}, back {back}",
                n=len(g),
                leave=format_clock(rt["start_s"]) if rt else "",
                back=format_clock(rt["end_s"]) if rt else "",
            ),
        )
        r += 1
        _header(ws, [c[0] for c in cols], [c[1] for c in cols], row=r)
        first = r + 1
        for v in g.to_dict("records"):
            r += 1
            appt = _time(v["appointment_s"])
            when = f"{format_clock(v['start_s'])}-{format_clock(v['departure_s'])}"
            if appt:
                when += "\n" + tr("Appointment {time}", time=appt.strftime("%H:%M"))
            values = [int(v["seq"]), when, str(v["customer_name"]), v["purpose"]]
            for c in range(1, len(cols) + 1):
                put(ws, r, c, values[c - 1] if c <= len(values) else "", border=BOX, alignment=WRAP)
            ws.row_dimensions[r].height = 32
        if r >= first:  # one range per block: adding cell by cell is quadratic in openpyxl
            purposes.add(f"F{first}:F{r}")
            outcome.add(f"G{first}:G{r}")
        for label in (
            tr("Visits made today: ____ of {n} planned", n=len(g)),
            tr("Problems solved today:"),
            tr("Problems still open:"),
            tr("Signature:"),
        ):
            r += 2
            put(ws, r, 1, label, font=BOLD)
        ws.row_breaks.append(Break(id=r))
        r += 1
    _print_setup(ws, tr("Daily visit report"), header_rows=None)


def write_workbook(plan: Plan, path: str | Path, tr: Translator) -> Path:
    """Write ``visit_plan.xlsx`` (sheets as in the module docstring) atomically.

    Parameters
    ----------
    plan : Plan
    path : str or Path
        The workbook to write.
    tr : Translator
        Language of sheet names, headers, weekdays and labels.

    Returns
    -------
    Path
    """
    rows = visit_rows(plan)
    reps = plan_reps(plan)
    wb = Workbook()
    taken: set[str] = set()
    summary = wb.active
    summary.title = sheet_title(tr("Summary"), taken)
    _summary_sheet(summary, plan, reps, rows, tr)
    days = sorted({d for d in rows["date"]}) if len(rows) else []
    period = f"{days[0].isoformat()} – {days[-1].isoformat()}" if days else ""
    for rid, rep in reps.items():
        ws = wb.create_sheet(sheet_title(rep.name, taken))
        _rep_sheet(
            ws, rep, rows[rows["rep_id"].astype(str) == rid] if len(rows) else rows, tr, period
        )
    daily = wb.create_sheet(sheet_title(tr("Daily report"), taken))
    _daily_sheet(daily, plan, reps, rows, tr)
    buf = io.BytesIO()
    wb.save(buf)
    return write_bytes(path, _deterministic(buf.getvalue()))


def _deterministic(data: bytes) -> bytes:
    """The workbook with fixed zip timestamps and document dates, so the same plan gives
    the same bytes."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    rb"\g<1>2000-01-01T00:00:00Z\g<3>",
                    body,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    return out.getvalue()
