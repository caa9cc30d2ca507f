"""`python -m bot kb …` as a curator runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ANJU_LOG_LEVEL": "WARNING", **(env or {})},
    )


def test_kb_check_passes_on_the_shipped_knowledge() -> None:
    result = run("kb", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 47 topics, 6 intents" in result.stdout  # 6: 绑定我家 (intent:bind) joined the five


def test_kb_check_fails_without_its_topic_list(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    (knowledge / "eval" / "TOPICS.md").unlink()
    result = run("kb", "check", env={"ANJU_KNOWLEDGE_DIR": str(knowledge)})
    assert result.returncode == 1
    assert "topic list not found" in result.stdout and "OK" not in result.stdout


def test_kb_check_names_the_broken_entry(tmp_path: Path) -> None:
    broken = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", broken)
    entry = broken / "entries" / "comp.reward.md"
    entry.write_text(
        entry.read_text(encoding="utf-8")
        .replace("{{ p.county }}", "{{ p.no_such_key }}", 1)
        .replace("{{ p.plan", "{{ p.no_such_key", 1),
        encoding="utf-8",
    )
    result = run("kb", "check", env={"ANJU_KNOWLEDGE_DIR": str(broken)})
    assert result.returncode == 1
    assert "comp.reward.md" in result.stdout and "no_such_key" in result.stdout


def test_kb_check_reports_a_missing_topic(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    (knowledge / "entries" / "safety.site.md").unlink()
    for entry in (knowledge / "entries").glob("*.md"):  # drop links to it so only the missing id is reported
        entry.write_text(entry.read_text(encoding="utf-8").replace("safety.site", "petition.how"), encoding="utf-8")
    result = run("kb", "check", env={"ANJU_KNOWLEDGE_DIR": str(knowledge)})
    assert result.returncode == 1
    assert "missing: safety.site" in result.stdout


def test_kb_check_fails_on_a_cited_article_in_neither_list(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    entry = knowledge / "entries" / "comp.valuation.md"
    entry.write_text(
        entry.read_text(encoding="utf-8").replace(
            "《国有土地上房屋征收与补偿条例》第十九条", "《国有土地上房屋征收与补偿条例》第十九条、第九十九条", 1
        ),
        encoding="utf-8",
    )
    result = run("kb", "check", env={"ANJU_KNOWLEDGE_DIR": str(knowledge)})
    assert result.returncode == 1
    assert (
        "FAIL comp.valuation: cites 《国有土地上房屋征收与补偿条例》第九十九条, which is in neither the confirmed "
        "nor the not-confirmed articles of statutes/expropriation_regulation.yaml"
    ) in result.stdout


def test_kb_check_fails_when_a_cited_article_is_taken_out_of_its_act(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    act = knowledge / "statutes" / "administrative_litigation_law.yaml"
    text = act.read_text(encoding="utf-8")
    start, end = text.index("  第四十六条:"), text.index("  第七十八条:")
    act.write_text(text[:start] + text[end:], encoding="utf-8")
    result = run("kb", "check", env={"ANJU_KNOWLEDGE_DIR": str(knowledge)})
    assert result.returncode == 1
    assert (
        "FAIL proc.reconsideration: cites 《中华人民共和国行政诉讼法》第四十六条, which is in neither" in result.stdout
    )


def test_kb_check_names_a_broken_statute_file(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    act = knowledge / "statutes" / "civil_code.yaml"
    act.write_text(act.read_text(encoding="utf-8").replace("  第三百零一条:", "  第三百零一:", 1), encoding="utf-8")
    result = run("kb", "check", env={"ANJU_KNOWLEDGE_DIR": str(knowledge)})
    assert result.returncode == 1
    assert "FAIL civil_code.yaml" in result.stdout and "第三百零一" in result.stdout


def test_kb_match_writes_one_json_line_per_question() -> None:
    questions = "\n".join(
        json.dumps({"q": q}, ensure_ascii=False) for q in ("搬迁费怎么算", "明天会下雨吗", "我要投诉")
    )
    result = run("kb", "match", "--jsonl", "-", stdin=questions + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["q"] for r in rows] == ["搬迁费怎么算", "明天会下雨吗", "我要投诉"]
    assert rows[0]["label"] == "comp.relocation_fee" and rows[1]["label"] is None
    assert rows[2]["label"] == "intent:complaint"
    assert all(isinstance(r["score"], float) for r in rows)


def test_kb_match_rejects_a_malformed_line_with_its_number() -> None:
    result = run("kb", "match", "--jsonl", "-", stdin='{"q": "搬迁费"}\nnot json\n')
    assert result.returncode != 0
    assert "-:2" in result.stderr


def test_kb_eval_prints_the_metrics(tmp_path: Path) -> None:
    labelled = tmp_path / "set.jsonl"
    labelled.write_text(
        '{"q": "搬迁费怎么算", "expect": ["comp.relocation_fee"]}\n{"q": "讲个故事", "expect": [null]}\n',
        encoding="utf-8",
    )
    result = run("kb", "eval", str(labelled))
    assert result.returncode == 0, result.stderr
    assert "Hit@1            1.000" in result.stdout
    assert "abstain recall    1.000" in result.stdout


def test_kb_gaps_lists_unanswered_questions_most_frequent_first(tmp_path: Path) -> None:
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'gaps.db'}"}
    questions = "明天会下雨吗\n明天会下雨吗？\n今天股市怎么样\nq\n"
    chat = run("chat", stdin=questions, env=database)
    assert chat.returncode == 0, chat.stderr
    gaps = run("kb", "gaps", env=database)
    lines = gaps.stdout.splitlines()
    assert "明天会下雨吗" in lines[1] and lines[1].split()[0] == "2"
    assert "今天股市怎么样" in lines[2]


def test_kb_match_labels_the_last_turn_as_the_dialogue_would() -> None:
    rows_in = [
        {"turns": ["评估结果俺不认", "那得多少天内提"]},
        {"turns": ["那得多少天内提"]},
        {"turns": ["补偿款什么时候到账", "广场舞在哪跳"]},
        {"q": "搬迁费怎么算"},
    ]
    result = run("kb", "match", "--jsonl", "-", stdin="\n".join(json.dumps(r, ensure_ascii=False) for r in rows_in))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0] == {
        "turns": ["评估结果俺不认", "那得多少天内提"],
        "label": "comp.appraisal_dispute",
        "score": rows[0]["score"],
    }
    assert rows[1]["label"] != "comp.appraisal_dispute"  # the same words without their context
    assert rows[2]["label"] is None
    assert rows[3] == {"q": "搬迁费怎么算", "label": "comp.relocation_fee", "score": rows[3]["score"]}


def test_kb_eval_scores_conversations(tmp_path: Path) -> None:
    labelled = tmp_path / "followups.jsonl"
    labelled.write_text(
        '{"turns": ["评估结果俺不认", "那得多少天内提"], "expect": ["comp.appraisal_dispute"]}\n'
        '{"turns": ["过渡费怎么算", "那搬迁费呢"], "expect": ["comp.relocation_fee"]}\n'
        '{"turns": ["补偿款什么时候到账", "广场舞在哪跳"], "expect": [null]}\n',
        encoding="utf-8",
    )
    result = run("kb", "eval", str(labelled), "--misses")
    assert result.returncode == 0, result.stderr
    assert "Hit@1            1.000" in result.stdout and "abstain recall    1.000" in result.stdout


def test_kb_match_rejects_turns_that_are_not_strings() -> None:
    result = run("kb", "match", "--jsonl", "-", stdin='{"turns": ["搬迁费", 3]}\n')
    assert result.returncode != 0
    assert "-:1" in result.stderr
