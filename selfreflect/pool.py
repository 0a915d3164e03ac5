"""The local engine: consecutive per-record steps in a process pool, order preserved.

The parent process reads the input and runs stream steps; runs of per-record steps are
sent to worker processes in chunks. At most ``max_in_flight`` chunks are out at a time, so
memory stays bounded however large the input. Workers return, per record, "unchanged" (the
parent reuses its own object), a new record, or a Reject, plus their own
:class:`~selfreflect.report.StepStats`, which the parent adds into the report.

Steps travel to the workers once (pickled, at pool start), so they must be importable
from a module: a class defined in a notebook cell runs with ``workers=1`` only. Workers are
started with forkserver (else spawn), never plain fork, and exit on their own if the run's
process dies.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

from selfreflect.conversation import Conversation, assemble
from selfreflect.report import AccountingError, StepStats
from selfreflect.steps import Outcome, Reject, Step


@dataclass
class SegmentResult:
    """What a run of per-record steps made of one chunk: kept, rejects (in order), stats."""

    kept: list[Conversation]
    rejects: list[Reject]
    stats: list[StepStats]


def process_records(
    steps: list[Step], records: Iterable[Conversation], stats: list[StepStats]
) -> list[Outcome]:
    """One outcome per record (its last kept form or the first Reject); fills ``stats``.

    Each record goes through the steps on its own, so outcome ``i`` belongs to record ``i``
    whatever the steps do inside ``run``; a step that yields nothing or more than one outcome
    for a record raises AccountingError naming it.
    """
    clock = time.perf_counter
    outcomes: list[Outcome] = []
    for conv in records:
        outcome: Outcome = conv
        for step, step_stats in zip(steps, stats, strict=True):
            if not isinstance(outcome, Conversation):
                break  # rejected by an earlier step of the segment
            started = clock()
            step_stats.in_ += 1
            produced = list(step.run((outcome,), step_stats))
            step_stats.seconds += clock() - started
            if len(produced) != 1:
                raise AccountingError(
                    f"step {step.name}: {len(produced)} outcomes for record {conv.id!r}; a "
                    "per-record step must yield exactly one (the record or a Reject)"
                )
            outcome = produced[0]
            if isinstance(outcome, Reject):
                step_stats.dropped += 1
                step_stats.reasons[outcome.reason] += 1
                break
            step_stats.out += 1
        outcomes.append(outcome)
    return outcomes


def run_segment(steps: list[Step], records: Iterable[Conversation]) -> SegmentResult:
    """Run per-record ``steps`` over ``records`` in this process (what a worker does)."""
    stats = [StepStats(step.name) for step in steps]
    outcomes = process_records(steps, records, stats)
    kept = [o for o in outcomes if not isinstance(o, Reject)]
    rejects = [o for o in outcomes if isinstance(o, Reject)]
    return SegmentResult(kept=kept, rejects=rejects, stats=stats)


# -- what travels between processes ---------------------------------------------------------
# Pickling pydantic models one by one costs ~70 µs a record each way; their field dicts
# pickle in ~10. Records that come back unchanged are not sent back at all, and a changed
# record's messages that did not change come back as their position in the record sent.
_SAME = None  # outcome marker: kept, unchanged


def _encode(conv: Conversation, base: Conversation | None = None) -> tuple[Any, ...]:
    fields = dict(conv.__dict__)
    same = {id(m): i for i, m in enumerate(base.messages)} if base is not None else {}
    fields["messages"] = [
        same[id(m)]
        if id(m) in same
        else (
            type(m),
            m.__dict__,
            m.__pydantic_extra__,
            m.__pydantic_fields_set__,
            m.__pydantic_private__,
        )
        for m in conv.messages
    ]
    return (
        type(conv),
        fields,
        conv.__pydantic_extra__,
        conv.__pydantic_fields_set__,
        conv.__pydantic_private__,
    )


def _decode(data: tuple[Any, ...], base: Conversation | None = None) -> Conversation:
    cls, fields, extra, fields_set, private = data
    fields["messages"] = [
        base.messages[m] if isinstance(m, int) and base is not None else assemble(*m)
        for m in fields["messages"]
    ]
    return assemble(cls, fields, extra, fields_set, private)


# -- worker side --------------------------------------------------------------------------
_SEGMENTS: dict[int, list[Step]] = {}


def _init_worker(payload: bytes, parent: int) -> None:
    _SEGMENTS.update(pickle.loads(payload))
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int, every: float = 1.0) -> None:
    """Exit this worker when the run's process is gone (killed runs leave no orphans)."""
    while True:
        time.sleep(every)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # alive, owned by someone else (pid reused): keep going
            pass


def _run_chunk(segment: int, chunk: list[tuple[Any, ...]]) -> tuple[list[Any], list[StepStats]]:
    steps = _SEGMENTS[segment]
    records = [_decode(item) for item in chunk]
    stats = [StepStats(step.name) for step in steps]
    outcomes = process_records(steps, records, stats)
    sent: list[Any] = []
    for conv, outcome in zip(records, outcomes, strict=True):
        if outcome is conv:
            sent.append(_SAME)
        elif isinstance(outcome, Reject):
            record = outcome.record
            same = record is conv
            outcome.record = None
            sent.append(
                ("reject", outcome, None if same or record is None else _encode(record, conv), same)
            )
        else:
            sent.append(("kept", _encode(outcome, conv)))
    return sent, stats


# -- parent side --------------------------------------------------------------------------
def default_start_method() -> str:
    """forkserver where it exists (a clean, pre-imported parent to fork from), else spawn.

    Never plain fork: forking a process that runs threads (progress bars, HTTP clients) can
    deadlock. Both choices re-import step classes by name, so the same rules hold everywhere.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        return "forkserver"
    return "spawn"


class WorkersFailed(RuntimeError):
    """The worker processes stopped before answering (most often: a script without a guard)."""


#: What to do when the workers die while starting: each one imports the user's script.
GUARD_HINT = (
    "the worker processes stopped before they could answer. In a script, start runs "
    'with workers > 1 under `if __name__ == "__main__":` (each worker process '
    "imports the script, and without the guard it would start the run again), or "
    "use workers=1"
)


def _importing_the_main_script() -> bool:
    """True in a worker process that is importing the user's script (spawn / forkserver)."""
    return "__mp_main__" in sys.modules and multiprocessing.current_process().name != "MainProcess"


@contextmanager
def worker_pool(
    segments: dict[int, list[Step]], workers: int, start_method: str | None = None
) -> Iterator[ProcessPoolExecutor | None]:
    """A process pool that knows ``segments`` (None when there is nothing to pool)."""
    if not segments or workers <= 1:
        yield None
        return
    if _importing_the_main_script():
        raise SystemExit(1)  # a script without the __main__ guard: the parent says what to do
    try:
        payload = pickle.dumps(segments)
    except Exception as exc:
        names = ", ".join(s.name for steps in segments.values() for s in steps)
        raise TypeError(
            f"cannot send steps ({names}) to worker processes: {exc}. Define steps in an "
            "importable module with picklable parameters, or run with workers=1."
        ) from exc
    context = multiprocessing.get_context(start_method or default_start_method())
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["selfreflect.pool"])
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(payload, os.getpid()),
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
    pending: deque[tuple[list[Conversation], Future[Any]]] = deque()

    def submit() -> bool:
        chunk = list(islice(upstream, chunk_size))
        if chunk:
            encoded = [_encode(conv) for conv in chunk]
            pending.append((chunk, pool.submit(_run_chunk, segment, encoded)))
        return bool(chunk)

    more = True
    try:
        while more and len(pending) < max_in_flight:
            more = submit()
    except BrokenProcessPool:
        raise WorkersFailed(GUARD_HINT) from None
    while pending:
        chunk, future = pending.popleft()
        try:
            sent, chunk_stats = future.result()
            if more:
                more = submit()
        except BrokenProcessPool:
            raise WorkersFailed(GUARD_HINT) from None
        for total, part in zip(stats, chunk_stats, strict=True):
            _add_into(total, part)
        kept: list[Conversation] = []
        for conv, item in zip(chunk, sent, strict=True):
            if item is _SAME:
                kept.append(conv)
            elif item[0] == "kept":
                kept.append(_decode(item[1], conv))
            else:
                _, reject, record, same = item
                reject.record = conv if same else (_decode(record, conv) if record else None)
                on_reject(reject)
        yield from kept


def _add_into(total: StepStats, part: StepStats) -> None:
    """Add a worker's stats for one chunk into the run's stats, in place."""
    merged = total + part
    total.in_, total.out, total.dropped = merged.in_, merged.out, merged.dropped
    total.modified, total.seconds = merged.modified, merged.seconds
    total.trimmed = merged.trimmed
    total.reasons, total.counters = merged.reasons, merged.counters
