"""The shipped sample is what its script makes, and holds the defects it promises."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

from selfreflect import Conversation
from selfreflect.formats import read

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"


def load_script():
    spec = importlib.util.spec_from_file_location("make_sample", DATA / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sample_files_are_reproduced_by_the_script(tmp_path, monkeypatch, capsys):
    script = load_script()
    monkeypatch.setattr(script, "HERE", tmp_path / "examples" / "data")
    script.HERE.mkdir(parents=True)
    script.main()
    for name in ("roleplay_openai.jsonl", "roleplay_sharegpt.jsonl", "roleplay_alpaca.jsonl"):
        assert (script.HERE / name).read_bytes() == (DATA / name).read_bytes(), name


def test_sample_is_small_and_has_the_promised_defects():
    files = sorted(DATA.glob("*.jsonl"))
    assert sum(f.stat().st_size for f in files) < 1_000_000
    reasons: Counter[str] = Counter()
    texts: list[str] = []
    per_file: Counter[str] = Counter()
    for f in files:
        for item in read(f):
            if isinstance(item, Conversation):
                per_file[f.name] += 1
                texts += [m.content for m in item.messages]
            else:
                reasons[item.reason] += 1
    assert all(n >= 200 for n in per_file.values()) and len(per_file) == 3
    assert reasons["invalid_json"] >= 3 and reasons["unknown_role"] >= 2
    joined = "\n".join(texts)
    for defect in (
        "\u2019",
        "and/or",
        "\U0001f60a",
        "As an AI",
        "\u00e2\u20ac\u2122",
        "What about the second one?",
        "\n\n\n",
    ):
        assert defect in joined, defect
    assert any(not t.strip() for t in texts)  # empty user turns
    assert len(texts) - len(set(texts)) > 50  # exact duplicates (system prompts aside)
