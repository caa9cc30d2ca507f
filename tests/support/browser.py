"""The real headless Chromium the browser tests drive: Debian's package, never a downloaded browser."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("ANJU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}  # a phone-sized screen, as residents use the chat
