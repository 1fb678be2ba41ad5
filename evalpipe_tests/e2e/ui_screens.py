"""Screenshots of the Dagster UI in Debian's headless Chromium, driven by Playwright (no browser download).

python evalpipe_tests/e2e/ui_screens.py http://127.0.0.1:3000 OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
PAGES = {
    "ui_asset_graph.png": "/asset-groups",
    "ui_comparison_report.png": "/assets/comparison_report",
    "ui_report_markdown.png": "/assets/comparison_report#show-markdown",
    "ui_scrubbed_logs_checks.png": "/assets/scrubbed_logs?view=checks",
}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _click(locator) -> bool:
    try:
        locator.first.click(timeout=3000)
        return True
    except Exception:
        return False


def capture(base_url: str, out_dir: Path, pages: dict[str, str] = PAGES) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        for name, path in pages.items():
            url, _, action = path.partition("#")
            page.goto(base_url + url, wait_until="networkidle", timeout=60_000)
            _click(page.get_by_role("button", name="Skip"))  # the first-visit newsletter dialog
            if action == "show-markdown":  # the report (forest plot, slice table) opens in a dialog
                _click(page.get_by_text("[Show Markdown]"))
                page.wait_for_timeout(1500)
                page.evaluate(
                    "document.querySelectorAll('*').forEach(e => { if (e.scrollTop > 0) e.scrollTop = 0; })"
                )
            page.wait_for_timeout(2500)
            target = out_dir / name
            page.screenshot(path=str(target))
            saved.append(target)
        browser.close()
    return saved


if __name__ == "__main__":
    for f in capture(sys.argv[1], Path(sys.argv[2])):
        print(f)
