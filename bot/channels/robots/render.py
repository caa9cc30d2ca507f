"""A robot message: one notice as it is, or a burst folded into one digest message — each notice's first line and
its link — cut to the platforms' size limit (WeCom markdown: 4096 bytes; the same bound is used for DingTalk)."""

from __future__ import annotations

from bot.core.messages import Outbound

MAX_BYTES = 4000  # below WeCom's 4096-byte markdown limit, with room for the closing line
TITLE = "安居助手"


def render(messages: list[Outbound], base_url: str) -> tuple[str, str]:
    """(title, markdown) for `messages` (one or several, in order)."""
    if len(messages) == 1:
        message = messages[0]
        first = message.text.splitlines()[0] if message.text else TITLE
        body = _escape(message.text).replace("\n", "\n\n") + _links(message, base_url)
        return first[:60], _cut(body, [])
    head = f"**{TITLE}：{len(messages)} 条通知（合并发送）**"
    entries = [
        f"{i}. {_escape(m.text.splitlines()[0] if m.text else '')}{_links(m, base_url, inline=True)}"
        for i, m in enumerate(messages, 1)
    ]
    return f"{TITLE}：{len(messages)} 条通知", _cut(head, entries)


def _links(message: Outbound, base_url: str, inline: bool = False) -> str:
    if not base_url or not message.links:
        return ""
    parts = [f"[{link.label}]({base_url.rstrip('/')}{link.href})" for link in message.links]
    return (" " if inline else "\n\n") + " ".join(parts)


def _cut(head: str, entries: list[str]) -> str:
    """`head` and as many entries as fit; the rest counted in a last line."""
    lines = [head]
    size = len(head.encode())
    for n, entry in enumerate(entries):
        rest = len(entries) - n
        closing = f"\n\n……另有 {rest} 条，请在工作台查看。"
        if size + len(entry.encode()) + 2 + len(closing.encode()) > MAX_BYTES:
            lines.append(closing.strip())
            break
        lines.append(entry)
        size += len(entry.encode()) + 2
    text = "\n\n".join(lines)  # a blank line between entries: both platforms' markdown then break the lines
    if len(text.encode()) > MAX_BYTES:  # a single notice longer than the limit
        text = text.encode()[: MAX_BYTES - 12].decode(errors="ignore") + "……"
    return text


def _escape(text: str) -> str:
    """Markdown that our own texts never mean: characters that would start a link or emphasis are shown as is."""
    return text.replace("[", "［").replace("]", "］").replace("*", "＊")
