"""axe-core in a real page: the vendored axe.min.js injected with Playwright, `axe.run()` on the whole document, and
the violations a resident or staff member would be hurt by (impact serious or critical), readable in a failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Page

AXE = Path(__file__).parent / "axe" / "axe.min.js"
BLOCKING = ("serious", "critical")


async def serious_violations(page: Page) -> list[str]:
    """One line per serious/critical axe-core violation on `page`: the rule, its impact and the offending nodes.
    The page's context needs `bypass_csp=True` where the page forbids scripts (the staff pages, /stats)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    results: dict[str, Any] = await page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    found = []
    for violation in results["violations"]:
        if violation.get("impact") in BLOCKING:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found
