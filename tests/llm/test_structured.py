"""Validated JSON answers: tolerant parsing, re-asks, truncation, the response_format probe."""

from __future__ import annotations

import asyncio

import pytest
from fakellm import chat, chat_json, error

from selfreflect.llm import (
    InvalidOutput,
    LLMClient,
    RetryPolicy,
    Truncated,
    ask_json,
    parse_json_object,
)

SCHEMA = {
    "type": "object",
    "properties": {"answer": {"enum": ["yes", "no"]}, "reason": {"type": "string"}},
    "required": ["answer", "reason"],
}
MSGS = [{"role": "user", "content": "Is the sky blue?"}]


def ask(server, **kw):
    client = LLMClient(server.base_url, "m", retry=RetryPolicy(max_retries=2, base_delay=0.01))

    async def go():
        try:
            return await ask_json(client, MSGS, SCHEMA, **kw), client
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_parse_tolerates_fences_and_leading_text():
    assert parse_json_object('{"a": 1}') == {"a": 1}
    assert parse_json_object('```json\n{"a": 1}\n```') == {"a": 1}
    assert parse_json_object('Sure! Here it is:\n{"a": {"b": "}"}} hope it helps') == {
        "a": {"b": "}"}
    }
    assert parse_json_object('``` \n{"a": 2}```') == {"a": 2}
    for bad in ["", "no json here", '{"a": 1', "[1, 2]"]:
        with pytest.raises(ValueError):
            parse_json_object(bad)


def test_fenced_answer_is_accepted(fake_llm):
    fake_llm.script(
        chat_json({"answer": "yes", "reason": "physics"}, fenced=True, lead="Here you go:\n")
    )
    result, client = ask(fake_llm)
    assert result.value == {"answer": "yes", "reason": "physics"} and result.reasks == 0


def test_invalid_answer_is_reasked_with_the_error(fake_llm):
    fake_llm.script(
        chat_json({"answer": "maybe", "reason": "?"}),
        chat('{"answer": "yes", "reason": "ok"'),  # truncated JSON text
        chat_json({"answer": "no", "reason": "night"}),
    )
    result, client = ask(fake_llm, max_reasks=2)
    assert result.value["answer"] == "no" and result.reasks == 2
    second = fake_llm.requests[1].messages
    assert second[-2] == {"role": "assistant", "content": '{"answer": "maybe", "reason": "?"}'}
    assert "'maybe' is not one of ['yes', 'no']" in second[-1]["content"]
    assert "no complete JSON object" in fake_llm.requests[2].messages[-1]["content"]
    assert client.usage.counters["reasks"] == 2
    assert client.usage.counters["retries"] == 0  # re-asks are not transport retries


def test_invalid_after_all_reasks(fake_llm):
    fake_llm.handler = lambda r: chat("I cannot answer in JSON.")
    with pytest.raises(InvalidOutput, match="after 1 re-asks"):
        ask(fake_llm, max_reasks=1)
    assert fake_llm.calls == 2


def test_length_is_truncation_not_invalid_json_and_is_reasked_shorter(fake_llm):
    fake_llm.handler = lambda r: chat('{"answer": "yes", "reas', finish_reason="length")
    with pytest.raises(Truncated, match="token limit"):
        ask(fake_llm, max_reasks=1)
    assert fake_llm.calls == 2
    assert "cut off at the token limit" in fake_llm.requests[1].messages[-1]["content"]
    fake_llm.handler = None
    fake_llm.script(
        chat('{"answer": "yes", "reason": "a', finish_reason="length"),
        chat_json({"answer": "yes", "reason": "short"}),
    )
    assert ask(fake_llm)[0].value == {"answer": "yes", "reason": "short"}


def test_extra_check_triggers_reask(fake_llm):
    fake_llm.script(
        chat_json({"answer": "yes", "reason": ""}),
        chat_json({"answer": "yes", "reason": "because"}),
    )
    result, _ = ask(fake_llm, check=lambda v: None if v["reason"] else "reason is empty")
    assert result.value["reason"] == "because"
    assert "reason is empty" in fake_llm.requests[1].messages[-1]["content"]


def test_response_format_sent_when_accepted(fake_llm):
    fake_llm.handler = lambda r: chat_json({"answer": "yes", "reason": "r"})
    ask(fake_llm, name="judge")
    fmt = fake_llm.requests[0].body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"] == SCHEMA


def test_response_format_refused_is_probed_once_then_dropped(fake_llm):
    def server(request):
        if "response_format" in request.body:
            return error(400, message="response_format not supported")
        return chat_json({"answer": "no", "reason": "r"})

    fake_llm.handler = server
    client = LLMClient(fake_llm.base_url, "m")

    async def go():
        for _ in range(3):
            await ask_json(client, MSGS, SCHEMA)
        await client.aclose()

    asyncio.run(go())
    sent = [
        r.body.get("response_format", {}).get("json_schema", {}).get("strict", "-")
        if "response_format" in r.body
        else None
        for r in fake_llm.requests
    ]
    assert sent == [True, "-", None, None, None]  # strict, then plain, then none
    assert client.response_format_ok is False and client.strict_ok is False


def test_response_format_refusal_under_concurrency_falls_back_for_every_call(fake_llm):
    def server(request):
        if "response_format" in request.body:
            return error(400, message="unknown field response_format")
        return chat_json({"answer": "yes", "reason": request.messages[-1]["content"]})

    fake_llm.handler = server
    client = LLMClient(fake_llm.base_url, "m", concurrency=8)

    async def go():
        out = await asyncio.gather(
            *[ask_json(client, [{"role": "user", "content": f"q{i}"}], SCHEMA) for i in range(12)]
        )
        await client.aclose()
        return out

    answers = asyncio.run(go())
    assert [a.value["reason"] for a in answers] == [f"q{i}" for i in range(12)]
    refused = [r for r in fake_llm.requests if "response_format" in r.body]
    assert 2 <= len(refused) <= 24  # each call tries each rung at most once (strict, plain)
    assert "response_format" not in fake_llm.requests[-1].body
    assert client.usage.counters["response_format_refused"] == 1


def test_tolerant_reading_fixes_what_needs_no_reask(fake_llm):
    replies = [
        "Sure! Here is my answer:\n{'answer': 'Yes', 'reason': 'sky',}\nHope it helps.",
        '```json\n{"answer": " NO ", "reason": "night", "extra": 1,}\n```',
        '{"answer": "yes"}',  # a missing string is filled empty, not re-asked
        '{"answer": "**No.**", "reason": "r"}',
    ]
    fake_llm.script(*[chat(r) for r in replies])
    closed = {**SCHEMA, "additionalProperties": False}
    client = LLMClient(fake_llm.base_url, "m")

    async def go():
        out = [await ask_json(client, MSGS, closed) for _ in replies]
        await client.aclose()
        return out

    values = [a.value for a in asyncio.run(go())]
    assert values == [
        {"answer": "yes", "reason": "sky"},
        {"answer": "no", "reason": "night"},
        {"answer": "yes", "reason": ""},
        {"answer": "no", "reason": "r"},
    ]
    assert fake_llm.calls == 4 and "reasks" not in client.usage.counters
    assert client.usage.counters["repaired_json"] == 2
    assert client.usage.counters["missing_reason"] == 1


def test_a_reply_cut_before_its_closing_brace_is_never_completed_by_guessing():
    for cut in ['{"answer": "yes", "reason": "the sky is', "{'answer': 'yes',"]:
        with pytest.raises(ValueError, match="no complete JSON object"):
            parse_json_object(cut)
    assert parse_json_object("{'a': [1, 2,],}") == {"a": [1, 2]}


def test_coerce_keeps_what_it_can_of_an_array_and_counts_the_rest():
    from collections import Counter

    from selfreflect.llm.structured import coerce

    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["turns", "note"],
        "properties": {
            "turns": {"type": "array", "items": {"type": "integer", "enum": [3, 4]}},
            "note": {"type": "string"},
        },
    }
    counted: Counter[str] = Counter()

    def count(name: str) -> None:
        counted[name] += 1

    assert coerce({"turns": "4"}, schema, count) == {"turns": [4], "note": ""}
    assert coerce({"turns": None, "note": "n", "x": 1}, schema) == {"turns": [], "note": "n"}
    assert coerce({"answer": {"turns": [4], "note": "n"}}, schema) == {"turns": [4], "note": "n"}
    assert coerce({"turns": [3, 9, "x", 4.0]}, schema, count)["turns"] == [3, 4]
    assert counted == Counter({"missing_note": 2, "dropped_turns": 2})
