"""`kb check`: the curated content is complete and consistent."""

from __future__ import annotations

import re
from pathlib import Path

from knowledge.citations import Kind, parse_sources
from knowledge.entries import Entry
from knowledge.params import KnowledgeError
from knowledge.statute_book import STATUTES_DIR, StatuteBook
from knowledge.text import compact

TOPIC_ROW = re.compile(r"^\|\s*((?:comp|proc|help|petition|safety)\.[a-z_]+|intent:[a-z_]+)\s*\|", re.MULTILINE)
MIN_QUESTIONS = 6


def required_ids(topics_md: Path) -> list[str]:
    """Every topic id and intent label listed in TOPICS.md."""
    return TOPIC_ROW.findall(topics_md.read_text(encoding="utf-8"))


def check(entries: dict[str, Entry], required: list[str]) -> list[str]:
    """Problems found, one line each (empty when all is well). Loading already rendered every template."""
    problems: list[str] = []
    for label in required:
        if label not in entries:
            problems.append(f"missing: {label} (listed in TOPICS.md)")
    seen: dict[str, str] = {}
    for entry in entries.values():
        if not entry.is_intent:
            if not entry.sources:
                problems.append(f"{entry.id}: no sources")
            if len(entry.questions) < MIN_QUESTIONS:
                problems.append(f"{entry.id}: {len(entry.questions)} example questions, at least {MIN_QUESTIONS}")
            if not entry.answer:
                problems.append(f"{entry.id}: empty answer")
            for related in entry.related:
                if related not in entries:
                    problems.append(f"{entry.id}: related id {related} does not exist")
        for q in entry.questions:
            key = compact(q)
            if key in seen and seen[key] != entry.id:
                problems.append(f"example question in two entries ({seen[key]}, {entry.id}): {q}")
            seen.setdefault(key, entry.id)
    return problems


_CITES_AN_ARTICLE = re.compile(r"第[零〇一二三四五六七八九十百千两0-9]+条")


def check_citations(entries: dict[str, Entry], statutes: StatuteBook, plan_name: str) -> list[str]:
    """Every article an answer cites is in knowledge/statutes/, with its text or marked as not confirmed."""
    problems: list[str] = []
    for entry in entries.values():
        for citation in parse_sources(entry.sources, plan_name):
            if citation.kind is Kind.OTHER and _CITES_AN_ARTICLE.search(citation.source):
                problems.append(
                    f"{entry.id}: source cites an article without the act's name in 《》: {citation.source}"
                )
            if citation.kind is not Kind.STATUTE:
                continue
            act = statutes.act(citation.act)
            if act is None:
                problems.append(f"{entry.id}: cites 《{citation.act}》, which has no file in {STATUTES_DIR}/")
                continue
            if not citation.articles:
                problems.append(f"{entry.id}: cites 《{citation.act}》 without an article number: {citation.source}")
            for number, label in zip(citation.articles, citation.labels, strict=True):
                if act.article(number) is None:
                    problems.append(
                        f"{entry.id}: cites 《{act.title}》{label}, which is in neither the confirmed nor "
                        f"the not-confirmed articles of {STATUTES_DIR}/{Path(act.path).name}"
                    )
    return problems


__all__ = ["KnowledgeError", "check", "check_citations", "required_ids"]
