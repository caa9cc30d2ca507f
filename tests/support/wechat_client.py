"""The WeChat server's side of the message interface, simulated: it builds a resident's messages as WeChat
does, signs them (signature over token, timestamp, nonce), in safe mode encrypts them (AES-256-CBC, PKCS#7 to
32 bytes, random ‖ length ‖ XML ‖ appid) and signs the ciphertext (msg_signature), posts them to /wechat, and
checks and decrypts the passive reply. Written independently of bot/channels/wechat on purpose."""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import secrets
import struct
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TOKEN = "AnjuWeChatToken2026"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as the console generates
ACCOUNT = "gh_0123456789ab"


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def wechat_encrypt(xml: str | bytes, aes_key: str, app_id: str) -> str:
    key = base64.b64decode(aes_key + "=")
    body = xml.encode() if isinstance(xml, str) else xml
    plain = os.urandom(16) + struct.pack(">I", len(body)) + body + app_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def wechat_decrypt(encrypted: str, aes_key: str) -> tuple[str, str]:
    """(XML, appid)."""
    key = base64.b64decode(aes_key + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    plain = plain[: -plain[-1]]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[20 : 20 + length].decode(), plain[20 + length :].decode()


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class Delivery:
    status: int
    body: str
    reply: dict[str, str] | None  # the passive reply's fields, decrypted; None for "success" / empty

    @property
    def text(self) -> str:
        return (self.reply or {}).get("Content", "")


class WeChatResident:
    """One follower of the Official Account, as the WeChat server delivers their messages."""

    def __init__(
        self,
        client: TestClient,
        clock: Callable[[], datetime],
        openid: str = "oAnjuTestResident0001",
        safe: bool = False,
        app_id: str = "",
        token: str = TOKEN,
        aes_key: str = AES_KEY,
    ) -> None:
        self.client = client
        self.clock = clock
        self.openid = openid
        self.safe = safe
        self.app_id = app_id
        self.token = token
        self.aes_key = aes_key
        self._msg_ids = itertools.count(24_000_000_000_000_000 + abs(hash(openid)) % 10**9)
        self.last: Delivery | None = None

    # --- messages as WeChat builds them ---

    def _xml(self, msg_type: str, fields: dict[str, Any], msg_id: bool = True) -> str:
        parts = [
            f"<ToUserName>{cdata(ACCOUNT)}</ToUserName>",
            f"<FromUserName>{cdata(self.openid)}</FromUserName>",
            f"<CreateTime>{self.now()}</CreateTime>",
            f"<MsgType>{cdata(msg_type)}</MsgType>",
        ]
        for name, value in fields.items():
            parts.append(f"<{name}>{value if isinstance(value, int | float) else cdata(str(value))}</{name}>")
        if msg_id:
            parts.append(f"<MsgId>{next(self._msg_ids)}</MsgId>")
        return "<xml>" + "".join(parts) + "</xml>"

    def text_xml(self, content: str) -> str:
        return self._xml("text", {"Content": content})

    def voice_xml(self, recognition: str | None, media_id: str = "media-voice-1", fmt: str = "amr") -> str:
        fields = {"MediaId": media_id, "Format": fmt}
        if recognition is not None:
            fields["Recognition"] = recognition
        return self._xml("voice", fields)

    def location_xml(self, lat: float, lon: float, label: str) -> str:
        return self._xml("location", {"Location_X": lat, "Location_Y": lon, "Scale": 15, "Label": label})

    def image_xml(self, media_id: str = "media-image-1") -> str:
        return self._xml("image", {"PicUrl": "http://mmbiz.qpic.cn/test.jpg", "MediaId": media_id})

    def video_xml(self) -> str:
        return self._xml("video", {"MediaId": "media-video-1", "ThumbMediaId": "media-thumb-1"})

    def link_xml(self) -> str:
        return self._xml("link", {"Title": "一篇文章", "Description": "摘要", "Url": "https://example.com/a"})

    def file_xml(self) -> str:
        return self._xml(
            "file", {"Title": "材料.pdf", "FileKey": "file-key-1", "FileMd5": "0" * 32, "FileTotalLen": 1024}
        )

    def event_xml(self, event: str, key: str | None = None) -> str:
        fields: dict[str, Any] = {"Event": event}
        if key is not None:
            fields["EventKey"] = key
        return self._xml("event", fields, msg_id=False)

    def now(self) -> int:
        return int(self.clock().timestamp())

    # --- delivery ---

    def signed_query(self, timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
        """As WeChat signs each push: the current timestamp and a fresh random nonce (digits, like WeChat's)."""
        ts = str(self.now() if timestamp is None else timestamp)
        nonce = str(secrets.randbelow(10**10)) if nonce is None else nonce
        query = {
            "signature": sha1_sorted(self.token, ts, nonce),
            "timestamp": ts,
            "nonce": nonce,
            "openid": self.openid,
        }
        return query

    def envelope(self, xml: str | bytes, query: dict[str, str]) -> str:
        """What goes on the wire: the XML itself, or in safe mode its encryption (and msg_signature in `query`)."""
        if not self.safe:
            return xml if isinstance(xml, str) else xml.decode()
        encrypted = wechat_encrypt(xml, self.aes_key, self.app_id)
        query.update(
            encrypt_type="aes", msg_signature=sha1_sorted(self.token, query["timestamp"], query["nonce"], encrypted)
        )
        return f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypted)}</Encrypt></xml>"

    async def deliver(self, xml: str, times: int = 1) -> list[Delivery]:
        """POST `xml` as WeChat does, `times` times (its retries carry the same message)."""
        results = []
        for _ in range(times):
            query = self.signed_query()
            body = self.envelope(xml, query)
            response = await self.client.post(
                "/wechat", params=query, data=body.encode(), headers={"Content-Type": "text/xml"}
            )
            text = await response.text()
            results.append(Delivery(response.status, text, self._open(text) if response.status == 200 else None))
        self.last = results[-1]
        return results

    async def say(self, content: str) -> Delivery:
        return (await self.deliver(self.text_xml(content)))[0]

    def _open(self, body: str) -> dict[str, str] | None:
        if body in ("", "success"):
            return None
        root = ET.fromstring(body)
        fields = {child.tag: child.text or "" for child in root}
        if not self.safe:
            return fields
        assert fields["MsgSignature"] == sha1_sorted(
            self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
        ), "reply signature"
        xml, app_id = wechat_decrypt(fields["Encrypt"], self.aes_key)
        assert app_id == self.app_id
        return {child.tag: child.text or "" for child in ET.fromstring(xml)}
