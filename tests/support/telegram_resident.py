"""A resident in a private chat with the bot, driven through the fake Bot API: say something, tap a button,
read what the bot sent back. Works the same whether the bot runs on the webhook or on long polling."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from tests.support.fake_telegram import FakeTelegram, UpdateFactory


class ProcessedUpdates:
    """Counts updates the application has finished with (a PTB handler in a later group than the bot's)."""

    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()
        self._changed = asyncio.Event()

    def install(self, application: Application) -> None:
        application.add_handler(TypeHandler(Update, self._seen), group=99)

    async def _seen(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.counts[update.update_id] += 1
        self._changed.set()

    async def wait(self, update_id: int, times: int = 1, timeout: float = 15.0) -> None:
        async with asyncio.timeout(timeout):
            while self.counts[update_id] < times:
                self._changed.clear()
                await self._changed.wait()


class TelegramResident:
    def __init__(self, fake: FakeTelegram, processed: ProcessedUpdates, chat_id: int) -> None:
        self.fake = fake
        self.processed = processed
        self.chat_id = chat_id
        self.updates: UpdateFactory = fake.user(chat_id)
        self.replies: list[dict[str, Any]] = []

    async def send(self, update: dict[str, Any], times: int = 1) -> list[dict[str, Any]]:
        """Deliver `update` (`times` times) and return the messages the bot sent in answer."""
        before = len(self.fake.messages(self.chat_id))
        statuses = await self.fake.push(update, times)
        assert all(s == 200 for s in statuses), statuses
        await self.processed.wait(update["update_id"], times)
        self.replies = self.fake.messages(self.chat_id)[before:]
        return self.replies

    async def say(self, text: str, times: int = 1) -> list[dict[str, Any]]:
        return await self.send(self.updates.text(text), times)

    async def press(self, label: str, times: int = 1) -> list[dict[str, Any]]:
        """Tap the inline button whose label contains `label` on the latest bot message that has one."""
        for message in reversed(self.fake.messages(self.chat_id)):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return await self.send(self.updates.press(message, button["callback_data"]), times)
        raise AssertionError(f"no inline button {label!r} in {self.inline_labels}")

    @property
    def text(self) -> str:
        return "\n".join(m["text"] for m in self.replies)

    @property
    def inline_labels(self) -> list[str]:
        return [
            b["text"] for m in self.replies for row in m.get("reply_markup", {}).get("inline_keyboard", []) for b in row
        ]

    @property
    def keyboard_labels(self) -> list[str]:
        """The reply keyboard (main menu) sent with the latest replies."""
        return [
            b["text"] if isinstance(b, dict) else b
            for m in self.replies
            for row in m.get("reply_markup", {}).get("keyboard", [])
            for b in row
        ]
