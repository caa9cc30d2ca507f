"""Telegram Update → Inbound. Only private chats with residents; everything else is ignored (None).

The dedupe key is the update_id: Telegram delivers an update again until it is acknowledged, and the core
recognises the repeat."""

from __future__ import annotations

from telegram import Chat, Message, Update
from telegram.constants import ChatType

from bot.channels.telegram.callback_data import CallbackSigner
from bot.core.messages import Channel, Inbound, InboundKind
from knowledge.text import clean_input

# updates this bot asks Telegram for (setWebhook / getUpdates allowed_updates)
ALLOWED_UPDATES = ("message", "callback_query")


def to_inbound(update: Update, signer: CallbackSigner, max_chars: int) -> Inbound | None:
    """The resident's message as the core reads it, or None for updates that are not for the core."""
    key = str(update.update_id)
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        if chat is None or chat.type != ChatType.PRIVATE:
            return None
        button_id = signer.verify(chat.id, query.data)
        # an unreadable button goes to the core as an unknown one: it answers "this button has expired"
        payload = {} if button_id is not None else {"callback_data": "invalid"}
        return Inbound(Channel.TELEGRAM, str(chat.id), key, InboundKind.BUTTON, button_id or "", payload)
    message = update.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return None
    return _message(message, message.chat, key, max_chars)


def _message(message: Message, chat: Chat, key: str, max_chars: int) -> Inbound:
    user = str(chat.id)

    def inbound(kind: InboundKind, text: str = "", **payload: object) -> Inbound:
        return Inbound(Channel.TELEGRAM, user, key, kind, text, dict(payload))

    if message.text is not None:
        text = clean_input(message.text, max_chars)
        if text.startswith("/"):
            command, _, argument = text[1:].partition(" ")
            command = command.partition("@")[0].lower()  # "/start@AnjuBot" in a chat with several bots
            if command == "start":
                return inbound(InboundKind.START, "", start=argument.strip()[:64])
            return inbound(InboundKind.TEXT, f"/{command}")
        return inbound(InboundKind.TEXT, text)
    recording = message.voice or message.audio or message.video_note
    if recording is not None:  # the channel downloads and transcribes it (bot/channels/telegram/media.py)
        return inbound(InboundKind.VOICE, file_id=recording.file_id)
    if message.location is not None:
        lat, lon = message.location.latitude, message.location.longitude
        text = f"位置：{lat:.6f},{lon:.6f}"
        place = message.venue.address if message.venue is not None else ""
        if place:
            text += f"（{clean_input(place, 200)}）"
        return inbound(InboundKind.LOCATION, text, latitude=lat, longitude=lon, address=place)
    if message.photo:
        caption = clean_input(message.caption or "", max_chars)
        return inbound(InboundKind.IMAGE, caption, file_id=message.photo[-1].file_id)
    if message.contact is not None and message.contact.phone_number:
        return inbound(InboundKind.TEXT, clean_input(message.contact.phone_number, 32), shared="contact")
    # stickers, files, polls …: the core asks for typed text
    return inbound(InboundKind.TEXT, "", unsupported=_content_type(message))


def _content_type(message: Message) -> str:
    for name in ("sticker", "document", "video", "animation", "poll", "dice", "game"):
        if getattr(message, name, None) is not None:
            return name
    return "other"
