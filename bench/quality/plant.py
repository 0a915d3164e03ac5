"""Plant one defect into a clean conversation.

Each planter takes ``(rng, messages, ctx)`` and returns ``(messages, variant, reference)`` or
``None`` when this base does not suit it (the builder then tries another base). ``messages``
are OpenAI-style dicts; the input is never modified. ``reference`` is the clean text the
record should come back as (normalise classes) or ``None``.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ftfy
from templates import AI_SELF_REFERENCE, AI_SELF_REFERENCE_OTHER, CONTEXT_DEPENDENT

Messages = list[dict[str, str]]
Planted = tuple[Messages, str, Messages | None] | None

#: Emoji grouped by the Unicode mechanism a remover has to get right.
EMOJI = {
    "simple": [
        "\U0001f602",
        "\U0001f60d",
        "\U0001f642",
        "\U0001f525",
        "\U0001f389",
        "\U0001f44b",
        "\U0001f914",
        "\U0001f62d",
        "\u2728",
        "\U0001f4af",
    ],
    "zwj": [
        "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
        "\U0001f9d1\u200d\U0001f4bb",
        "\U0001f3f3\ufe0f\u200d\U0001f308",
        "\u2764\ufe0f\u200d\U0001f525",
        "\U0001f469\u200d\U0001f373",
    ],
    "skin_tone": [
        "\U0001f44d\U0001f3fd",
        "\U0001f44b\U0001f3ff",
        "\U0001f64f\U0001f3fb",
        "\U0001f4aa\U0001f3fe",
        "\U0001f926\U0001f3fc\u200d\u2640\ufe0f",
    ],
    "flag": [
        "\U0001f1ef\U0001f1f5",
        "\U0001f1e7\U0001f1f7",
        "\U0001f1fa\U0001f1e6",
        "\U0001f1ee\U0001f1f3",
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    ],
    "keycap": ["1\ufe0f\u20e3", "#\ufe0f\u20e3", "*\ufe0f\u20e3", "7\ufe0f\u20e3", "\U0001f51f"],
    "variation_selector": [
        "\u2764\ufe0f",
        "\u263a\ufe0f",
        "\u270c\ufe0f",
        "\u2600\ufe0f",
        "\u2714\ufe0f",
    ],
}


@dataclass
class Context:
    """What planters may draw on besides the base: spare corpus text and language tags."""

    lang: str
    serial: int = 0  # index of the record within its class: phrase lists are cycled through
    spare_replies: list[str] = field(default_factory=list)
    spare_text: list[str] = field(default_factory=list)


def _copy(messages: Messages) -> Messages:
    return copy.deepcopy(messages)


def _turns(messages: Messages, roles: tuple[str, ...] = ("user", "assistant")) -> list[int]:
    return [i for i, m in enumerate(messages) if m["role"] in roles]


def _system_index(messages: Messages) -> int | None:
    return 0 if messages and messages[0]["role"] == "system" else None


# -- keep_normalised classes ------------------------------------------------------------------


def typographic(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """Curly quotes and apostrophes, ellipsis, dashes (the reference keeps the ASCII form)."""
    ref = _copy(messages)
    out = _copy(messages)
    variant = rng.choices(
        ["apostrophe", "double_quotes", "single_quotes", "ellipsis", "dash", "mixed"],
        weights=[40, 15, 10, 15, 10, 10],
    )[0]
    idx = _turns(ref)
    with_apos = [i for i in idx if re.search(r"\w'\w", ref[i]["content"])]
    if variant in ("apostrophe", "mixed"):
        if not with_apos:
            return None
        for i in with_apos:
            out[i]["content"] = re.sub(r"(?<=\w)'(?=\w)", "\u2019", ref[i]["content"])
    if variant in ("double_quotes", "single_quotes", "mixed"):
        i = rng.choice(idx)
        words = ref[i]["content"].split(" ")
        if len(words) < 4:
            return None
        start = rng.randrange(0, len(words) - 2)
        span = slice(start, start + rng.randint(1, 2))
        quote = (
            ("\u201c", "\u201d", '"') if variant != "single_quotes" else ("\u2018", "\u2019", "'")
        )
        plain = list(words)
        plain[span] = [quote[2] + " ".join(words[span]) + quote[2]]
        ref[i]["content"] = " ".join(plain)
        base = out[i]["content"].split(" ")
        base[span] = [quote[0] + " ".join(base[span]) + quote[1]]
        out[i]["content"] = " ".join(base)
    if variant == "ellipsis":
        i = rng.choice(idx)
        text = ref[i]["content"].rstrip(".!?")
        if not text:
            return None
        ref[i]["content"] = text + "..."
        out[i]["content"] = text + "\u2026"
    if variant == "dash":
        i = rng.choice(idx)
        text = ref[i]["content"]
        if " " not in text:
            return None
        cut = rng.choice([m.start() for m in re.finditer(" ", text)])
        dash = rng.choice(["\u2014", "\u2013"])
        ref[i]["content"] = text[:cut] + " - " + text[cut + 1 :]
        out[i]["content"] = text[:cut] + f" {dash} " + text[cut + 1 :]
    return out, variant, ref


def and_or(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """Turn one ' and ' into ' and/or ' (the reference is the base)."""
    candidates = [i for i in _turns(messages) if " and " in messages[i]["content"]]
    if not candidates:
        return None
    i = rng.choice(candidates)
    out = _copy(messages)
    text = out[i]["content"]
    spots = [m.start() for m in re.finditer(" and ", text)]
    at = rng.choice(spots)
    out[i]["content"] = text[:at] + " and/or " + text[at + 5 :]
    return out, messages[i]["role"], _copy(messages)


def whitespace(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """Padding, runs of spaces, runs of blank lines, tabs and CRLF line ends."""
    out = _copy(messages)
    variant = rng.choice(["edges", "double_spaces", "blank_lines", "tabs_crlf", "system_padding"])
    idx = _turns(out)
    i = rng.choice(idx)
    text = out[i]["content"]
    if variant == "edges":
        out[i]["content"] = (
            rng.choice(["  ", " ", "\n", " \n "])
            + text
            + rng.choice(["  ", "\n\n", " \t", "   \n"])
        )
    elif variant == "double_spaces":
        spaces = [m.start() for m in re.finditer(" ", text)]
        if not spaces:
            return None
        chosen = set(rng.sample(spaces, k=min(len(spaces), rng.randint(1, 4))))
        out[i]["content"] = "".join(
            " " * rng.randint(2, 4) if k in chosen else ch for k, ch in enumerate(text)
        )
    elif variant == "blank_lines":
        breaks = [m.start() for m in re.finditer(r"[.!?,] ", text)] or [
            m.start() for m in re.finditer("\n", text)
        ]
        if not breaks:
            return None
        at = rng.choice(breaks)
        gap = "\n" * rng.randint(3, 6) + rng.choice(["", "  ", " \n"])
        if text[at] == "\n":
            out[i]["content"] = text[:at] + gap + text[at + 1 :]
        else:
            out[i]["content"] = text[: at + 1] + gap + text[at + 2 :]
    elif variant == "tabs_crlf":
        out[i]["content"] = text.replace(" ", "\t", 1).replace("\n", "\r\n") + "\r\n"
    else:
        s = _system_index(out)
        if s is None:
            return None
        out[s]["content"] = "  " + out[s]["content"].replace("\n", "  \n\n\n") + "\n\n"
    return out, variant, _copy(messages)


def emoji(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """Insert emoji of one kind (ZWJ, skin tone, flag, keycap...) into one or two turns."""
    out = _copy(messages)
    kind = rng.choice(sorted(EMOJI))
    idx = [i for i in _turns(out) if len(out[i]["content"]) >= 25]  # emoji stay a minority
    if not idx:
        return None
    for i in rng.sample(idx, k=min(len(idx), rng.randint(1, 2))):
        text = out[i]["content"]
        words = text.split(" ")
        icons = "".join(rng.choice(EMOJI[kind]) for _ in range(rng.randint(1, 3)))
        where = rng.choice(["end", "end", "middle", "start"])
        if where == "end" or len(words) < 3:
            out[i]["content"] = text + rng.choice([" ", ""]) + icons
        elif where == "start":
            out[i]["content"] = icons + " " + text
        else:
            at = rng.randrange(1, len(words))
            out[i]["content"] = " ".join(words[:at] + [icons] + words[at:])
    return out, kind, _copy(messages)


def mojibake(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """UTF-8 bytes read as cp1252 or latin-1, in one turn or all; only what ftfy can undo."""
    out = _copy(messages)
    source = _copy(messages)
    if ctx.lang == "en":
        for m in source:
            if m["role"] != "system":
                m["content"] = re.sub(r"(?<=\w)'(?=\w)", "\u2019", m["content"])
    codec = rng.choice(["cp1252", "cp1252", "latin-1"])
    scope = rng.choice(["one_turn", "all_turns"])
    targets = [i for i in _turns(source) if not source[i]["content"].isascii()]
    if not targets:
        return None
    if scope == "one_turn":
        targets = [rng.choice(targets)]
    for i in targets:
        broken = _sloppy_decode(source[i]["content"].encode("utf-8"), codec)
        if ftfy.fix_encoding(broken) != source[i]["content"]:
            return None
        out[i]["content"] = broken
    return out, f"{codec}/{scope}", _copy(messages)


def _sloppy_decode(data: bytes, codec: str) -> str:
    """Decode as ``codec``; bytes it does not define map to the same code point (like browsers)."""
    if codec == "latin-1":
        return data.decode("latin-1")
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


# -- drop classes -------------------------------------------------------------------------------


def mostly_emoji(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """Replace one turn by 2-7 emoji, or 5-7 emoji after one word of 2-3 letters."""
    out = _copy(messages)
    i = rng.choice(_turns(out))
    kind = rng.choice(sorted(EMOJI))
    variant = rng.choice(["only", "only", "with_word"])
    icons = "".join(
        rng.choice(EMOJI[kind]) for _ in range(rng.randint(2 if variant == "only" else 5, 7))
    )
    text = icons if variant == "only" else rng.choice(["lol", "ok", "omg", "yes"]) + " " + icons
    out[i]["content"] = text
    return out, f"{variant}/{kind}/{out[i]['role']}", None


def empty_turn(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """Blank out a user turn (most often, as in the notes) or an assistant turn."""
    out = _copy(messages)
    role = rng.choices(["user", "assistant"], weights=[70, 30])[0]
    i = rng.choice(_turns(out, (role,)))
    blank = rng.choice(["", "", " ", "\n", "\t", "   \n  "])
    out[i]["content"] = blank
    return out, f"{role}/{'empty' if not blank else 'whitespace'}", None


def no_assistant(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """Only a system prompt and a user turn, or a lone user turn."""
    first_user = next(m for m in messages if m["role"] == "user")
    variant = rng.choice(["system_user", "system_user", "user_only"])
    out = [dict(first_user)]
    s = _system_index(messages)
    if variant == "system_user" and s is not None:
        out.insert(0, dict(messages[s]))
    return out, variant, None


def same_role_twice(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """Remove one turn in the middle so that two turns of one role follow each other."""
    idx = _turns(messages)
    if len(idx) < 4:
        return None
    middle = idx[1:-1]
    i = rng.choice(middle)
    out = [dict(m) for k, m in enumerate(messages) if k != i]
    return out, f"two_{'user' if messages[i]['role'] == 'assistant' else 'assistant'}", None


def system_not_first(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """Move the system prompt after the first exchange, or add a second one mid-way."""
    s = _system_index(messages)
    if s is None or len(messages) < 3:
        return None
    variant = rng.choice(["moved", "moved", "second_system"])
    out = _copy(messages)
    if variant == "moved":
        system = out.pop(0)
        out.insert(rng.randint(1, len(out) - 1), system)
    else:
        out.insert(rng.randint(2, len(out) - 1), dict(out[0]))
    return out, variant, None


def last_turn_user(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """End on a user turn: drop the last answer, or add an unanswered question."""
    if len(_turns(messages)) < 4 and not ctx.spare_replies:
        return None
    out = _copy(messages)
    if len(_turns(messages)) >= 4 and rng.random() < 0.5:
        return out[:-1], "answer_removed", None
    out.append({"role": "user", "content": rng.choice(ctx.spare_replies)})
    return out, "question_added", None


def too_short(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """A single-turn record whose answer (or question) is one or two characters."""
    if len(_turns(messages)) != 2:
        return None
    out = _copy(messages)
    role = rng.choices(["assistant", "user"], weights=[75, 25])[0]
    i = _turns(out, (role,))[0]
    out[i]["content"] = [".", "k", "?", "-", "..", "x", "a", "!"][ctx.serial % 8]
    return out, f"{role}/{out[i]['content']}", None


def too_long(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """An answer of 50,000 to 80,000 characters pasted from unrelated chat text."""
    out = _copy(messages)
    target = rng.randint(50_000, 80_000)
    parts: list[str] = []
    size = 0
    while size < target:
        piece = rng.choice(ctx.spare_text)
        parts.append(piece)
        size += len(piece) + 1
    i = _turns(out, ("assistant",))[-1]
    role = rng.choices(["assistant", "user"], weights=[80, 20])[0]
    if role == "user":
        i = _turns(out, ("user",))[-1]
    out[i]["content"] = " ".join(parts)
    return out, f"{role}/{size // 1000}k_chars", None


def ai_self_reference(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """The persona says it is an AI, a program or a chatbot (English phrasings)."""
    out = _copy(messages)
    answers = _turns(out, ("assistant",))
    i = rng.choice(answers) if rng.random() < 0.3 else answers[-1]
    original = out[i]["content"]
    phrase = AI_SELF_REFERENCE[ctx.serial % len(AI_SELF_REFERENCE)]
    rest = original[:1].lower() + original[1:]
    mode = rng.choice(["replace", "prefix", "suffix"])
    if "{rest}" in phrase:
        text = phrase.format(rest=rest)
        mode = "with_reply"
    elif mode == "replace":
        text = phrase
    elif mode == "prefix":
        text = phrase + " " + original
    else:
        text = original + " " + phrase
    out[i]["content"] = text.strip()
    position = "last" if i == answers[-1] else "middle"
    return out, f"{mode}/{position}/{phrase[:28]}", None


def ai_self_reference_other(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """The same break of character in the dialog's own language."""
    lang, phrase = AI_SELF_REFERENCE_OTHER[ctx.serial % len(AI_SELF_REFERENCE_OTHER)]
    if lang != ctx.lang:
        return None
    out = _copy(messages)
    i = _turns(out, ("assistant",))[-1]
    mode = rng.choice(["replace", "prefix"])
    out[i]["content"] = phrase if mode == "replace" else phrase + " " + out[i]["content"]
    return out, f"{ctx.lang}/{mode}", None


def context_dependent(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """A single-turn record whose question only makes sense after earlier turns."""
    if len(_turns(messages)) != 2 or not ctx.spare_replies:
        return None
    out = _copy(messages)
    question = CONTEXT_DEPENDENT[ctx.serial % len(CONTEXT_DEPENDENT)]
    out[_turns(out, ("user",))[0]]["content"] = question
    if rng.random() < 0.5:
        out[_turns(out, ("assistant",))[0]]["content"] = rng.choice(ctx.spare_replies)
    return out, question[:24], None


def garbage(rng: random.Random, messages: Messages, ctx: Context) -> Planted:
    """Replacement characters, control characters, or binary junk decoded as text."""
    out = _copy(messages)
    i = rng.choice(_turns(out))
    text = out[i]["content"]
    variant = rng.choice(["replacement_char", "control_chars", "binary_junk"])
    if variant == "replacement_char":
        apos = [m.start() for m in re.finditer("'", text)]
        if apos and rng.random() < 0.5:
            at = rng.choice(apos)
            text = text[:at] + "\ufffd" + text[at + 1 :]
        else:
            at = rng.randrange(0, len(text) + 1)
            text = text[:at] + "\ufffd" * rng.randint(1, 4) + text[at:]
    elif variant == "control_chars":
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(0, len(text) + 1)
            text = (
                text[:at]
                + rng.choice(["\x00", "\x07", "\x08", "\x1a", "\x01", "\x7f", "\x02"])
                + text[at:]
            )
    else:
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(40, 300)))
        text = junk.decode("utf-8", errors="replace")
    out[i]["content"] = text
    return out, variant, None


#: defect class -> (planter, expected outcome).
PLANTERS: dict[str, tuple[Callable[..., Planted], str]] = {
    "typographic_punctuation": (typographic, "keep_normalised"),
    "and_or": (and_or, "keep_normalised"),
    "whitespace": (whitespace, "keep_normalised"),
    "emoji": (emoji, "keep_normalised"),
    "mojibake": (mojibake, "keep_normalised"),
    "mostly_emoji": (mostly_emoji, "drop"),
    "empty_turn": (empty_turn, "drop"),
    "no_assistant": (no_assistant, "drop"),
    "same_role_twice": (same_role_twice, "drop"),
    "system_not_first": (system_not_first, "drop"),
    "last_turn_user": (last_turn_user, "drop"),
    "too_short": (too_short, "drop"),
    "too_long": (too_long, "drop"),
    "ai_self_reference": (ai_self_reference, "drop"),
    "ai_self_reference_non_english": (ai_self_reference_other, "drop"),
    "context_dependent": (context_dependent, "drop"),
    "garbage": (garbage, "drop"),
}


def describe(obj: Any) -> str:
    """First line of a planter's docstring, for the docs table."""
    return (obj.__doc__ or "").strip().splitlines()[0]
