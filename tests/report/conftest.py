"""A small real pipeline run (filter, rewriter, exact dedup, fake reflect) for report tests."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from selfreflect import Conversation, Filter, Pipeline, Reject, Report, Rewriter, Step, StepStats
from selfreflect.formats import read
from selfreflect.observe import RunObserver
from selfreflect.steps import Outcome


class DropShortAnswers(Filter):
    """Drop conversations whose last answer is shorter than ``min_chars``."""

    reasons = {"short_answer": "the last assistant answer is too short"}

    def __init__(self, min_chars: int = 5):
        self.min_chars = min_chars

    def keep(self, conv: Conversation) -> bool | tuple[bool, str, str]:
        answers = conv.turns("assistant")
        if not answers:
            return False, "no_answer", "no assistant turn"
        if len(answers[-1].content) < self.min_chars:
            return False, "short_answer", f"{len(answers[-1].content)} chars"
        return True


class StripText(Rewriter):
    """Strip spaces around every message."""

    def rewrite(self, conv: Conversation) -> Conversation:
        msgs = [m.model_copy(update={"content": m.content.strip()}) for m in conv.messages]
        if all(a.content == b.content for a, b in zip(msgs, conv.messages, strict=True)):
            return conv
        return conv.with_messages(msgs)


class ExactDedup(Step):
    """Drop records whose dedup text was seen before."""

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        seen: dict[str, str] = {}
        for conv in records:
            text = conv.dedup_text()
            if text in seen:
                yield self.reject(conv, "exact_duplicate", duplicate_of=seen[text], jaccard=1.0)
            else:
                seen[text] = conv.id
                yield conv


class FakeReflect(Step):
    """Append '(revised)' to every answer; store original, revision and critique in metadata."""

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        for conv in records:
            items, msgs = [], []
            for i, m in enumerate(conv.messages):
                if m.role == "assistant":
                    new = m.content + " (revised)"
                    items.append(
                        {
                            "original": m.content,
                            "revised": new,
                            "critique": f"answer {i} is too terse <b>bold</b>",
                            "verdict": "revise",
                        }
                    )
                    m = m.model_copy(update={"content": new})
                msgs.append(m)
            stats.counters["calls"] += len(items)
            stats.modified += 1
            yield conv.model_copy(
                update={"messages": msgs, "metadata": {**conv.metadata, "reflections": items}}
            )


def _conv(i: int, user: str, answer: str, system: str | None = None) -> dict:
    msgs = [{"role": "system", "content": system}] if system else []
    msgs += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"id": f"r{i}", "messages": msgs}


def write_fixture(path: Path) -> Path:
    """30 records: duplicates, short answers, a broken line, and a <script> payload."""
    lines = []
    for i in range(20):
        lines.append(
            json.dumps(
                _conv(
                    i,
                    f"question number {i} " + "x" * (i * 7),
                    f"a helpful answer {i} " + "y" * (i * 40),
                    system="You are Alice." if i % 2 else None,
                )
            )
        )
    for i in range(20, 24):  # duplicates of r0..r3
        lines.append(
            json.dumps(
                _conv(
                    i,
                    f"question number {i - 20} " + "x" * ((i - 20) * 7),
                    f"a helpful answer {i - 20} " + "y" * ((i - 20) * 40),
                )
            )
        )
    for i in range(24, 27):
        lines.append(json.dumps(_conv(i, "hi", "ok")))
    lines.append(
        json.dumps(
            {
                "id": "r27",
                "messages": [  # rejected as no_answer
                    {"role": "user", "content": "<script>alert('x')</script>"}
                ],
            }
        )
    )
    lines.append("{not json")
    lines.append(json.dumps(_conv(29, "  padded question  ", "  padded but long answer  ")))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def observed_run(tmp_path: Path):
    """Run the fixture through a real Pipeline with a RunObserver attached."""
    data = write_fixture(tmp_path / "in.jsonl")
    pipeline = Pipeline([StripText(), DropShortAnswers(), ExactDedup(), FakeReflect()])
    observer = RunObserver(samples_per_reason=2)
    report: Report = pipeline.new_report()
    rejects: list[Reject] = []
    kept = list(
        observer.wrap_output(
            pipeline.stream(
                observer.wrap_input(read(data)), observer.wrap_on_reject(rejects.append), report
            )
        )
    )
    observer.fill_representatives(kept)  # as the CLI does by re-reading the output file
    return pipeline, observer, report, kept, rejects


@pytest.fixture()
def registered_steps(monkeypatch):
    """The steps above, registered by name as if a plugin declared them (for recipes and CLI)."""
    import sys
    import types
    from importlib.metadata import EntryPoint

    from selfreflect import registry

    module = types.ModuleType("report_test_steps")
    names = {
        "strip_text": StripText,
        "drop_short_answers": DropShortAnswers,
        "exact_dedup": ExactDedup,
        "fake_reflect": FakeReflect,
    }
    for cls in names.values():
        setattr(module, cls.__name__, cls)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    eps = [
        EntryPoint(name, f"{module.__name__}:{cls.__name__}", registry.GROUP)
        for name, cls in names.items()
    ]
    monkeypatch.setattr(registry, "entry_points", lambda group: eps)
    registry.refresh()
    yield names
    registry.refresh()
