"""Turn-level actions: a bad turn cuts the conversation instead of dropping it, nothing is lost."""

from __future__ import annotations

import json

import pytest

from selfreflect import Conversation, Message, Pipeline, Reject
from selfreflect.cli import main
from selfreflect.filters import (
    DropAISelfReference,
    DropBadStructure,
    DropEmojiTurns,
    DropEmptyTurns,
    DropGarbled,
)
from selfreflect.steps import Cut


def conv(*turns: tuple[str, str], cid: str = "x") -> Conversation:
    return Conversation(id=cid, messages=[Message(role=r, content=c) for r, c in turns])


# A ShareGPT-shaped multi-turn chat (sg-WPa8qOo_0 was dropped whole for one disclaimer in turn 7).
LONG = [
    ("user", "What are the main stages of a product launch?"),
    (
        "assistant",
        "1. Pre-launch: build anticipation.\n2. Launch: open the cart.\n3. Post-launch: "
        "follow up with buyers.",
    ),
    ("user", "How long should the pre-launch last?"),
    ("assistant", "Usually two to four weeks, enough to publish three or four pieces of content."),
    ("user", "What happened in the news about this last week?"),
    (
        "assistant",
        "As an AI language model, I don't have access to the news after my knowledge cutoff.",
    ),
    ("user", "OK. Write me a launch email."),
    ("assistant", "Subject: Doors open today\n\nHi there, ..."),
]


@pytest.mark.parametrize("step", [DropAISelfReference(), DropAISelfReference(action="cut")])
def test_one_disclaimer_cuts_before_its_exchange_instead_of_dropping(step):
    out = step.process(conv(*LONG))
    assert isinstance(out, Conversation)
    assert [m.content for m in out.messages] == [t for _, t in LONG[:4]]
    (cut,) = out.cuts
    assert cut["reason"] == "language_model_disclaimer" and cut["indices"] == [4, 5, 6, 7]
    assert [m["content"] for m in cut["messages"]] == [t for _, t in LONG[4:]]


def test_action_drop_drops_the_whole_record():
    out = DropAISelfReference(action="drop").process(conv(*LONG))
    assert isinstance(out, Reject) and out.reason == "language_model_disclaimer"


def test_a_bad_first_exchange_is_cut_from_the_head_when_a_complete_exchange_follows():
    # the bad turn is in the first exchange: nothing usable before it, a good rest after it
    record = conv(
        ("user", "Hi"),
        ("assistant", "\ufffd\ufffd broken"),
        ("user", "What is the capital of France?"),
        ("assistant", "Paris."),
    )
    out = DropGarbled().process(record)
    assert isinstance(out, Conversation)
    assert [m.content for m in out.messages] == ["What is the capital of France?", "Paris."]
    (cut,) = out.cuts
    assert cut["reason"] == "replacement_char" and cut["indices"] == [0, 1]
    assert [m["content"] for m in cut["messages"]] == ["Hi", "\ufffd\ufffd broken"]


def test_the_rest_after_a_head_cut_is_checked_again():
    record = conv(
        ("user", "Hi"),
        ("assistant", "\ufffd broken"),
        ("user", "And now?"),
        ("assistant", "still \ufffd broken"),
    )
    out = DropGarbled().process(record)
    assert isinstance(out, Reject) and out.reason == "replacement_char"


def test_nothing_complete_left_drops_with_the_rules_reason():
    record = conv(("user", "Hi"), ("assistant", "\ufffd\ufffd broken"), ("user", "ok?"))
    out = DropGarbled().process(record)
    assert isinstance(out, Reject) and out.reason == "replacement_char"


def test_emoji_user_turn_late_in_a_chat_cuts_there():
    # sg-1giY8Cd_45: 17 messages dropped for one user turn "👍"
    record = conv(*LONG[:4], ("user", "👍👍"), ("assistant", "Glad it helps!"))
    out = DropEmojiTurns().process(record)
    assert isinstance(out, Conversation) and len(out.messages) == 4
    assert out.cuts[0]["reason"] == "mostly_emoji_user"


def test_empty_turn_in_the_middle_cuts_and_an_unanswered_user_turn_before_it_goes_too():
    record = conv(*LONG[:4], ("user", "and?"), ("user", "   "), ("assistant", "Sure."))
    out = DropEmptyTurns().process(record)
    assert isinstance(out, Conversation) and len(out.messages) == 4
    assert out.cuts[0]["indices"] == [4, 5, 6]


def test_trimmed_is_counted_beside_modified_and_the_run_balances():
    records = [conv(*LONG, cid="long"), conv(("user", "Hi"), ("assistant", "Hello!"), cid="ok")]
    result = Pipeline([DropAISelfReference()]).run(records)
    stats = result.report.steps[1]
    assert (stats.trimmed, stats.modified, stats.dropped) == (1, 0, 0)
    assert result.report.to_json()["steps"][1]["trimmed"] == 1
    assert result.report.input == result.report.kept + result.report.rejected == 2
    cuts = [r for r in result.rejects if isinstance(r, Cut)]
    assert len(cuts) == 1 and cuts[0].id == "long"


def test_cut_messages_are_in_the_rejects_file(tmp_path, capsys):
    data = tmp_path / "in.jsonl"
    record = {"id": "sg-WPa8qOo_0", "messages": [{"role": r, "content": c} for r, c in LONG]}
    chitchat = {
        "id": "cc-1",
        "messages": [
            {"role": "user", "content": "Hey, how was the hike?"},
            {"role": "assistant", "content": "Long but fun!"},
            {"role": "user", "content": "Send pics later"},
        ],
    }
    data.write_text(json.dumps(record) + "\n" + json.dumps(chitchat) + "\n", encoding="utf-8")
    out, rejects, report = tmp_path / "out.jsonl", tmp_path / "rej.jsonl", tmp_path / "rep.json"
    assert (
        main(
            ["clean", str(data), "-o", str(out), "--rejects", str(rejects), "--report", str(report)]
        )
        == 0
    )
    kept = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    lines = [json.loads(x) for x in rejects.read_text().splitlines()]
    assert set(kept) == {"sg-WPa8qOo_0", "cc-1"}
    assert len(kept["sg-WPa8qOo_0"]["messages"]) == 4
    assert [m["role"] for m in kept["cc-1"]["messages"]] == ["user", "assistant"]
    by_id = {line["id"]: line for line in lines}
    cut = by_id["sg-WPa8qOo_0"]
    assert cut["trimmed"] is True and cut["step"] == "drop_ai_self_reference"
    assert cut["indices"] == [4, 5, 6, 7] and cut["source"] and cut["line"] == 1
    assert [m["content"] for m in cut["messages"]] == [t for _, t in LONG[4:]]
    assert by_id["cc-1"]["reason"] == "trailing_user"
    assert by_id["cc-1"]["messages"] == [{"role": "user", "content": "Send pics later"}]
    rep = json.loads(report.read_text())
    assert rep["input"] == rep["kept"] + rep["rejected"] == 2
    steps = {s["name"]: s for s in rep["steps"]}
    assert steps["drop_ai_self_reference"]["trimmed"] == 1
    assert steps["drop_bad_structure"]["trimmed"] == 1
    assert "trimmed" in capsys.readouterr().err  # the table printed by the CLI


def test_pooled_run_writes_the_same_cuts(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text(
        "\n".join(
            json.dumps({"id": f"r{i}", "messages": [{"role": r, "content": c} for r, c in LONG]})
            for i in range(5)
        )
        + "\n",
        encoding="utf-8",
    )
    out, rejects, report = tmp_path / "o.jsonl", tmp_path / "r.jsonl", tmp_path / "p.json"
    assert (
        main(
            [
                "clean",
                str(data),
                "-o",
                str(out),
                "--rejects",
                str(rejects),
                "--report",
                str(report),
                "--workers",
                "2",
                "--recipe",
                "default",
            ]
        )
        == 0
    )
    lines = [json.loads(x) for x in rejects.read_text().splitlines()]
    cuts = [x for x in lines if x.get("trimmed")]
    rep = json.loads(report.read_text())
    # the five records are exact duplicates: one kept (trimmed), four dropped as duplicates
    assert rep["kept"] == 1 and rep["input"] == rep["kept"] + rep["rejected"]
    assert len(cuts) == 5 and all(len(c["messages"]) == 4 for c in cuts)
    steps = {s["name"]: s for s in rep["steps"]}
    assert steps["drop_ai_self_reference"]["trimmed"] == 5


@pytest.mark.parametrize("value", ["maybe", "keep"])
def test_a_bad_action_fails_before_data_is_read(value):
    with pytest.raises(ValueError, match="action"):
        Pipeline([DropGarbled(action=value)]).check()
    with pytest.raises(ValueError, match="trailing_user"):
        Pipeline([DropBadStructure(trailing_user=value)]).check()


def test_a_head_cut_repeated_thousands_of_times_needs_no_recursion() -> None:
    """Every exchange but the last is bad: the rule cuts the head again and again, in a loop."""
    from selfreflect.conversation import Conversation, Message
    from selfreflect.filters.garbled import DropGarbled

    bad = "\ufffd\ufffd\ufffd broken"
    messages = []
    for _ in range(3000):
        messages += [
            Message(role="user", content="Tell me"),
            Message(role="assistant", content=bad),
        ]
    messages += [
        Message(role="user", content="And now?"),
        Message(role="assistant", content="Fine."),
    ]
    out = DropGarbled().process(Conversation(id="long", messages=messages))
    assert isinstance(out, Conversation)
    assert [m.content for m in out.messages] == ["And now?", "Fine."]
