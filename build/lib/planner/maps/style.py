"""The CSS shared by every page: map beside a panel on a desk, stacked on a phone."""

PAGE_CSS = """
html, body { height: 100%; margin: 0; padding: 0; }
body { display: flex; flex-direction: row; color: #1d2329; background: #fff;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
body > .folium-map { flex: 1 1 auto; min-width: 0; width: auto !important;
  height: 100% !important; background: #dfe6ea; }
#panel { flex: 0 0 420px; height: 100%; overflow-y: auto; box-sizing: border-box;
  padding: 14px 16px 24px; border-left: 1px solid #c9d1d6; }
#panel.overview { flex-basis: 520px; }
body.no-map #panel { flex: 1 1 auto; max-width: 980px; margin: 0 auto; border: 0; }
h1 { font-size: 1.25rem; margin: 0.2rem 0 0.5rem; line-height: 1.25; }
h2 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
a { color: #0b5cad; }
nav.crumbs { font-size: 0.9rem; margin-bottom: 0.4rem; }
nav.crumbs a { white-space: nowrap; }
.meta { color: #55616b; font-size: 0.9rem; margin: 0 0 0.6rem; }
.totals { display: grid; grid-template-columns: repeat(3, 1fr); gap: 6px; margin: 0.5rem 0 0.9rem; }
.totals div { background: #f1f4f6; border-radius: 6px; padding: 6px 8px; }
.totals b { display: block; font-size: 1.1rem; }
.totals span { color: #55616b; font-size: 0.8rem; }
ol#itinerary { list-style: none; margin: 0; padding: 0; }
#itinerary li { padding: 8px 0 8px 44px; border-top: 1px solid #e3e8eb; position: relative; }
#itinerary li .num { position: absolute; left: 0; top: 9px; width: 32px; height: 32px;
  border-radius: 50%; color: #fff; font-weight: 700; text-align: center; line-height: 32px; }
#itinerary li.event { color: #3b4650; background: #f7f9fa; }
#itinerary li.event .num { background: #8a969f; font-size: 1.05rem; }
#itinerary .time { font-weight: 600; font-variant-numeric: tabular-nums; }
#itinerary .leg { color: #55616b; font-size: 0.85rem; }
#itinerary .stop-name { font-weight: 600; }
#itinerary .notes { background: #fff7d6; border-radius: 4px; padding: 2px 6px; margin-top: 3px;
  white-space: pre-wrap; overflow-wrap: anywhere; }
#itinerary .addr, #itinerary .contact { overflow-wrap: anywhere; }
.tier { display: inline-block; font-size: 0.75rem; border-radius: 3px; padding: 0 5px;
  color: #fff; vertical-align: 1px; margin-left: 4px; }
.show-on-map { font-size: 0.85rem; }
.table-wrap { overflow-x: auto; }
table.list { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
table.list th, table.list td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #e3e8eb;
  vertical-align: top; }
table.list td.n, table.list th.n { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
#reps tr[data-rep-id] td:first-child { min-width: 7.5em; overflow-wrap: anywhere; }
.daylinks { font-size: 0.82rem; line-height: 1.7; }
.daylinks a { margin-right: 6px; white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
  margin-right: 6px; vertical-align: -1px; }
.dot { display: inline-block; width: 11px; height: 11px; border-radius: 50%; margin-right: 6px;
  border: 1.5px solid #fff; box-shadow: 0 0 0 1px #999; vertical-align: middle;
  box-sizing: border-box; }
.home-sym { display: inline-block; width: 14px; margin-right: 4px; font-weight: 700; }
footer { color: #6b7780; font-size: 0.8rem; margin-top: 1.5rem; }
.map-legend { background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 5px;
  font-size: 12px; line-height: 1.6; box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 200px; }
.legend-title { font-weight: 700; }
.stop-pin { width: 26px; height: 26px; border-radius: 50%; border: 2px solid #fff; color: #fff;
  font: 700 13px/26px system-ui, sans-serif; text-align: center;
  box-shadow: 0 1px 4px rgba(0,0,0,0.5); }
.home-pin { width: 20px; height: 20px; border-radius: 4px; border: 3px solid; background: #fff;
  color: #222; font: 700 16px/20px system-ui, sans-serif; text-align: center;
  box-shadow: 0 1px 4px rgba(0,0,0,0.4); }
.pop { font-size: 13px; }
.pop-title { font-weight: 700; font-size: 14px; margin-bottom: 4px; }
.pop table, table.tip { border-collapse: collapse; }
.pop th, table.tip th { text-align: left; color: #55616b; font-weight: 500; padding: 1px 8px 1px 0;
  vertical-align: top; }
.pop td { overflow-wrap: anywhere; white-space: pre-wrap; }
.pop-links { margin-top: 6px; }
.date { white-space: nowrap; }
a.btn, button.btn { display: inline-flex; align-items: center; justify-content: center;
  min-height: 44px; min-width: 44px; box-sizing: border-box; padding: 0 12px;
  margin: 2px 4px 2px 0;
  border: 1px solid #b9c4cc; border-radius: 6px; background: #f5f7f9; color: #0b5cad;
  text-decoration: none; font: inherit; font-size: 0.92rem; cursor: pointer; }
button.btn.primary { background: #0b5cad; border-color: #0b5cad; color: #fff; font-weight: 600; }
#itinerary .contact a.tel { display: inline-flex; align-items: center; min-height: 44px; }
.pop-links a.btn { min-height: 44px; }
.appt { display: inline-block; background: #fff2cc; border: 1px solid #e0c060; border-radius: 4px;
  padding: 0 6px; font-weight: 700; font-size: 0.9rem; margin: 2px 0; }
#itinerary .purpose, #itinerary .who { font-size: 0.9rem; }
.hint { color: #55616b; font-size: 0.82rem; margin: 0 0 0.5rem; }
details.report { margin-top: 6px; border: 1px solid #d5dde2; border-radius: 6px; }
details.report > summary { min-height: 44px; display: flex; align-items: center; gap: 8px;
  padding: 0 10px; cursor: pointer; color: #0b5cad; font-weight: 600; }
details.report[data-status="done"] > summary { background: #e3f4e6; }
details.report[data-status="missed"] > summary, details.report[data-status="cancelled"] > summary {
  background: #fbe5e1; }
.report-state { color: #1d2329; font-weight: 500; }
.report-body { padding: 4px 10px 10px; }
.report-body fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: 4px; }
.report-body legend { font-size: 0.85rem; color: #55616b; padding: 0; }
.report-body label.choice { display: inline-flex; align-items: center; gap: 6px; min-height: 44px;
  padding: 0 10px; border: 1px solid #d5dde2; border-radius: 6px; }
.report-body label.field { display: block; font-size: 0.85rem; color: #55616b; margin-top: 6px; }
.report-body input, .report-body select, .report-body textarea { display: block; width: 100%;
  box-sizing: border-box; min-height: 44px; font: inherit; font-size: 16px; color: #1d2329;
  padding: 6px 8px; border: 1px solid #b9c4cc; border-radius: 6px; background: #fff; }
.report-body input[type=radio] { display: inline; width: auto; min-height: 0; }
.report-body .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.log-bar { display: flex; align-items: center; flex-wrap: wrap; gap: 8px; margin: 12px 0;
  padding: 8px 0; border-top: 1px solid #e3e8eb; }
.no-map { margin: 16px; padding: 10px; background: #fff7d6; border-radius: 6px; }
.map-legend details > summary { cursor: pointer; font-weight: 700; min-height: 28px; }
.rep-cluster div { width: 100%; height: 100%; border-radius: 50%; border: 2px solid #fff;
  box-sizing: border-box; box-shadow: 0 1px 4px rgba(0,0,0,0.45); opacity: 0.9;
  display: flex; align-items: center; justify-content: center; }
.rep-cluster span { color: #fff; font: 700 12px/1 system-ui, sans-serif;
  text-shadow: 0 0 2px rgba(0,0,0,0.6); }
@media (max-width: 760px) {
  html, body { height: auto; }
  body { flex-direction: column; }
  body > .folium-map { flex: none; width: 100% !important; height: 52vh !important; }
  #panel, #panel.overview { flex: none; width: 100%; height: auto; overflow: visible;
    border-left: 0; border-top: 1px solid #c9d1d6; padding: 10px 12px 20px; }
  .totals b { font-size: 1rem; }
  .map-legend { font-size: 11px; max-width: 150px; }
  .legend-reps { display: none; }
  table.list { font-size: 0.85rem; }
  table.list th, table.list td { padding: 4px 3px; }
  table.list th { font-size: 0.78rem; }
  table.list .wide { display: none; }
  .leaflet-control-layers-expanded { max-width: 240px; }
}
"""
