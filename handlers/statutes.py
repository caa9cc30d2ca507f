"""查看条文: the exact articles an answer rests on — the official text of each cited article with its act and number;
for an article whose text is not confirmed, where to read it; for county-plan clauses, what the plan is and where
to see it. Long texts come in pages that each fit one message on every channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.button_ids import button_id, parse_button
from bot.core.messages import Button, Outbound
from bot.core.port import Conversation, Turn, TurnContext
from handlers.menu import MENU, MENU_BUTTON
from knowledge.citations import Citation, Kind, article_label, parse_sources, plan_name
from knowledge.entries import Entry
from knowledge.statute_book import StatuteBook

BUTTON_KIND = "law"
LABEL = "查看条文"
# one page is one message everywhere: a WeChat passive reply holds 2048 bytes of UTF-8 (with its numbered buttons),
# a Telegram message 4096 characters; the page text stays under this many bytes before its buttons are added
PAGE_BYTES = 1400
FULL_WIDTH_SPACE = "\u3000"
NOT_CONFIRMED = "（原文我们还没有逐字核对，先不显示，以免说错。请查阅：{where}）"
NOT_COLLECTED = "（这一条的原文本助手还没有收录，请查阅官方公布的文本，例如国家法律法规数据库 flk.npc.gov.cn）"
NOT_COLLECTED_ACT = "这部法规的条文本助手还没有收录，请查阅官方公布的文本，例如国家法律法规数据库 flk.npc.gov.cn。"
NO_ARTICLE = "这条回答引用了这部法规，但没有注明是哪一条。全文请查阅：{where}"
CLOSING = "以上条文照录官方公布的文本。具体怎么用到您家的情况，以县里的决定和工作人员的书面答复为准。"
NO_SOURCES = "这条回答没有引用法律条文。"
EXPIRED = "这个按钮已经过期了，请重新选择。"


def button(topic_id: str) -> Button:
    """The 查看条文 button of an answer."""
    return Button(button_id(BUTTON_KIND, topic_id), LABEL)


def show(state: Conversation, arg: str, ctx: TurnContext) -> Turn:
    """One page of the articles the topic in `arg` (`<topic id>` or `<topic id>:<page>`) rests on."""
    topic_id, page_arg = parse_button(arg)
    entry = ctx.kb.topic(topic_id)
    page_no = int(page_arg) if page_arg.isdigit() else (1 if not page_arg else 0)
    items = passages(entry, ctx) if entry is not None else []
    pages = paginate(items) if entry is not None else []
    if entry is None or not 1 <= page_no <= len(pages):
        return Turn(state, (Outbound(EXPIRED, MENU),))
    heading = f"“{entry.title}”依据的条文"  # no emoji: a phone without an emoji font shows a box
    if len(pages) > 1:
        heading += f"（第{page_no}页，共{len(pages)}页）"
    body = pages[page_no - 1]
    if page_no == len(pages) and any(item.official for item in items):
        body += "\n\n" + CLOSING
    buttons: list[Button] = []
    if page_no < len(pages):
        buttons.append(Button(button_id(BUTTON_KIND, entry.id, page_no + 1), "下一页条文"))
    buttons += [Button(button_id("topic", entry.id), "回到这条回答"), MENU_BUTTON]
    return Turn(state, (Outbound(f"{heading}\n\n{body}", tuple(buttons)),))


@dataclass(frozen=True)
class Passage:
    """A block of the 查看条文 text: a heading (the act and its edition, or the plan) and its paragraphs; the
    first paragraph of an article starts with its number, a paragraph continued on the next page repeats it."""

    heading: str
    paragraphs: tuple[str, ...]
    label: str = ""  # 第十九条, when the passage is one article
    official: bool = False  # the paragraphs are an article's official text


def passages(entry: Entry, ctx: TurnContext) -> list[Passage]:
    """What the entry's sources cite, in their order: statute articles, then county-plan clauses, then the rest."""
    plan = plan_name(ctx.kb.params)
    citations = parse_sources(entry.sources, plan)
    statutes = [p for c in citations if c.kind is Kind.STATUTE for p in _statute(c, ctx.kb.statutes)]
    plan_clauses = [c.clause for c in citations if c.kind is Kind.PLAN]
    others = [c.source for c in citations if c.kind is Kind.OTHER]
    result = _unique(statutes)
    if plan_clauses:
        result.append(_plan(plan, plan_clauses, ctx.kb.params))
    if others:
        result.append(Passage("其他依据", tuple(f"{s}（不是法律条文）" for s in dict.fromkeys(others))))
    return result


def paginate(items: list[Passage], limit: int = PAGE_BYTES) -> list[str]:
    """The passages as page texts of at most `limit` UTF-8 bytes (a single paragraph longer than that gets a page of
    its own); a heading is repeated at the top of a page that continues it, an article's number too."""
    if not items:
        return [NO_SOURCES]
    pages: list[list[str]] = []
    size = 0
    heading: str | None = None
    for item in items:
        for i, paragraph in enumerate(item.paragraphs):
            line = paragraph
            heading_cost = _bytes(item.heading) + 2 if item.heading != heading else 0
            if not pages or (size and size + heading_cost + _bytes(line) + 1 > limit):
                pages.append([])
                size, heading = 0, None
                heading_cost = _bytes(item.heading) + 2
                if i > 0 and item.label:
                    line = f"{item.label}（续）{FULL_WIDTH_SPACE}{paragraph}"
            if item.heading != heading:
                pages[-1].append(("\n" if pages[-1] else "") + item.heading)
                heading = item.heading
                size += heading_cost
            pages[-1].append(line)
            size += _bytes(line) + 1
    return ["\n".join(lines) for lines in pages]


def _statute(citation: Citation, book: StatuteBook) -> list[Passage]:
    act = book.act(citation.act)
    if act is None:
        heading = f"《{citation.act}》"
        return [
            Passage(heading, (f"{article_label(n)}{FULL_WIDTH_SPACE}{NOT_COLLECTED}",), article_label(n))
            for n in citation.articles
        ] or [Passage(heading, (NOT_COLLECTED_ACT,))]
    heading = f"《{act.title}》（{act.edition}）"
    if not citation.articles:
        return [Passage(heading, (NO_ARTICLE.format(where=act.read_at),))]
    result: list[Passage] = []
    pending: list[str] = []  # consecutive articles not confirmed: one note for the run

    def flush() -> None:
        if pending:
            note = NOT_CONFIRMED.format(where=act.read_at)
            result.append(Passage(heading, (f"{'、'.join(pending)}{FULL_WIDTH_SPACE}{note}",), "、".join(pending)))
            pending.clear()

    for number in citation.articles:
        article = act.article(number)
        label = article_label(number)
        if article is not None and article.text is None and article.read_at == act.read_at:
            pending.append(label)
            continue
        flush()
        if article is None:
            paragraphs: tuple[str, ...] = (f"{label}{FULL_WIDTH_SPACE}{NOT_COLLECTED}",)
        elif article.text is None:
            paragraphs = (f"{label}{FULL_WIDTH_SPACE}{NOT_CONFIRMED.format(where=article.read_at)}",)
        else:
            first, *rest = article.text.split("\n")
            paragraphs = (f"{label}{FULL_WIDTH_SPACE}{first}", *rest)
        result.append(Passage(heading, paragraphs, label, official=article is not None and article.confirmed))
    flush()
    return result


def _plan(name: str, clauses: list[str], params: dict[str, Any]) -> Passage:
    cited = "、".join(c for c in dict.fromkeys(clauses) if c)
    contacts = params.get("contacts") or {}
    where = contacts.get("headquarters", "县房屋征收部门")
    if contacts.get("headquarters_address"):
        where += f"（{contacts['headquarters_address']}"
        where += f"，电话 {contacts['headquarters_phone']}）" if contacts.get("headquarters_phone") else "）"
    text = (
        f"{name}{cited}：这是县里的房屋征收补偿方案，是县政府的规定，不是国家法律法规。"
        f"回答里引用的县里标准出自这里。方案全文以县里公布的为准，可到{where}查阅。"
    )
    return Passage("县里的征收补偿方案", (text,))


def _unique(items: list[Passage]) -> list[Passage]:
    """Each article once, where it is first cited."""
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    result = []
    for item in items:
        key = (item.heading, item.label, item.paragraphs)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


def _bytes(text: str) -> int:
    return len(text.encode())
