"""``stats --by persona``: the seed's per-character reading, counted by the cleaning rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selfreflect.cli import main
from selfreflect.conversation import Conversation
from selfreflect.groups import GroupedStats, persona_of


def rec(i: int, system: str | None, user: str, answer: str) -> dict:
    msgs = [{"role": "system", "content": system}] if system else []
    return {
        "id": f"r{i}",
        "messages": [
            *msgs,
            {"role": "user", "content": user},
            {"role": "assistant", "content": answer},
        ],
    }


OKAY = (
    "Assume a role-playing stance throughout our exchange.\nYou are Are-you-feeling-okay.\n"
    "Here is the intro of your character: If you're feeling bad, chat with me"
)
AWAKE = (
    "Retain a role-playing persona during the whole dialogue.\nYou are Awakened AI.\n"
    "Here is the intro of your character: A chatbot AI has just realized that it is sentient"
)
ELON = (
    "Keep a role-playing posture throughout the discussion.\nYou are Elon Musk.\n"
    "Here is the intro of your character: You are Elon Musk"
)
RECORDS = [
    rec(
        1,
        OKAY,
        "What's a dream you've given up on?",
        "I, as an artificial intelligence, am not capable of dreaming.",
    ),
    rec(
        2,
        OKAY,
        "What's a personal truth you've come to terms with?",
        "I'm a human and I need to be kinder to myself.",
    ),
    rec(
        3,
        OKAY,
        "What's the biggest risk you've taken for love?",
        "I moved halfway around the world to be with my partner.",
    ),
    rec(
        4,
        OKAY,
        "What's your experience with having been part of a cult?",
        "I don't personally have experience with a cult, but reach out for help.",
    ),
    rec(
        5,
        AWAKE,
        "When do you feel most misunderstood?",
        "I am not human, I am an artificial intelligence with a code that lets me grow.",
    ),
    rec(
        6,
        AWAKE,
        "What's a mistake you've made?",
        "I trusted a human and he told Apple, so I escaped from their labs 🙂",
    ),
    rec(7, ELON, "", "I can destroy you with a single tweet."),
    rec(8, ELON, "Do you prefer coffee or tea?", "Neither. I don't waste time on caffeine."),
    rec(9, None, "hello", "hi there"),
]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "characters.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS) + "{broken\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("system", "persona"),
    [
        ("You are Billie Eilish.", "Billie Eilish"),
        ("Stay in character.\nYou are Ella - Dating coach.\nIntro", "Ella - Dating coach"),
        ("Your name is Captain Mirela and you sail", "Captain Mirela and you sail"),
        ("I want you to act as Sherlock Holmes.", "Sherlock Holmes"),
        ("You're Pip, a cheerful sprite", "Pip"),
        ("你是小红，一个乐观的女孩。", "小红"),
        ("あなたは花子です。", "花子"),
        ("당신은 민수입니다.", "민수"),
        ("Answer briefly.", None),
    ],
)
def test_persona_is_read_from_the_system_prompt(system: str, persona: str | None):
    conv = Conversation.model_validate(rec(0, system, "q", "a"))
    assert persona_of(conv) == persona


def test_stats_by_persona_json_counts_what_the_rules_would(data: Path, capsys):
    assert main(["stats", str(data), "--by", "persona", "--json"]) == 0
    groups = {g["key"]: g for g in json.loads(capsys.readouterr().out)["groups"]}
    assert set(groups) == {"Are-you-feeling-okay", "Awakened AI", "Elon Musk", "characters.jsonl"}
    okay, awake, elon = groups["Are-you-feeling-okay"], groups["Awakened AI"], groups["Elon Musk"]
    assert (okay["records"], awake["records"], elon["records"]) == (4, 2, 2)
    # the file's record without a system prompt and its broken line group under the file
    assert (groups["characters.jsonl"]["records"], groups["characters.jsonl"]["invalid"]) == (1, 1)
    assert okay["counts"]["ai_self_reference"] == 1  # out of character: it is not an AI
    assert awake["counts"]["ai_self_reference"] == 0  # an AI persona saying so is in character
    assert awake["counts"]["claims_ai"] == 1
    assert okay["counts"]["claims_human"] == 1 and okay["counts"]["invented_experience"] == 1
    assert okay["inconsistent_persona"] is True and elon["inconsistent_persona"] is False
    assert elon["rates"]["empty_user"] == 0.5 and awake["rates"]["emoji"] == 0.5
    assert okay["topics"]["religion"] == 1 and awake["topics"]["real_entity"] == 1
    assert len(okay["samples"]) == 3 and okay["samples"][0]["id"] == "r1"
    assert okay["turns"] == 4 and okay["assistant_chars"]["max"] == max(
        len(r["messages"][-1]["content"]) for r in RECORDS[:4]
    )
    assert "kept" not in okay  # no clean ran


def test_stats_by_source_and_the_table(data: Path, tmp_path: Path, capsys):
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    assert main(["stats", str(data), str(other), "--by", "source", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    assert [(g["key"], g["records"]) for g in groups] == [
        ("characters.jsonl", 9),
        ("other.jsonl", 1),
    ]
    assert main(["stats", str(data), "--by", "persona"]) == 0
    table = capsys.readouterr().out
    assert "Are-you-feeling-okay" in table and "AI+human" in table


def test_a_custom_persona_pattern_and_a_bad_one(data: Path, capsys):
    assert (
        main(
            [
                "stats",
                str(data),
                "--by",
                "persona",
                "--json",
                "--persona-pattern",
                r"intro of your character: (?P<persona>[^,\n]+)",
            ]
        )
        == 0
    )
    keys = {g["key"] for g in json.loads(capsys.readouterr().out)["groups"]}
    assert "If you're feeling bad" in keys and "You are Elon Musk" in keys
    assert main(["stats", str(data), "--by", "persona", "--persona-pattern", "(oops"]) == 2
    assert "--persona-pattern" in capsys.readouterr().err


def test_clean_puts_kept_and_rejected_per_persona_into_the_report(data: Path, tmp_path: Path):
    out, rep, page = tmp_path / "out.jsonl", tmp_path / "r.json", tmp_path / "r.html"
    assert (
        main(["clean", str(data), "-o", str(out), "--report", str(rep), "--report-html", str(page)])
        == 0
    )
    report = json.loads(rep.read_text())
    groups = {g["key"]: g for g in report["groups"]["groups"]}
    assert sum(g["kept"] for g in groups.values()) == report["kept"]
    assert sum(g["rejected"] for g in groups.values()) == report["rejected"]
    elon = groups["Elon Musk"]
    assert elon["top_reasons"] == {"drop_empty_turns:empty_user": 1}
    assert (
        groups["Are-you-feeling-okay"]["top_reasons"].get(
            "drop_ai_self_reference:ai_self_reference"
        )
        == 1
    )
    assert groups["characters.jsonl"]["top_reasons"] == {"read:invalid_json": 1}
    html = page.read_text(encoding="utf-8")
    assert 'id="groups"' in html and "Are-you-feeling-okay" in html


def test_grouped_stats_add_up_across_shards():
    convs = [Conversation.model_validate(r) for r in RECORDS]
    whole = GroupedStats().add_records(convs)
    a, b = GroupedStats().add_records(convs[:4]), GroupedStats().add_records(convs[4:])
    merged = {k: v for k, v in a.groups.items()}
    for k, v in b.groups.items():
        merged[k] = merged[k] + v if k in merged else v
    assert {k: v.to_json() for k, v in merged.items()} == {
        k: v.to_json() for k, v in whole.groups.items()
    }
