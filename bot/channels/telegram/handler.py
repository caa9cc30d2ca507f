"""The one PTB callback for residents' updates, and the one error handler.

parse (inbound.py) → DialogueService.handle_once → render (render.py) → send. A repeated update_id is
recognised by the core and nothing is sent again."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import CallbackQuery, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.channels.telegram.callback_data import CallbackSigner
from bot.channels.telegram.inbound import to_inbound
from bot.channels.telegram.render import chosen_suffix, render
from bot.core.dialogue import DialogueService
from bot.core.messages import Inbound, Outbound

log = logging.getLogger(__name__)
TYPING_AFTER = 1.0  # seconds: show "typing…" when the core takes longer than this
INVALID_BUTTON_NOTICE = "这个按钮已失效"
BUSY_TEXT = "抱歉，系统繁忙，请稍后再试。"


class ResidentUpdates:
    """Handles every update from a resident's private chat."""

    def __init__(self, dialogue: DialogueService, signer: CallbackSigner, max_chars: int) -> None:
        self._dialogue = dialogue
        self._signer = signer
        self._max_chars = max_chars

    async def __call__(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        inbound = to_inbound(update, self._signer, self._max_chars)
        if inbound is None:
            log.debug("ignored update %s", update.update_id)
            return
        chat_id = int(inbound.user_key)
        replies = await self._with_typing(context, chat_id, inbound)
        if replies is None:
            log.info("update %s was handled before; nothing sent again", update.update_id)
            return
        if update.callback_query is not None:
            await self._close_query(update.callback_query, inbound)
        for reply in replies:
            await self._send(context, chat_id, reply)

    async def _with_typing(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, inbound: Inbound
    ) -> list[Outbound] | None:
        work = asyncio.ensure_future(self._dialogue.handle_once(inbound))
        done, _ = await asyncio.wait({work}, timeout=TYPING_AFTER)
        if not done:
            with contextlib.suppress(TelegramError):
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        return await work

    async def _close_query(self, query: CallbackQuery, inbound: Inbound) -> None:
        """Stop the button's spinner; on a good press, show the choice and retire that keyboard."""
        valid = "callback_data" not in inbound.payload
        with contextlib.suppress(TelegramError):
            await query.answer(None if valid else INVALID_BUTTON_NOTICE)
        message = query.message
        text = getattr(message, "text", None)  # None: no message, or one too old for the bot to read
        if not valid or message is None or not text:
            return
        label = _label_of(query)
        with contextlib.suppress(TelegramError):  # too old to edit, or already edited: the reply matters more
            if label:
                await query.edit_message_text(text + chosen_suffix(label), reply_markup=None)
            else:
                await query.edit_message_reply_markup(reply_markup=None)

    async def _send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Outbound) -> None:
        for part in render(reply, chat_id, self._signer):
            await context.bot.send_message(chat_id, part.text, reply_markup=part.markup)


def _label_of(query: CallbackQuery) -> str:
    markup = getattr(query.message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()):
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return ""


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one error handler: log with the update id, and tell the resident when we can."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error handling Telegram update %s", update_id, exc_info=context.error)
    if (
        isinstance(update, Update)
        and update.effective_chat is not None
        and not isinstance(context.error, TelegramError)
    ):
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(update.effective_chat.id, BUSY_TEXT)
