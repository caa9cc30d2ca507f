"""The printable sheet of binding codes for one district: per household 户号, address, masked 户主, the code and a
QR code that opens the web chat with the code (`/chat?bind=…`), laid out for A4 (cut into cards, one per
household). The same page for the dashboard and for `python -m bot households codes`; the codes exist in clear
only on it (bot/households/codes.py keeps their hashes). QR codes by segno, as inline SVG (no script, no image
file, prints sharp)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import jinja2
import segno
from markupsafe import Markup

from bot.cases.workdays import local_day
from bot.households.codes import IssuedCode, shown

BOT_DIR = Path(__file__).resolve().parent.parent
TEMPLATES = BOT_DIR / "templates"
CSS_FILE = BOT_DIR / "static" / "code_sheet.css"
TEMPLATE = "household_codes.html"


def chat_url(base_url: str, code: str) -> str:
    """The address the QR code opens: the web chat with the code to bind with."""
    return f"{base_url.rstrip('/')}/chat?bind={quote(code)}"


def qr_svg(url: str) -> Markup:
    """`url` as a QR code (error correction M or better), an inline SVG that scales to its box."""
    qr = segno.make_qr(url, error="m")
    return Markup(qr.svg_inline(omitsize=True, border=2, title=url, svgclass="qr"))  # noqa: S704 - segno's own SVG


@dataclass(frozen=True)
class Card:
    household_no: str
    address: str
    head_name: str
    code: str  # as printed: 1234 5678 9012
    url: str
    qr: Markup


def cards(issued: Sequence[IssuedCode], base_url: str) -> list[Card]:
    return [
        Card(i.household_no, i.address, i.head_name, shown(i.code), url := chat_url(base_url, i.code), qr_svg(url))
        for i in issued
    ]


def render_sheet(
    issued: Sequence[IssuedCode],
    *,
    base_url: str,
    district: str,
    county: str,
    issued_at: str,
    expires: str,
    inline_css: bool,
    loader: jinja2.BaseLoader | None = None,
) -> str:
    """The sheet's HTML. `inline_css`: the print styles in the page (a file opened from disk), else linked from
    /static (the dashboard's pages allow no inline style)."""
    env = jinja2.Environment(loader=loader or jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template(TEMPLATE).render(
        cards=cards(issued, base_url),
        district=district,
        county=county,
        issued_at=issued_at,
        expires=expires,
        css=Markup(CSS_FILE.read_text(encoding="utf-8")) if inline_css else None,  # noqa: S704 - our own file
    )


def when(moment: datetime) -> str:
    """A date as the sheet prints it (Beijing time)."""
    return local_day(moment).isoformat()
