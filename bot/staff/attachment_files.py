"""A case's photos for staff: `GET /staff/cases/{number}/attachments/{id}` (full size; the opening is written to
the case's history) and `…/{id}/thumb`. Every request checks, as the case page does, that the viewer may see the
case (department scoping, the discipline wall) and that the photo belongs to it — else 404, as for no photo at
all. Ids are random (bot/attachments/records.py), never counters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import keys
from bot.attachments import records
from bot.attachments.fetcher import full_key, thumb_key
from bot.attachments.records import Status
from bot.cases import handling
from bot.cases.errors import NotFound
from bot.cases.events import EventKind, append_event
from bot.cases.numbers import parse_case_number
from bot.cases.scope import can_view
from bot.staff.context import Desk, staff_page


@dataclass(frozen=True)
class AttachmentView:
    """One photo on the case page: its links when stored, else what became of it."""

    id: str
    status: str
    kind: str  # image | voice
    caption: str
    note: str  # for photos not (yet) stored: why, in words
    url: str
    thumb_url: str


def attachment_ids(details: Any) -> list[str]:
    found = details.get("attachments") if isinstance(details, dict) else None
    return [str(a["attachment_id"]) for a in found or () if isinstance(a, dict) and a.get("attachment_id")]


async def case_attachments(engine: Any, number: str, details: Any) -> list[AttachmentView]:
    """The photos of a case, in the order they were sent (the caller has checked the viewer may see the case)."""
    sent = [a for a in (details.get("attachments") or ()) if isinstance(a, dict)] if isinstance(details, dict) else []
    async with engine.connect() as conn:
        rows = await records.get_many(conn, attachment_ids(details))
    views = []
    for item in sent:
        row = rows.get(str(item.get("attachment_id") or ""))
        caption = str(item.get("caption") or "")
        if row is None:  # sent before photos were fetched: only its caption is known
            views.append(
                AttachmentView(
                    "", "unknown", "image", caption, "这张图片是在启用图片保存之前发来的，未能保存。", "", ""
                )
            )
            continue
        base = f"/staff/cases/{number}/attachments/{row.id}"
        note = {Status.PENDING: row.error or "图片正在取回，请稍后刷新页面。"}.get(row.status, row.error)
        stored = row.status == Status.STORED
        views.append(
            AttachmentView(
                row.id,
                row.status,
                row.kind,
                caption,
                "" if stored else note,
                base if stored else "",
                f"{base}/thumb" if stored and row.kind == "image" else "",
            )
        )
    return views


async def _visible_case(conn: AsyncConnection, desk: Desk, number_text: str, attachment_id: str) -> int:
    """The case's id, when the viewer may see it and the photo is one of its own; NotFound otherwise."""
    number = parse_case_number(number_text)
    case = await handling.load_case(conn, number=number) if number is not None else None
    if case is None or not can_view(desk.viewer, handling.facts(case)):
        raise NotFound()
    if attachment_id not in attachment_ids(case["details"] or {}):
        raise NotFound()
    return int(case["id"])


async def _serve(request: web.Request, desk: Desk, thumbnail: bool) -> web.StreamResponse:
    attachment_id = request.match_info["attachment"]
    engine = request.app[keys.ENGINE]
    async with engine.begin() as conn:
        case_id = await _visible_case(conn, desk, request.match_info["number"], attachment_id)
        row = await records.get(conn, attachment_id)
        if row is None or row.status != Status.STORED:
            raise NotFound()
        if thumbnail and row.kind != "image":
            raise NotFound()
        key = thumb_key(row.id) if thumbnail else full_key(row.id, row.kind)
        data = await request.app[keys.ATTACHMENTS].store.get(key)
        if data is None:
            raise NotFound()
        if not thumbnail:  # opening a photo (playing a recording) is a view of the case: in its history, with which
            await append_event(
                conn,
                case_id,
                desk.viewer,
                EventKind.VIEWED,
                request.app[keys.ATTACHMENTS].clock(),
                data={"attachment": row.id, "kind": row.kind},
            )
    return web.Response(
        body=data,
        content_type=row.content_type or "image/jpeg",
        headers={"Content-Disposition": "inline", "Cache-Control": "private, no-store"},
    )


@staff_page
async def attachment_file(request: web.Request, desk: Desk) -> web.StreamResponse:
    return await _serve(request, desk, thumbnail=False)


@staff_page
async def attachment_thumb(request: web.Request, desk: Desk) -> web.StreamResponse:
    return await _serve(request, desk, thumbnail=True)


def setup(app: web.Application) -> None:
    app.router.add_get("/staff/cases/{number}/attachments/{attachment}", attachment_file)
    app.router.add_get("/staff/cases/{number}/attachments/{attachment}/thumb", attachment_thumb)
