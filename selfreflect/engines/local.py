"""The local engine: consecutive per-record steps in a process pool, order preserved.

The parent process reads the input and runs stream steps; runs of per-record steps are
sent to worker processes in chunks. At most ``max_in_flight`` chunks are out at a time, so
memory stays bounded however large the input. Workers return kept records, rejects and
their own :class:`~selfreflect.report.StepStats`, which the parent adds into the report.
Steps travel to the workers once (pickled, at pool start), so they must be importable
from a module: a class defined in a notebook cell runs with ``workers=1`` only.
"""

from __future__ import annotations

import multiprocessing
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

from selfreflect.conversation import Conversation
from selfreflect.report import StepStats
from selfreflect.steps import Reject, Step


@dataclass
class SegmentResult:
    """What a run of per-record steps made of one chunk: kept, rejects (in order), stats."""

    kept: list[Conversation]
    rejects: list[Reject]
    stats: list[StepStats]


def run_segment(steps: list[Step], records: Iterable[Conversation]) -> SegmentResult:
    """Run ``steps`` in sequence over ``records`` in this process (the worker's job)."""
    from selfreflect.pipeline import step_stage, timed

    rejects: list[Reject] = []
    stats = [StepStats(step.name) for step in steps]

    def on_drop(step_stats: StepStats, reject: Reject) -> None:
        step_stats.dropped += 1
        step_stats.reasons[reject.reason] += 1
        rejects.append(reject)

    # A lazy chain, record by record, so rejects come out in input order as in one process.
    clocks = [0.0] * (len(steps) + 1)
    stream: Iterator[Conversation] = timed(iter(records), clocks, 0)
    for index, (step, step_stats) in enumerate(zip(steps, stats, strict=True), start=1):
        stream = timed(step_stage(step, stream, step_stats, on_drop), clocks, index)
    kept = list(stream)
    for index, step_stats in enumerate(stats, start=1):
        step_stats.seconds += clocks[index] - clocks[index - 1]
    return SegmentResult(kept=kept, rejects=rejects, stats=stats)


# -- worker side --------------------------------------------------------------------------
_SEGMENTS: dict[int, list[Step]] = {}


def _init_worker(payload: bytes) -> None:
    _SEGMENTS.update(pickle.loads(payload))


def _run_chunk(segment: int, records: list[Conversation]) -> SegmentResult:
    return run_segment(_SEGMENTS[segment], records)


# -- parent side --------------------------------------------------------------------------
@contextmanager
def worker_pool(
    segments: dict[int, list[Step]], workers: int, start_method: str = "spawn"
) -> Iterator[ProcessPoolExecutor | None]:
    """A process pool that knows ``segments`` (None when there is nothing to pool)."""
    if not segments or workers <= 1:
        yield None
        return
    try:
        payload = pickle.dumps(segments)
    except Exception as exc:
        names = ", ".join(s.name for steps in segments.values() for s in steps)
        raise TypeError(
            f"cannot send steps ({names}) to worker processes: {exc}. Define steps in an "
            "importable module with picklable parameters, or run with workers=1."
        ) from exc
    context = multiprocessing.get_context(start_method)
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(payload,)
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def pool_stage(
    pool: ProcessPoolExecutor | None,
    segment: int,
    upstream: Iterator[Conversation],
    stats: list[StepStats],
    on_reject: Callable[[Reject], None],
    chunk_size: int,
    max_in_flight: int,
) -> Iterator[Conversation]:
    """Send chunks of ``upstream`` through a pooled segment; yield kept records in order."""
    assert pool is not None
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    pending: deque[Future[SegmentResult]] = deque()

    def submit() -> bool:
        chunk = list(islice(upstream, chunk_size))
        if chunk:
            pending.append(pool.submit(_run_chunk, segment, chunk))
        return bool(chunk)

    more = True
    while more and len(pending) < max_in_flight:
        more = submit()
    while pending:
        result = pending.popleft().result()
        if more:
            more = submit()
        for total, part in zip(stats, result.stats, strict=True):
            _add_into(total, part)
        for reject in result.rejects:
            on_reject(reject)
        yield from result.kept


def _add_into(total: StepStats, part: StepStats) -> None:
    """Add a worker's stats for one chunk into the run's stats, in place."""
    merged = total + part
    total.in_, total.out, total.dropped = merged.in_, merged.out, merged.dropped
    total.modified, total.seconds = merged.modified, merged.seconds
    total.reasons, total.counters = merged.reasons, merged.counters
