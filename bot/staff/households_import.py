"""Importing the household ledger from the dashboard (/staff/households/import, admins): choose the file and 检查
(the per-row report, or what it would create and change; nothing written), then choose the same file again and
导入 — refused unless it is byte for byte the file just checked (its SHA-256 is carried by the page), and written
in one transaction. The upload is streamed with its own size limit (bot/households/: the checks, the import)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from bot import keys
from bot.cases.errors import Forbidden
from bot.households.ledger import Outcome, import_file
from bot.staff.context import Desk, error_page, load_desk, protect, render, see_other, staff_page
from bot.staff.errors import CSRF_FAILED
from bot.staff.session import CSRF_FIELD
from bot.staff.state import STAFF
from bot.web.forms import MALFORMED

log = logging.getLogger(__name__)
PATH = "/staff/households/import"
FIELD_LIMIT = 256
BAD_FORM = MALFORMED  # the dashboard's one sentence for a body that cannot be read
CHANGES_SHOWN = 50


def _admin(desk: Desk) -> None:
    if not desk.is_admin:
        raise Forbidden("只有管理员可以导入分户台账。")


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, import_page)
    app.router.add_post(PATH, upload)


@staff_page
async def import_page(request: web.Request, desk: Desk) -> web.StreamResponse:
    _admin(desk)
    return render(request, "staff/households_import.html", {}, desk)


async def _read(request: web.Request, max_bytes: int) -> tuple[dict[str, str], str, bytes] | str:
    """The text fields, the file's name and bytes; or what to tell staff."""
    too_large = f"文件太大，最大 {max_bytes / 1024 / 1024:g} MB；请按片区分成几个文件导入。"
    if request.content_length is not None and request.content_length > max_bytes + 64 * 1024:
        return too_large
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError):
        return BAD_FORM
    fields: dict[str, str] = {}
    name, data = "", b""
    try:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or not part.name:
                return BAD_FORM
            if part.name == "file":
                chunks, size = [], 0
                while chunk := await part.read_chunk(64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        return too_large
                    chunks.append(chunk)
                # aiohttp's own client percent-encodes a non-ASCII name; browsers send it as UTF-8
                name, data = unquote(part.filename or "ledger")[:200], b"".join(chunks)
            elif part.name in (CSRF_FIELD, "action", "checked"):
                raw = await part.read(decode=False)
                if len(raw) > FIELD_LIMIT:
                    return BAD_FORM
                fields[part.name] = raw.decode("utf-8", "replace")
    except ValueError:
        return BAD_FORM
    return fields, name, data


async def upload(request: web.Request) -> web.StreamResponse:
    """POST: 检查 (action=check) or 导入 (action=apply, with `checked` = the SHA-256 the check page carried)."""
    settings = request.app[keys.SETTINGS]
    session = request.app[STAFF].cookies.read(request)
    # a malformed body is 400 before anything else, as on every form of the dashboard
    read = await _read(request, settings.household_import_max_bytes)
    if isinstance(read, str):
        return error_page(request, None, 400, read)
    fields, name, data = read
    if session is None or not session.csrf_ok(fields.get(CSRF_FIELD)):
        return error_page(request, None, 403, CSRF_FAILED)
    desk = await load_desk(request, session)
    if desk is None:
        return see_other("/staff/login")
    if not desk.is_admin:
        return error_page(request, desk, 403, "只有管理员可以导入分户台账。")
    if not data:
        return protect(
            render(request, "staff/households_import.html", {"error": "请选择要导入的文件。"}, desk, status=400)
        )
    digest = hashlib.sha256(data).hexdigest()
    apply = fields.get("action") == "apply"
    if apply and not hmac.compare_digest(fields.get("checked", ""), digest):
        return protect(
            render(
                request,
                "staff/households_import.html",
                {"error": "这个文件与刚才检查的不是同一个文件（或已修改），请先点“检查”。"},
                desk,
                status=409,
            )
        )
    now = request.app[STAFF].clock()
    from bot.cases.workdays import local_day

    outcome = await import_file(
        request.app[keys.ENGINE],
        name,
        data,
        params=request.app[keys.KNOWLEDGE].params,
        key=settings.household_id_key,
        by=f"staff:{desk.viewer.username}",
        now=now,
        today=local_day(now),
        max_bytes=settings.household_import_max_bytes,
        apply=apply,
    )
    if outcome.result is not None:
        log.info(
            "staff %s imported the household ledger: batch %s, %s created, %s updated",
            desk.viewer.id,
            outcome.result.import_id,
            outcome.result.created,
            outcome.result.updated,
        )
    return protect(
        render(
            request,
            "staff/households_import.html",
            _context(outcome, name, digest),
            desk,
            status=200 if outcome.report.ok else 422,
        )
    )


def _context(outcome: Outcome, name: str, digest: str) -> dict[str, object]:
    report = outcome.report
    context: dict[str, object] = {
        "file_name": name,
        "problems": [p.line() for p in report.problems],
        "problem_count": report.problem_count,
        "rows": len(report.rows),
    }
    if outcome.plan is not None:
        plan = outcome.plan
        context.update(
            checked=digest,
            new=len(plan.new),
            updated=len(plan.changed),
            unchanged=plan.unchanged,
            changes=[(values["head_name"], found) for _, values, found in plan.changed[:CHANGES_SHOWN]],
        )
    if outcome.result is not None:
        context["result"] = outcome.result
    return context
