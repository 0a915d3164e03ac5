"""Every reviewed answer becomes data: one example per turn, turns isolated from each other,
the report accounted, and the files read by ``datasets`` as TRL's trainers read them."""

from __future__ import annotations

import json
import re

import pytest
from fakellm import chat, chat_json
from reflectcases import good, reflect_turns_all, run
from test_dialects import chats

from selfreflect.reflect import iter_examples


def turn_of(request) -> int:
    return int(re.search(r"The answer under review is turn (\d+)", request.prompt).group(1))


def chat_of(request) -> int:
    return int(re.search(r'"chat (\d+) question 0"', request.prompt).group(1))


def test_a_failed_turn_is_noted_and_the_others_kept(fake_llm):
    def answer(request):
        if turn_of(request) == 3:
            return chat("I'd rather not answer in JSON.")
        return good(f"better {turn_of(request)}", evidence_turns=[turn_of(request) + 1])

    fake_llm.handler = answer
    result, stats = run(fake_llm, chats(2), mode="conversation", turns="all", max_reasks=1)
    out = result.kept[0]
    assert [i["turn"] for i in out.metadata["reflect"]] == [1, 5]
    (failed,) = out.metadata["reflect_failed"]
    assert failed["turn"] == 3 and failed["reason"] == "invalid_output"
    assert "no complete JSON object" in failed["detail"]
    assert stats.counters["turns_failed"] == 2 and stats.counters["turns_reviewed"] == 6
    assert stats.counters["turns_failed_invalid_output"] == 2
    assert not result.rejects


def test_a_record_is_rejected_only_when_no_turn_succeeded(fake_llm):
    def answer(request):
        if chat_of(request) == 1:
            return chat('{"verdict": "revise", "critique": "c", "revi', finish_reason="length")
        return chat("nope") if turn_of(request) != 5 else good("fine now", evidence_turns=[6])

    fake_llm.handler = answer
    result, stats = run(fake_llm, chats(2), turns="all", max_reasks=1)
    assert [e.id for e in iter_examples(result.kept)] == ["0#5"]
    (rej,) = result.rejects
    assert (rej.id, rej.reason) == ("1", "truncated")  # the first failure's reason
    assert rej.detail.startswith("turn 1: ")
    assert result.report.input == 2 == len(result.kept) + len(result.rejects)


def test_hindsight_is_reasked_once_then_the_turn_fails(fake_llm):
    leaky = good("As I mentioned earlier, it is hypothetical.")

    def answer(request):
        reasked = len(request.messages) > 2
        return (
            good("A 3-sided coin is hypothetical.") if reasked and chat_of(request) == 0 else leaky
        )

    fake_llm.handler = answer
    result, stats = run(fake_llm, chats(2, answers=1), max_reasks=3)
    assert [e.messages[-1].content for e in iter_examples(result.kept)] == [
        "A 3-sided coin is hypothetical."
    ]
    assert [r.reason for r in result.rejects] == ["hindsight_leak"]
    reasks = [r.messages[-1]["content"] for r in fake_llm.requests if len(r.messages) > 2]
    said = "refers to the later conversation: 'As I mentioned'"
    assert len(reasks) == 2 and all(said in x for x in reasks)
    assert fake_llm.calls == 4 and stats.counters["reasks"] == 2


def reviewed(request):
    """Revise odd chats' answers, keep even chats' (so preference pairs are a subset)."""
    t = turn_of(request)
    if chat_of(request) % 2:
        return good(f"improved answer {chat_of(request)}.{t}", evidence_turns=[t + 1])
    return chat_json(
        {"verdict": "keep", "critique": "fine", "evidence_turns": [t + 1], "revised_answer": ""}
    )


@pytest.mark.parametrize("mode", ["sft", "preference"])
def test_turns_all_over_100_conversations_is_accounted(fake_llm, tmp_path, mode):
    fake_llm.handler = reviewed
    convs = chats(100, answers=2)
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(c.to_record()) + "\n" for c in convs))
    out, rej, rep = tmp_path / "out.jsonl", tmp_path / "rej.jsonl", tmp_path / "rep.json"
    reflect_turns_all(
        fake_llm.base_url, src, out, mode, "--rejects", str(rej), "--report", str(rep)
    )
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    report = json.loads(rep.read_text())
    counters = report["steps"][1]["counters"]
    assert report["input"] == 100 == report["kept"] + report["rejected"]
    assert counters["turns_reviewed"] == 200 and counters["examples"] == len(lines)
    if mode == "sft":
        assert len(lines) == 200 and report["kept"] == 100
        assert [x["id"] for x in lines[:3]] == ["0#1", "0#3", "1#1"]
        second = lines[1]["messages"]  # prompt = the conversation up to and including K
        assert [m["content"] for m in second] == [
            "chat 0 question 0",
            "chat 0 answer 0",
            "chat 0 question 1",
            "chat 0 answer 1",
        ]
        assert lines[3]["messages"][-1]["content"] == "improved answer 1.3"
    else:  # even chats were all kept: no pair, rejected as verdict_keep
        assert len(lines) == 100 and report["kept"] == 50 and report["rejected"] == 50
        assert counters["turns_keep"] == 100
        assert {json.loads(x)["reason"] for x in rej.read_text().splitlines()} == {"verdict_keep"}
        pair = lines[1]
        assert pair["id"] == "1#3"
        assert [m["content"] for m in pair["prompt"]] == [
            "chat 1 question 0",
            "chat 1 answer 0",
            "chat 1 question 1",
        ]
        assert pair["chosen"] == [{"role": "assistant", "content": "improved answer 1.3"}]
        assert pair["rejected"] == [{"role": "assistant", "content": "chat 1 answer 1"}]


def test_outputs_load_with_datasets_in_the_columns_trl_reads(fake_llm, tmp_path):
    datasets = pytest.importorskip("datasets", reason="needs the 'hf' extra")
    fake_llm.handler = reviewed
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(c.to_record()) + "\n" for c in chats(6)))
    files = {}
    for mode in ("sft", "preference"):
        files[mode] = tmp_path / f"{mode}.jsonl"
        reflect_turns_all(fake_llm.base_url, src, files[mode], mode)
    sft = datasets.load_dataset("json", data_files=str(files["sft"]), split="train")
    assert len(sft) == 18 and "messages" in sft.column_names
    turn = {"role": datasets.Value("string"), "content": datasets.Value("string")}
    feature = sft.features["messages"]  # a list of {role, content} strings
    assert (feature.feature if hasattr(feature, "feature") else feature[0]) == turn
    assert sft[0]["messages"][-1]["role"] == "assistant"
    dpo = datasets.load_dataset("json", data_files=str(files["preference"]), split="train")
    assert len(dpo) == 9 and {"prompt", "chosen", "rejected"} <= set(dpo.column_names)
    assert "messages" not in dpo.column_names  # TRL refuses messages next to prompt
    row = dpo[0]
    assert row["prompt"][-1]["role"] == "user"
    assert (
        [m["role"] for m in row["chosen"]] == [m["role"] for m in row["rejected"]] == ["assistant"]
    )


def test_one_example_is_the_record_several_are_carried_and_never_lost(fake_llm):
    def answer(request):
        if chat_of(request) == 0 and turn_of(request) == 1:
            return chat("no JSON today")
        return good(f"better {turn_of(request)}", evidence_turns=[turn_of(request) + 1])

    fake_llm.handler = answer
    result, _ = run(fake_llm, chats(2, answers=2), turns="all", max_reasks=0)
    lone, several = result.kept
    assert lone.id == "0#3" and lone.metadata["reflect_failed"][0]["turn"] == 1
    assert type(several).__name__ == "Examples" and several.id == "1"
    record = several.to_record()  # written as one record by a writer that does not expand
    assert [e["id"] for e in record["examples"]] == ["1#1", "1#3"]
    assert record["examples"][1]["messages"][-1]["content"] == "better 3"
