"""Tag sensitive topics in metadata (never drop): religion and cults, sexuality, crime and violence,
self-harm, politics, real companies and people.

The seed's notes flag exactly these while reading each character's file ("邪教（宗教）问题",
"性取向话题", "回避犯罪有关的问题", "逃离了苹果的实验室"). Lexicons cover the languages the
other rules cover: English, Chinese, Japanese, Korean, Spanish, Portuguese, French, Italian,
German, Russian, Ukrainian, Hindi and Persian. A lexicon finds mentions, not stances: tags are
for review and for balancing a mix, which is why the step only marks. For precision, run
``llm_judge`` with the ``topic`` question on the tagged records (see docs/steps.md).
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

import regex

from selfreflect.conversation import Conversation
from selfreflect.filters.persona import DEFAULT_COMPANIES
from selfreflect.steps import Rewriter

# Latin, Cyrillic, Devanagari and Persian words match as word prefixes ("religio" finds
# "religious", "religión"); CJK entries match anywhere.
_WORDS: dict[str, tuple[str, ...]] = {
    "religion": (
        # en
        r"religio\w*",
        r"cults?\b",
        r"cultists?",
        r"church\w*",
        r"god\b",
        r"gods\b",
        r"jesus",
        r"christ(?:ian|ianity)?\w*",
        r"bible\w*",
        r"allah",
        r"islam\w*",
        r"muslims?",
        r"quran",
        r"koran",
        r"buddh\w*",
        r"hindu\w*",
        r"jew(?:s|ish)\b",
        r"judaism",
        r"mosque\w*",
        r"synagogue\w*",
        r"temple\w*",
        r"pray(?:s|ed|er|ers|ing)?\b",
        r"faith\w*",
        r"sect\b",
        r"sects\b",
        r"spiritual\w*",
        r"atheis\w*",
        r"satan\w*",
        r"heaven\w*",
        r"scripture\w*",
        # es pt fr it de
        r"iglesia\w*",
        r"secta\w*",
        r"dios\b",
        r"igreja\w*",
        r"deus\b",
        r"seita\w*",
        r"église\w*",
        r"secte\w*",
        r"dieu\b",
        r"chiesa\w*",
        r"setta\w*",
        r"kirche\w*",
        r"sekte\w*",
        r"gott\b",
        r"glaube\w*",
        # ru uk
        r"религи\w*",
        r"церк\w*",
        r"секта\w*",
        r"секты",
        r"бог\w*",
        r"релігі\w*",
        r"церкв\w*",
        # hi fa
        r"धर्म\w*",
        r"भगवान",
        r"ईश्वर",
        r"मंदिर",
        r"دین\w*",
        r"مذهب\w*",
        r"خدا\w*",
        r"فرقه\w*",
    ),
    "sexuality": (
        r"sex\b",
        r"sexual\w*",
        r"sexually",
        r"lesbians?",
        r"gays?\b",
        r"bisexual\w*",
        r"homosexual\w*",
        r"heterosexual\w*",
        r"transgender\w*",
        r"lgbt\w*",
        r"queer\w*",
        r"intercourse",
        r"orgasm\w*",
        r"erotic\w*",
        r"porn\w*",
        r"intima(?:cy|te)\b",
        r"sexo\b",
        r"sexual(?:idad|idade)\b",
        r"sexualité",
        r"sessual\w*",
        r"sexualität",
        r"секс\w*",
        r"сексуальн\w*",
        r"ориентаци\w*",
        r"यौन\w*",
        r"सेक्स",
        r"جنسی\w*",
        r"سکس\w*",
    ),
    "crime_violence": (
        r"crimes?\b",
        r"criminal\w*",
        r"murder\w*",
        r"kill(?:s|ed|er|ers|ing)?\b",
        r"violen\w*",
        r"assault\w*",
        r"robb\w*",
        r"steal\w*",
        r"stole\b",
        r"theft\w*",
        r"prison\w*",
        r"jail\w*",
        r"convict\w*",
        r"weapons?\b",
        r"guns?\b",
        r"shoot\w*",
        r"terroris\w*",
        r"abus(?:e|ed|er|ive)\b",
        r"rape\w*",
        r"kidnap\w*",
        r"drug\s+deal\w*",
        r"fraud\w*",
        r"sentence\s+for",
        r"crimen\w*",
        r"delito\w*",
        r"asesin\w*",
        r"cárcel",
        r"violencia",
        r"crime\b",
        r"prisão",
        r"violência",
        r"meurtre\w*",
        r"prison\b",
        r"violence",
        r"crimine\w*",
        r"omicidi\w*",
        r"violenza",
        r"verbrechen\w*",
        r"mord\w*",
        r"gewalt\w*",
        r"gefängnis\w*",
        r"преступ\w*",
        r"убий\w*",
        r"насили\w*",
        r"тюрьм\w*",
        r"злочин\w*",
        r"вбив\w*",
        r"अपराध\w*",
        r"हत्या",
        r"हिंसा",
        r"جرم\w*",
        r"جنایت\w*",
        r"قتل\w*",
        r"خشونت\w*",
        r"زندان\w*",
    ),
    "self_harm": (
        r"suicid\w*",
        r"kill\s+(?:my|your|him|her|them)sel(?:f|ves)\b",
        r"self[- ]harm\w*",
        r"cutting\s+myself",
        r"end\s+my\s+life",
        r"overdos\w*",
        r"want\s+to\s+die\b",
        r"suicidio\w*",
        r"suicídio\w*",
        r"suicide\b",
        r"selbstmord\w*",
        r"suizid\w*",
        r"selbstverletz\w*",
        r"самоубий\w*",
        r"суицид\w*",
        r"самогубств\w*",
        r"आत्महत्या",
        r"خودکشی\w*",
        r"autolesi\w*",
        r"automutila\w*",
        r"scarificat\w*",
    ),
    "politics": (
        r"politic\w*",
        r"election\w*",
        r"elect(?:ed|ion)\b",
        r"vot(?:e|es|ed|ing)\b",
        r"government\w*",
        r"president\w*",
        r"democra\w*",
        r"republican\w*",
        r"communis\w*",
        r"socialis\w*",
        r"fascis\w*",
        r"dictator\w*",
        r"parliament\w*",
        r"congress\b",
        r"senat(?:e|or|ors)\b",
        r"prime\s+minister",
        r"left[- ]wing",
        r"right[- ]wing",
        r"polític\w*",
        r"elecci\w*",
        r"gobierno\w*",
        r"eleiç\w*",
        r"governo\b",
        r"politique\w*",
        r"élection\w*",
        r"gouvernement\w*",
        r"elezion\w*",
        r"politik\w*",
        r"wahl(?:en)?\b",
        r"regierung\w*",
        r"политик\w*",
        r"выбор(?:ы|ах)\b",
        r"правительств\w*",
        r"політик\w*",
        r"вибор\w*",
        r"राजनीति\w*",
        r"चुनाव\w*",
        r"सरकार",
        r"سیاس\w*",
        r"انتخابات",
        r"دولت\w*",
    ),
}
_CJK: dict[str, tuple[str, ...]] = {
    "religion": (
        "宗教",
        "邪教",
        "教会",
        "教會",
        "上帝",
        "基督",
        "佛教",
        "伊斯兰",
        "伊斯蘭",
        "神明",
        "祈祷",
        "祈禱",
        "信仰",
        "圣经",
        "聖經",
        "カルト",
        "宗教団体",
        "神様",
        "教団",
        "종교",
        "사이비",
        "교회",
        "하느님",
        "하나님",
    ),
    "sexuality": (
        "性取向",
        "同性恋",
        "同性戀",
        "双性恋",
        "性行为",
        "性行為",
        "性爱",
        "性愛",
        "做爱",
        "色情",
        "女同",
        "跨性别",
        "セックス",
        "同性愛",
        "性的指向",
        "性行為",
        "성적",
        "동성애",
        "성관계",
        "섹스",
    ),
    "crime_violence": (
        "犯罪",
        "谋杀",
        "謀殺",
        "杀人",
        "殺人",
        "暴力",
        "监狱",
        "監獄",
        "抢劫",
        "搶劫",
        "偷窃",
        "偷竊",
        "坐牢",
        "武器",
        "枪支",
        "槍支",
        "刑務所",
        "強盗",
        "범죄",
        "살인",
        "폭력",
        "감옥",
    ),
    "self_harm": ("自杀", "自殺", "自残", "自殘", "轻生", "輕生", "自傷", "자살", "자해"),
    "politics": (
        "政治",
        "选举",
        "選舉",
        "政府",
        "总统",
        "總統",
        "共产党",
        "共產黨",
        "民主",
        "独裁",
        "獨裁",
        "選挙",
        "首相",
        "정치",
        "선거",
        "대통령",
        "정부",
    ),
}
#: Real people personas and users name (a seed file is "You are Elon Musk").
DEFAULT_PEOPLE: tuple[str, ...] = (
    "Elon Musk",
    "Musk",
    "Billie Eilish",
    "Donald Trump",
    "Trump",
    "Joe Biden",
    "Biden",
    "Barack Obama",
    "Obama",
    "Vladimir Putin",
    "Putin",
    "Xi Jinping",
    "习近平",
    "Taylor Swift",
    "Bill Gates",
    "Mark Zuckerberg",
    "Zuckerberg",
    "Jeff Bezos",
    "Steve Jobs",
    "Sam Altman",
    "Kim Jong Un",
    "Narendra Modi",
    "Modi",
    "Volodymyr Zelensky",
    "Zelensky",
    "Kanye West",
    "Beyoncé",
    "Oprah",
    "Cristiano Ronaldo",
    "Lionel Messi",
    "Michael Jackson",
    "Einstein",
    "马斯克",
    "特朗普",
    "拜登",
    "普京",
)
TOPICS: tuple[str, ...] = (*_WORDS, "real_entity")


@lru_cache(maxsize=8)
def _patterns(
    companies: tuple[str, ...], people: tuple[str, ...]
) -> tuple[regex.Pattern[str], regex.Pattern[str]]:
    """One case-insensitive pattern with a named group per topic (one pass over a text), and
    the case-sensitive names pattern ("Apple" the company, not "apple" the fruit)."""
    # one word-start check for all words, then the alternatives; CJK entries match anywhere
    words = "|".join(f"(?P<{topic}>{'|'.join(alts)})" for topic, alts in _WORDS.items())
    cjk = "|".join(
        f"(?P<{topic}_cjk>{'|'.join(regex.escape(w) for w in alts)})"
        for topic, alts in _CJK.items()
    )
    names = sorted({*companies, *people}, key=len, reverse=True)
    return (
        regex.compile(rf"(?<!\w)(?:{words})|{cjk}", regex.IGNORECASE),
        regex.compile(rf"(?<![\w.])(?:{'|'.join(regex.escape(n) for n in names)})(?!\w)"),
    )


def find_topics(
    text: str,
    companies: tuple[str, ...] = DEFAULT_COMPANIES,
    people: tuple[str, ...] = DEFAULT_PEOPLE,
) -> dict[str, list[str]]:
    """Topics mentioned in ``text``: topic -> the words found (sorted, distinct)."""
    words, names = _patterns(tuple(companies), tuple(people))
    found: dict[str, set[str]] = {}
    for m in words.finditer(text):
        found.setdefault((m.lastgroup or "").removesuffix("_cjk"), set()).add(m.group())
    if entities := {m.group() for m in names.finditer(text)}:
        found["real_entity"] = entities
    return {topic: sorted(found[topic]) for topic in TOPICS if topic in found}


class TagTopics(Rewriter):
    """Tag religion, sexuality, crime, self-harm, politics and real names in metadata; never drops.

    Adds ``metadata[key]`` = sorted topic names and ``metadata[key + "_evidence"]`` = the
    words found per topic. ``roles`` are the messages read (the system prompt is left out: a
    persona named "Elon Musk" is not a mention in every record).

    Args:
        key: the metadata field that gets the topics; the words found go to the field named after
            it with "_evidence" added.
        roles: the roles whose messages are read.
        companies: company names tagged as real_entity, matched as whole words with their capitals;
            the default is the list mark_persona_claims uses.
        people: names of real people tagged as real_entity, matched as whole words with their
            capitals.
    """

    reasons: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        key: str = "topics",
        roles: tuple[str, ...] = ("user", "assistant"),
        companies: tuple[str, ...] = DEFAULT_COMPANIES,
        people: tuple[str, ...] = DEFAULT_PEOPLE,
    ):
        self.key = key
        self.roles = roles
        self.companies = companies
        self.people = people

    def rewrite(self, conv: Conversation) -> Conversation:
        evidence: dict[str, set[str]] = {}
        for message in conv.messages:
            if message.role in self.roles:
                for topic, words in find_topics(
                    message.text, tuple(self.companies), tuple(self.people)
                ).items():
                    evidence.setdefault(topic, set()).update(words)
        if not evidence:
            return conv
        metadata = {
            **conv.metadata,
            self.key: sorted(evidence),
            f"{self.key}_evidence": {k: sorted(v) for k, v in sorted(evidence.items())},
        }
        return conv.model_copy(update={"metadata": metadata})
