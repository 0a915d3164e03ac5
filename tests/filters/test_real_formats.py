"""Real formats: OpenAI tool calls pass every rule and round-trip; ShareGPT speakers in the wild."""

from __future__ import annotations

import json

from selfreflect import Conversation, Reject
from selfreflect.cli import main
from selfreflect.filters import DropBadStructure
from selfreflect.formats import sharegpt
from selfreflect.recipe import load

WEATHER = {
    "id": "tool-1",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant with a weather tool."},
        {"role": "user", "content": "What's the weather in Paris right now?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_abc123",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_abc123",
            "content": '{"temp_c": 18, "sky": "cloudy"}',
        },
        {"role": "assistant", "content": "It's 18 °C and cloudy in Paris."},
    ],
}


def test_tool_calling_conversation_passes_the_default_recipe_and_is_written_back_unchanged(
    tmp_path,
):
    data = tmp_path / "tools.jsonl"
    legacy = {
        "id": "fn-1",
        "messages": [
            {"role": "user", "content": "Add 2 and 3 with the calculator, please."},
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "add", "arguments": '{"a": 2, "b": 3}'},
            },
            {"role": "function", "name": "add", "content": "5"},
            {"role": "assistant", "content": "2 + 3 = 5."},
        ],
    }
    data.write_text(json.dumps(WEATHER) + "\n" + json.dumps(legacy) + "\n", encoding="utf-8")
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    assert main(["clean", str(data), "-o", str(out), "--rejects", str(rejects)]) == 0
    kept = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert rejects.read_text() == ""
    assert kept[0]["messages"][2] == WEATHER["messages"][2]  # content: null, tool_calls intact
    assert kept[0]["messages"][2]["content"] is None
    assert kept[0]["messages"][3]["tool_call_id"] == "call_abc123"
    assert kept[1]["messages"][1]["content"] is None
    assert kept[1]["messages"][1]["function_call"]["name"] == "add"
    assert kept[1]["messages"][2]["role"] == "tool"  # "function" is the legacy name of "tool"


def test_tool_call_without_its_result_is_a_defect_with_its_own_reason():
    broken = {**WEATHER, "messages": WEATHER["messages"][:3] + WEATHER["messages"][4:]}
    conv = Conversation.model_validate(broken)
    out = DropBadStructure().process(conv)
    assert isinstance(out, Reject) and out.reason == "tool_call_missing_result"
    # later in a chat, the exchange with the unanswered call is cut away
    longer = {
        **broken,
        "messages": [
            {"role": "user", "content": "Hi!"},
            {"role": "assistant", "content": "Hello! Ask away."},
            *broken["messages"][1:],
        ],
    }
    out = DropBadStructure().process(Conversation.model_validate(longer))
    assert isinstance(out, Conversation) and len(out.messages) == 2
    assert out.cuts[0]["reason"] == "tool_call_missing_result"


def test_tool_messages_are_not_repeated_roles_and_no_rule_reads_null_as_empty():
    conv = Conversation.model_validate(WEATHER)
    result = load("default").pipeline.run([conv])
    assert result.rejects == [] and result.kept[0].messages[2].content is None


def test_sharegpt_speakers_seen_in_the_wild_map_to_roles_and_extra_keys_stay():
    record = {
        "id": "sg-x",
        "model": "Model: GPT-4",
        "conversations": [
            {"from": "human", "value": "Who wrote Dune?"},
            {"from": "bing", "value": "Frank Herbert wrote Dune (1965)."},
            {"from": "human", "value": "And the sequel?"},
            {"from": "bard", "value": "Dune Messiah, 1969."},
            {"from": "user", "value": "Thanks. One more?"},
            {"from": "chatgpt", "value": "Children of Dune, 1976."},
            {"from": "human", "value": "Last one."},
            {"from": "model", "value": "God Emperor of Dune, 1981.", "markdown": None},
            {"from": "human", "value": "ok"},
            {"from": "assistant", "value": "Enjoy the books!"},
        ],
    }
    conv = sharegpt.to_conversation(record, "x.json", 1)
    assert [m.role for m in conv.messages] == ["user", "assistant"] * 5
    assert conv.model_extra["model"] == "Model: GPT-4"
    assert conv.messages[7].model_extra == {"markdown": None}
