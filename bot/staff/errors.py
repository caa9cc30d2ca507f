"""Domain errors of the case side → HTTP statuses, at the edge (the service raises, the dashboard answers)."""

from __future__ import annotations

from bot.cases.errors import CaseError, Conflict, Forbidden, InvalidInput, NotFound

STATUS_OF = ((NotFound, 404), (Conflict, 409), (Forbidden, 403), (InvalidInput, 400))  # Forbidden covers transitions
TITLES = {400: "填写有误", 401: "请先登录", 403: "没有权限", 404: "没有找到", 409: "操作冲突"}
CSRF_FAILED = "页面已过期或来源无法确认，请刷新页面后重试。"


def status_for(exc: CaseError) -> int:
    for kind, status in STATUS_OF:
        if isinstance(exc, kind):
            return status
    return 400
