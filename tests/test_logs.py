"""The one logging set-up (bot/logs.py): no secret in any line at any level — a whole Telegram and WeChat
conversation at DEBUG, captured at the root logger with httpx, httpcore and python-telegram-bot's own lines —
a request id on each request's lines, and one JSON object per line for log shippers."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient

from bot import keys
from bot.logs import REDACTED, REQUEST_ID_HEADER, RedactSecrets, configure_logging, request_id, secret_values
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.channels.telegram.conftest import SECRET as TELEGRAM_SECRET
from tests.channels.telegram.conftest import free_port, telegram_settings
from tests.channels.wechat.conftest import numbered, wechat_settings
from tests.support.cases import add_user
from tests.support.clock import FakeClock
from tests.support.fake_telegram import TOKEN as TELEGRAM_TOKEN
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_wechat import APP_SECRET, FakeWeChatApi
from tests.support.telegram_resident import ProcessedUpdates, TelegramResident
from tests.support.wechat_client import AES_KEY, WeChatResident
from tests.support.wechat_client import TOKEN as WECHAT_TOKEN

SESSION_SECRET = "session-secret-for-the-log-test-0042"
DB_PASSWORD = "db-pass-never-logged-77"
NUMBER = re.compile(r"AJ-2026-\d{6}")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes the root logger: put it back as pytest had it."""
    root = logging.getLogger()
    names = ("httpx", "httpcore", "telegram", "apscheduler", "hpack", "alembic.runtime.plugins", "jieba")
    levels = {name: logging.getLogger(name).level for name in names}
    handlers, root_level = list(root.handlers), root.level
    filters = {h: list(h.filters) for h in handlers}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler, kept in filters.items():
        handler.filters[:] = kept
    root.setLevel(root_level)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def all_secrets(settings: Settings) -> list[str]:
    return [
        TELEGRAM_TOKEN,
        TELEGRAM_SECRET,
        WECHAT_TOKEN,
        APP_SECRET,
        SESSION_SECRET,
        *([AES_KEY] if settings.wechat_aes_key else []),
    ]


@pytest.mark.parametrize(("telegram_mode", "wechat_safe"), [("webhook", True), ("polling", False)])
async def test_a_whole_telegram_and_wechat_conversation_at_debug_logs_no_secret(
    restore_logging: None,
    aiohttp_server,
    aiohttp_client,
    settings: Settings,
    kb: KnowledgeBase,  # noqa: ANN001
    clock: FakeClock,
    telegram_mode: str,
    wechat_safe: bool,
) -> None:
    fake = await FakeTelegram().start()
    wechat_api = await FakeWeChatApi().start()
    port = free_port()
    bot_settings = replace(
        wechat_settings(telegram_settings(settings, fake, telegram_mode, port), wechat_api, wechat_safe),
        session_secret=SESSION_SECRET,
        log_level="DEBUG",
    )
    assert set(secret_values(bot_settings)) >= set(all_secrets(bot_settings))
    shown = io.StringIO()
    configure_logging(bot_settings, shown)
    raw = io.StringIO()  # the same records before redaction: shows the secrets really pass through the log
    raw_handler = logging.StreamHandler(raw)
    logging.getLogger().handlers.insert(0, raw_handler)
    try:
        from bot.app import create_app

        app = create_app(bot_settings, clock=clock, knowledge=kb)
        server = await aiohttp_server(app, port=port)
        processed = ProcessedUpdates()
        from bot.channels.telegram.channel import TELEGRAM

        processed.install(app[TELEGRAM].application)
        client: TestClient = await aiohttp_client(server)
        await _telegram_conversation(TelegramResident(fake, processed, 7001), app, clock)
        await _wechat_conversation(
            WeChatResident(client, clock, safe=wechat_safe, app_id=bot_settings.wechat_app_id), app, clock
        )
        await client.get("/staff/login")
        await client.post("/telegram/webhook", data=b"{}", headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
        await client.close()
    finally:
        logging.getLogger().removeHandler(raw_handler)
        await fake.close()
        await wechat_api.close()
    log, unredacted = shown.getvalue(), raw.getvalue()
    assert TELEGRAM_TOKEN in unredacted  # httpx and PTB wrote the token: the redaction below is what kept it out
    loggers = {m.group(1) for m in re.finditer(r"^\S+ \S+ [A-Z]+ ([\w.]+) ", log, re.M)}
    assert "httpx" in loggers and {name.split(".")[0] for name in loggers} >= {"httpcore", "telegram"}, loggers
    assert f"/bot{REDACTED}/sendMessage" in log
    refused = r"WARNING bot\.channels\.telegram\.webhook \[[0-9a-f]{12}\] Telegram webhook: missing"
    assert telegram_mode == "polling" or re.search(refused, log)  # the request's id on its line
    for secret in all_secrets(bot_settings):
        assert secret not in log, secret


async def _telegram_conversation(resident: TelegramResident, app, clock: FakeClock) -> None:  # noqa: ANN001
    from bot.channels.telegram.channel import TELEGRAM

    await resident.say("/start")
    await resident.say("搬迁费怎么算")
    await resident.press("有用")
    await resident.say("登记诉求")
    await resident.press("补偿款没按时发")
    await resident.press("西街片区")
    for answer in ("西街社区5号", "协议签了两个月，补偿款还没到账", "尽快支付", "13800138000"):
        await resident.say(answer)
    await resident.press("确认提交")
    number = NUMBER.search(resident.text).group(0)
    await resident.say("查进度")
    assert number in resident.text
    staff = await add_user(app[keys.ENGINE], "buchang", "department_staff", "comp_office", clock())
    await app[keys.CASES].claim(staff, number)
    await app[keys.CASES].reply(staff, number, "补偿款已安排本周内支付。")
    for _ in range(3):
        clock.advance(seconds=30)
        await asyncio.sleep(app[TELEGRAM].sender._pacing.delay(resident.chat_id))  # one message a second to a chat
        await app[keys.OUTBOX].tick()
    assert any("补偿款已安排本周内支付" in m["text"] for m in resident.fake.messages(resident.chat_id))


async def _wechat_conversation(resident: WeChatResident, app, clock: FakeClock) -> None:  # noqa: ANN001
    async def step(xml: str) -> str:
        (delivery,) = await resident.deliver(xml)
        assert delivery.status == 200
        return delivery.text

    async def choose(label: str) -> str:
        return await step(resident.text_xml(str(numbered(resident.last.text)[label])))

    await step(resident.event_xml("subscribe"))
    await step(resident.text_xml("过渡费怎么发"))
    await step(resident.event_xml("CLICK", "intent:complaint"))
    await choose("补偿款没按时发")
    await choose("西街片区")
    for answer in ("西街社区6号", "补偿款还没到账", "尽快支付", "13900139000"):
        await step(resident.text_xml(answer))
    number = NUMBER.search(await choose("确认提交")).group(0)
    assert number in await step(resident.event_xml("CLICK", "intent:status"))
    staff = await add_user(app[keys.ENGINE], "buchang2", "department_staff", "comp_office", clock())
    await app[keys.CASES].claim(staff, number)
    await app[keys.CASES].reply(staff, number, "已安排支付。")
    await app[keys.OUTBOX].tick()


def test_redaction_covers_every_secret_setting_the_database_password_and_token_shapes() -> None:
    settings = Settings(
        database_url=f"postgresql://anju:{DB_PASSWORD}@db.example/anju",
        telegram_token="1:x" * 5,
        wechat_app_secret="app-secret-value",
        session_secret="s" * 32,
    )
    redact = RedactSecrets(secret_values(settings))
    line = (
        f"connect to postgresql://anju:{DB_PASSWORD}@db.example failed; GET https://api.weixin.qq.com/cgi-bin/"
        "token?grant_type=client_credential&appid=wx1&secret=app-secret-value and "
        "https://api.weixin.qq.com/cgi-bin/message/custom/send?access_token=ACCESS-TOKEN-123 and "
        "https://api.telegram.org/bot987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe " + "s" * 32
    )
    cleaned = redact.redact(line)
    for secret in (DB_PASSWORD, "app-secret-value", "ACCESS-TOKEN-123", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "s" * 32):
        assert secret not in cleaned, secret
    assert "db.example" in cleaned and "grant_type=client_credential" in cleaned  # the rest of the line stays


def test_a_binding_code_in_an_access_log_line_is_hidden() -> None:
    """The QR codes of the binding-code sheet open /chat?bind=CODE: the access log must not keep the code."""
    line = '127.0.0.1 [02/Dec/2026] "GET /chat?bind=123456789012&x=1 HTTP/1.1" 200 "GET /chat?lang=zh&bind=98765"'
    cleaned = RedactSecrets().redact(line)
    assert "123456789012" not in cleaned and "98765" not in cleaned
    assert "/chat?bind=***&x=1" in cleaned and "lang=zh&bind=***" in cleaned


def test_secrets_in_arguments_and_exception_texts_are_redacted(restore_logging: None) -> None:
    shown = io.StringIO()
    settings = Settings(telegram_token=TELEGRAM_TOKEN, wechat_aes_key=AES_KEY, log_level="DEBUG")
    configure_logging(settings, shown)
    log = logging.getLogger("anju.test")
    log.debug("calling %s", f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/getMe")
    try:
        raise RuntimeError(f"bad key {AES_KEY}")
    except RuntimeError:
        log.exception("decrypt failed")
    log.warning("stack", stack_info=True, extra={"note": AES_KEY})
    text = shown.getvalue()
    assert "decrypt failed" in text and "RuntimeError: bad key ***" in text and "/bot***/getMe" in text
    assert TELEGRAM_TOKEN not in text and AES_KEY not in text


def test_json_format_is_one_object_per_line_with_the_request_id(restore_logging: None) -> None:
    shown = io.StringIO()
    configure_logging(Settings(log_format="json", telegram_token=TELEGRAM_TOKEN), shown)
    token = request_id.set("req-42")
    try:
        logging.getLogger("anju.test").warning("sent to %s\nsecond line", TELEGRAM_TOKEN)
    finally:
        request_id.reset(token)
    (line,) = shown.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["request_id"] == "req-42" and entry["level"] == "WARNING" and entry["logger"] == "anju.test"
    assert entry["message"] == "sent to ***\nsecond line"


def test_configuring_twice_leaves_one_handler(restore_logging: None) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(Settings(), first)
    configure_logging(Settings(), second)
    logging.getLogger("anju.test").warning("once")
    assert first.getvalue() == "" and second.getvalue().count("once") == 1
    assert logging.getLogger("httpx").level == logging.WARNING  # at INFO, httpx's per-request lines are not written


async def test_each_request_has_an_id_in_its_response(
    restore_logging: None,
    client,  # noqa: ANN001
    settings: Settings,
) -> None:
    shown = io.StringIO()
    configure_logging(replace(settings, log_level="DEBUG"), shown)
    response = await client.post("/api/chat", json={"session": "s" * 20, "text": "搬迁费怎么算"})
    assert response.status == 200
    rid = response.headers[REQUEST_ID_HEADER]
    assert re.fullmatch(r"[0-9a-f]{12}", rid)
    again = await client.post(
        "/api/chat", json={"session": "s" * 20, "text": "你好"}, headers={REQUEST_ID_HEADER: "from-nginx-1"}
    )
    assert again.headers[REQUEST_ID_HEADER] == "from-nginx-1"
    forged = await client.get("/healthz", headers={REQUEST_ID_HEADER: "x" * 65 + "\u4e00"})
    assert forged.headers[REQUEST_ID_HEADER] != "x" * 65
    assert (await client.get("/nowhere")).headers[REQUEST_ID_HEADER]  # a 404 carries one too


async def test_an_error_shows_the_user_no_secret_and_logs_it_redacted(
    restore_logging: None,
    aiohttp_client,
    settings: Settings,
    kb: KnowledgeBase,  # noqa: ANN001
    clock: FakeClock,
) -> None:
    from bot.app import create_app

    secret_settings = replace(
        settings, telegram_secret_token=TELEGRAM_SECRET, session_secret=SESSION_SECRET, wechat_app_secret=APP_SECRET
    )
    shown = io.StringIO()
    configure_logging(secret_settings, shown)
    client = await aiohttp_client(create_app(secret_settings, clock=clock, knowledge=kb))

    async def broken(inbound):  # noqa: ANN001, ANN202 - a failure whose message carries secrets
        raise RuntimeError(f"upstream refused {APP_SECRET} / {SESSION_SECRET}")

    client.app[keys.DIALOGUE].handle = broken
    response = await client.post("/api/chat", json={"session": "s" * 20, "text": "你好"})
    body = await response.text()
    assert response.status == 500 and "系统繁忙" in (await response.json())["error"]
    log = shown.getvalue()
    assert "unhandled error on POST /api/chat" in log and "RuntimeError: upstream refused ***" in log
    assert f"[{response.headers[REQUEST_ID_HEADER]}] unhandled error on POST /api/chat" in log  # the request's id
    for secret in (APP_SECRET, SESSION_SECRET):
        assert secret not in body and secret not in log
