"""Button ids — what a tapped button sends back: a kind (a flow's name, "topic", "rate", "fb", "menu" …) and its
arguments, joined by ":". Every handler builds and reads them here (Telegram signs them into callback_data, at most
64 bytes: bot/channels/telegram/callback_data.py)."""

from __future__ import annotations

SEPARATOR = ":"


def button_id(kind: str, *args: object) -> str:
    """`button_id("rate", "AJ-2026-000123", 3)` == "rate:AJ-2026-000123:3"."""
    return SEPARATOR.join((kind, *(str(a) for a in args)))


def parse_button(value: str, fields: int = 2) -> tuple[str, ...]:
    """Exactly `fields` fields of a button id, the last one holding the rest, missing ones "":
    `parse_button("fb:1:comp.scope", 3)` == ("fb", "1", "comp.scope"); `parse_button("menu")` == ("menu", "")."""
    parts = value.split(SEPARATOR, fields - 1)
    return (*parts, *("",) * (fields - len(parts)))
