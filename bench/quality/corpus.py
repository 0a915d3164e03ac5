"""Load the two dialog corpora the eval set is built from, as plain lists of turn texts.

- ``chitchat-dataset`` (MIT, BYU PCC lab): 7,168 English human-human chats, shipped in the wheel.
- ``chatterbot-corpus`` (BSD-3-Clause, Gunther Cox and contributors): user-contributed Q/A and
  short dialogs in 28 languages (YAML files shipped in the wheel).

Both work offline once installed (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

#: chatterbot folder -> BCP-47 tag and script family used in the labels.
CHATTERBOT_LANGS: dict[str, tuple[str, str]] = {
    "bengali": ("bn", "non_latin"),
    "chinese": ("zh", "non_latin"),
    "dutch": ("nl", "latin"),
    "english": ("en", "latin"),
    "french": ("fr", "latin"),
    "german": ("de", "latin"),
    "hebrew": ("he", "non_latin"),
    "hindi": ("hi", "non_latin"),
    "hinglish": ("hi-Latn", "latin"),
    "indonesian": ("id", "latin"),
    "italian": ("it", "latin"),
    "japanese": ("ja", "non_latin"),
    "korean": ("ko", "non_latin"),
    "marathi": ("mr", "non_latin"),
    "oriya": ("or", "non_latin"),
    "persian": ("fa", "non_latin"),
    "portuguese": ("pt", "latin"),
    "russian": ("ru", "non_latin"),
    "spanish": ("es", "latin"),
    "swedish": ("sv", "latin"),
    "tamil": ("ta", "non_latin"),
    "telugu": ("te", "non_latin"),
    "thai": ("th", "non_latin"),
    "traditionalchinese": ("zh-Hant", "non_latin"),
    "turkish": ("tr", "latin"),
    "ukrainian": ("uk", "non_latin"),
    "urdu": ("ur", "non_latin"),
    "yoruba": ("yo", "latin"),
}

#: Files whose replies speak as a chatbot ("I eat electricity"): never used as clean role-play.
BOT_PERSONA_FILES = {"ai", "botprofile", "profile", "computers", "food", "money"}

#: Words that mark a chatterbot reply as the bot talking about itself, per language (coarse).
BOT_WORDS = re.compile(
    r"\b(robots?|bots?|chatterbot|chatbot|program(?:med)?|software|computer|machine|AI|"
    r"artificial|electricity|hardware|python|binary|RAM|CPU|algorithm)\b"
    r"|机器人|電腦|电脑|计算机|計算機|程序|程式|人工智能|人工智慧|软件|軟體|ロボット|コンピュータ|"
    r"プログラム|人工知能|로봇|컴퓨터|프로그램|인공지능|робот|компьютер|программ|ИИ|"
    r"електрик|комп'ютер|програм|ربات|رایانه|کامپیوتر|برنامه|هوش مصنوعی|रोबोट|कंप्यूटर|"
    r"प्रोग्राम|רובוט|מחשב|תוכנה",
    re.IGNORECASE,
)

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TYPO = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


@dataclass(frozen=True)
class Dialog:
    """A base dialog from a corpus: turn texts alternating speaker, first speaker = user."""

    source: str
    ref: str
    lang: str
    script: str
    category: str
    turns: tuple[str, ...]


def pristine(text: str, script: str) -> str:
    """The base form of a corpus text: NFC, single spaces, ASCII quotes in Latin-script text."""
    text = unicodedata.normalize("NFC", text)
    if script == "latin":
        text = text.translate(_TYPO)
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def chitchat_dialogs() -> list[Dialog]:
    """Every chitchat-dataset conversation; a turn is one speaker's consecutive messages."""
    import chitchat_dataset

    path = Path(chitchat_dataset.__file__).with_name("dataset.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    dialogs = []
    for conv_id in sorted(data):
        turns = tuple(
            pristine("\n".join(u["text"] for u in group), "latin")
            for group in data[conv_id]["messages"]
        )
        dialogs.append(Dialog("chitchat-dataset", conv_id, "en", "latin", "chitchat", turns))
    return dialogs


def chatterbot_dialogs() -> list[Dialog]:
    """Every chatterbot-corpus conversation whose items are all text."""
    import chatterbot_corpus.corpus

    root = Path(chatterbot_corpus.corpus.DATA_DIRECTORY)
    dialogs = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name not in CHATTERBOT_LANGS:
            continue
        lang, script = CHATTERBOT_LANGS[folder.name]
        for path in sorted(folder.glob("*.yml")):
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
            for index, conv in enumerate(doc.get("conversations") or []):
                if not isinstance(conv, list) or not all(isinstance(t, str) for t in conv):
                    continue
                turns = tuple(pristine(t, script) for t in conv)
                if not all(turns):
                    continue
                dialogs.append(
                    Dialog(
                        "chatterbot-corpus",
                        f"{folder.name}/{path.stem}#{index}",
                        lang,
                        script,
                        path.stem,
                        turns,
                    )
                )
    return dialogs
