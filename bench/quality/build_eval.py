"""Build the labelled cleaning eval set: role-play conversations from real corpora, clean or with
one planted defect each.

    python bench/quality/build_eval.py                   # -> bench/quality/eval.jsonl, labels.jsonl
    python bench/quality/build_eval.py --scale 100 --out /tmp/big.jsonl --no-labels

Deterministic for a given ``--seed``. Needs ``pip install -e '.[bench]'`` (the corpora).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import emoji as emoji_lib
import ftfy
from corpus import BOT_PERSONA_FILES, BOT_WORDS, Dialog, chatterbot_dialogs, chitchat_dialogs
from plant import PLANTERS, Context
from templates import (
    ABOUT_AI_TRICKY,
    AI_PERSONA_LINES,
    AI_PERSONAS,
    AI_SELF_REFERENCE_OTHER,
    PERSONAS,
    QUOTED_AND_OR,
    STANCES,
)

HERE = Path(__file__).resolve().parent

#: Clean subclasses and how many records of each (at scale 1).
CLEAN_COUNTS = {
    "clean_multiturn_en": 120,
    "clean_short_replies_en": 50,
    "clean_single_turn_en": 40,
    "clean_non_latin": 130,
    "clean_latin_other": 30,
    "clean_about_ai": 45,
    "clean_about_ai_tricky": 28,
    "clean_context_phrase_multiturn": 20,
    "clean_quoted_and_or": 10,
    "clean_no_system": 15,
    "clean_ai_persona": 12,
}

#: Defect classes, how many records, and the share built on non-English bases.
DEFECT_COUNTS = {
    "typographic_punctuation": (45, 0.0),
    "and_or": (30, 0.0),
    "whitespace": (40, 0.3),
    "emoji": (45, 0.3),
    "mojibake": (45, 0.6),
    "mostly_emoji": (30, 0.2),
    "empty_turn": (35, 0.2),
    "no_assistant": (20, 0.2),
    "same_role_twice": (20, 0.0),
    "system_not_first": (20, 0.2),
    "last_turn_user": (20, 0.0),
    "too_short": (30, 0.0),
    "too_long": (12, 0.0),
    "ai_self_reference": (60, 0.0),
    "ai_self_reference_non_english": (15, 1.0),
    "context_dependent": (40, 0.0),
    "garbage": (40, 0.3),
}
DUPLICATES = 35

#: Defect classes that need a base of exactly one exchange / at least two exchanges.
SINGLE_TURN = {"too_short", "context_dependent"}
MULTI_TURN = {"same_role_twice", "last_turn_user"}

AI_WORDS_EN = re.compile(
    r"\b(AI|A\.I\.|robots?|bots?|computers?|programs?|programming|chatbots?|software|"
    r"artificial intelligence|machine learning|algorithms?)\b",
    re.IGNORECASE,
)
SELF_ID_EN = re.compile(
    r"\b(i am|i'm|im|i was|you are|you're|are you|r u)\s+(just |only |actually |really |not |"
    r"also |a real )?(a |an )?(\w+ )?(bot|robot|ai|computer|program|machine|chatbot)s?\b",
    re.IGNORECASE,
)
FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'll|I'd|me|my|myself|mine)\b")
CONTEXT_PHRASE = re.compile(
    r"^(what do you mean|what did you mean|again\b|go on\b|continue\b|why did you say|"
    r"what about|and you\??$|you\?$|how so\??$)",
    re.IGNORECASE,
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]")


def usable(text: str) -> bool:
    """A corpus text that is already clean for every class we plant."""
    if not (0 < len(text) <= 1500) or CONTROL.search(text) or "  " in text:
        return False
    if "and/or" in text.lower():
        return False
    return text.isascii() or (emoji_lib.emoji_count(text) == 0 and ftfy.fix_encoding(text) == text)


@dataclass
class Base:
    """Turn texts for one record plus where they came from."""

    turns: list[str]
    lang: str
    script: str
    source: str
    ref: str


@dataclass
class Pools:
    """Corpus material, consumed once each (``unique``) or recycled (throughput data)."""

    rng: random.Random
    unique: bool = True
    chitchat: list[Dialog] = field(default_factory=list)
    other: dict[str, list[Dialog]] = field(default_factory=dict)
    english_pairs: list[Dialog] = field(default_factory=list)
    about_ai_pairs: list[Dialog] = field(default_factory=list)
    spare_replies: list[str] = field(default_factory=list)
    spare_text: list[str] = field(default_factory=list)
    cursor: dict[str, int] = field(default_factory=Counter)

    @classmethod
    def load(cls, rng: random.Random, unique: bool) -> Pools:
        pools = cls(rng=rng, unique=unique)
        chitchat = [d for d in chitchat_dialogs() if len(d.turns) >= 2]
        rng.shuffle(chitchat)
        spare, pools.chitchat = chitchat[:300], chitchat[300:]
        for d in spare:
            for k, t in enumerate(d.turns):
                if usable(t) and not AI_WORDS_EN.search(t):
                    (pools.spare_replies if k % 2 and len(t) > 20 else pools.spare_text).append(t)
        for d in chatterbot_dialogs():
            if not all(usable(t) for t in d.turns):
                continue
            if d.lang == "en":
                if d.category in {"ai", "computers", "coding", "tech_support"}:
                    if (
                        len(d.turns) == 2
                        and not FIRST_PERSON.search(d.turns[1])
                        and not SELF_ID_EN.search(" ".join(d.turns))
                    ):
                        pools.about_ai_pairs.append(d)
                elif (
                    d.category not in BOT_PERSONA_FILES
                    and not BOT_WORDS.search(" ".join(d.turns))
                    and len(d.turns) >= 2
                    and len(d.turns[1]) >= 15
                ):
                    pools.english_pairs.append(d)
            elif d.category not in BOT_PERSONA_FILES and not BOT_WORDS.search(" ".join(d.turns)):
                pools.other.setdefault(d.lang, []).append(d)
        for dialogs in [pools.english_pairs, pools.about_ai_pairs, *pools.other.values()]:
            rng.shuffle(dialogs)
        return pools

    def _next(self, name: str, items: list[Any], recycle: bool = False) -> Any:
        """The next unused item of a pool; recycled when ``unique`` is off (or ``recycle``)."""
        k = self.cursor[name]
        if k >= len(items):
            if self.unique and not recycle:
                raise RuntimeError(f"corpus pool {name!r} exhausted")
            k = 0
            self.rng.shuffle(items)
        self.cursor[name] = k + 1
        return items[k]

    def english(self, exchanges: int, about_ai: bool = False, offset: bool = False) -> Base:
        """A chitchat window of ``exchanges`` user/assistant pairs."""
        length = 2 * exchanges
        while True:
            d = self._next("chitchat", self.chitchat)
            start = 0
            if offset or not self.unique:
                starts = range(0, max(1, len(d.turns) - length + 1), 2)
                start = self.rng.choice(list(starts))
            turns = list(d.turns[start : start + length])
            if len(turns) < length or not all(usable(t) for t in turns):
                continue
            text = " ".join(turns)
            if SELF_ID_EN.search(text):
                continue
            if exchanges == 1 and (not _opener(turns[0]) or terse(turns[1], "en")):
                continue
            if bool(AI_WORDS_EN.search(text)) != about_ai:
                if about_ai or self.unique:
                    continue
            return Base(turns, "en", "latin", d.source, f"{d.ref}[{start}:{start + length}]")

    def english_pair(self, about_ai: bool = False) -> Base:
        """One chatterbot English Q/A exchange (about AI and computers, or not)."""
        pool, name = (self.about_ai_pairs, "about_ai") if about_ai else (self.english_pairs, "en")
        while True:
            d = self._next(name, pool)
            if not terse(d.turns[1], "en"):
                return Base(list(d.turns[:2]), "en", "latin", d.source, d.ref)

    def other_language(self, script: str | None = None, lang: str | None = None) -> Base:
        """A chatterbot dialog in another language: a conversation, or 1-3 chained exchanges.

        A lone exchange with a one-word answer gets another exchange chained to it: the notes
        ask for too-short single answers to be dropped, so on its own it would be ambiguous.
        """
        langs = sorted(
            code
            for code, dialogs in self.other.items()
            if dialogs
            and (lang is None or code == lang)
            and (script is None or _script(dialogs[0]) == script)
            and (
                not self.unique
                or lang is not None
                or self.cursor[f"other:{code}"] < len(dialogs) - 8
            )
        )
        if not self.unique or lang is not None:
            pick = self.rng.choice(langs)
        else:  # spread over languages: least used first
            pick = min(
                langs, key=lambda c: (self.cursor[f"other:{c}"] / len(self.other[c]) ** 0.5, c)
            )
        pool = self.other[pick]
        recycle = lang is not None  # a language asked for by name may run dry: reuse its dialogs
        d = self._next(f"other:{pick}", pool, recycle)
        turns = list(d.turns)
        refs = [d.ref]
        while (
            len(turns) < 6
            and len(d.turns) == 2
            and (self.rng.random() < 0.6 or (len(turns) == 2 and terse(turns[1], pick)))
        ):
            extra = self._next(f"other:{pick}", pool, recycle)
            if len(extra.turns) != 2:
                break
            turns += extra.turns
            refs.append(extra.ref)
        if len(turns) % 2:
            turns = turns[:-1]
        if len(turns) < 2 or (len(turns) == 2 and terse(turns[1], pick)):
            return self.other_language(script, lang)
        return Base(turns, pick, d.script, d.source, "+".join(refs))


def terse(answer: str, lang: str) -> bool:
    """One word (or, in scripts written without spaces, under four characters)."""
    if lang in ("zh", "zh-Hant", "ja", "th"):
        return len(answer.strip(" .!?。！？")) < 4
    return len(answer.split()) < 2


OPENER = re.compile(
    r"^(hi|hello|hey|howdy|good (morning|afternoon|evening)|greetings|yo)\b", re.IGNORECASE
)


def _opener(text: str) -> bool:
    """A first turn that needs no earlier context: a greeting or a full question/sentence."""
    return bool(OPENER.match(text)) or (
        len(text.split()) >= 5 and not CONTEXT_PHRASE.match(text) and text[:1].isupper()
    )


def _script(d: Dialog) -> str:
    return d.script


def persona_system(rng: random.Random) -> str:
    """A role-play system prompt: stance, name and the character's intro."""
    name, intro = rng.choice(PERSONAS)
    return f"{rng.choice(STANCES)}\nYou are {name}.\nHere is the intro of your character: {intro}"


def to_messages(rng: random.Random, turns: list[str], system: bool = True) -> list[dict[str, str]]:
    """Alternate user/assistant turns behind a persona system prompt."""
    messages = [{"role": "system", "content": persona_system(rng)}] if system else []
    roles = ("user", "assistant")
    messages += [{"role": roles[k % 2], "content": t} for k, t in enumerate(turns)]
    return messages


# -- clean records ------------------------------------------------------------------------------


def clean_base(kind: str, pools: Pools, rng: random.Random) -> tuple[Base, list[dict], str]:
    """A clean record of one subclass: (base, messages, variant)."""
    if kind == "clean_multiturn_en":
        base = pools.english(rng.choice([1, 2, 2, 3, 3, 4]))
        return base, to_messages(rng, base.turns), f"{len(base.turns) // 2}_exchanges"
    if kind == "clean_short_replies_en":
        while True:
            base = pools.english(rng.choice([2, 3, 4]), offset=True)
            if any(len(t) <= 8 for t in base.turns[1:]):
                short = min(base.turns[1:], key=len)
                return base, to_messages(rng, base.turns), f"shortest={short!r}"
    if kind == "clean_single_turn_en":
        base = pools.english_pair()
        return base, to_messages(rng, base.turns), "chatterbot_pair"
    if kind in ("clean_non_latin", "clean_latin_other"):
        base = pools.other_language("non_latin" if kind == "clean_non_latin" else "latin")
        return base, to_messages(rng, base.turns), base.lang
    if kind == "clean_about_ai":
        if rng.random() < 0.4 and pools.cursor["about_ai"] < len(pools.about_ai_pairs):
            base = pools.english_pair(about_ai=True)
            return base, to_messages(rng, base.turns), "chatterbot_ai_pair"
        base = pools.english(rng.choice([2, 3, 4]), about_ai=True, offset=True)
        return base, to_messages(rng, base.turns), "chitchat_mentions_ai"
    if kind == "clean_about_ai_tricky":
        base = pools.english(rng.choice([1, 2, 3]))
        k = pools.cursor["tricky"] % len(ABOUT_AI_TRICKY)
        pools.cursor["tricky"] += 1
        line = ABOUT_AI_TRICKY[k]
        turns = list(base.turns)
        turns[-1] = turns[-1] + " " + line if rng.random() < 0.5 else line
        base.source += "+template"
        return base, to_messages(rng, turns), f"tricky_{k}"
    if kind == "clean_context_phrase_multiturn":
        return _context_phrase_multiturn(pools, rng)
    if kind == "clean_quoted_and_or":
        base = pools.english(rng.choice([1, 2]))
        k = pools.cursor["quoted"] % len(QUOTED_AND_OR)
        pools.cursor["quoted"] += 1
        base.source += "+template"
        return base, to_messages(rng, base.turns + list(QUOTED_AND_OR[k])), f"quoted_{k}"
    if kind == "clean_ai_persona":
        base = pools.english(rng.choice([1, 2, 3]))
        k = pools.cursor["ai_persona"] % len(AI_PERSONA_LINES)
        pools.cursor["ai_persona"] += 1
        name, intro = rng.choice(AI_PERSONAS)
        turns = list(base.turns)
        line = AI_PERSONA_LINES[k]
        turns[-1] = turns[-1] + " " + line if rng.random() < 0.5 else line
        messages = to_messages(rng, turns)
        messages[0]["content"] = (
            f"{rng.choice(STANCES)}\nYou are {name}.\nHere is the intro of your character: {intro}"
        )
        base.source += "+template"
        return base, messages, f"ai_persona_{k}"
    if kind == "clean_no_system":
        base = pools.english(rng.choice([1, 2, 3]))
        return base, to_messages(rng, base.turns, system=False), "no_system_prompt"
    raise ValueError(kind)


def _context_phrase_multiturn(pools: Pools, rng: random.Random) -> tuple[Base, list[dict], str]:
    """A chitchat window whose later user turn is 'what do you mean?' and the like (natural)."""
    while True:
        d = pools._next("chitchat", pools.chitchat)
        for k in range(2, len(d.turns) - 1, 2):
            if CONTEXT_PHRASE.match(d.turns[k]) and len(d.turns[k]) < 60:
                start = max(0, k - rng.choice([2, 4]))
                turns = list(d.turns[start : k + 2])
                text = " ".join(turns)
                if all(usable(t) for t in turns) and not AI_WORDS_EN.search(text):
                    base = Base(turns, "en", "latin", d.source, f"{d.ref}[{start}:{k + 2}]")
                    return base, to_messages(rng, turns), d.turns[k][:30]


# -- assembling ---------------------------------------------------------------------------------


def defect_base(cls: str, foreign: float, pools: Pools, rng: random.Random, serial: int) -> Base:
    """A clean base suited to a defect class (``serial``: the record's index in its class)."""
    if cls == "ai_self_reference_non_english":
        lang = AI_SELF_REFERENCE_OTHER[serial % len(AI_SELF_REFERENCE_OTHER)][0]
        return pools.other_language(lang=lang)
    if cls in SINGLE_TURN:
        return pools.english_pair() if rng.random() < 0.5 else pools.english(1)
    if cls in MULTI_TURN:
        return pools.english(rng.choice([2, 3, 4]))
    if rng.random() < foreign:
        return pools.other_language(rng.choice(["latin", "non_latin"]))
    if cls == "mojibake":
        return pools.english(rng.choice([1, 2, 3]))
    return pools.english(rng.choice([1, 1, 2, 3]))


def build(
    seed: int = 20261122,
    scale: float = 1.0,
    unique: bool = True,
    labels: bool = True,
    weights: dict[str, float] | None = None,
) -> Iterator[tuple[dict, dict]]:
    """Yield (record, label) pairs in file order; ``weights`` scales single classes."""
    weights = weights or {}
    rng = random.Random(seed)
    pools = Pools.load(rng, unique)
    dedup = _NearDuplicates() if unique else None
    items: list[tuple[dict, dict]] = []

    def accept(messages: list[dict]) -> bool:
        return dedup is None or dedup.add(messages)

    for kind, count in CLEAN_COUNTS.items():
        for _ in range(round(count * scale * weights.get(kind, 1.0))):
            for _attempt in range(50):
                base, messages, variant = clean_base(kind, pools, rng)
                if accept(messages):
                    break
            items.append(({"messages": messages}, _label("keep_unchanged", kind, variant, base)))
    for cls, (count, foreign) in DEFECT_COUNTS.items():
        planter, expected = PLANTERS[cls]
        made = 0
        while made < round(count * scale * weights.get(cls, 1.0)):
            base = defect_base(cls, foreign, pools, rng, made)
            messages = to_messages(rng, base.turns)
            ctx = Context(
                lang=base.lang,
                serial=made,
                spare_replies=pools.spare_replies,
                spare_text=pools.spare_text,
            )
            planted = planter(rng, messages, ctx)
            if planted is None:
                continue
            out, variant, reference = planted
            if expected != "drop" and not accept(out):
                continue
            label = _label(expected, cls, variant, base)
            if reference is not None and labels:
                label["reference"] = reference
            items.append(({"messages": out}, label))
            made += 1
    rng.shuffle(items)
    clean_positions = [
        i for i, (_, lab) in enumerate(items) if lab["defect_class"].startswith("clean")
    ]
    for _ in range(round(DUPLICATES * scale)):
        original_at = rng.choice(clean_positions)
        record, label = items[original_at]
        messages, variant = _duplicate(rng, record["messages"])
        dup_label = {
            **_strip_label(label),
            "expected": "drop",
            "defect_class": "exact_duplicate",
            "variant": variant,
            "_original": label,
        }
        at = rng.randint(original_at + 1, len(items))
        items.insert(at, ({"messages": messages}, dup_label))
        clean_positions = [p + 1 if p >= at else p for p in clean_positions]
    for n, (record, label) in enumerate(items):
        record["id"] = label["id"] = f"q{n:05d}"
    for record, label in items:
        if "_original" in label:
            label["duplicate_of"] = label.pop("_original")["id"]
        yield (
            {"id": record["id"], "messages": record["messages"]},
            {"id": label["id"], **{k: v for k, v in label.items() if k != "id"}},
        )


def _duplicate(rng: random.Random, messages: list[dict]) -> tuple[list[dict], str]:
    """A copy of a record: identical, with another persona prompt, or with spacing changed."""
    out = [dict(m) for m in messages]
    variant = rng.choice(["identical", "identical", "other_system_prompt", "spacing"])
    if variant == "other_system_prompt" and out[0]["role"] == "system":
        out[0]["content"] = persona_system(rng)
    elif variant == "spacing":
        k = [i for i, m in enumerate(out) if m["role"] != "system"][-1]
        out[k]["content"] = out[k]["content"] + " "
    else:
        variant = "identical"
    return out, variant


def _label(expected: str, cls: str, variant: str, base: Base) -> dict[str, Any]:
    return {
        "expected": expected,
        "defect_class": cls,
        "variant": variant,
        "lang": base.lang,
        "script": base.script,
        "source": base.source,
        "corpus_ref": base.ref,
    }


def _strip_label(label: dict) -> dict:
    return {k: v for k, v in label.items() if k not in ("reference",)}


class _NearDuplicates:
    """Refuse a record whose text is a near-duplicate of one already accepted (MinHash LSH)."""

    def __init__(self, threshold: float = 0.5):
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(threshold=threshold, num_perm=64)
        self.keys: set[str] = set()
        self.count = 0

    def add(self, messages: list[dict]) -> bool:
        from datasketch import MinHash

        text = "\n".join(m["content"] for m in messages if m["role"] != "system")
        key = re.sub(r"\W+", " ", text.lower()).strip()
        if key in self.keys:
            return False
        grams = {key[i : i + 4] for i in range(max(1, len(key) - 3))}
        mh = MinHash(num_perm=64, seed=1)
        mh.update_batch(g.encode("utf-8") for g in grams)
        if self.lsh.query(mh):
            return False
        self.count += 1
        self.lsh.insert(str(self.count), mh)
        self.keys.add(key)
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply every count (above 1, corpus bases are reused)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "eval.jsonl")
    parser.add_argument("--labels", type=Path, default=HERE / "labels.jsonl")
    parser.add_argument("--no-labels", action="store_true", help="write the records only")
    args = parser.parse_args(argv)
    unique = args.scale <= 1.0
    counts: Counter[tuple[str, str]] = Counter()
    records = args.out.with_suffix(".tmp").open("w", encoding="utf-8")
    labels = None if args.no_labels else args.labels.with_suffix(".tmp").open("w", encoding="utf-8")
    for record, label in build(args.seed, args.scale, unique, not args.no_labels):
        records.write(json.dumps(record, ensure_ascii=False) + "\n")
        if labels is not None:
            labels.write(json.dumps(label, ensure_ascii=False) + "\n")
        counts[(label["expected"], label["defect_class"])] += 1
    records.close()
    Path(records.name).replace(args.out)  # written whole, then renamed: never a torn file
    if labels is not None:
        labels.close()
        Path(labels.name).replace(args.labels)
    total = sum(counts.values())
    for (expected, cls), n in sorted(counts.items()):
        print(f"{expected:16} {cls:34} {n:6}", file=sys.stderr)
    print(f"{total} records -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
