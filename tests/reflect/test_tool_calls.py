"""reflect on conversations whose assistant turns call tools (content null)."""

from __future__ import annotations

from fakellm import chat_json
from reflectcases import good, run

from selfreflect import Conversation
from selfreflect.reflect import iter_examples

CALL = [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]


def weather() -> Conversation:
    return Conversation(
        id="w",
        messages=[
            {"role": "user", "content": "Weather in Oslo?"},
            {"role": "assistant", "content": None, "tool_calls": CALL},
            {"role": "tool", "content": "rain", "tool_call_id": "c1"},
            {"role": "assistant", "content": "It rains."},
            {"role": "user", "content": "And tomorrow?"},
            {"role": "assistant", "content": "No idea."},
            {"role": "user", "content": "That is not helpful."},
        ],
    )


def test_a_tool_call_before_the_answer_does_not_break_the_review(fake_llm):
    # used to raise TypeError: the hindsight-leak guard read the null content as text
    fake_llm.handler = lambda r: good("Tomorrow it will be sunny in Oslo.", evidence_turns=[6])
    result, _ = run(fake_llm, [weather()], turns="all")
    (out,) = iter_examples(result.kept)
    assert out.id == "w#5" and not result.rejects
    assert out.messages[1].content is None and out.messages[1].calls_tools
    assert out.messages[5].content == "Tomorrow it will be sunny in Oslo."


def test_a_tool_call_is_not_an_answer_to_review(fake_llm):
    # the first answer to turn 0 is a tool call: there is no text to rewrite, so the first
    # reviewed answer is turn 5, and the call is kept as it was
    fake_llm.handler = lambda r: good("Tomorrow it will be sunny in Oslo.", evidence_turns=[6])
    result, _ = run(fake_llm, [weather()], turns="first", mode="conversation")
    (out,) = result.kept
    assert [info["turn"] for info in out.metadata["reflect"]] == [5]
    assert len(fake_llm.requests) == 1 and "turn 5 (assistant)" in fake_llm.requests[0].prompt


def test_the_seed_prompt_renders_a_tool_call(fake_llm):
    # used to raise TypeError: the nonce was made by joining the contents, null among them
    fake_llm.handler = lambda r: chat_json(
        {"K": "And tomorrow?", "C": "vague", "L": "Sunny, says the forecast."}
    )
    result, _ = run(fake_llm, [weather()], prompt="seed-kcl-v1")
    (out,) = iter_examples(result.kept)
    assert out.id == "w#5" and out.messages[5].content == "Sunny, says the forecast."
    assert "T:\n<<<" in fake_llm.requests[0].prompt
