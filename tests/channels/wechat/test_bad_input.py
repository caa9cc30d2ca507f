"""Forged, stale, oversized and malformed requests: fast 4xx, logged, nothing processed."""

from __future__ import annotations

import io
import logging
import time

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot import keys
from bot.db.models import Resident
from tests.support.wechat_client import ACCOUNT, WeChatResident, cdata, sha1_sorted, wechat_encrypt

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&c;</Content><MsgId>1</MsgId></xml>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType><Content>&x;</Content><MsgId>2</MsgId></xml>"""


async def _residents(client: TestClient) -> int:
    async with client.app[keys.ENGINE].connect() as conn:
        return await conn.scalar(select(func.count()).select_from(Resident.__table__))


async def _post(resident: WeChatResident, body: bytes, query: dict[str, str]) -> int:
    response = await resident.client.post("/wechat", params=query, data=body, headers={"Content-Type": "text/xml"})
    return response.status


async def test_bad_signature_is_403(resident: WeChatResident) -> None:
    xml = resident.text_xml("搬迁费怎么算")
    for change in ({"signature": "0" * 40}, {"signature": ""}, {"nonce": "other"}, {"timestamp": "1"}):
        query = resident.signed_query()
        body = resident.envelope(xml, query).encode()
        query.update(change)
        assert await _post(resident, body, query) in (400, 403), change
    query = resident.signed_query()
    query.pop("signature")
    assert await _post(resident, resident.envelope(xml, query).encode(), query) == 403
    assert await _residents(resident.client) == 0


async def test_stale_or_future_timestamps_are_400(resident: WeChatResident) -> None:
    xml = resident.text_xml("你好")
    for offset in (-301, -3600, 301):
        query = resident.signed_query(timestamp=resident.now() + offset)
        assert await _post(resident, resident.envelope(xml, query).encode(), query) == 400, offset
    query = resident.signed_query(timestamp=resident.now() - 299)
    assert await _post(resident, resident.envelope(xml, query).encode(), query) == 200
    assert await _residents(resident.client) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b"<xml><Content>unclosed</xml>",
        b"<other><MsgType>text</MsgType></other>",
        b"",
        BILLION_LAUGHS.encode(),
        EXTERNAL_ENTITY.encode(),
        b"<xml><!-- c --><MsgType>text</MsgType></xml>",
        "<xml><MsgType>text</MsgType></xml>".encode("utf-16"),
        b'<?xml version="1.0" encoding="UTF-16"?><xml><MsgType>text</MsgType></xml>',
        BILLION_LAUGHS.encode("utf-16"),
    ],
)
async def test_malformed_xml_and_entity_declarations_are_400(resident: WeChatResident, body: bytes) -> None:
    query = resident.signed_query()
    if resident.safe:  # the declarations arrive inside a correctly encrypted and signed envelope
        body = resident.envelope(body, query).encode()
    assert await _post(resident, body, query) == 400
    assert await _residents(resident.client) == 0


async def test_a_one_megabyte_body_is_refused_fast(resident: WeChatResident) -> None:
    big = ("<xml><Content>" + "征" * 350_000 + "</Content></xml>").encode()
    started = time.perf_counter()
    response = await resident.client.post(
        "/wechat",
        params=resident.signed_query(),
        data=io.BytesIO(big),
        headers={"Content-Type": "text/xml", "Content-Length": str(len(big))},
    )
    assert response.status == 413

    async def chunks():  # noqa: ANN202 - no Content-Length: the bounded read stops it
        for _ in range(64):
            yield b"x" * 16384

    response = await resident.client.post("/wechat", params=resident.signed_query(), data=chunks())
    assert response.status == 413
    assert time.perf_counter() - started < 2.0
    assert await _residents(resident.client) == 0


@pytest.mark.parametrize("safe", [True], ids=["safe"])
async def test_safe_mode_refuses_forged_ciphertexts(resident: WeChatResident) -> None:
    xml = resident.text_xml("你好")
    query = resident.signed_query()
    body = resident.envelope(xml, query)
    bad_sig = {**query, "msg_signature": "0" * 40}
    assert await _post(resident, body.encode(), bad_sig) == 403
    plain = resident.signed_query()  # a plain message to an account in safe mode
    assert await _post(resident, xml.encode(), plain) == 400
    for forged in (
        wechat_encrypt(xml, resident.aes_key, "wxOtherAccount000"),  # another account's appid
        "bm90IGVuY3J5cHRlZA==",
        "%%%",
        "QUJD" * 8,
    ):
        q = resident.signed_query()
        q.update(encrypt_type="aes", msg_signature=sha1_sorted(resident.token, q["timestamp"], q["nonce"], forged))
        envelope = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(forged)}</Encrypt></xml>"
        assert await _post(resident, envelope.encode(), q) == 400, forged
    assert await _residents(resident.client) == 0


@pytest.mark.parametrize("safe", [False], ids=["plain"])
async def test_plain_mode_refuses_encrypted_requests(resident: WeChatResident) -> None:
    query = {**resident.signed_query(), "encrypt_type": "aes", "msg_signature": "0" * 40}
    assert await _post(resident, resident.text_xml("你好").encode(), query) == 400


async def test_text_with_cdata_terminators_still_gets_a_reply(resident: WeChatResident) -> None:
    delivery = await resident.say("]]><b>搬迁费</b>怎么算]]>")
    assert delivery.status == 200 and delivery.text


async def test_deeply_nested_xml_is_400_and_no_traceback(
    resident: WeChatResident, caplog: pytest.LogCaptureFixture
) -> None:
    depth = 2000  # as deep as fits in the 32 KB body limit, encrypted too
    nested = "<a>" * depth + "</a>" * depth
    for xml in (f"<xml><MsgType>text</MsgType>{nested}</xml>", "<xml>" + "<xml>" * depth + "</xml>" * (depth + 1)):
        query = resident.signed_query()
        body = resident.envelope(xml, query).encode() if resident.safe else xml.encode()
        assert await _post(resident, body, query) == 400
    assert await _residents(resident.client) == 0
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
