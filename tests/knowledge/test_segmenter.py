"""The fused segmenter cuts exactly as jieba does, with the same dictionary: matching must not change by its speed."""

from __future__ import annotations

import json
from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.segmenter import Segmenter
from knowledge.text import normalise

ROOT = Path(__file__).resolve().parents[2]
SETS = [
    ROOT / "knowledge" / "eval" / "dev_questions.jsonl",
    ROOT / "knowledge" / "eval" / "dev_followups.jsonl",
    ROOT / "tests" / "data" / "heldout_questions.jsonl",
    ROOT / "tests" / "data" / "unseen_questions.jsonl",
]
# Latin letters and digits between words, characters outside jieba's Han range (㐀, 鿿), a lone character no word
# starts with, a word jieba's dictionary ends with, repeated characters
EDGE_CASES = [
    "俺家85平能补多少钱",
    "aj2026000123号的案子",
    "㐀㐁补偿鿿",
    "a1b2过渡费c",
    "嗯嗯嗯嗯嗯",
    "补",
    "",
    "房屋征收与补偿条例第二十七条",
    "安置房2号楼3单元",
]


def texts(kb: KnowledgeBase) -> list[str]:
    out = list(EDGE_CASES)
    for entry in kb.entries.values():
        out += [entry.title, entry.answer, *entry.questions, *entry.keywords]
    for path in SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out += row.get("turns") or [row["q"]]
    return out


def test_the_segmenter_cuts_as_jieba_does(kb: KnowledgeBase) -> None:
    tokenizer = kb.index._analyzer._jieba
    segmenter = Segmenter(tokenizer)
    chunks = [chunk for text in texts(kb) for chunk in normalise(text).split(" ")]
    assert len(chunks) > 5000
    differ = [c for c in chunks if segmenter.cut(c) != list(tokenizer.cut(c, HMM=False))]
    assert differ == []
