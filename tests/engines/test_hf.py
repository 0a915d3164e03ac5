"""Hugging Face datasets: selfreflect steps inside Dataset.filter / .map, and a local folder."""

from __future__ import annotations

import json

import pytest

from selfreflect import Conversation, Filter, Message, Pipeline, Rewriter

datasets = pytest.importorskip("datasets")

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))
    datasets.disable_progress_bars()


class DropQuestions(Filter):
    """Drop conversations whose first user turn is a question."""

    reasons = {"question": "the first user turn ends with '?'"}

    def keep(self, conv):
        return (False, "question") if conv.turns("user")[0].content.endswith("?") else True


class ShoutAnswers(Rewriter):
    """Upper-case assistant answers."""

    def rewrite(self, conv):
        msgs = [
            m.model_copy(update={"content": m.content.upper()}) if m.role == "assistant" else m
            for m in conv.messages
        ]
        return conv.with_messages(msgs)


def make_convs(n: int = 40) -> list[Conversation]:
    return [
        Conversation(
            id=f"r{i}",
            metadata={"lang": "en"} if i % 3 else {"tags": ["x", str(i)]},
            messages=[Message(role="system", content="be brief", name="sys")] * (i % 2)
            + [
                Message(role="user", content=f"question {i}" + ("?" if i % 4 == 0 else ".")),
                Message(role="assistant", content=f"answer number {i}"),
            ],
        )
        for i in range(n)
    ]


def test_filter_with_num_proc_keeps_what_the_pipeline_keeps():
    from selfreflect.engines.hf import as_hf_filter, to_hf_dataset

    convs = make_convs()
    ds = to_hf_dataset(convs)
    kept = ds.filter(as_hf_filter(DropQuestions()), batched=True, batch_size=7, num_proc=2)
    expected = Pipeline([DropQuestions()]).run(convs).kept
    assert kept["id"] == [c.id for c in expected]
    assert 0 < len(kept) < len(convs)


def test_map_rewrites_messages_with_num_proc():
    from selfreflect.engines.hf import as_hf_map, to_hf_dataset

    ds = to_hf_dataset(make_convs())
    out = ds.map(as_hf_map(ShoutAnswers()), batched=True, num_proc=2)
    answers = [m["content"] for row in out["messages"] for m in row if m["role"] == "assistant"]
    assert answers[:2] == ["ANSWER NUMBER 0", "ANSWER NUMBER 1"]
    assert out["id"] == ds["id"]
    assert json.loads(out["metadata"][0]) == {"tags": ["x", "0"]}


def test_map_refuses_to_drop_rows_silently():
    from selfreflect.engines.hf import as_hf_map, to_hf_dataset

    ds = to_hf_dataset(make_convs(4))
    with pytest.raises(ValueError, match="as_hf_verdicts"):
        ds.map(as_hf_map(DropQuestions()), batched=True)


def test_verdicts_keep_rejects_with_their_reason():
    from selfreflect.engines.hf import as_hf_verdicts, to_hf_dataset

    ds = to_hf_dataset(make_convs(8)).map(as_hf_verdicts(DropQuestions()), batched=True)
    assert ds["_keep"] == [i % 4 != 0 for i in range(8)]
    assert ds["_reason"][0] == "question" and ds["_reason"][1] == ""


def test_filter_on_plain_openai_rows_without_ids():
    from selfreflect.engines.hf import as_hf_filter

    ds = datasets.Dataset.from_list(
        [
            {
                "messages": [
                    {"role": "user", "content": "why?"},
                    {"role": "assistant", "content": "ok"},
                ]
            },
            {
                "messages": [
                    {"role": "user", "content": "hi."},
                    {"role": "assistant", "content": "yo"},
                ]
            },
        ]
    )
    assert ds.filter(as_hf_filter(DropQuestions()), batched=True).num_rows == 1


def test_folder_round_trip_is_lossless(tmp_path):
    from selfreflect.engines.hf import read_hf, write_hf

    convs = make_convs(10)
    path = tmp_path / "data"
    assert write_hf(convs, path) == 10
    assert write_hf(convs[:3], path) == 3  # overwrite swaps the folder in whole
    back = list(read_hf(path))
    assert [c.to_record() for c in back] == [c.to_record() for c in convs[:3]]
    assert (back[1].source, back[1].line) == (str(path), 2)


def test_unreadable_rows_become_read_rejects(tmp_path):
    from selfreflect.engines.hf import read_hf

    path = tmp_path / "bad"
    datasets.Dataset.from_list(
        [
            {"id": "a", "messages": [{"role": "user", "content": "fine"}]},
            {"id": "b", "messages": [{"role": "robot", "content": "beep"}]},
        ]
    ).save_to_disk(str(path))
    out = list(read_hf(path))
    assert isinstance(out[0], Conversation)
    assert (out[1].step, out[1].reason, out[1].line) == ("read", "invalid_record", 2)
