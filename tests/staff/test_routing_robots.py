"""The robots section of the routing page: an admin pastes a department's WeCom webhook, or DingTalk webhook and
加签 secret; the page shows them back only by their last four characters; wrong input is refused with a reason and
not echoed back; nobody but admins may change them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.robots.config import Platform, robot
from tests.staff.agent import StaffAgent

Login = Callable[[str], Awaitable[StaffAgent]]
WECOM_KEY = "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"
WECOM_URL = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
DINGTALK_TOKEN = "c0ffee00aa11bb22cc33dd44ee55ff66c0ffee00aa11bb22cc33dd44ee55ff66"
DINGTALK_URL = f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}"
SECRET = "SEC4f1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"


async def test_admin_sets_shows_masked_and_removes_robots(
    login: Login, depts: dict[str, int], app_engine: AsyncEngine
) -> None:
    admin = await login("admin")
    page = await admin.page("/staff/routing")
    assert "单位群机器人" in page and "县房屋征收补偿办公室" in page

    response = await admin.post(
        "/staff/routing/robots", {"department": str(depts["comp_office"]), "platform": "wecom", "webhook": WECOM_URL}
    )
    assert response.status == 303 and response.headers["Location"].startswith("/staff/routing?done=robot_saved")
    response = await admin.post(
        "/staff/routing/robots",
        {"department": str(depts["wg_dongguan"]), "platform": "dingtalk", "webhook": DINGTALK_URL, "secret": SECRET},
    )
    assert response.status == 303
    page = await admin.page("/staff/routing?done=robot_saved")
    assert "群机器人已保存" in page and "尾号 …5aaa" in page and "尾号 …ff66" in page and "已加签" in page
    assert WECOM_KEY not in page and DINGTALK_TOKEN not in page and SECRET not in page
    async with app_engine.connect() as conn:
        wecom = await robot(conn, depts["comp_office"], Platform.WECOM)
        dingtalk = await robot(conn, depts["wg_dongguan"], Platform.DINGTALK)
    assert wecom is not None and wecom.token == WECOM_KEY
    assert dingtalk is not None and (dingtalk.token, dingtalk.secret) == (DINGTALK_TOKEN, SECRET)
    assert WECOM_KEY not in repr(wecom) and SECRET not in repr(dingtalk)

    response = await admin.post(
        "/staff/routing/robots/remove", {"department": str(depts["comp_office"]), "platform": "wecom"}
    )
    assert response.status == 303
    page = await admin.page("/staff/routing?done=robot_cleared")
    assert "群机器人已移除" in page and "尾号 …5aaa" not in page
    response = await admin.post(
        "/staff/routing/robots/remove", {"department": str(depts["comp_office"]), "platform": "wecom"}
    )
    assert response.status == 404


async def test_wrong_input_is_refused_with_a_reason_and_not_echoed(login: Login, depts: dict[str, int]) -> None:
    admin = await login("admin")
    await admin.page("/staff/routing")
    cases = [
        ({"platform": "wecom", "webhook": "https://example.com/hook?key=" + WECOM_KEY}, "Webhook 地址"),
        ({"platform": "wecom", "webhook": "你好"}, "Webhook 地址"),
        ({"platform": "dingtalk", "webhook": DINGTALK_URL, "secret": "not-a-secret-" + SECRET[3:]}, "SEC"),
        ({"platform": "line", "webhook": WECOM_URL}, "企业微信或钉钉"),
        ({"platform": "wecom", "webhook": "x" * 5000}, "Webhook 地址"),
    ]
    for fields, reason in cases:
        response = await admin.post("/staff/routing/robots", {"department": str(depts["comp_office"]), **fields})
        html = await response.text()
        assert response.status == 400 and reason in html, (fields, html[:500])
        assert SECRET[3:] not in html and "example.com/hook" not in html
    response = await admin.post(
        "/staff/routing/robots", {"department": "999999", "platform": "wecom", "webhook": WECOM_URL}
    )
    assert response.status == 400 and "请选择单位" in await response.text()


async def test_only_admins_change_robots(login: Login, depts: dict[str, int]) -> None:
    supervisor = await login("dudao")
    await supervisor.page("/staff", status=200)
    response = await supervisor.post(
        "/staff/routing/robots", {"department": str(depts["comp_office"]), "platform": "wecom", "webhook": WECOM_URL}
    )
    assert response.status == 403
