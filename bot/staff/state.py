"""What the staff dashboard keeps on the app (typed AppKeys)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.staff.session import SessionCookies


@dataclass(frozen=True)
class StaffSetup:
    cookies: SessionCookies
    clock: Callable[[], datetime]


STAFF = web.AppKey("staff", StaffSetup)
