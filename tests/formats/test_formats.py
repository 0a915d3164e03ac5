"""The three input formats, detection, JSON arrays and gzip."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from selfreflect import Conversation, Reject
from selfreflect.formats import ROLE_ALIASES, UnknownFormatError, detect, read

OPENAI = {
    "id": "c1",
    "messages": [
        {"role": "system", "content": "Be a pirate."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Arr."},
    ],
}
SHAREGPT = {
    "id": "s1",
    "conversations": [
        {"from": "system", "value": "Be a pirate."},
        {"from": "human", "value": "hi"},
        {"from": "gpt", "value": "Arr."},
    ],
}
ALPACA = {"instruction": "hi", "input": "", "output": "Arr.", "system": "Be a pirate."}


def jsonl(path: Path, *records: object) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def roles_and_text(conv: Conversation) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in conv.messages]


@pytest.mark.parametrize("record", [OPENAI, SHAREGPT, ALPACA], ids=["openai", "sharegpt", "alpaca"])
def test_each_format_reads_to_the_same_conversation(tmp_path, record):
    (conv,) = read(jsonl(tmp_path / "a.jsonl", record))
    assert roles_and_text(conv) == [
        ("system", "Be a pirate."),
        ("user", "hi"),
        ("assistant", "Arr."),
    ]


def test_unknown_fields_survive_a_round_trip(tmp_path):
    record = {
        **OPENAI,
        "lang": "en",
        "score": 0.9,
        "metadata": {"origin": "forum"},
        "messages": [{**OPENAI["messages"][0], "weight": 0}, *OPENAI["messages"][1:]],
    }
    (conv,) = read(jsonl(tmp_path / "a.jsonl", record))
    assert conv.to_record() == record


def test_sharegpt_keeps_extra_fields_and_top_level_system(tmp_path):
    record = {
        "id": 7,
        "system": "Be brief.",
        "source_site": "x",
        "conversations": [
            {"from": "human", "value": "q", "mark": True},
            {"from": "gpt", "value": "a"},
        ],
    }
    (conv,) = read(jsonl(tmp_path / "a.jsonl", record))
    out = conv.to_record()
    assert out["id"] == "7" and out["source_site"] == "x"
    assert out["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "q", "mark": True},
        {"role": "assistant", "content": "a"},
    ]


@pytest.mark.parametrize(("alias", "role"), sorted(ROLE_ALIASES.items()))
def test_documented_aliases_map(tmp_path, alias, role):
    record = {"conversations": [{"from": alias.upper(), "value": "text"}]}
    (conv,) = read(jsonl(tmp_path / "a.jsonl", record))
    assert conv.messages[0].role == role


def test_alpaca_input_history_and_missing_fields(tmp_path):
    with_input = {
        "instruction": "Translate.",
        "input": "bonjour",
        "output": "hello",
        "history": [["hi", "hello there"]],
        "category": "mt",
    }
    f = jsonl(
        tmp_path / "a.jsonl",
        with_input,
        {"instruction": "x", "output": None},
        {"instruction": "x", "output": "y", "input": 3},
    )
    conv, missing, bad_input = read(f)
    assert roles_and_text(conv) == [
        ("user", "hi"),
        ("assistant", "hello there"),
        ("user", "Translate.\n\nbonjour"),
        ("assistant", "hello"),
    ]
    assert conv.to_record()["category"] == "mt"
    assert missing.reason == "missing_fields" and "'output'" in missing.detail
    assert bad_input.reason == "bad_content"


def test_ids_are_kept_or_made_stable(tmp_path):
    f = jsonl(tmp_path / "a.jsonl", OPENAI, {"messages": OPENAI["messages"]})
    first = [c.id for c in read(f)]
    assert first[0] == "c1"
    assert first[1] == Conversation.make_id(str(f), 2)
    assert [c.id for c in read(f)] == first


def test_a_field_named_source_is_not_lost(tmp_path):
    (conv,) = read(jsonl(tmp_path / "a.jsonl", {**OPENAI, "source": "reddit", "line": 9}))
    assert conv.source == str(tmp_path / "a.jsonl") and conv.line == 1
    record = conv.to_record()
    assert (record["source"], record["line"]) == ("reddit", 9)
    assert "metadata" not in record  # the record keeps its own shape


def test_detection_follows_the_majority_of_the_first_records():
    assert detect([OPENAI, SHAREGPT, SHAREGPT, {"x": 1}]) == "sharegpt"
    assert detect([ALPACA]) == "alpaca"
    assert detect([OPENAI, SHAREGPT]) == "openai"  # a tie goes to the earlier format
    assert detect([{"text": "plain"}, 3]) is None


def test_records_of_another_format_in_a_detected_file_are_rejected(tmp_path):
    f = jsonl(tmp_path / "a.jsonl", OPENAI, OPENAI, SHAREGPT)
    *_, bad = read(f)
    assert bad.reason == "missing_messages" and "read as openai" in bad.detail


def test_undetectable_file_rejects_every_record_with_a_clear_reason(tmp_path):
    f = jsonl(tmp_path / "a.jsonl", {"text": "a"}, {"prompt": "b", "completion": "c"})
    results = list(read(f))
    assert [r.reason for r in results] == ["unknown_format", "unknown_format"]
    assert "expected 'messages' (openai)" in results[0].detail
    assert "text" in results[0].detail


def test_format_can_be_forced(tmp_path):
    f = jsonl(tmp_path / "a.jsonl", SHAREGPT)
    (bad,) = read(f, format="openai")
    assert bad.reason == "missing_messages"
    with pytest.raises(UnknownFormatError, match="known formats: openai, sharegpt, alpaca"):
        read(f, format="vicuna")


def test_messages_that_are_not_a_list_or_not_objects(tmp_path):
    f = jsonl(
        tmp_path / "a.jsonl",
        OPENAI,
        {"messages": {"role": "user"}},
        {"messages": ["hi"]},
        {"messages": [{"content": "no role"}]},
        {**OPENAI, "metadata": "oops"},
    )
    reasons = [(r.line, r.reason) for r in read(f) if isinstance(r, Reject)]
    assert reasons == [
        (2, "invalid_messages"),
        (3, "invalid_message"),
        (4, "invalid_message"),
        (5, "invalid_record"),
    ]


def test_tool_call_with_null_content_is_kept(tmp_path):
    call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "t", "type": "function", "function": {"name": "f"}}],
    }
    (conv,) = read(
        jsonl(tmp_path / "a.jsonl", {"messages": [{"role": "user", "content": "x"}, call]})
    )
    # null stays null (written back unchanged), rules read .text
    assert conv.messages[1].content is None and conv.messages[1].text == ""
    assert conv.messages[1].tool_calls


def test_json_array_file_reads_element_by_element(tmp_path):
    f = tmp_path / "a.json"
    f.write_text(json.dumps([SHAREGPT, 5, SHAREGPT], indent=2), encoding="utf-8")
    results = list(read(f))
    assert [type(r).__name__ for r in results] == ["Conversation", "Reject", "Conversation"]
    assert results[1].reason == "not_an_object" and results[1].line == 2
    assert results[2].line == 3


def test_json_array_large_enough_to_span_chunks(tmp_path):
    records = [{**OPENAI, "id": f"r{i}", "pad": "z" * 3000} for i in range(800)]
    f = tmp_path / "a.json"
    f.write_text("\ufeff" + json.dumps(records), encoding="utf-8")
    assert [c.id for c in read(f)] == [f"r{i}" for i in range(800)]


def test_broken_json_array_element_is_one_reject_and_reading_goes_on(tmp_path):
    f = tmp_path / "a.json"
    f.write_text(
        '[{"messages": [{"role": "user", "content": "ok"}]},\n {"messages": [}, {}]',
        encoding="utf-8",
    )
    good, bad, after = read(f)
    assert isinstance(good, Conversation)
    assert (bad.reason, bad.line) == ("invalid_json", 2) and "line 2" in bad.detail
    assert bad.raw == '{"messages": [}'
    assert (after.reason, after.line) == ("missing_messages", 3)  # the next element is read


def test_json_array_with_invalid_utf8_and_lone_surrogate(tmp_path):
    f = tmp_path / "a.json"
    good = json.dumps(OPENAI).encode()
    bad_bytes = good.replace(b"Arr.", b"Arr\xff")
    lone = good.replace(b"Arr.", b"\\udc00")
    f.write_bytes(b"[" + good + b"," + bad_bytes + b"," + lone + b"]")
    results = list(read(f))
    assert isinstance(results[0], Conversation)
    assert [(r.line, r.reason) for r in results[1:]] == [(2, "invalid_utf8"), (3, "lone_surrogate")]


def test_gzip_is_read_by_its_magic_bytes(tmp_path):
    f = tmp_path / "a.jsonl.gz"
    with gzip.open(f, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(OPENAI) + "\n" + "{broken\n")
    conv, bad = read(f)
    assert conv.id == "c1" and (bad.reason, bad.line) == ("invalid_json", 2)


def test_truncated_json_array_keeps_exact_raw_text(tmp_path):
    f = tmp_path / "a.json"
    f.write_text('  [{"messages": []}', encoding="utf-8")  # the closing ] is missing
    empty, truncated = read(f)
    assert (empty.reason, empty.raw) == ("empty_messages", '{"messages": []}')
    assert (truncated.reason, truncated.line) == ("invalid_json", 2)
