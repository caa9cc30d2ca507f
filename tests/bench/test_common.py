"""The benchmark helpers that must not go wrong: other people's sections of docs/benchmarks.md stay as they are,
and the generated question mix is the same for the same seed."""

from __future__ import annotations

from pathlib import Path

from bench import common
from bench.queries import MIX, generate
from bot.settings import DEFAULT_KNOWLEDGE_DIR
from knowledge.base import KnowledgeBase


def test_update_section_replaces_only_its_own_section(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nintro\n\n## Someone else's\n\nkeep me\n", encoding="utf-8")
    common.update_section("mine", "Mine", "first", doc)
    common.update_section("other", "Other", "x", doc)
    common.update_section("mine", "Mine", "second", doc)
    text = doc.read_text(encoding="utf-8")
    assert "keep me" in text and "intro" in text and "## Other" in text
    assert "second" in text and "first" not in text
    assert text.count("<!-- bench:mine -->") == 1
    assert text.index("## Someone else's") < text.index("## Mine") < text.index("## Other")


def test_update_section_creates_the_file(tmp_path: Path) -> None:
    doc = tmp_path / "docs" / "benchmarks.md"
    common.update_section("mine", "Mine", "figures", doc)
    assert doc.read_text(encoding="utf-8").startswith("# Benchmarks")


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert common.percentile(values, 50) == 50.0
    assert common.percentile(values, 99) == 99.0
    assert common.percentile(values, 100) == 100.0
    assert common.percentile([7.0], 99) == 7.0


def test_query_mix_is_reproducible_and_covers_every_category(kb: KnowledgeBase) -> None:
    first = generate(kb, DEFAULT_KNOWLEDGE_DIR, 2000, seed=1)
    assert first == generate(kb, DEFAULT_KNOWLEDGE_DIR, 2000, seed=1)
    assert first != generate(kb, DEFAULT_KNOWLEDGE_DIR, 2000, seed=2)
    assert len(first) == 2000
    assert {q.category for q in first} == set(MIX)
    assert all(q.text for q in first)
