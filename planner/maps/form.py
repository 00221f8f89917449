"""The visit report form of a rep-day page: what happened at each stop, kept on the phone.

Per stop the rep records done / missed (with the reason) / cancelled, the start time and
minutes on site (pre-filled from the plan), the outcome A-E, the person met, the
purpose, notes and the next appointment. Everything is kept in the browser's
``localStorage`` as it is typed (it survives a reload, a closed tab and having no
signal); **Export** downloads the day's reports as a CSV in the visit-log format that
``planner actuals`` reads::

    customer_id,rep_id,date,status,start,duration_min,outcome,person_met,purpose,notes

``date`` ISO, ``status`` done|missed|cancelled, ``start`` HH:MM, ``outcome`` A-E or
empty; the reason of a missed visit and the next appointment go into ``notes``. Only
stops with a status are exported. Text a spreadsheet would run as a formula is
neutralised as in every CSV of the planner (:mod:`planner.cells`).

The script is plain JavaScript in the page (no Leaflet needed), so the form works even
when the map library failed to load; it then also says why the map is grey.
"""

from __future__ import annotations

import json

from planner.domain import VISIT_LOG_FILE_COLUMNS, VISIT_OUTCOMES, VISIT_STATUSES
from planner.i18n import Translator
from planner.maps.text import clock, esc

LOG_COLUMNS = VISIT_LOG_FILE_COLUMNS
STATUSES = VISIT_STATUSES
OUTCOMES = VISIT_OUTCOMES


def purpose_options(tr: Translator) -> list[str]:
    """Purposes offered in the form (the visit-report policy's), any text is allowed."""
    return [tr("first visit"), tr("solve a problem"), tr("build the relationship")]


def stop_form(visit: dict, tr: Translator) -> str:
    """The collapsible report form of one stop (inside its itinerary ``<li>``)."""
    cid = esc(visit["customer_id"])
    start = clock(visit.get("start_s"))
    minutes = round((float(visit["departure_s"]) - float(visit["start_s"])) / 60)
    status_labels = {
        "done": tr("done"),
        "missed": tr("missed"),
        "cancelled": tr("cancelled"),
    }
    radios = "".join(
        f'<label class="choice"><input type="radio" name="status-{cid}" value="{s}" '
        f'data-field="status"/> {esc(status_labels[s])}</label>'
        for s in STATUSES
    )
    outcomes = '<option value=""></option>' + "".join(
        f'<option value="{o}">{o}</option>' for o in OUTCOMES
    )
    contact = esc(visit.get("contact") or "")
    purpose = esc(visit.get("purpose") or "")
    return (
        f'<details class="report" data-customer-id="{cid}">'
        f'<summary><span class="report-label">{esc(tr("Visit report"))}</span>'
        '<span class="report-state"></span></summary>'
        f'<div class="report-body"><fieldset class="status"><legend>{esc(tr("Status"))}</legend>'
        f"{radios}</fieldset>"
        f'<label class="field reason">{esc(tr("Reason (missed)"))}'
        '<input type="text" data-field="reason"/></label>'
        '<div class="pair">'
        f'<label class="field">{esc(tr("Start"))}<input type="time" data-field="start" '
        f'value="{esc(start)}"/></label>'
        f'<label class="field">{esc(tr("Minutes on site"))}<input type="number" min="0" '
        f'step="1" inputmode="numeric" data-field="duration_min" value="{minutes}"/></label>'
        "</div>"
        f'<label class="field">{esc(tr("Outcome (A-E)"))}<select data-field="outcome">'
        f"{outcomes}</select></label>"
        f'<label class="field">{esc(tr("Person met"))}<input type="text" '
        f'data-field="person_met" placeholder="{contact}"/></label>'
        f'<label class="field">{esc(tr("Purpose"))}<input type="text" list="purposes" '
        f'data-field="purpose" value="{purpose}"/></label>'
        f'<label class="field">{esc(tr("Notes"))}<textarea rows="2" data-field="notes">'
        "</textarea></label>"
        f'<label class="field">{esc(tr("Next appointment"))}<input type="datetime-local" '
        'data-field="next"/></label></div></details>'
    )


def _json_for_html(data: object) -> str:
    """JSON safe inside a ``<script>`` element (``<``, ``>``, ``&`` escaped)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def form_panel(
    tr: Translator, plan_key: str, rep_id: str, slug: str, day: str, csv_bom: bool
) -> tuple[str, str]:
    """The Export bar and purposes list (after the itinerary), and the form's script (for
    the end of the page, outside the panel).

    Parameters
    ----------
    tr : Translator
    plan_key : str
        Identifies the plan (scenario name and horizon) in the ``localStorage`` key, so
        two plans' pages opened on one phone keep apart.
    rep_id, slug, day : str
        The rep, its folder name (for the file name) and the ISO date of the page.
    csv_bom : bool
        Start the exported CSV with a byte-order mark (``csv_encoding: utf-8-sig``).
    """
    config = {
        "storageKey": f"planner:visit-log:v1:{plan_key}:{rep_id}:{day}",
        "repId": rep_id,
        "date": day,
        "fileName": f"visit-log_{slug}_{day}.csv",
        "columns": list(LOG_COLUMNS),
        "bom": csv_bom,
        "text": {
            "reported": tr("{n} of {total} stops reported"),
            "saved": tr("kept on this device"),
            "notSaved": tr("this browser does not keep it: export before closing"),
            "nothing": tr("Nothing to export yet: mark a stop done, missed or cancelled."),
            "reason": tr("reason"),
            "next": tr("next appointment"),
            "noMap": tr(
                "The map library is missing (the page was sent without its _static "
                "folder); the itinerary and the visit report below still work."
            ),
            "status": {
                "done": tr("done"),
                "missed": tr("missed"),
                "cancelled": tr("cancelled"),
            },
        },
    }
    options = "".join(f'<option value="{esc(p)}"></option>' for p in purpose_options(tr))
    bar = (
        f'<datalist id="purposes">{options}</datalist>'
        '<div id="visit-log" class="log-bar">'
        f'<button type="button" id="export-log" class="btn primary">{esc(tr("Export"))}</button>'
        '<span id="log-state" class="meta"></span></div>'
    )
    script = (
        f'<script type="application/json" id="log-config">{_json_for_html(config)}</script>'
        f"<script>{FORM_JS}</script>"
    )
    return bar, script


FORM_JS = r"""
(function () {
  var cfg = JSON.parse(document.getElementById("log-config").textContent);
  var T = cfg.text;
  if (typeof L === "undefined") {
    var box = document.querySelector(".folium-map");
    if (box) { box.innerHTML = '<p class="no-map"></p>'; box.firstChild.textContent = T.noMap; }
  }
  var state = {}, kept = true;
  try { state = JSON.parse(window.localStorage.getItem(cfg.storageKey) || "{}") || {}; }
  catch (e) { kept = false; state = {}; }
  var forms = Array.prototype.slice.call(document.querySelectorAll("details.report"));
  var fieldsOf = function (form) { return form.querySelectorAll("[data-field]"); };
  var read = function (form) {
    var out = {};
    Array.prototype.forEach.call(fieldsOf(form), function (el) {
      var k = el.getAttribute("data-field");
      if (el.type === "radio") { if (el.checked) { out[k] = el.value; } }
      else { out[k] = el.value; }
    });
    return out;
  };
  var write = function (form, values) {
    Array.prototype.forEach.call(fieldsOf(form), function (el) {
      var k = el.getAttribute("data-field");
      if (!(k in values)) { return; }
      if (el.type === "radio") { el.checked = (el.value === values[k]); }
      else { el.value = values[k]; }
    });
  };
  var show = function () {
    var n = 0;
    forms.forEach(function (form) {
      var s = (state[form.getAttribute("data-customer-id")] || {}).status || "";
      if (s) { n++; }
      form.setAttribute("data-status", s);
      form.querySelector(".report-state").textContent = s ? T.status[s] : "";
    });
    document.getElementById("log-state").textContent =
      T.reported.replace("{n}", n).replace("{total}", forms.length) + " · "
      + (kept ? T.saved : T.notSaved);
  };
  var save = function () {
    try { window.localStorage.setItem(cfg.storageKey, JSON.stringify(state)); kept = true; }
    catch (e) { kept = false; }
    show();
  };
  forms.forEach(function (form) {
    var id = form.getAttribute("data-customer-id");
    if (state[id]) { write(form, state[id]); }
    form.addEventListener("input", function () { state[id] = read(form); save(); });
    form.addEventListener("change", function () { state[id] = read(form); save(); });
  });
  show();
  var cell = function (v) {
    v = v == null ? "" : String(v);
    if (/^'*[=+\-@\t\r]/.test(v) && !/^[+-]?\d+([.,]\d+)?$/.test(v)) { v = "'" + v; }
    return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  };
  var rows = function () {
    var out = [];
    forms.forEach(function (form) {
      var id = form.getAttribute("data-customer-id"), s = state[id];
      if (!s || !s.status) { return; }
      var notes = [];
      if (s.status === "missed" && s.reason) { notes.push(T.reason + ": " + s.reason); }
      if (s.notes) { notes.push(s.notes); }
      if (s.next) { notes.push(T.next + ": " + s.next.replace("T", " ")); }
      var rec = {customer_id: id, rep_id: cfg.repId, date: cfg.date, status: s.status,
        start: s.start || "", duration_min: s.duration_min || "", outcome: s.outcome || "",
        person_met: s.person_met || "", purpose: s.purpose || "", notes: notes.join("; ")};
      out.push(cfg.columns.map(function (c) { return cell(rec[c]); }).join(","));
    });
    return out;
  };
  window.plannerVisitLog = {csv: function () {
    return cfg.columns.join(",") + "\n" + rows().map(function (r) { return r + "\n"; }).join("");
  }};
  document.getElementById("export-log").addEventListener("click", function () {
    if (!rows().length) { document.getElementById("log-state").textContent = T.nothing; return; }
    var blob = new Blob([(cfg.bom ? "\ufeff" : "") + window.plannerVisitLog.csv()],
      {type: "text/csv;charset=utf-8"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = cfg.fileName;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  });
})();
"""
