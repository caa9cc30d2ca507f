"""Outbound → Telegram messages: plain text (no parse mode: nothing to escape), inline keyboards for choices,
and the main menu as a persistent reply keyboard of large buttons."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.channels.telegram.callback_data import CallbackSigner
from bot.core.messages import Button, Outbound
from handlers.menu import MENU

MAX_TEXT = 4096  # Telegram's limit for one message, in characters
SHORT_LABEL = 7  # labels up to this many characters sit two to a row
MAIN_MENU_IDS = tuple(b.id for b in MENU)
MENU_PLACEHOLDER = "直接打字提问，或点下面的按钮"

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


@dataclass(frozen=True)
class Rendered:
    text: str
    markup: Markup | None = None


def render(outbound: Outbound, chat_id: int, signer: CallbackSigner) -> list[Rendered]:
    """One or more messages for `outbound`; the keyboard goes with the last one."""
    chunks = split_text(outbound.text or "请选择：")
    markup = keyboard(outbound.buttons, chat_id, signer)
    return [Rendered(c) for c in chunks[:-1]] + [Rendered(chunks[-1], markup)]


def keyboard(buttons: tuple[Button, ...], chat_id: int, signer: CallbackSigner) -> Markup | None:
    if not buttons:
        return None
    if tuple(b.id for b in buttons) == MAIN_MENU_IDS:
        return main_menu()
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        cell = InlineKeyboardButton(button.label, callback_data=signer.sign(chat_id, button.id))
        short = len(button.label) <= SHORT_LABEL
        if short and rows and len(rows[-1]) == 1 and len(rows[-1][0].text) <= SHORT_LABEL:
            rows[-1].append(cell)
        else:
            rows.append([cell])
    return InlineKeyboardMarkup(rows)


def main_menu() -> ReplyKeyboardMarkup:
    """The six services as large buttons under the input field; a tap sends the label as text."""
    labels = [b.label for b in MENU]
    rows = [[KeyboardButton(label) for label in labels[i : i + 2]] for i in range(0, len(labels), 2)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True, input_field_placeholder=MENU_PLACEHOLDER)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at paragraph or line ends where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut].rstrip("\n"))
        text = text[cut:].lstrip("\n")
    pieces.append(text)
    return [p for p in pieces if p] or ["…"]


def chosen_suffix(label: str) -> str:
    """What is appended to a message whose inline button was pressed (its keyboard is then removed)."""
    return f"\n\n👉 已选择：{label}"
