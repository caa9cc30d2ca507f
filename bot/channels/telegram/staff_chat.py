"""Staff on Telegram: `/link CODE` in a private chat links their Telegram account to their staff account, and the
签收 button under a case posted to a department group (bot/cases/group_posts.py) claims the case.

A press is checked exactly like a claim from the dashboard: the presser's linked staff account is loaded and
CaseService.claim decides (scope, discipline wall, someone else first). The answer is the service's own sentence;
a successful claim edits the group message to show who signed for it and removes the button."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import CallbackQuery, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.cases.errors import CaseError
from bot.cases.group_posts import claimed_case_id
from bot.cases.service import CaseService
from bot.cases.staff import load_viewer
from bot.cases.telegram_links import LinkOutcome, redeem_code, staff_by_telegram
from bot.cases.workdays import format_moment
from bot.channels.telegram.callback_data import CallbackSigner

GROUP_CHATS = (ChatType.GROUP, ChatType.SUPERGROUP)
INVALID_BUTTON = "这个按钮已失效"
NOT_LINKED = "请先在工作台绑定 Telegram 账号（工作台 → 绑定 Telegram → 生成绑定码），再点签收。"
CLAIMED = "签收成功，请在工作台办理。"
LINK_USAGE = "请发送：/link 绑定码（在工作台“绑定 Telegram”页面生成，10 分钟内有效）。"
LINK_INVALID = "绑定码无效、已过期或已使用，请在工作台重新生成。"
MAX_ANSWER = 200  # Telegram's limit for a callback answer


class StaffChat:
    def __init__(
        self, engine: AsyncEngine, cases: CaseService, clock: Callable[[], datetime], signer: CallbackSigner
    ) -> None:
        self._engine = engine
        self._cases = cases
        self._clock = clock
        self._signer = signer

    def handlers(self) -> list[BaseHandler]:
        """Added before the residents' catch-all handler, so these updates never reach the dialogue core."""
        return [
            CommandHandler("link", self.link, filters=filters.ChatType.PRIVATE),
            GroupCallbackHandler(self.claim),
        ]

    async def link(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/link CODE`: store the sender's Telegram user id on the staff account the code was issued for."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        code = " ".join(context.args or [])
        if not code.strip():
            await message.reply_text(LINK_USAGE)
            return
        async with self._engine.begin() as conn:
            result = await redeem_code(conn, code, user.id, self._clock())
        if result.outcome is LinkOutcome.INVALID:
            text = LINK_INVALID
        else:
            text = f"绑定成功：此 Telegram 账号已关联工作人员 {result.display_name}。在单位群里点“签收”即可领取案件。"
        await message.reply_text(text)

    async def claim(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """签收 pressed under a case in a department group."""
        query = update.callback_query
        if query is None or query.message is None:
            return
        chat = query.message.chat
        button_id = self._signer.verify(chat.id, query.data)
        case_id = claimed_case_id(button_id or "")
        if case_id is None:
            await _answer(query, INVALID_BUTTON)
            return
        async with self._engine.connect() as conn:
            staff_id = await staff_by_telegram(conn, query.from_user.id)
            viewer = await load_viewer(conn, staff_id) if staff_id is not None else None
        if viewer is None:
            await _answer(query, NOT_LINKED, alert=True)
            return
        try:
            detail = await self._cases.claim(viewer, case_id)
        except CaseError as exc:  # NotFound (out of scope looks the same), Conflict, Forbidden: as the dashboard says
            await _answer(query, str(exc), alert=True)
            return
        await _answer(query, CLAIMED)
        text = getattr(query.message, "text", None) or detail.number
        stamp = format_moment(self._clock())
        with contextlib.suppress(TelegramError):  # the claim stands even if the message cannot be edited
            await query.edit_message_text(f"{text}\n\n✅ 已由{viewer.display_name}签收（{stamp}）", reply_markup=None)


class GroupCallbackHandler(CallbackQueryHandler):
    """Button presses in group chats only; a private chat's presses stay with the residents' handler."""

    def check_update(self, update: object) -> bool | object | None:
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        message = update.callback_query.message
        if message is None or message.chat.type not in GROUP_CHATS:
            return None
        return super().check_update(update)


async def _answer(query: CallbackQuery, text: str, alert: bool = False) -> None:
    with contextlib.suppress(TelegramError):
        await query.answer(text[:MAX_ANSWER], show_alert=alert)
