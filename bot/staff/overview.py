"""The supervisors' overview (/staff/overview): overdue cases per department, on-time 签收 and 办结 rates and
satisfaction, as a table and bar charts. Supervisors and admins only."""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.cases.errors import Forbidden
from bot.cases.figures import department_figures, overall
from bot.staff.context import Desk, render, staff_page
from bot.staff.state import STAFF
from bot.web.charts import bar_chart, percent_chart


@staff_page
async def overview_page(request: web.Request, desk: Desk) -> web.StreamResponse:
    if not desk.is_overseer:
        raise Forbidden("只有督导和管理员可以查看督办总览。")
    rows = await department_figures(request.app[keys.ENGINE], request.app[STAFF].clock())
    busy = [r for r in rows if r.total]
    charts = [
        bar_chart(
            "各单位超期未办结案件（件）",
            [(r.name, r.overdue, str(r.overdue), "bad" if r.overdue else "") for r in rows if r.open],
        ),
        percent_chart("按时签收率", [(r.name, r.sign_for.percent) for r in busy if r.sign_for.total]),
        percent_chart("按时办结率", [(r.name, r.closure.percent) for r in busy if r.closure.total]),
        percent_chart(
            "满意率（满意 + 基本满意）", [(r.name, r.satisfaction.percent) for r in busy if r.satisfaction.total]
        ),
    ]
    return render(request, "staff/overview.html", {"rows": rows, "total": overall(rows), "charts": charts}, desk)


def setup(app: web.Application) -> None:
    app.router.add_get("/staff/overview", overview_page, name="staff_overview")
