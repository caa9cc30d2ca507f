"""What the shipped answers say is what the law says (issue 10): each legal correction is in the rendered answer and
the wrong statement is gone; the sample plan is consistent; every new topic answers its residents' questions; every
answer opens with one short sentence.

All checks read the entries as residents get them: rendered through the real KnowledgeBase with the shipped
params.yaml (the session fixture `kb`)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from knowledge.base import KnowledgeBase
from knowledge.entries import Entry
from knowledge.text import compact

# the longest first sentence a resident should have to read before getting the point (characters, rendered)
FIRST_SENTENCE_MAX = 50
SENTENCE_END = "。？！"


def answer(kb: KnowledgeBase, topic: str) -> str:
    entry = kb.topic(topic)
    assert entry is not None, f"{topic} is missing"
    return entry.answer


def sources(kb: KnowledgeBase, topic: str) -> str:
    entry = kb.topic(topic)
    assert entry is not None, f"{topic} is missing"
    return "；".join(entry.sources)


# (topic, statements that must be in the answer, statements that must be gone) — one row per finding of issue 10
CORRECTIONS = {
    "payment before moving": (
        "comp.payment_time",
        ["先补偿、后搬迁", "协议生效后 15 日内把补偿款打到您的账户", "到账后 30 日内再搬迁腾空", "条例第二十七条"],
        ["腾空交付后", "房屋腾空交付后 30 日内"],
    ),
    "lawful unregistered buildings compensated as lawful": (
        "comp.unregistered",
        ["和有证的房子一样按评估价补偿", "不因为没房本就打折", "县里的政策"],
        ["80%", "评估价的 80"],
    ),
    "heirs own from the opening of succession": (
        "comp.unregistered",
        ["继承开始时", "民法典第二百三十条", "所有权人不明确", "补偿决定（条例第二十六条）"],
        [],
    ),
    "illegal buildings removed under 行政强制法第四十四条": (
        "proc.forced_demolition",
        ["行政强制法第四十四条", "先公告，限期您自己拆除", "可以依法强制拆除", "只能由县政府申请人民法院强制执行"],
        ["谁都不能强行拆您的房子", "没有法院准予强制执行的裁定，谁都不能"],
    ),
    "no enforcement at night or on holidays": (
        "proc.forced_demolition",
        ["不得在夜间或者法定节假日实施强制执行", "行政强制法第四十三条"],
        [],
    ),
    "illegal buildings: the same rule where they are explained": (
        "comp.illegal_building",
        ["行政强制法第四十四条", "不能在夜间或者法定节假日拆"],
        [],
    ),
    "appraisal dispute: who pays": (
        "comp.appraisal_dispute",
        [
            "复核评估的费用，由原评估机构承担",
            "鉴定的费用由委托人（申请鉴定的人）承担",
            "鉴定改变了原评估结果的，鉴定费用由原评估机构承担",
            "评估办法第三十一条",
        ],
        [],
    ),
    "appraisal dispute: the expert committee's time limit": (
        "comp.appraisal_dispute",
        ["专家委员会自收到鉴定申请之日起 10 日内出具书面鉴定意见", "评估办法第二十五条"],
        [],
    ),
    "reconsideration and lawsuit periods and courts": (
        "proc.reconsideration",
        [
            "知道或者应当知道这个决定之日起 60 日内",
            "行政复议法第二十条",
            "向上一级人民政府申请（行政复议法第二十四条）",
            "收到复议决定书之日起 15 日内起诉",
            "行政诉讼法第四十五条",
            "中级人民法院管辖（行政诉讼法第十五条）",
            "6 个月内（行政诉讼法第四十六条）",
        ],
        ["一般自知道决定之日起 60日内，向上一级人民政府申请；"],
    ),
    "a signed agreement is a 行政协议": (
        "proc.agreement",
        ["行政协议", "行政诉讼法第十二条第一款第十一项"],
        [],
    ),
    "co-owners, heirs and an unclear owner at signing": (
        "proc.agreement",
        ["民法典第三百零一条", "全体共同共有人", "民法典第二百三十条", "所有权人不明确", "条例第二十六条"],
        [],
    ),
    "co-owners and heirs where residents ask who signs": (
        "proc.who_signs",
        ["三分之二以上的按份共有人", "全体共同共有人", "民法典第三百零一条", "民法典第二百三十条", "条例第二十六条"],
        [],
    ),
    "a late hand-over keeps the transition fee": (
        "comp.transition_fee",
        ["过了交付期限还没交房的", "2028年12月31日前", "最长约 28 个月"],
        ["过渡期约 30 个月", "30 个月"],
    ),
    "late hand-over: what the plan pays": (
        "comp.late_handover",
        ["不能停", "按原标准的 2 倍发放", "县里的政策", "由法院判断"],
        [],
    ),
    "valuation: 类似房地产 and 公告之日": (
        "comp.valuation",
        ["不得低于征收决定公告之日类似房地产的市场价格"],
        ["同类房地产"],
    ),
    "scope: 类似房地产 and 公告之日": (
        "comp.scope",
        ["不低于征收决定公告之日类似房地产的市场价格"],
        ["不低于市场价；"],
    ),
    "no promise to residents who hold out": (
        "comp.disclosure",
        ["按照征收补偿方案作出补偿决定"],
        ["不会多给", "拖着不签"],
    ),
    "swap price bands do not overlap": (
        "comp.swap_price_diff",
        [
            "超出原面积 10 平方米以内（含 10 平方米）的部分：每平方米 4800 元",
            "超出原面积超过 10 平方米的那部分：每平方米 5800 元",
        ],
        ["10 平方米以上", "每平方米 3000 元"],
    ),
}


@pytest.mark.parametrize(("topic", "present", "absent"), CORRECTIONS.values(), ids=CORRECTIONS.keys())
def test_each_legal_correction_is_in_the_answer_and_the_wrong_statement_gone(
    kb: KnowledgeBase, topic: str, present: list[str], absent: list[str]
) -> None:
    text = answer(kb, topic)
    assert [s for s in present if s not in text] == []
    assert [s for s in absent if s in text] == []


def test_the_sample_plan_pays_before_the_resident_must_move(kb: KnowledgeBase) -> None:
    text = answer(kb, "comp.payment_time")
    assert text.index("把补偿款打到您的账户") < text.index("再搬迁腾空")
    programme = kb.params["programme"]
    assert programme["payment_days"] > 0 and programme["move_out_days"] > 0  # move-out counts from the payment


def test_lawful_unregistered_buildings_are_estimated_at_their_full_value(kb: KnowledgeBase) -> None:
    assert kb.params["compensation"]["unregistered_recognition_rate"] == 1


def test_the_transition_period_fits_the_hand_over_date(kb: KnowledgeBase) -> None:
    """Whoever moves out on the first day of signing still gets the flat within the 过渡期 the plan states."""
    programme = kb.params["programme"]
    start: date = programme["signing_start"]
    handover: date = programme["resettlement_handover_date"]
    months = (handover.year - start.year) * 12 + handover.month - start.month + (handover.day > start.day)
    assert programme["transition_months"] == months  # 2026-09-01 … 2028-12-31: 27 months and 30 days → 28
    assert f"{handover.year}年{handover.month}月{handover.day}日" in programme["resettlement_handover"]
    assert f"最长约 {programme['transition_months']} 个月" in answer(kb, "proc.timeline")


def test_swap_price_bands_are_dearer_than_the_original_area_and_ascending(kb: KnowledgeBase) -> None:
    exchange = kb.params["compensation"]["exchange"]
    prices = [exchange["settlement_price"], *(band["price"] for band in exchange["extra_area_bands"])]
    assert prices == sorted(set(prices)), prices  # strictly ascending: every extra band dearer than the one before


def test_every_clause_of_the_sample_plan_is_cited_for_one_thing_only(kb: KnowledgeBase) -> None:
    clauses = kb.params["plan"]["clauses"]
    numbers = list(clauses.values())
    assert len(numbers) == len(set(numbers)), {n: [k for k, v in clauses.items() if v == n] for n in numbers}
    plan = kb.params["plan"]["name"]
    assert f"{plan}{clauses['area']}" in sources(kb, "proc.decision_notice")
    assert f"{plan}{clauses['scope']}" in sources(kb, "comp.scope")
    assert clauses["area"] != clauses["scope"]


@pytest.mark.parametrize(
    ("topic", "cited", "not_cited"),
    [
        ("help.contact", [], ["第十三条"]),
        (
            "petition.misconduct",
            ["《国有土地上房屋征收与补偿条例》第七条、第三十条", "《信访工作条例》第三十条"],
            ["第四十六条"],
        ),
        ("petition.deadlines", ["《信访工作条例》第二十三条、第三十四条"], ["关于受理告知和办理期限的规定"]),
        ("petition.review", ["《信访工作条例》第三十五条、第三十六条"], ["关于复查、复核的规定"]),
        ("petition.privacy", ["《信访工作条例》第十八条、第三十条、第四十六条"], []),
        (
            "proc.reconsideration",
            ["《中华人民共和国行政复议法》第二十条", "《中华人民共和国行政诉讼法》第十五条、第四十五条、第四十六条"],
            [],
        ),
        ("comp.appraisal_dispute", ["第二十五条、第三十一条"], []),
        ("proc.forced_demolition", ["《中华人民共和国行政强制法》第四十三条、第四十四条"], []),
    ],
)
def test_citations_name_the_article_they_rest_on(
    kb: KnowledgeBase, topic: str, cited: list[str], not_cited: list[str]
) -> None:
    text = sources(kb, topic)
    assert [c for c in cited if c not in text] == []
    assert [c for c in not_cited if c in text] == []


ARTICLES = r"第[一二三四五六七八九十百零千]+条(?:(?:、|至)第[一二三四五六七八九十百零千]+条)*"
SOURCE_FORMS = (
    re.compile(rf"^《[^》]+》(?:（[^）]+）)?{ARTICLES}$"),  # a law, regulation or notice and its articles
)


def test_every_source_is_a_law_with_articles_or_a_clause_of_the_county_plan(kb: KnowledgeBase) -> None:
    plan = kb.params["plan"]["name"]
    clauses = set(kb.params["plan"]["clauses"].values())
    loose = []
    for entry in kb.topics:
        for source in entry.sources:
            is_law = any(form.match(source) for form in SOURCE_FORMS) and not source.startswith(plan)
            is_clause = source.startswith(plan) and source.removeprefix(plan) in clauses
            is_county_notice = source == plan or source.endswith("公布的办公地址和电话")
            if not (is_law or is_clause or is_county_notice):
                loose.append(f"{entry.id}: {source}")
    assert loose == []


# questions of our own, in residents' words, that are no entry's example question: each new topic answers them
NEW_TOPICS = {
    "comp.per_person_or_area": ["征收是按家里几口人算还是按房子大小算", "户口多的人家能多换点面积不"],
    "comp.tenant": ["租人家房子住的，拆迁了俺有啥补偿", "直管公房的承租人征收后还能接着租吗"],
    "comp.late_handover": ["回迁房交付逾期了，过渡费是不是该加倍", "安置小区拖期一年多，超出的日子咋补"],
    "comp.mortgage": ["抵押在银行的房子征收了，贷款咋处理", "被法院查封的房子还能征收补偿吗"],
    "comp.tax": ["征收得的钱要不要交个人所得税", "拆迁分的安置房契税谁交"],
    "proc.housing_selection": ["安置房的选房顺序号按啥排", "选房时能自己挑楼层朝向吗"],
    "proc.who_signs": ["老人去世后房子的补偿协议由谁签", "房子是夫妻共有的，一方能单独签吗"],
    "proc.after_handover": ["回迁房收房后漏水归谁修", "安置房的不动产权证书啥时候办好"],
    "proc.change_after_signing": ["已经签的补偿协议能不能反悔重签", "征收部门不按签好的协议给钱能告吗"],
    "proc.collective_land": ["农村集体土地上的房屋征收补偿标准谁定", "宅基地上的老屋拆迁能重新分宅基地吗"],
    "proc.public_interest": ["政府征收老百姓房子得符合啥条件", "旧城区改建算公共利益吗"],
    "help.side_effects": ["房子拆了以后户口先放哪", "搬家前水电燃气要去销户吗"],
    "help.legal_aid": ["法律援助中心能帮俺打征收官司吗", "有没有免费帮忙写诉状的地方"],
}


@pytest.mark.parametrize(
    ("question", "topic"), [(q, t) for t, qs in NEW_TOPICS.items() for q in qs], ids=lambda v: str(v)
)
def test_each_new_topic_answers_questions_that_are_not_its_examples(
    kb: KnowledgeBase, question: str, topic: str
) -> None:
    examples = {compact(q) for e in kb.entries.values() for q in e.questions}
    assert compact(question) not in examples
    assert kb.match(question).label == topic


@pytest.mark.parametrize("topic", sorted(NEW_TOPICS))
def test_each_new_topic_has_sources_related_topics_and_the_county_values_it_quotes(
    kb: KnowledgeBase, topic: str
) -> None:
    entry: Entry | None = kb.topic(topic)
    assert entry is not None
    assert entry.sources and all(kb.topic(r) is not None for r in entry.related) and len(entry.related) >= 2
    assert len(entry.questions) >= 12
    assert "{{" not in entry.answer and "{%" not in entry.answer  # rendered with the shipped parameters


@pytest.mark.parametrize(
    "topic",
    [
        "comp.per_person_or_area", "comp.tenant", "comp.late_handover", "comp.mortgage", "comp.tax",
        "proc.who_signs", "proc.change_after_signing", "proc.collective_land", "proc.public_interest",
        "help.legal_aid",
    ],
)  # fmt: skip
def test_where_the_plan_or_a_court_decides_the_answer_offers_a_person(kb: KnowledgeBase, topic: str) -> None:
    entry = kb.topic(topic)
    assert entry is not None and entry.offer == "human"
    assert "转人工" in entry.answer


def test_every_answer_opens_with_one_short_sentence(kb: KnowledgeBase) -> None:
    """The first line is one sentence of at most FIRST_SENTENCE_MAX characters, standing alone, not a list item."""
    problems = []
    for entry in kb.topics:
        first, _, rest = entry.answer.partition("\n")
        inner = first[:-1]
        if (
            first.startswith(("•", "【", "1."))
            or len(first) > FIRST_SENTENCE_MAX
            or first[-1:] not in SENTENCE_END
            or any(mark in inner for mark in SENTENCE_END)
            or (rest and not rest.startswith("\n"))
        ):
            problems.append(f"{entry.id} ({len(first)}): {first}")
    assert problems == []
