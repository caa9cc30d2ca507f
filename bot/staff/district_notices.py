"""Notices to a district (/staff/district-notices): write one (kind, title, body, district), 预览 — the text residents
will read and how many it goes to — then 确认发送; the delivery report of each notice, read from the outbox as the
worker works (刷新, or 自动刷新 every few seconds while anything is still waiting); and the list of notices sent (who, what,
when). Who may send where: bot/district_notices/audience.py. The preview page carries the notice's own key, so that
sending the same form twice sends it once."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot import keys
from bot.cases.errors import Forbidden, NotFound
from bot.district_notices.audience import NOT_ALLOWED, Scope, preview, scope_of
from bot.district_notices.draft import RAW_LIMIT, Draft, Refused, check
from bot.district_notices.reasons import OUTCOME_LABELS, Outcome
from bot.district_notices.report import history, notice_info, report
from bot.district_notices.sending import resident_message, send_notice
from bot.district_notices.vocabulary import (
    CHANNEL_LABELS,
    EVERY_DISTRICT,
    EVERY_DISTRICT_LABEL,
    KIND_LABELS,
    MAX_BODY,
    MAX_TITLE,
)
from bot.staff.context import Desk, Form, render, see_other, staff_form, staff_page
from bot.staff.state import STAFF

log = logging.getLogger(__name__)
PATH = "/staff/district-notices"
FIELDS = ("kind", "title", "body", "district")
KEY = re.compile(r"[A-Za-z0-9_-]{20,64}")
REFRESH_SECONDS = 10
DONE = {
    "sent": "通知已交给发送队列，正在按各渠道的限制逐个发送；点“刷新”查看最新情况。",
    "again": "这条通知已经发送过了（重复提交不会重复发送），下面是它的发送情况。",
}


async def _scope(request: web.Request, desk: Desk) -> Scope:
    async with request.app[keys.ENGINE].connect() as conn:
        scope = await scope_of(conn, desk.viewer)
    if not scope.any:
        raise Forbidden(NOT_ALLOWED)
    return scope


def _districts(desk: Desk, scope: Scope) -> list[tuple[str, str]]:
    """The districts this staff member may pick, with 全部片区 first for those who may send to all."""
    names = desk.service.district_names
    allowed = [(d, name) for d, name in names.items() if scope.allows(d)]
    return [(EVERY_DISTRICT, EVERY_DISTRICT_LABEL), *allowed] if scope.every else allowed


def _district_label(desk: Desk, district: str | None) -> str:
    if district is None:
        return EVERY_DISTRICT_LABEL
    return desk.service.district_names.get(district, district)


def _values(form: Form) -> dict[str, str]:
    values = {}
    for name in FIELDS:
        value = form.get(name, "")
        values[name] = value[:RAW_LIMIT] if isinstance(value, str) else ""
    return values


def _compose(
    request: web.Request,
    desk: Desk,
    scope: Scope,
    values: Mapping[str, str] | None = None,
    problems: tuple[str, ...] = (),
    status: int = 200,
) -> web.Response:
    context = {
        "kinds": list(KIND_LABELS.items()),
        "districts": _districts(desk, scope),
        "values": values or {},
        "problems": problems,
        "max_title": MAX_TITLE,
        "max_body": MAX_BODY,
    }
    return render(request, "staff/district_notice_compose.html", context, desk, status=status)


async def _signature(desk: Desk, request: web.Request) -> str:
    """Who the notice is from: the sender's department, else the county's headquarters."""
    if desk.viewer.department_id is not None:
        for department in await desk.service.departments(include_inactive=True):
            if department.id == desk.viewer.department_id:
                return department.name
    contacts = request.app[keys.KNOWLEDGE].params.get("contacts") or {}
    return str(contacts.get("headquarters") or "房屋征收指挥部")


def _checked(desk: Desk, scope: Scope, values: Mapping[str, str]) -> Draft | Refused:
    draft = check(values, desk.service.district_names)
    if isinstance(draft, Draft) and not scope.allows(draft.district):
        return Refused(("您只能给本片区的居民发通知。",))
    return draft


@staff_page
async def notices_page(request: web.Request, desk: Desk) -> web.StreamResponse:
    scope = await _scope(request, desk)
    async with request.app[keys.ENGINE].connect() as conn:
        lines = await history(conn, None if scope.every else scope.districts)
    context = {"lines": lines, "kind_labels": KIND_LABELS, "district_label": lambda d: _district_label(desk, d)}
    return render(request, "staff/district_notices.html", context, desk)


@staff_page
async def compose_page(request: web.Request, desk: Desk) -> web.StreamResponse:
    return _compose(request, desk, await _scope(request, desk))


@staff_form
async def edit(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    """返回修改 on the preview: the form again with what was written."""
    return _compose(request, desk, await _scope(request, desk), _values(form))


@staff_form
async def preview_page(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    scope = await _scope(request, desk)
    values = _values(form)
    draft = _checked(desk, scope, values)
    if isinstance(draft, Refused):
        return _compose(request, desk, scope, values, draft.problems, status=400)
    now = request.app[STAFF].clock()
    settings = request.app[keys.SETTINGS]
    async with request.app[keys.ENGINE].connect() as conn:
        counts = await preview(conn, draft.district, now, settings.wechat_window_hours)
    message = resident_message(draft, await _signature(desk, request), now, "web")
    context = {
        "draft": draft,
        "values": {"kind": draft.kind.value, "title": draft.title, "body": draft.body, "district": values["district"]},
        "district_label": _district_label(desk, draft.district),
        "message": message.text,
        "counts": counts,
        "by_channel": [(CHANNEL_LABELS.get(c, c), n) for c, n in sorted(counts.by_channel.items())],
        "wechat_hours": settings.wechat_window_hours,
        "key": secrets.token_urlsafe(24),
    }
    return render(request, "staff/district_notice_preview.html", context, desk)


@staff_form
async def send(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    scope = await _scope(request, desk)
    values = _values(form)
    key = form.get("key", "")
    draft = _checked(desk, scope, values)
    if isinstance(draft, Refused):
        return _compose(request, desk, scope, values, draft.problems, status=400)
    if not isinstance(key, str) or KEY.fullmatch(key) is None:
        return _compose(request, desk, scope, values, ("请先点“预览”，核对后再发送。",), status=400)
    now = request.app[STAFF].clock()
    signature = await _signature(desk, request)
    async with request.app[keys.ENGINE].begin() as conn:
        sent = await send_notice(
            conn,
            draft,
            key,
            staff_id=desk.viewer.id,
            staff_name=desk.viewer.display_name,
            signature=signature,
            now=now,
        )
    if sent.created:
        log.info(
            "staff %s sent district notice %s: %s queued, %s skipped",
            desk.viewer.id,
            sent.notice_id,
            sent.recipients,
            sent.skipped,
        )
    return see_other(f"{PATH}/{sent.notice_id}?done={'sent' if sent.created else 'again'}")


@staff_page
async def report_page(request: web.Request, desk: Desk) -> web.StreamResponse:
    scope = await _scope(request, desk)
    raw = request.match_info["notice_id"]
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise NotFound("没有这条通知。")
    senders: dict[str, object] = request.app[keys.SENDERS]
    ready = set(senders)
    async with request.app[keys.ENGINE].connect() as conn:
        info = await notice_info(conn, int(raw))
        if info is None or not scope.visible(info.district):
            raise NotFound("没有这条通知。")
        found = await report(conn, info.id, ready)
    assert found is not None
    context: dict[str, Any] = {
        "report": found,
        "notice": found.notice,
        "kind_label": KIND_LABELS[found.notice.kind],
        "district_label": _district_label(desk, found.notice.district),
        "counts": [(o.value, OUTCOME_LABELS[o], found.counts[o]) for o in Outcome],
        "channel_labels": CHANNEL_LABELS,
        "done": DONE.get(request.query.get("done", ""), ""),
        # reloading on its own only when asked for (a page that changes under the reader's eyes is theirs to allow)
        "refresh": REFRESH_SECONDS if found.waiting and request.query.get("auto") == "1" else 0,
        "auto_seconds": REFRESH_SECONDS,
    }
    return render(request, "staff/district_notice_report.html", context, desk)


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, notices_page, name="staff_district_notices")
    app.router.add_post(PATH, send)
    app.router.add_get(f"{PATH}/new", compose_page)
    app.router.add_post(f"{PATH}/new", edit)
    app.router.add_post(f"{PATH}/preview", preview_page)
    app.router.add_get(f"{PATH}/{{notice_id}}", report_page)
