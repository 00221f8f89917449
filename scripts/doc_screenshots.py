"""Screenshots for docs/maps.md: a Chinese rep-day page on a 390 px phone and the printed
daily visit report (headless Chromium, offline, so the map has no background tiles).

    .venv/bin/python scripts/doc_screenshots.py [OUT_DIR]   # default docs/img

Plans tests/data/zh/scenario.yaml (12 Shanghai customers, language zh) into a temporary
folder first.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium, open_page  # noqa: E402

from planner.pipeline import run_plan, write_plan  # noqa: E402
from planner.scenario import load_scenario  # noqa: E402


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        plan_dir = Path(tmp) / "plan"
        sc = load_scenario(ROOT / "tests" / "data" / "zh" / "scenario.yaml")
        write_plan(run_plan(sc, workers=1), plan_dir)
        day = plan_dir / "maps" / "R1" / "2026-12-02.html"
        with chromium() as browser:
            visit = open_page(browser, day, width=390, height=844, mobile=True)
            page = visit.page
            page.evaluate("document.getElementById('panel').scrollIntoView()")
            form = page.locator("details.report").first
            form.locator("summary").click()
            form.locator('input[value="done"]').check()
            form.locator('[data-field="outcome"]').select_option("A")
            form.locator('[data-field="person_met"]').fill("刘芳")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(out / "zh-day-390.png"), full_page=False)
            page.evaluate(
                "document.querySelector('#itinerary li.stop').scrollIntoView({block: 'start'})"
            )
            page.screenshot(path=str(out / "zh-day-390-form.png"), full_page=False)
            visit.close()
            report = plan_dir / "daily-reports" / "R1.html"
            visit = open_page(browser, report, width=1200, height=900, wait_ready=False)
            sheet = visit.page.locator("section.sheet").nth(1)  # the day of the appointment
            sheet.screenshot(path=str(out / "daily-report-print.png"))
            visit.close()
    for name in ("zh-day-390.png", "zh-day-390-form.png", "daily-report-print.png"):
        print(out / name, (out / name).stat().st_size // 1024, "kB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img")
