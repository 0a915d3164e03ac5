"""The AI self-reference patterns in other languages than English.

Only the unambiguous first-person forms: "as an AI language model" (``language_model_disclaimer``)
and "as an AI, I ..." / "I am (just) an AI / a program / a chatbot" (``ai_self_reference``), in
Chinese (simplified and traditional), Japanese, Korean, Spanish, Portuguese, French, Italian,
German, Russian, Ukrainian, Hindi and Persian. Talking about
AI ("la IA cambiará el trabajo", "我是一名程序员", "Ich bin KI-Forscherin") is not a match: the
noun must end the phrase, and words for people who work on AI are excluded.
"""

from __future__ import annotations

from functools import lru_cache

import ahocorasick_rs
import regex

# What an AI calls itself, per language (longest first).
_NOUN = {
    "zh": r"(?:人工智(?:能|慧)(?:语言|語言)模型|大型(?:语言|語言)模型|(?:语言|語言)模型"
    r"|人工智(?:能|慧)助(?:手|理)|人工智(?:能|慧)|聊天(?:机器|機器)人|AI助(?:手|理)|AI"
    r"|(?:计算机|电脑|電腦|計算機)(?:程序|程式)|程序|程式|(?:虚拟|虛擬)助(?:手|理))",
    "uk": r"(?:мовна\s+модель|штучний\s+інтелект|ШІ|комп'ютерна\s+програма|програма|чат-бот|бот)",
    "hi": r"(?:भाषा\s+मॉडल|कृत्रिम\s+बुद्धिमत्ता|एआई|AI|कंप्यूटर\s+प्रोग्राम|प्रोग्राम|चैटबॉट)",
    "fa": r"(?:مدل\s+زبانی|هوش\s+مصنوعی|برنامه\s+کامپیوتری|برنامه|چت\s*بات|ربات)",
    "ja": r"(?:AI言語モデル|言語モデル|人工知能|AIアシスタント|AI|チャットボット"
    r"|プログラム|ボット)",
    "ko": r"(?:AI\s?언어\s?모델|언어\s?모델|인공지능|AI|챗봇|프로그램)",
    "es": r"(?:modelo\s+de\s+lenguaje|inteligencia\s+artificial|IA|programa(?:\s+informático)?"
    r"|chatbot|bot|asistente\s+virtual)",
    "pt": r"(?:modelo\s+de\s+linguagem|inteligência\s+artificial|IA|programa(?:\s+de\s+computador)?"
    r"|chatbot|bot|assistente\s+virtual)",
    "fr": r"(?:modèle\s+de\s+langage|intelligence\s+artificielle|IA|programme(?:\s+informatique)?"
    r"|chatbot|bot|assistant\s+virtuel)",
    "it": r"(?:modello\s+(?:linguistico|di\s+linguaggio)|intelligenza\s+artificiale|IA"
    r"|programma(?:\s+informatico)?|chatbot|bot|assistente\s+virtuale)",
    "de": r"(?:(?:KI-)?Sprachmodell|künstliche\s+Intelligenz|KI|Computerprogramm|Programm"
    r"|Chatbot|Bot|virtueller\s+Assistent)",
    "ru": r"(?:языковая\s+модель|искусственный\s+интеллект|ИИ|компьютерная\s+программа|программа"
    r"|чат-бот|бот)",
}
# The same, for "as an X, I ...": only words that mean an AI ("as a program" is often a TV show).
_AI = {
    "es": r"(?:inteligencia\s+artificial|IA|chatbot|asistente\s+virtual)",
    "pt": r"(?:inteligência\s+artificial|IA|chatbot|assistente\s+virtual)",
    "fr": r"(?:intelligence\s+artificielle|IA|chatbot|assistant\s+virtuel)",
    "it": r"(?:intelligenza\s+artificiale|IA|chatbot|assistente\s+virtuale)",
    "de": r"(?:künstliche\s+Intelligenz|KI|Chatbot|virtueller\s+Assistent)",
    "ru": r"(?:искусственный\s+интеллект|ИИ|чат-бот)",
    "zh": r"(?:人工智(?:能|慧)助(?:手|理)|人工智(?:能|慧)|聊天(?:机器|機器)人|AI助(?:手|理)|AI"
    r"|(?:虚拟|虛擬)助(?:手|理))",
    "uk": r"(?:штучний\s+інтелект|ШІ|чат-бот)",
    "hi": r"(?:कृत्रिम\s+बुद्धिमत्ता|एआई|AI|चैटबॉट|भाषा\s+मॉडल)",
    "fa": r"(?:هوش\s+مصنوعی|مدل\s+زبانی|چت\s*بات)",
    "ko": r"(?:AI|인공지능|챗봇)",
}
# The noun phrase ends: punctuation, end of text, or a word that starts the next clause.
_END_LATIN = r"(?=\s*[^\w\s-]|\s*$|\s+(?:y|e|et|und|и|pero|mas|ma|mais|aber|но|que|qui|che|der|die|das|который|которая|так|so|also|entonces|então|donc|quindi|no|não|non|nicht|не)\b)"  # noqa: E501
# After a CJK noun: not a word for a person or organisation (程序员 is a programmer).
_END_ZH = r"(?![员員师師家者的公司研究領领域行业業技术術专專业工程设設])"
_END_JA = r"(?!(?:エンジニア|研究|開発者|会社|企業|技術|専門))"

# Per language: (disclaimers, identity patterns). "as an AI language model" is a disclaimer;
# "as an AI, I ..." and "I am (just) a program" are self-references.
_RULES: dict[str, tuple[list[str], list[str]]] = {
    "zh": (
        [
            r"(?:作为|作為)(?:一个|一個|一款|一種|一种)?(?:人工智能|人工智慧|AI)?\s*(?:大型)?"
            r"(?:语言|語言)模型"
        ],
        [
            rf"(?:作为|作為)(?:一个|一個|一款|一名|一種|一种)?{_AI['zh']}{_END_ZH}",
            rf"我(?:只|仅仅|僅僅|不过|不過)?(?:只)?是(?:一个|一個|一款|一名|一种|一種|个|個)?"
            rf"(?:由[^，。]{{0,12}}(?:开发|開發)的)?{_NOUN['zh']}{_END_ZH}",
        ],
    ),
    "ja": (
        [r"(?:AI)?言語モデルとして"],
        [
            rf"(?:私|僕|わたし|ぼく)は(?:ただの|単なる|ただ)?{_NOUN['ja']}{_END_JA}"
            rf"(?:です|だ|であり|でして|なので|だから|ですから|にすぎません|に過ぎません)",
            rf"{_NOUN['ja']}(?:である|の)?(?:私|僕)(?:は|には)",
        ],
    ),
    "ko": (
        [r"(?:AI\s?)?언어\s?모델로서"],
        [
            rf"(?:저는|나는)\s*(?:그냥|단지|단순한)?\s*{_NOUN['ko']}"
            rf"(?:일\s*뿐|입니다|이에요|예요|이라서|이기\s*때문에|라서)",
            rf"{_AI['ko']}(?:으로서|로서)",
        ],
    ),
    "es": (
        [r"\bcomo\s+(?:un\s+)?modelo\s+de\s+lenguaje\b"],
        [
            rf"(?:^|[.!?¡¿]\s*)como\s+(?:una?\s+)?{_AI['es']}\s*,",
            rf"\b(?:yo\s+)?soy\s+(?:solo|sólo|solamente|simplemente|apenas|únicamente)?\s*una?\s+"
            rf"{_NOUN['es']}{_END_LATIN}",
        ],
    ),
    "pt": (
        [r"\bcomo\s+(?:um\s+)?modelo\s+de\s+linguagem\b"],
        [
            rf"(?:^|[.!?]\s*)como\s+(?:uma?\s+)?{_AI['pt']}\s*,",
            rf"\b(?:eu\s+)?sou\s+(?:apenas|só|somente|simplesmente)?\s*uma?\s+{_NOUN['pt']}"
            rf"{_END_LATIN}",
        ],
    ),
    "fr": (
        [r"\ben\s+tant\s+que\s+modèle\s+de\s+langage\b"],
        [
            rf"\ben\s+tant\s+qu(?:e\s+|')(?:une?\s+)?{_AI['fr']}{_END_LATIN}",
            rf"\bje\s+(?:suis|ne\s+suis\s+qu')\s*(?:juste|seulement|simplement)?\s*(?:une?\s+)?"
            rf"{_NOUN['fr']}{_END_LATIN}",
        ],
    ),
    "it": (
        [r"\bcome\s+(?:un\s+)?modello\s+(?:linguistico|di\s+linguaggio)\b"],
        [
            rf"(?:^|[.!?]\s*)come\s+(?:un'|una?\s+)?{_AI['it']}\s*,",
            rf"\b(?:io\s+)?sono\s+(?:solo|soltanto|semplicemente|solamente)?\s*(?:un'|una?\s+)"
            rf"{_NOUN['it']}{_END_LATIN}",
        ],
    ),
    "de": (
        [r"\bals\s+(?:ein\s+)?(?:KI-)?Sprachmodell\b"],
        [
            rf"(?:^|[.!?]\s*)als\s+(?:eine?\s+)?{_AI['de']}(?=\s+(?:habe|kann|bin|verfüge|besitze"
            rf"|empfinde|fühle|weiß|darf|muss)\b|\s*,)",
            rf"\bich\s+bin\s+(?:nur|bloß|lediglich|einfach|eben)?\s*(?:eine?\s+)?{_NOUN['de']}"
            rf"{_END_LATIN}",
        ],
    ),
    "ru": (
        [r"\bкак\s+языковая\s+модель\b"],
        [
            rf"(?:^|[.!?]\s*)как\s+{_AI['ru']}\s*,\s*я\b",
            rf"\bя\s+(?:—\s+|-\s+)?(?:всего\s+лишь|просто|лишь|только)?\s*{_NOUN['ru']}"
            rf"{_END_LATIN}",
        ],
    ),
    "uk": (
        [r"\bяк\s+мовна\s+модель\b"],
        [
            rf"(?:^|[.!?]\s*)як\s+{_AI['uk']}\s*,\s*я\b",
            rf"\bя\s+(?:—\s+|-\s+)?(?:лише|просто|всього\s+лише|тільки)?\s*{_NOUN['uk']}"
            rf"{_END_LATIN}",
        ],
    ),
    "hi": (
        [r"भाषा\s+मॉडल\s+के\s+रूप\s+में"],
        [
            rf"(?:एक\s+)?{_AI['hi']}\s+(?:के\s+रूप\s+में|होने\s+के\s+नाते)",
            rf"मैं\s+(?:सिर्फ|केवल|बस)?\s*(?:एक\s+)?{_NOUN['hi']}\s+(?:हूँ|हूं)",
        ],
    ),
    "fa": (
        [r"به\s+عنوان\s+(?:یک\s+)?مدل\s+زبانی"],
        [
            rf"به\s+عنوان\s+(?:یک\s+)?{_AI['fa']}",
            rf"من\s+(?:فقط|تنها|صرفا|صرفاً)?\s*(?:یک\s+)?{_NOUN['fa']}\s+(?:هستم|ام)",
        ],
    ),
}

# Words one of which every pattern of a language needs (a text without any is skipped), and
# the languages each word sends the text to.
_GATE_WORDS: dict[str, tuple[str, ...]] = {
    "作为": ("zh",),
    "作為": ("zh",),
    "我": ("zh",),
    "私": ("ja",),
    "僕": ("ja",),
    "わたし": ("ja",),
    "ぼく": ("ja",),
    "として": ("ja",),
    "저는": ("ko",),
    "나는": ("ko",),
    "로서": ("ko",),
    "como": ("es", "pt"),
    "soy": ("es",),
    "sou": ("pt",),
    "en tant": ("fr",),
    "je": ("fr",),
    "come": ("it",),
    "sono": ("it",),
    "als": ("de",),
    "ich": ("de",),
    "как": ("ru",),
    "я": ("ru", "uk"),
    "як": ("uk",),
    "मैं": ("hi",),
    "रूप में": ("hi",),
    "नाते": ("hi",),
    "عنوان": ("fa",),
    "من": ("fa",),
}
_GATE = (
    r"作为|作為|我|私|僕|わたし|ぼく|として|저는|나는|로서|मैं|रूप\s+में|नाते|عنوان|من"
    r"|\b(?:como|soy|sou|en\s+tant|je|come|sono|als|ich|как|я|як)\b"
)

# A system prompt whose character is an AI or an assistant ("你是一个AI助手", "Eres un asistente").
_PERSONA = [
    r"你是(?:一个|一名|一位|一款)?[^，。\n]{0,12}?(?:人工智能|AI|机器人|助手|语言模型)",
    r"(?:あなたは|君は)[^、。\n]{0,12}?(?:AI|人工知能|ロボット|アシスタント|言語モデル)",
    r"당신은[^,.\n]{0,12}?(?:AI|인공지능|로봇|어시스턴트|비서|챗봇)",
    r"\beres\s+(?:una?\s+)?(?:[\w-]+\s+){0,3}?(?:IA|inteligencia\s+artificial|robot|asistente|chatbot)\b",
    r"\bvocê\s+é\s+(?:uma?\s+)?(?:[\w-]+\s+){0,3}?(?:IA|inteligência\s+artificial|robô|assistente"
    r"|chatbot)\b",
    r"\b(?:tu\s+es|vous\s+êtes)\s+(?:une?\s+)?(?:[\w-]+\s+){0,3}?(?:IA|intelligence\s+artificielle"
    r"|robot|assistant|chatbot)\b",
    r"\bsei\s+(?:un'|una?\s+)?(?:[\w-]+\s+){0,3}?(?:IA|intelligenza\s+artificiale|robot|assistente"
    r"|chatbot)\b",
    r"\b(?:du\s+bist|Sie\s+sind)\s+(?:eine?\s+)?(?:[\w-]+\s+){0,3}?(?:KI|künstliche\s+Intelligenz"
    r"|Roboter|Assistent(?:in)?|Chatbot)\b",
    r"\b(?:ты|вы)\s+(?:—\s+|-\s+)?(?:[\w-]+\s+){0,3}?(?:ИИ|искусственный\s+интеллект|робот"
    r"|ассистент|помощник|чат-бот)\b",
]


@lru_cache(maxsize=1)
def _compiled() -> tuple[
    regex.Pattern[str], dict[str, tuple[regex.Pattern[str], ...]], regex.Pattern[str]
]:
    """(gate, per-language (disclaimer, identity) patterns, persona pattern), built once."""
    flags = regex.IGNORECASE | regex.MULTILINE
    rules = {
        lang: (
            regex.compile("|".join(disclaimers), flags),
            regex.compile("|".join(f"(?:{p})" for p in identities), flags),
        )
        for lang, (disclaimers, identities) in _RULES.items()
    }
    return (
        regex.compile(_GATE, flags),
        rules,
        regex.compile("|".join(f"(?:{p})" for p in _PERSONA), flags),
    )


def _gate_key(word: str) -> str:
    """The ``_GATE_WORDS`` key of a gate match ("ICH", "en  tant", "ſoy" and "İch" match)."""
    return " ".join(word.lower().replace("i\u0307", "i").replace("\u017f", "s").split())


def persona_is_ai_i18n(system: str) -> bool:
    """True when a non-English system prompt makes the character an AI or an assistant."""
    return bool(_compiled()[2].search(system))


def find_self_reference_i18n(text: str, lower: str | None = None) -> tuple[str, str] | None:
    """The first (reason code, matched text) of a non-English AI self-reference, or None.

    One pass of the gate finds the words that say which languages' patterns to try; ``lower``
    (the lower-cased text, when the caller has it) first skips texts with none of them.
    """
    if not _may_have_gate_word(text, text.lower() if lower is None else lower):
        return None
    gate, rules, _ = _compiled()
    languages: dict[str, None] = {}
    for hit in gate.finditer(text):
        languages.update(dict.fromkeys(_GATE_WORDS[_gate_key(hit.group())]))
    if not languages:
        return None
    for kind, which in (("language_model_disclaimer", 0), ("ai_self_reference", 1)):
        for lang in languages:
            found = rules[lang][which].search(text)
            if found:
                return kind, found.group()
    return None


# The gate's words in the lower-cased text: a letter next to a word means no word boundary in
# the gate (letters are word characters). Ignoring case, only "ſ" and "İ" match one of these
# letters and lower-case to something else; a text with either always goes to the gate.
_GATE_WORDS_LOWER = (
    "como",
    "soy",
    "sou",
    "tant",
    "je",
    "come",
    "sono",
    "als",
    "ich",
    "как",
    "я",
    "як",
)
_GATE_LITERALS: tuple[str, ...] = (
    "作为", "作為", "我", "私", "僕", "わたし", "ぼく", "として", "저는", "나는", "로서",
    "मैं", "रूप", "नाते", "عنوان", "من",
)  # fmt: skip
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщъыьэюяё")


@lru_cache(maxsize=1)
def _gate_word_finder() -> ahocorasick_rs.AhoCorasick:
    """The gate's words and literals as plain strings, found in one pass."""
    return ahocorasick_rs.AhoCorasick(_GATE_WORDS_LOWER + _GATE_LITERALS)


def _may_have_gate_word(text: str, lower: str) -> bool:
    """False only when the gate cannot match ``text`` (a cheap, exact prefilter)."""
    if not text.isascii() and ("\u017f" in text or "\u0130" in text):
        return True
    words = len(_GATE_WORDS_LOWER)
    try:
        hits = _gate_word_finder().find_matches_as_indexes(lower, overlapping=True)
    except UnicodeEncodeError:  # a lone surrogate: the gate decides
        return True
    for index, start, end in hits:
        if index >= words:
            return True
        if (start == 0 or lower[start - 1] not in _LETTERS) and (
            end == len(lower) or lower[end] not in _LETTERS
        ):
            return True
    return False
