"""Outbound → WeChat text. WeChat has no buttons in a text message: buttons are a numbered list, and the
resident replies with the number (`inbound.py` maps it back through the buttons the core last showed).
A passive reply is one message, so all replies of a turn are joined into one text, numbered across.

The handlers speak of buttons (点下面的按钮, 点“跳过”), which fits the web chat and Telegram; here the words are
fitted to the list: 回复下面的数字, 回复 3“跳过” — or 回复“转人工” for a label that is not in the list (typed
labels work too)."""

from __future__ import annotations

import re

from bot.core.messages import Button, Outbound

MAX_BYTES = 2000  # WeChat's limit for a text message is 2048 bytes of UTF-8
CHOOSE = "回复数字选择："
_TAP_BELOW = re.compile(r"点(?:击)?下面的按钮")
_TAP_BUTTON = re.compile(r"点(?:击)?按钮")
_TAP_LABEL = re.compile(r"点(?:击)?“([^”\n]{1,20})”")


def merge(replies: list[Outbound]) -> Outbound:
    """The replies of one turn as one message, buttons in order."""
    return Outbound("\n\n".join(r.text for r in replies if r.text), tuple(b for r in replies for b in r.buttons))


def render(message: Outbound) -> list[str]:
    """The text(s) the resident reads: the message, then its buttons as a numbered list; cut to WeChat's size."""
    text = reworded(message.text, message.buttons)
    if message.buttons:
        menu = "\n".join(f"{n}. {b.label}" for n, b in enumerate(message.buttons, 1))
        text = f"{text}\n\n{CHOOSE}\n{menu}" if text else f"{CHOOSE}\n{menu}"
    return split_bytes(text or "…")


def reworded(text: str, buttons: tuple[Button, ...]) -> str:
    """ "点…按钮" as a WeChat resident does it: by replying with the number of the listed button."""
    numbers: dict[str, int] = {}
    for n, button in enumerate(buttons, 1):
        numbers.setdefault(button.label, n)

    def label(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"回复 {numbers[name]}“{name}”" if name in numbers else f"回复“{name}”"

    if buttons:
        text = _TAP_BUTTON.sub("回复数字", _TAP_BELOW.sub("回复下面的数字", text))
    return _TAP_LABEL.sub(label, text)


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
