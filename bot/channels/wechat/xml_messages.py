"""WeChat's XML, both ways: entity-safe parsing of what arrives, and passive replies with safe CDATA.

UTF-8 only, and no DOCTYPE, no entity declarations, no comments: any `<!` other than `<![CDATA[` is refused
before the parser sees the document, so neither external entities nor entity expansion bombs can reach it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

DECLARATION = re.compile(r"<!(?!\[CDATA\[)")
ENCODING = re.compile(r"""^\ufeff?<\?xml[^>]*encoding\s*=\s*["']([^"']*)["']""")
# characters XML 1.0 does not allow (a resident's text may contain them; the reply must still parse)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class XmlError(ValueError):
    """Not a WeChat message we are willing to parse."""


MAX_DEPTH = 8


def parse_xml(body: bytes) -> dict[str, str]:
    """The fields of a flat `<xml>` document (nested elements are skipped)."""
    try:  # UTF-8 only: in another encoding a declaration could pass the check below unseen
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise XmlError("not UTF-8") from None
    declared = ENCODING.match(text)
    if declared and declared.group(1).lower().replace("_", "-") not in {"utf-8", "utf8"}:
        raise XmlError("only UTF-8 documents are accepted")
    if DECLARATION.search(text):
        raise XmlError("declarations (DOCTYPE, ENTITY, comments) are not accepted")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise XmlError(f"malformed XML: {exc}") from None
    if root.tag != "xml":
        raise XmlError("root element is not <xml>")
    stack = [(root, 1)]  # WeChat's own documents nest 3 levels (SendPicsInfo/PicList/item): refuse anything deeper
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise XmlError(f"nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in element)
    return {child.tag: (child.text or "").strip() for child in root if len(child) == 0}


def cdata(text: str) -> str:
    """`text` as CDATA; a `]]>` inside is split across two sections."""
    text = NOT_XML.sub("", text)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, create_time: int, content: str) -> str:
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime><MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )


def encrypted_reply(encrypt: str, msg_signature: str, timestamp: str, nonce: str) -> str:
    return (
        f"<xml><Encrypt>{cdata(encrypt)}</Encrypt><MsgSignature>{cdata(msg_signature)}</MsgSignature>"
        f"<TimeStamp>{cdata(timestamp)}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )
