"""What staff typed into the compose form, checked: a Draft, or every problem as a sentence staff can act on.

Plain text only (every channel shows text as it is: nothing to escape); line ends made "\n", control characters
dropped; the title on one line."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from bot.district_notices.vocabulary import EVERY_DISTRICT, MAX_BODY, MAX_TITLE, NoticeKind

_SPACES = re.compile(r"[ \t\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
RAW_LIMIT = 20_000  # characters read of any field at all (the form's own limit is far below)


@dataclass(frozen=True)
class Draft:
    kind: NoticeKind
    title: str
    body: str
    district: str | None  # None: every district


@dataclass(frozen=True)
class Refused:
    problems: tuple[str, ...]


def plain(text: str, one_line: bool = False) -> str:
    """`text` as plain text: "\n" line ends, no control or format characters, no runs of blank lines."""
    text = text[:RAW_LIMIT].replace("\r\n", "\n").replace("\r", "\n")
    if one_line:
        text = text.replace("\n", " ")
    kept = "".join(c for c in text if c == "\n" or unicodedata.category(c)[0] != "C")
    lines = [_SPACES.sub(" ", line).strip() for line in kept.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def check(fields: Mapping[str, str], districts: Mapping[str, str]) -> Draft | Refused:
    """The draft in `fields` (kind, title, body, district) for the county's `districts` (id → name)."""
    problems: list[str] = []
    kind = fields.get("kind", "")
    if kind not in {k.value for k in NoticeKind}:
        problems.append("请选择通知类别。")
    title = plain(fields.get("title", ""), one_line=True)
    if not title:
        problems.append("请填写标题。")
    elif len(title) > MAX_TITLE:
        problems.append(f"标题最多 {MAX_TITLE} 个字，现在是 {len(title)} 个字。")
    body = plain(fields.get("body", ""))
    if not body:
        problems.append("请填写正文。")
    elif len(body) > MAX_BODY:
        problems.append(
            f"正文最多 {MAX_BODY} 个字，现在是 {len(body)} 个字：微信一条消息放不下更多，请精简，或分成两条通知发送。"
        )
    district = fields.get("district", "")
    if not district:
        problems.append("请选择发给哪个片区。")
    elif district != EVERY_DISTRICT and district not in districts:
        problems.append(f"没有这个片区：“{plain(district, one_line=True)[:20]}”。请从列表中选择。")
    if problems:
        return Refused(tuple(problems))
    return Draft(NoticeKind(kind), title, body, None if district == EVERY_DISTRICT else district)
