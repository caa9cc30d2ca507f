"""Getting a resident's photo from their channel into the store: registered with the message (so the case links to
it even before it arrives), downloaded at once in the background, and — when the channel cannot be reached —
tried again later, until the channel's own deadline (WeChat keeps media 3 days). Whatever happens, the case stays
as it is; the staff page says what became of the photo."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.attachments import records
from bot.attachments.images import CleanImage, ImageRefused, check_image, reencode
from bot.attachments.records import Status
from bot.attachments.store import AttachmentStore, StoreError

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
CHANNEL_NAMES = {"wechat": "微信", "telegram": "Telegram", "web": "网页"}


@dataclass(frozen=True)
class Media:
    data: bytes
    content_type: str = ""


class MediaUnavailable(Exception):
    """The channel did not hand the file over. `retry`: it may later (network, rate limit); else it never will
    (the id is unknown or expired)."""

    def __init__(self, reason: str, retry: bool = True, note: str = "") -> None:
        super().__init__(reason)
        self.retry = retry
        self.note = note  # for the staff page, when the usual sentence would mislead (a file too big to fetch)


class MediaSource(Protocol):
    async def download(self, source: str) -> Media:
        """The file the channel knows by `source` (WeChat MediaId, Telegram file_id); MediaUnavailable if not."""
        ...


def full_key(attachment_id: str, kind: str = "image") -> str:
    return f"{attachment_id}.wav" if kind == "voice" else f"{attachment_id}.jpg"


def thumb_key(attachment_id: str) -> str:
    return f"{attachment_id}.thumb.jpg"


class AttachmentFetcher:
    def __init__(
        self,
        engine: AsyncEngine,
        store: AttachmentStore,
        clock: Callable[[], datetime],
        max_bytes: int,
        max_pixels: int,
    ) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.sources: dict[str, MediaSource] = {}  # channel → its downloader, added by the channel adapters
        self._running: dict[str, asyncio.Task[None]] = {}

    async def receive(
        self, channel: str, user_key: str, message_key: str, source: str, keep_for: timedelta | None = None
    ) -> str:
        """Register the photo of this message and start fetching it; its attachment id."""
        now = self.clock()
        attachment_id = await records.register(
            self.engine,
            channel=channel,
            user_key=user_key,
            message_key=message_key,
            kind="image",
            source=source,
            now=now,
            fetch_before=now + keep_for if keep_for is not None else None,
        )
        self.schedule(attachment_id)
        return attachment_id

    async def keep_upload(self, channel: str, user_key: str, message_key: str, data: bytes) -> str:
        """A photo uploaded to us (the web chat): checked and stored now; ImageRefused says why not."""
        check_image(data, self.max_bytes, self.max_pixels)  # the header, on the loop: fast
        clean = await asyncio.to_thread(reencode, data)  # the decoding, in a thread
        now = self.clock()
        attachment_id = await records.register(
            self.engine,
            channel=channel,
            user_key=user_key,
            message_key=message_key,
            kind="image",
            source="upload",
            now=now,
            fetch_before=None,
            status=Status.PENDING,
        )
        await self._store(attachment_id, clean)
        return attachment_id

    async def keep_recording(self, channel: str, user_key: str, message_key: str, wav: bytes) -> str:
        """A voice message, as transcribed (16 kHz mono WAV): stored for staff to listen to; its attachment id."""
        attachment_id = await records.register(
            self.engine,
            channel=channel,
            user_key=user_key,
            message_key=f"voice:{message_key}",
            kind="voice",
            source="recording",
            now=self.clock(),
            fetch_before=None,
            status=Status.PENDING,
        )
        await self.store.put(full_key(attachment_id, "voice"), wav)
        await records.mark(
            self.engine,
            attachment_id,
            status=Status.STORED,
            content_type="audio/wav",
            size=len(wav),
            stored_at=self.clock(),
            next_attempt_at=None,
        )
        return attachment_id

    def schedule(self, attachment_id: str) -> None:
        if attachment_id in self._running:
            return
        task = asyncio.ensure_future(self._attempt(attachment_id))
        self._running[attachment_id] = task
        task.add_done_callback(lambda _t: self._running.pop(attachment_id, None))

    async def drain(self) -> None:
        """Wait for the downloads under way (shutdown, tests)."""
        while self._running:
            await asyncio.wait(list(self._running.values()))

    async def retry_due(self) -> int:
        """Start the downloads whose retry is due; how many."""
        rows = await records.due(self.engine, self.clock())
        for row in rows:
            self.schedule(row.id)
        return len(rows)

    async def _attempt(self, attachment_id: str) -> None:
        try:
            await self._fetch(attachment_id)
        except Exception:
            log.exception("attachment %s: fetching failed", attachment_id)

    async def _fetch(self, attachment_id: str) -> None:
        async with self.engine.connect() as conn:
            row = await records.get(conn, attachment_id)
        if row is None or row.status != Status.PENDING:
            return
        source = self.sources.get(row.channel)
        name = CHANNEL_NAMES.get(row.channel, row.channel)
        if source is None:
            await self._give_up(row, f"未能从{name}取回图片：这个渠道没有配置接口。")
            return
        try:
            media = await source.download(row.source)
        except MediaUnavailable as exc:
            log.warning("attachment %s from %s not downloaded: %s", attachment_id, row.channel, exc)
            now = self.clock()
            attempts = row.attempts + 1
            too_late = row.fetch_before is not None and now >= row.fetch_before
            if not exc.retry or attempts >= MAX_ATTEMPTS or too_late:
                await self._give_up(
                    row, exc.note or f"未能从{name}取回图片（{name}已不再提供这个文件）。请联系居民重新发送。"
                )
                return
            await records.mark(
                self.engine,
                attachment_id,
                attempts=attempts,
                next_attempt_at=now + FIRST_RETRY * 2 ** (attempts - 1),
                error=f"图片暂时没能从{name}取回，系统会自动重试。",
            )
            return
        try:
            check_image(media.data, self.max_bytes, self.max_pixels)
            clean = await asyncio.to_thread(reencode, media.data)
        except ImageRefused as exc:
            await records.mark(
                self.engine,
                attachment_id,
                status=Status.REFUSED,
                error=f"没有保存：{exc}",
                attempts=row.attempts + 1,
                next_attempt_at=None,
            )
            return
        await self._store(attachment_id, clean)

    async def _store(self, attachment_id: str, clean: CleanImage) -> None:
        try:
            await self.store.put(thumb_key(attachment_id), clean.thumbnail)
            await self.store.put(full_key(attachment_id), clean.data)
        except (StoreError, OSError) as exc:
            log.error("attachment %s: the store refused it: %s", attachment_id, exc)
            await records.mark(
                self.engine,
                attachment_id,
                error="图片暂时无法保存，系统会自动重试。",
                next_attempt_at=self.clock() + FIRST_RETRY,
            )
            return
        await records.mark(
            self.engine,
            attachment_id,
            status=Status.STORED,
            error="",
            content_type=clean.content_type,
            size=len(clean.data),
            width=clean.width,
            height=clean.height,
            stored_at=self.clock(),
            next_attempt_at=None,
        )

    async def _give_up(self, row: records.AttachmentRow, error: str) -> None:
        await records.mark(
            self.engine, row.id, status=Status.FAILED, error=error, attempts=row.attempts + 1, next_attempt_at=None
        )
