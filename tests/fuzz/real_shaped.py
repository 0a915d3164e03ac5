"""Texts to test fast paths against their reference on: the repository's real samples, and a
hypothesis strategy of arbitrary Unicode mixed with real-shaped fragments."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = [
    ROOT / "bench" / "quality" / "eval.jsonl",
    *sorted((ROOT / "bench" / "quality" / "real").glob("sample*.jsonl")),
]

#: Pieces real chat text is made of: mojibake, CJK, code, emoji ZWJ sequences, curly quotes,
#: control characters, markup, other scripts, AI self-references in several languages.
FRAGMENTS = [
    "doesnâ€™t", "Ã©tÃ©", "â€œquotedâ€\x9d", "Ã¢â‚¬â„¢", "Ã\xa0 la", "voilÃ le", "Â ", "Ã ",
    "Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "ÐŸ", "РџСЂРёРІРµС‚", "вЂ™", "Î²€™", "Ã¼ber", "cafÃ©", "\x1b[31mred\x1b[0m",
    "\x80\x93", "\x00", "\x07", "\x0b", "\x0c", "\x1c", "\x7f", "\ufffd", "\ud83d", "e\u0301",
    "你好，世界！", "我是一个AI助手。", "作为一个人工智能语言模型，", "私はAIです。",
    "저는 AI입니다.",
    "Como IA, no puedo", "soy un programa", "Je suis une IA", "Ich bin eine KI.", "я — бот",
    "मैं एक एआई हूँ", "من یک ربات هستم", "👨‍👩‍👧‍👦", "👍🏽", "❤️", "1️⃣", "😀😀😀", "‘single’",
    "“double”", "—", "–", "…", "\u00a0", "\u200b", "\u2028", "```python\nx = {1: 2}\n```",
    "`code`", "$$x^2$$", "    def f(x):\n        return x", "<div>&amp;</div>", "a_b_c",
    "!!!!!!!!!!!!!", "?!?!?!?!?!?!", "#$%^&*()_+{}|:<>?~", "-_-_-_-_-_-_-_", "=====", "\\_",
    "As an AI language model, I", "I'm just a program", "I am an AI", "chatbots like me",
    "I don't have a physical body", "my training data", "I was trained by OpenAI", "me, an AI",
    "Being an AI, I", "I, as an AI, am", "You are an android.", "ſoy", "İch", "K", "ﬁle",
    "ＬＯＵＤ", "\t", "\n", "\r\n", "  ", " ", ".", ",", "I", "i", "AI", "ai", "a.i.",
]  # fmt: skip

texts = st.lists(
    st.sampled_from(FRAGMENTS) | st.text(max_size=12) | st.text("aAiI .,'\n", max_size=8),
    max_size=14,
).map("".join)


@lru_cache(maxsize=1)
def sample_texts() -> list[str]:
    """Every message text of the repository's real samples and eval set."""
    out = []
    for path in SAMPLES:
        for line in path.read_text(encoding="utf-8").split("\n"):
            if not line.strip():
                continue
            record = json.loads(line)
            for message in record.get("messages") or record.get("conversations") or []:
                content = message.get("content", message.get("value"))
                if isinstance(content, str) and content:
                    out.append(content)
    return out
