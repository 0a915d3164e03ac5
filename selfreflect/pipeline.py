"""Pipeline: run steps in sequence over a stream and account for every record."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from selfreflect.conversation import Conversation
from selfreflect.report import Report, StepStats
from selfreflect.steps import Reject, Step

READ_STEP = "read"


@dataclass
class RunResult:
    """A finished in-memory run: kept records, rejects and the report."""

    kept: list[Conversation]
    rejects: list[Reject]
    report: Report = field(default_factory=Report)


class Pipeline:
    """Steps run in sequence; ``Pipeline([a, b])`` and ``a | b`` are the same."""

    def __init__(self, steps: Iterable[Step] = ()):
        self.steps = list(steps)

    def __or__(self, other: Step | Pipeline) -> Pipeline:
        extra = other.steps if isinstance(other, Pipeline) else [other]
        return Pipeline([*self.steps, *extra])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pipeline) and self.steps == other.steps

    def __hash__(self) -> int:
        return hash(tuple(self.steps))

    def __repr__(self) -> str:
        return f"Pipeline({self.steps!r})"

    def __len__(self) -> int:
        return len(self.steps)

    def new_report(self) -> Report:
        """An empty report with one entry for reading and one per step."""
        return Report(steps=[StepStats(READ_STEP)] + [StepStats(s.name) for s in self.steps])

    def stream(
        self,
        records: Iterable[Conversation | Reject],
        on_reject: Callable[[Reject], None],
        report: Report | None = None,
    ) -> Iterator[Conversation]:
        """Yield kept records lazily; every reject goes to ``on_reject``; fill ``report``.

        ``records`` may contain Rejects made while reading (broken lines): they count as
        input and leave at the ``read`` step. When the stream is exhausted the report is
        checked: input = kept + rejected.
        """
        report = report if report is not None else self.new_report()
        if len(report.steps) != len(self.steps) + 1:
            report.steps = self.new_report().steps
        started = time.perf_counter()
        clocks = [0.0] * (len(self.steps) + 1)

        def on_drop(stats: StepStats, reject: Reject) -> None:
            stats.dropped += 1
            stats.reasons[reject.reason] += 1
            report.rejected += 1
            on_reject(reject)

        stream: Iterator[Conversation] = _read_stage(records, report, on_drop)
        stream = _timed(stream, clocks, 0)
        for index, step in enumerate(self.steps, start=1):
            stream = _step_stage(step, stream, report.steps[index], on_drop)
            stream = _timed(stream, clocks, index)
        for conv in stream:
            report.kept += 1
            yield conv
        for index, stats in enumerate(report.steps):
            stats.seconds += clocks[index] - (clocks[index - 1] if index else 0.0)
        report.seconds += time.perf_counter() - started
        report.check()

    def run(self, records: Iterable[Conversation | Reject]) -> RunResult:
        """Run in memory and return kept records, rejects and the report."""
        rejects: list[Reject] = []
        report = self.new_report()
        kept = list(self.stream(records, rejects.append, report))
        return RunResult(kept=kept, rejects=rejects, report=report)


def _read_stage(
    records: Iterable[Conversation | Reject],
    report: Report,
    on_drop: Callable[[StepStats, Reject], None],
) -> Iterator[Conversation]:
    stats = report.steps[0]
    for record in records:
        report.input += 1
        stats.in_ += 1
        if isinstance(record, Reject):
            on_drop(stats, record)
        else:
            stats.out += 1
            yield record


def _step_stage(
    step: Step,
    upstream: Iterator[Conversation],
    stats: StepStats,
    on_drop: Callable[[StepStats, Reject], None],
) -> Iterator[Conversation]:
    def counted() -> Iterator[Conversation]:
        for conv in upstream:
            stats.in_ += 1
            yield conv

    for outcome in step.run(counted(), stats):
        if isinstance(outcome, Reject):
            on_drop(stats, outcome)
        else:
            stats.out += 1
            yield outcome


def _timed(stream: Iterator[Conversation], clocks: list[float], index: int) -> Iterator[Conversation]:
    """Add the time spent producing each item to ``clocks[index]`` (upstream included)."""
    clock = time.perf_counter
    while True:
        t0 = clock()
        try:
            item = next(stream)
        except StopIteration:
            clocks[index] += clock() - t0
            return
        clocks[index] += clock() - t0
        yield item
