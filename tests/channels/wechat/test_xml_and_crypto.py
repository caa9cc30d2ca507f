"""The pieces: XML both ways, the cipher against the independent simulator, signatures, rendering."""

from __future__ import annotations

import pytest

from bot.channels.wechat import signature
from bot.channels.wechat.crypto import CryptoError, MessageCrypto
from bot.channels.wechat.render import merge, render, split_bytes
from bot.channels.wechat.xml_messages import XmlError, parse_xml, text_reply
from bot.core.messages import Button, Outbound
from tests.support.wechat_client import AES_KEY, sha1_sorted, wechat_decrypt, wechat_encrypt

APP_ID = "wx1234567890abcdef"


def test_cdata_terminators_and_invalid_characters_survive_a_round_trip() -> None:
    content = "a]]>b]]]]>c\x00\x01d 中文 <&>"
    fields = parse_xml(text_reply("o1", "gh", 1, content).encode())
    assert fields["Content"] == "a]]>b]]]]>cd 中文 <&>"


@pytest.mark.parametrize("body", [b"<!DOCTYPE x><xml/>", b"<xml><!ENTITY x 'y'></xml>", b"\xff", b"<a/>", b"<xml>"])
def test_parse_refuses(body: bytes) -> None:
    with pytest.raises(XmlError):
        parse_xml(body)


def test_cipher_matches_the_simulated_wechat_server_both_ways() -> None:
    crypto = MessageCrypto(AES_KEY, APP_ID)
    for size in (0, 1, 11, 12, 31, 32, 33, 1000):
        xml = "<xml>" + "征" * size + "</xml>"
        assert crypto.decrypt(wechat_encrypt(xml, AES_KEY, APP_ID)) == xml
        assert wechat_decrypt(crypto.encrypt(xml), AES_KEY) == (xml, APP_ID)


def test_cipher_refuses_another_account_and_garbage() -> None:
    crypto = MessageCrypto(AES_KEY, APP_ID)
    for forged in (wechat_encrypt("<xml/>", AES_KEY, "wxsomeoneelse00000"), "", "AAAA", "!!!!", "QUJD" * 8):
        with pytest.raises(CryptoError):
            crypto.decrypt(forged)
    with pytest.raises(CryptoError):
        MessageCrypto("short", APP_ID)


def test_signature_is_sha1_of_the_sorted_parts() -> None:
    assert signature.sign("token", "123", "nonce") == sha1_sorted("nonce", "token", "123")
    assert signature.verify(sha1_sorted("t", "1", "n"), "t", "1", "n")
    assert not signature.verify("0" * 40, "t", "1", "n") and not signature.verify("签名", "t", "1", "n")


def test_buttons_become_a_numbered_list_across_the_turn() -> None:
    message = merge([Outbound("第一段", (Button("a", "甲"),)), Outbound("第二段", (Button("b", "乙"),))])
    (text,) = render(message)
    assert text == "第一段\n\n第二段\n\n回复数字选择：\n1. 甲\n2. 乙"


def test_long_text_is_cut_within_wechats_byte_limit() -> None:
    pieces = split_bytes("第一行\n" + "征" * 1500)
    assert len(pieces) >= 3 and all(len(p.encode()) <= 2000 for p in pieces)
    assert "".join(pieces).replace("\n", "") == ("第一行" + "征" * 1500)
