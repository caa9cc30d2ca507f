"""Short, verified callback data: a button id and an HMAC tag bound to the chat, within Telegram's 64 bytes.

A press whose data was not made by this bot for this chat (forged, from an old key, mangled) verifies to None;
the adapter then hands the core an unreadable button, and the core answers politely."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import OrderedDict

MAX_BYTES = 64  # Telegram's limit for callback_data
TAG_CHARS = 11  # 66 bits of HMAC-SHA256, base64url
SEPARATOR = "|"
DIGEST_PREFIX = "#"
MAX_REMEMBERED = 4096


def signing_key(bot_token: str) -> bytes:
    """A key for callback data derived from the bot token (rotating the token retires old buttons)."""
    return hmac.new(bot_token.encode(), b"anju telegram callback data v1", hashlib.sha256).digest()


class CallbackSigner:
    """`sign(chat, id)` → data for an inline button; `verify(chat, data)` → the id, or None."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        # ids too long to carry in 64 bytes are carried as a digest and remembered here (this process only)
        self._long_ids: OrderedDict[str, str] = OrderedDict()

    def sign(self, chat_id: int, button_id: str) -> str:
        tag = self._tag(chat_id, button_id)
        data = f"{button_id}{SEPARATOR}{tag}"
        if len(data.encode()) <= MAX_BYTES and not button_id.startswith(DIGEST_PREFIX):
            return data
        digest = DIGEST_PREFIX + self._tag(chat_id, "long:" + button_id, chars=22)
        self._long_ids[digest] = button_id
        self._long_ids.move_to_end(digest)
        while len(self._long_ids) > MAX_REMEMBERED:
            self._long_ids.popitem(last=False)
        return digest

    def verify(self, chat_id: int, data: str | None) -> str | None:
        if not data or len(data.encode()) > MAX_BYTES:
            return None
        if data.startswith(DIGEST_PREFIX):
            button_id = self._long_ids.get(data)
            if button_id is None:
                return None
            expected = DIGEST_PREFIX + self._tag(chat_id, "long:" + button_id, chars=22)
            return button_id if hmac.compare_digest(expected, data) else None
        button_id, sep, tag = data.rpartition(SEPARATOR)
        if not sep or not hmac.compare_digest(self._tag(chat_id, button_id).encode(), tag.encode()):
            return None
        return button_id

    def _tag(self, chat_id: int, button_id: str, chars: int = TAG_CHARS) -> str:
        mac = hmac.new(self._key, f"{chat_id}{SEPARATOR}{button_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode()[:chars]
