"""A realistic, reproducible mix of what residents type, generated from the knowledge base with a seed.

Every entry's title and example questions, then perturbed the way real messages are: characters dropped or
swapped, words replaced by synonyms residents use (synonyms.yaml, read backwards), homophone typos, Traditional
characters (OpenCC s2t), bare keywords, plus off-topic small talk and long life stories with a question inside.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from opencc import OpenCC

from knowledge.base import KnowledgeBase

# category → share of the mix
MIX = {
    "example": 0.14,
    "drop": 0.12,
    "swap": 0.12,
    "synonym": 0.12,
    "homophone": 0.08,
    "traditional": 0.12,
    "keyword": 0.06,
    "off_topic": 0.13,
    "long_story": 0.11,
}
HOMOPHONES = {
    "渡": "度",
    "偿": "常",
    "迁": "千",
    "置": "制",
    "费": "废",
    "征": "争",
    "评": "平",
    "估": "古",
    "签": "千",
    "款": "宽",
    "证": "正",
    "拆": "柴",
    "赔": "陪",
    "房": "防",
    "补": "不",
    "奖": "讲",
    "励": "利",
    "违": "为",
    "建": "见",
    "装": "庄",
    "修": "休",
    "搬": "班",
    "协": "斜",
    "议": "意",
    "诉": "素",
    "访": "放",
    "营": "赢",
}
OFF_TOPIC = [
    "明天会下雨吗",
    "今天星期几",
    "附近哪里有好吃的饺子",
    "你是机器人吗",
    "帮我查一下火车票",
    "孙子考大学报什么专业好",
    "血压高吃什么药",
    "广场舞音乐哪里下载",
    "我家猫不吃饭怎么办",
    "手机没信号了咋整",
    "给我讲个笑话",
    "今年养老金涨了多少",
    "医保卡丢了怎么补办",
    "天然气费怎么交",
    "公交车几点收班",
    "电视机没有声音了",
    "哪里可以学用智能手机",
    "社区什么时候打疫苗",
    "老年大学怎么报名",
    "彩票中奖号码是多少",
    "股票明天涨不涨",
    "你好",
    "在吗",
    "谢谢你",
    "哈哈哈",
    "？？？",
    "ok",
    "hello",
    "晚上吃什么",
    "推荐一部电视剧",
    "怎么做红烧肉",
    "腿疼是不是要变天了",
    "外卖怎么点",
    "微信怎么发语音",
    "银行几点开门",
    "身份证过期了去哪换",
    "孩子上学的学区怎么划",
    "退休工资怎么算",
    "农村合作医疗怎么交",
    "快递到了没有",
]
OFF_TOPIC_SUBJECTS = ["我孙子", "我闺女", "隔壁老王", "我们小区", "我老伴", "村里", "单位", "我儿媳妇"]
OFF_TOPIC_TAILS = [
    "想买个新手机",
    "要去外地打工",
    "最近身体不太好",
    "说要出去旅游",
    "天天跳广场舞",
    "在学开车",
    "养了一条狗",
    "想学做饭",
    "电脑坏了",
    "要办结婚证",
]
STORY = [
    "我今年七十三了，老伴前年走了，一个人住在老城区的平房里。",
    "我们家在这条街上住了四十多年，房子是我父亲那辈盖的。",
    "儿子在外地打工，一年回来一次，家里的事都是我自己拿主意。",
    "前几天工作组的人来敲门，说我们这片要搞棚户区改造。",
    "邻居们说法不一，有的说能多拿钱，有的说要吃亏。",
    "我腿脚不好，上下楼都费劲，也不会用手机查这些政策。",
    "院子里还有一间后来加盖的小厨房，当时也没办什么手续。",
    "房子前面开了个小卖部，靠这个补贴家用。",
    "我闺女说让我先问清楚再签字，别稀里糊涂就按手印。",
    "听说隔壁村去年拆的时候闹得挺大，我心里有点慌。",
    "家里还有个九十岁的老母亲，卧床好几年了。",
    "房本上写的是我老伴的名字，他已经不在了。",
    "我们这房子前几年刚装修过，花了不少钱。",
    "社区的同志人挺好，就是说得太快我没听明白。",
    "我文化不高，说得不清楚的地方请多包涵。",
]
STORY_ASK = ["想问问", "我就想知道", "麻烦问一下", "请帮我看看", "说白了就是", ""]


# elliptical follow-ups residents send after an answer (issue 10): asked in the context of the topic before
FOLLOW_UPS = [
    "那要是选产权调换呢",
    "要多久",
    "谁出钱",
    "不服咋办",
    "在哪签",
    "那俺咋投诉",
    "那得多少天内提",
    "要交钱吗",
    "多少天内",
    "那按几个月算",
    "电话多少",
    "要带什么",
    "超过了找谁",
    "钱不够咋办",
    "那要是晚签几天呢",
    "离原来的地方远不远",
    "那一次性给还是按月给",
    "打到哪张卡上",
    "要是真断了呢",
    "那搬家呢",
    "那院子里的棚子呢",
    "那俺家老人咋办",
    "这个谁说了算",
    "那要是没证呢",
    "还能改不",
    "会不会少给",
    "那俺该找谁",
    "啥时候给",
    "能多给点不",
    "那要是不同意呢",
]


@dataclass(frozen=True)
class Query:
    category: str
    text: str
    previous: str = ""  # follow-ups: the question answered before
    previous_topic: str = ""  # … and the topic that answered it


def load_synonym_variants(knowledge_dir: Path) -> dict[str, list[str]]:
    """canonical term → the variants residents use (synonyms.yaml)."""
    data = yaml.safe_load((knowledge_dir / "synonyms.yaml").read_text(encoding="utf-8")) or {}
    return {str(k): [str(v) for v in vs or ()] for k, vs in data.items()}


def generate(kb: KnowledgeBase, knowledge_dir: Path, n: int, seed: int = 20260915) -> list[Query]:
    """`n` queries, the categories shuffled together, the same for the same seed and knowledge base."""
    rng = random.Random(seed)
    examples = [q for e in kb.entries.values() for q in (e.title, *e.questions)]
    keywords = sorted({k for e in kb.entries.values() for k in e.keywords}) or examples
    synonyms = load_synonym_variants(knowledge_dir)
    s2t = OpenCC("s2t")
    counts = {c: round(share * n) for c, share in MIX.items()}
    counts["example"] += n - sum(counts.values())
    makers = {
        "example": lambda: rng.choice(examples),
        "drop": lambda: _drop(rng, rng.choice(examples)),
        "swap": lambda: _swap(rng, rng.choice(examples)),
        "synonym": lambda: _synonym(rng, rng.choice(examples), synonyms),
        "homophone": lambda: _homophone(rng, rng.choice(examples)),
        "traditional": lambda: s2t.convert(_maybe(rng, rng.choice(examples))),
        "keyword": lambda: rng.choice(keywords) + rng.choice(["", "", "？", "怎么说", "咋弄"]),
        "off_topic": lambda: _off_topic(rng),
        "long_story": lambda: _story(rng, examples),
    }
    queries = [Query(category, makers[category]()) for category, count in counts.items() for _ in range(count)]
    rng.shuffle(queries)
    return queries


def _maybe(rng: random.Random, text: str) -> str:
    """Sometimes a little noise on top: punctuation, a particle, a stray space."""
    r = rng.random()
    if r < 0.15:
        return text.rstrip("？?。") + rng.choice(["？？", "啊", "呢", "。。。", "!"])
    if r < 0.25:
        return text.replace("，", " ")
    return text


def _drop(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(1 if len(chars) < 8 else rng.randint(1, 2)):
        if len(chars) > 2:
            del chars[rng.randrange(len(chars))]
    return "".join(chars)


def _swap(rng: random.Random, text: str) -> str:
    chars = list(text)
    if len(chars) > 2:
        i = rng.randrange(len(chars) - 1)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def _synonym(rng: random.Random, text: str, synonyms: dict[str, list[str]]) -> str:
    present = [c for c in synonyms if c in text and synonyms[c]]
    if present:
        canonical = rng.choice(present)
        return text.replace(canonical, rng.choice(synonyms[canonical]), 1)
    variants = [(v, c) for c, vs in synonyms.items() for v in vs if v in text]
    if variants:
        variant, canonical = rng.choice(variants)
        return text.replace(variant, rng.choice([canonical, *synonyms[canonical]]), 1)
    return _maybe(rng, text)


def _homophone(rng: random.Random, text: str) -> str:
    positions = [i for i, ch in enumerate(text) if ch in HOMOPHONES]
    if not positions:
        return _drop(rng, text)
    i = rng.choice(positions)
    return text[:i] + HOMOPHONES[text[i]] + text[i + 1 :]


def _off_topic(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return _maybe(rng, rng.choice(OFF_TOPIC))
    who, what = rng.choice(OFF_TOPIC_SUBJECTS), rng.choice(OFF_TOPIC_TAILS)
    return who + what + rng.choice(["，你说咋办", "，怎么弄", "。", ""])


def _story(rng: random.Random, examples: list[str]) -> str:
    parts = rng.sample(STORY, rng.randint(3, 8))
    if rng.random() < 0.85:  # most stories end in (or hide) a question
        question = rng.choice(STORY_ASK) + rng.choice(examples)
        parts.insert(rng.randint(len(parts) // 2, len(parts)), question)
    return "".join(parts)


def generate_follow_ups(kb: KnowledgeBase, n: int, seed: int = 20260915) -> list[Query]:
    """`n` follow-ups, each after one of a topic's example questions (perturbed like the rest of the mix): a
    follow-up of the pool, or 那 + a keyword of a related topic + 呢, or a conditional on a keyword."""
    rng = random.Random(seed + 7)
    topics = [e for e in kb.entries.values() if not e.is_intent and e.questions]
    out = []
    for _ in range(n):
        entry = rng.choice(topics)
        previous = _maybe(rng, rng.choice((entry.title, *entry.questions)))
        r = rng.random()
        if r < 0.7:
            text = rng.choice(FOLLOW_UPS)
        else:
            other = kb.entries.get(rng.choice(entry.related)) if entry.related else None
            words = (other or entry).keywords or ((other or entry).title,)
            text = ("那" + rng.choice(words) + "呢") if r < 0.85 else ("要是" + rng.choice(words) + "咋办")
        out.append(Query("follow_up", _maybe(rng, text), previous, entry.id))
    return out


def categories(queries: list[Query]) -> Iterator[tuple[str, list[Query]]]:
    for category in (*MIX, "follow_up"):
        yield category, [q for q in queries if q.category == category]
