"""Pipeline: run steps in sequence over a stream and account for every record."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from selfreflect.conversation import Conversation
from selfreflect.formats.reader import RawLine
from selfreflect.report import Report, StepStats
from selfreflect.steps import READ_STEP, Reject, Step, cuts_of, use_pipeline

#: Counter on the ``read`` step: records whose id was already seen in this run.
DUPLICATE_IDS = "duplicate_ids"

log = logging.getLogger("selfreflect")

OnDrop = Callable[[StepStats, Reject], None]


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

    def check(self) -> None:
        """Raise ValueError, naming the step, for the first step whose configuration cannot run."""
        for index, step in enumerate(self.steps, start=1):
            try:
                step.check()
            except ValueError as exc:
                raise ValueError(f"step {index} ({step.name}): {exc}") from None

    def new_report(self) -> Report:
        """An empty report with one entry for reading and one per step."""
        return Report(steps=[StepStats(READ_STEP)] + [StepStats(s.name) for s in self.steps])

    def stream(
        self,
        records: Iterable[Conversation | Reject | RawLine],
        on_reject: Callable[[Reject], None],
        report: Report | None = None,
        *,
        workers: int = 1,
        chunk_size: int = 256,
        start_method: str | None = None,
    ) -> Iterator[Conversation]:
        """Yield kept records lazily; every reject goes to ``on_reject``; fill ``report``.

        ``records`` may contain Rejects made while reading (broken lines): they count as
        input and leave at the ``read`` step; and lines not decoded yet
        (:func:`selfreflect.formats.reader.read_deferred`), which the worker processes decode
        when the first steps are pooled, else the ``read`` step. Duplicate ids are counted
        on the read step (``counters["duplicate_ids"]``) and both records go on. With
        ``workers > 1`` consecutive per-record steps run in a process pool over chunks of
        ``chunk_size`` records, output and rejects in the order of one process (see
        :mod:`selfreflect.pool`; ``start_method`` is a multiprocessing start method, default
        forkserver or spawn). When the stream is exhausted the report is checked: input =
        kept + rejected, else
        :class:`~selfreflect.report.AccountingError`.
        """
        from selfreflect.pool import RejectGate, pool_stage, segment_stage, worker_pool

        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.check()
        report = report if report is not None else self.new_report()
        if len(report.steps) != len(self.steps) + 1:
            report.steps = self.new_report().steps
        started = time.perf_counter()
        gate = RejectGate(on_reject)  # pooled stages put upstream rejects back in order
        emit = gate.emit

        def emit_cuts(conv: Conversation | None) -> None:
            if conv is not None and conv.cuts:
                for cut in cuts_of(conv):
                    emit(cut)

        def on_drop(stats: StepStats, reject: Reject) -> None:
            stats.dropped += 1
            stats.reasons[reject.reason] += 1
            report.rejected += 1
            emit_cuts(reject.record)
            emit(reject)

        def on_pooled_drop(reject: Reject) -> None:
            report.rejected += 1
            emit_cuts(reject.record)
            emit(reject)

        stages = _stages(self.steps)
        pooled = {
            i: [self.steps[j] for j in indexes]
            for i, indexes in enumerate(stages)
            if workers > 1 and self.steps[indexes[0]].per_record
        }
        clocks = [0.0] * (len(stages) + 1)
        reading = ReadAccount(report, on_drop)
        deferred = 0 in pooled  # the first workers finish reading (decode, read accounting)
        with worker_pool(pooled, workers, start_method) as pool:
            stream: Iterator[Any] = _read_stage(records, reading, deferred)
            stream = timed(stream, clocks, 0)
            for s, indexes in enumerate(stages, start=1):
                stats = [report.steps[j + 1] for j in indexes]
                if s - 1 in pooled:
                    stream = pool_stage(
                        pool,
                        s - 1,
                        stream,
                        stats,
                        on_pooled_drop,
                        chunk_size,
                        max_in_flight=2 * workers,
                        reading=reading if s == 1 and deferred else None,
                        gate=gate,
                    )
                elif self.steps[indexes[0]].per_record:
                    steps = [self.steps[j] for j in indexes]
                    stream = segment_stage(steps, stream, stats, on_pooled_drop)
                else:
                    (j,) = indexes
                    stream = step_stage(self.steps[j], stream, report.steps[j + 1], on_drop)
                stream = timed(stream, clocks, s)
            for conv in stream:
                report.kept += 1
                emit_cuts(conv)
                yield conv
        report.steps[0].seconds += clocks[0]
        for s, indexes in enumerate(stages, start=1):
            if not self.steps[indexes[0]].per_record:  # per-record steps time themselves
                report.steps[indexes[0] + 1].seconds += clocks[s] - clocks[s - 1]
        report.seconds += time.perf_counter() - started
        report.check()

    def run(self, records: Iterable[Conversation | Reject], *, workers: int = 1) -> RunResult:
        """Run in memory and return kept records, rejects and the report."""
        rejects: list[Reject] = []
        report = self.new_report()
        kept = list(self.stream(records, rejects.append, report, workers=workers))
        return RunResult(kept=kept, rejects=rejects, report=report)


use_pipeline(Pipeline)  # ``step_a | step_b`` builds a Pipeline


def _stages(steps: list[Step]) -> list[list[int]]:
    """Group step indexes: runs of per-record steps together, every other step alone."""
    stages: list[list[int]] = []
    for i, step in enumerate(steps):
        if step.per_record and stages and steps[stages[-1][-1]].per_record:
            stages[-1].append(i)
        else:
            stages.append([i])
    return stages


class ReadAccount:
    """The ``read`` step's accounting: records read, read rejects, ids seen twice."""

    def __init__(self, report: Report, on_drop: OnDrop):
        self.report = report
        self.stats = report.steps[0]
        self.on_drop = on_drop
        self.ids = DuplicateIds()

    def take(self, record: Conversation | Reject) -> Conversation | None:
        """Count one record read; a read Reject goes to ``on_drop`` (and None comes back)."""
        if isinstance(record, Reject):
            self.on_drop(self.stats, record)
            return None
        self.ids.add_id(record.id)
        self.stats.out += 1
        return record

    def take_id(self, ident: str) -> None:
        """Count one record read elsewhere (a worker process), by its id."""
        self.ids.add_id(ident)
        self.stats.out += 1

    def finish(self) -> None:
        """All records are read: count and log the ids seen more than once."""
        self.ids.flush()
        if self.ids.count:
            self.stats.counters[DUPLICATE_IDS] += self.ids.count
            log.warning(self.ids.message())


def _read_stage(
    records: Iterable[Conversation | Reject | RawLine], reading: ReadAccount, deferred: bool
) -> Iterator[Any]:
    """Count every record read; with ``deferred`` pass them on as they are (workers decode
    them and the pool stage accounts for them), else decode and account for them here."""
    report, stats = reading.report, reading.stats
    for record in records:
        report.input += 1
        stats.in_ += 1
        if deferred:
            yield record
            continue
        if isinstance(record, RawLine):
            record = record.decode()
        conv = reading.take(record)
        if conv is not None:
            yield conv
    if not deferred:
        reading.finish()


class DuplicateIds:
    """Count records whose id was seen before, in 8 bytes per record.

    Ids are kept as 64-bit hashes: a small dict of recent ones, merged every ``buffer``
    records into one sorted numpy array (checked there in one vectorised lookup). The first
    few duplicate ids are kept for :meth:`message`.
    """

    def __init__(self, buffer: int = 1 << 16, log_first: int = 5):
        self.buffer = buffer
        self.log_first = log_first
        self.count = 0
        self.examples: list[str] = []
        self._recent: dict[int, str] = {}
        self._sorted: Any = None

    def add(self, conv: Conversation) -> None:
        """Note one record's id."""
        self.add_id(conv.id)

    def add_id(self, ident: str) -> None:
        """Note one id."""
        key = hash(ident) & 0xFFFF_FFFF_FFFF_FFFF
        if key in self._recent:
            self._found(ident)
            return
        self._recent[key] = ident
        if len(self._recent) >= self.buffer:
            self.flush()

    def flush(self) -> None:
        """Check the recent ids against the older ones and merge them in."""
        if not self._recent:
            return
        import numpy as np

        keys = np.fromiter(self._recent, dtype=np.uint64, count=len(self._recent))
        if self._sorted is not None and self._sorted.size:
            pos = np.minimum(np.searchsorted(self._sorted, keys), self._sorted.size - 1)
            seen = self._sorted[pos] == keys
            for key in keys[seen]:
                self._found(self._recent[int(key)])
            keys = keys[~seen]
            keys = np.concatenate([self._sorted, keys])
        keys.sort(kind="stable")
        self._sorted = keys
        self._recent = {}

    def _found(self, id: str) -> None:
        self.count += 1
        if len(self.examples) < self.log_first:
            self.examples.append(id)

    def message(self) -> str:
        """One line: how many records reuse an id, with the first few."""
        shown = ", ".join(repr(e) for e in self.examples)
        return f"{self.count} record(s) reuse an id seen earlier (e.g. {shown}); all were processed"


def step_stage(
    step: Step,
    upstream: Iterable[Conversation],
    stats: StepStats,
    on_drop: OnDrop,
) -> Iterator[Conversation]:
    """Run one step over ``upstream``: count in/out into ``stats``, send rejects to on_drop."""

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


def timed(
    stream: Iterator[Conversation], clocks: list[float], index: int
) -> Iterator[Conversation]:
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
