"""Outbound → WeChat text. WeChat has no buttons in a text message: buttons are a numbered list, and the
resident replies with the number (`inbound.py` maps it back through the buttons the core last showed).
A passive reply is one message, so all replies of a turn are joined into one text, numbered across."""

from __future__ import annotations

from bot.core.messages import Outbound

MAX_BYTES = 2000  # WeChat's limit for a text message is 2048 bytes of UTF-8
CHOOSE = "回复数字选择："


def merge(replies: list[Outbound]) -> Outbound:
    """The replies of one turn as one message, buttons in order."""
    return Outbound("\n\n".join(r.text for r in replies if r.text), tuple(b for r in replies for b in r.buttons))


def render(message: Outbound) -> list[str]:
    """The text(s) the resident reads: the message, then its buttons as a numbered list; cut to WeChat's size."""
    text = message.text
    if message.buttons:
        menu = "\n".join(f"{n}. {b.label}" for n, b in enumerate(message.buttons, 1))
        text = f"{text}\n\n{CHOOSE}\n{menu}" if text else f"{CHOOSE}\n{menu}"
    return split_bytes(text or "…")


def split_bytes(text: str, limit: int = MAX_BYTES) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut at line ends where possible."""
    pieces: list[str] = []
    while len(text.encode()) > limit:
        cut = len(text.encode()[:limit].decode(errors="ignore"))
        line = text.rfind("\n", 0, cut)
        cut = line if line > cut // 2 else cut
        pieces.append(text[:cut].rstrip("\n"))
        text = text[cut:].lstrip("\n")
    pieces.append(text)
    return [p for p in pieces if p]
