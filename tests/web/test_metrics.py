"""/metrics: who may read it, and the counters and gauges an operator watches moving after a chat, a case and a
delivery."""

from __future__ import annotations

import dataclasses
import re

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot import keys
from bot.app import create_app
from bot.metrics import error_code
from bot.outbox.ports import RetryLater, Undeliverable
from bot.settings import Settings
from bot.web.metrics import metrics_allowed
from knowledge.base import KnowledgeBase
from tests.support.cases import add_user, fill_complaint
from tests.support.clock import FakeClock
from tests.support.senders import RecordingSender
from tests.support.transcript import ChatSession

TOKEN = "s3cret-metrics-token-for-tests"


async def scrape(client: TestClient, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics", headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_loopback_reads_without_a_token_but_not_through_a_proxy(client: TestClient) -> None:
    await scrape(client)
    proxied = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status == 403 and "ANJU_METRICS_TOKEN" in await proxied.text()


async def test_with_a_token_only_the_bearer_reads(
    aiohttp_client,
    settings: Settings,
    kb: KnowledgeBase,  # noqa: ANN001
    clock: FakeClock,
) -> None:
    client = await aiohttp_client(
        create_app(dataclasses.replace(settings, metrics_token=TOKEN), clock=clock, knowledge=kb)
    )
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
    ):
        response = await client.get("/metrics", headers=headers)
        assert response.status == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
        assert TOKEN not in await response.text()
    await scrape(client, Authorization=f"Bearer {TOKEN}")
    await scrape(client, Authorization=f"bearer {TOKEN}", **{"X-Forwarded-For": "203.0.113.9"})  # token wins


@pytest.mark.parametrize(
    ("remote", "headers", "token", "expected"),
    [
        ("127.0.0.1", {}, "", None),
        ("::1", {}, "", None),
        ("127.0.0.5", {}, "", None),
        ("10.0.0.7", {}, "", 403),
        ("203.0.113.9", {}, "", 403),
        (None, {}, "", 403),
        ("127.0.0.1", {"X-Real-IP": "203.0.113.9"}, "", 403),
        ("203.0.113.9", {"Authorization": f"Bearer {TOKEN}"}, TOKEN, None),
        ("127.0.0.1", {}, TOKEN, 401),  # with a token set, loopback needs it too
        ("127.0.0.1", {"Authorization": f"Bearer {TOKEN}x"}, TOKEN, 401),
    ],
)
def test_access_rules(remote: str | None, headers: dict[str, str], token: str, expected: int | None) -> None:
    assert metrics_allowed(remote, headers, token) == expected


async def test_a_chat_moves_the_request_message_and_match_counters(client: TestClient, kb: KnowledgeBase) -> None:
    topic = kb.topics[0]
    chat = ChatSession(client)
    await chat.say(topic.questions[0])
    assert "依据：" in chat.text
    await chat.say("火星上的天气怎么样，明天会下雨吗")
    samples = await scrape(client)
    assert value(samples, "anju_http_requests_total", route="/api/chat", method="POST", status="200") == 2
    assert (
        value(samples, "anju_http_request_duration_seconds_count", route="/api/chat", method="POST", status="200") == 2
    )
    assert value(samples, "anju_inbound_messages_total", channel="web", kind="text") == 2
    assert value(samples, "anju_match_outcomes_total", outcome="answered", topic=topic.id) == 1
    abstained = value(samples, "anju_match_outcomes_total", outcome="out_of_scope", topic="") + value(
        samples, "anju_match_outcomes_total", outcome="not_sure", topic=""
    )
    assert abstained == 1
    await client.get("/staff/cases/AJ-2026-000001", allow_redirects=False)  # a route pattern, not each number
    await client.get("/no/such/page")
    await client.request("TRACE", "/api/chat")  # a method the app does not serve
    samples = await scrape(client)
    assert value(samples, "anju_http_requests_total", route="/staff/cases/{number}", method="GET", status="303") == 1
    assert value(samples, "anju_http_requests_total", route="unmatched", method="GET", status="404") == 1
    assert not [k for k in samples if "AJ-2026-000001" in str(k) or "TRACE" in str(k)]
    assert value(samples, "anju_http_requests_total", route="unmatched", method="other", status="405") == 1


async def test_a_case_and_its_delivery_move_the_case_and_outbox_figures(client: TestClient, clock: FakeClock) -> None:
    chat = ChatSession(client)
    await fill_complaint(chat)
    await chat.press("确认提交")
    number = re.search(r"AJ-\d{4}-\d{6}", chat.text).group(0)
    samples = await scrape(client)
    assert value(samples, "anju_cases_opened_total", type="complaint") == 1
    assert value(samples, "anju_flows_started_total", flow="complaint") == 1
    assert value(samples, "anju_flows_finished_total", flow="complaint", outcome="case_filed") == 1
    assert value(samples, "anju_cases", status="dispatched") == 1
    assert value(samples, "anju_cases_overdue") == 0
    staff = await add_user(client.app[keys.ENGINE], "buchang", "department_staff", "comp_office", clock())
    await client.app[keys.CASES].claim(staff, number)  # tells the resident: one outbox message
    clock.advance(minutes=5)
    samples = await scrape(client)
    assert value(samples, "anju_outbox_depth", channel="web") == 1
    assert value(samples, "anju_outbox_oldest_age_seconds", channel="web") == 300
    await client.app[keys.OUTBOX].tick()
    samples = await scrape(client)
    assert value(samples, "anju_outbox_deliveries_total", channel="web") == 1
    assert value(samples, "anju_outbox_depth", channel="web") == 0
    assert value(samples, "anju_cases", status="accepted") == 1
    clock.advance(days=61)  # past the 60-day 办结 limit
    assert value(await scrape(client), "anju_cases_overdue") == 1


async def test_delivery_failures_by_channel_and_error_code(client: TestClient, clock: FakeClock) -> None:
    from bot.core.messages import Outbound
    from bot.outbox.enqueue import enqueue

    sender = RecordingSender(channel="telegram")
    sender.failures.extend([Undeliverable("wechat 45015: more than 48 hours"), RetryLater(5, "flood")])
    client.app[keys.SENDERS]["telegram"] = sender
    async with client.app[keys.ENGINE].begin() as conn:
        for n in (1, 2):
            await enqueue(conn, key=f"k{n}", channel="telegram", user_key="42", message=Outbound(f"m{n}"), now=clock())
    await client.app[keys.OUTBOX].tick()
    samples = await scrape(client)
    assert (
        value(
            samples,
            "anju_outbox_delivery_failures_total",
            channel="telegram",
            outcome="undeliverable",
            error="wechat:45015",
        )
        == 1
    )
    assert (
        value(samples, "anju_outbox_delivery_failures_total", channel="telegram", outcome="retry", error="RetryLater")
        == 1
    )


def test_error_codes_stay_few() -> None:
    class Forbidden(Exception):
        pass

    try:
        raise Undeliverable("telegram: bot was blocked by the user") from Forbidden("blocked")
    except Undeliverable as exc:
        assert error_code(exc) == "Forbidden"
    assert error_code(RetryLater(60, "wechat errcode 40001")) == "wechat:40001"
    assert error_code(Undeliverable("not a Telegram chat id: '12345678'")) == "Undeliverable"
    assert error_code(None) == ""


async def test_the_calendar_state_is_a_metric(aiohttp_client, settings: Settings, kb: KnowledgeBase) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    december = FakeClock(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    samples = await scrape(await aiohttp_client(create_app(settings, clock=december, knowledge=kb)))
    assert value(samples, "anju_calendar_ok", state="missing 2027") == 0
    assert value(samples, "anju_calendar_uncovered_days") == 89


async def test_each_app_counts_from_zero(
    client: TestClient,
    aiohttp_client,
    settings: Settings,  # noqa: ANN001
    kb: KnowledgeBase,
    clock: FakeClock,
) -> None:
    await ChatSession(client).say("你好")
    other = await aiohttp_client(create_app(settings, clock=clock, knowledge=kb))
    assert value(await scrape(other), "anju_inbound_messages_total", channel="web", kind="text") == 0
    assert value(await scrape(client), "anju_inbound_messages_total", channel="web", kind="text") == 1


async def test_scheduler_runs_are_counted(
    aiohttp_client,
    settings: Settings,
    kb: KnowledgeBase,  # noqa: ANN001
    clock: FakeClock,
) -> None:
    import asyncio

    client = await aiohttp_client(
        create_app(dataclasses.replace(settings, scheduler_interval=3600), clock=clock, knowledge=kb)
    )
    for _ in range(200):  # the loop's first tick runs at start; give it turns of the event loop, not time
        samples = await scrape(client)
        if value(samples, "anju_scheduler_runs_total", result="ran"):
            break
        await asyncio.sleep(0)
    assert value(samples, "anju_scheduler_runs_total", result="ran") == 1


def test_several_workers_add_up_under_prometheus_multiproc_dir(tmp_path) -> None:  # noqa: ANN001
    """Each worker process writes its counters to the shared directory; whichever answers /metrics sums them."""
    import os
    import subprocess
    import sys

    worker = (
        "from bot.metrics import Metrics\n"
        "m = Metrics()\n"
        "m.inbound.labels('web', 'text').inc(int(__import__('sys').argv[1]))\n"
        "m.http_latency.labels('/api/chat', 'POST', '200').observe(0.003)\n"
    )
    scraper = (
        "from prometheus_client import generate_latest\n"
        "from bot.metrics import Metrics\n"
        "print(generate_latest(Metrics().exposition_registry([])).decode())\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for count in ("2", "3"):
        subprocess.run([sys.executable, "-c", worker, count], env=env, check=True, timeout=60)
    out = subprocess.run(
        [sys.executable, "-c", scraper], env=env, check=True, timeout=60, capture_output=True, text=True
    ).stdout
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(out)
        for s in family.samples
    }
    assert value(samples, "anju_inbound_messages_total", channel="web", kind="text") == 5
    assert (
        value(samples, "anju_http_request_duration_seconds_count", route="/api/chat", method="POST", status="200") == 2
    )
