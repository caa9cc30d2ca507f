"""Department group chats on the fake Bot API: a group the bot posts cases to, and its members pressing 签收 or
writing to the bot in private (`/link CODE`)."""

from __future__ import annotations

from typing import Any

from tests.support.fake_telegram import FakeTelegram, _public
from tests.support.telegram_resident import ProcessedUpdates


class TelegramGroup:
    def __init__(self, fake: FakeTelegram, processed: ProcessedUpdates, chat_id: int, title: str) -> None:
        self.fake = fake
        self.processed = processed
        self.chat_id = chat_id
        fake.chats[chat_id] = {"id": chat_id, "type": "supergroup", "title": title}

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.fake.messages(self.chat_id)

    def post_of(self, number: str) -> dict[str, Any] | None:
        """The bot's latest post about case `number` in this group."""
        return next((m for m in reversed(self.messages) if number in m["text"]), None)

    async def press(self, member: StaffMember, message: dict[str, Any], data: str | None = None) -> dict[str, Any]:
        """`member` taps the message's 签收 button (or sends `data`); how the bot answered the callback query."""
        if data is None:
            buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
            data = next(b["callback_data"] for b in buttons if b["text"] == "签收")
        query_id = f"q{self.fake.next_update_id()}"
        self.fake._queries[query_id] = {"answered": False, "data": data}
        query = {
            "id": query_id,
            "from": member.user,
            "message": _public(message),
            "chat_instance": "ci-group",
            "data": data,
        }
        update = {"update_id": self.fake.next_update_id(), "callback_query": query}
        statuses = await self.fake.push(update)
        assert all(s == 200 for s in statuses), statuses
        await self.processed.wait(update["update_id"])
        return self.fake._queries[query_id]


class StaffMember:
    """A staff member's Telegram account: presses buttons in groups, writes to the bot in a private chat."""

    def __init__(self, fake: FakeTelegram, processed: ProcessedUpdates, user_id: int, name: str) -> None:
        self.fake = fake
        self.processed = processed
        self.updates = fake.user(user_id, name)
        self.user = self.updates.user
        self.chat_id = user_id

    async def say(self, text: str) -> str:
        """Send `text` in the private chat; what the bot answered."""
        before = len(self.fake.messages(self.chat_id))
        update = self.updates.text(text)
        statuses = await self.fake.push(update)
        assert all(s == 200 for s in statuses), statuses
        await self.processed.wait(update["update_id"])
        return "\n".join(m["text"] for m in self.fake.messages(self.chat_id)[before:])
