"""The local engine: consecutive per-record steps in a process pool, order preserved.

The parent process reads the input and runs stream steps; runs of per-record steps are
sent to worker processes in chunks. At most ``max_in_flight`` chunks are out at a time, so
memory stays bounded however large the input. When the first segment is pooled, JSONL lines
go out undecoded and the workers decode them (the parent keeps the read step's accounting,
in input order). Workers return, per record, "unchanged" (the parent reuses its own object),
a new record (or the decoded one), or a Reject, plus their own
:class:`~selfreflect.report.StepStats`, which the parent adds into the report. Kept records
and rejects leave the stage in input order, exactly as from one process.

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
from typing import Any, Protocol, cast

from selfreflect.conversation import Conversation, Message, assemble
from selfreflect.formats.reader import RawLine, decode_record
from selfreflect.report import AccountingError, StepStats
from selfreflect.steps import Outcome, RecordStep, Reject, Step


@dataclass
class SegmentResult:
    """What a run of per-record steps made of one chunk: kept, rejects (in order), stats."""

    kept: list[Conversation]
    rejects: list[Reject]
    stats: list[StepStats]


def process_records(
    steps: list[Step], records: Iterable[Conversation], stats: list[StepStats]
) -> list[Outcome]:
    """One outcome per record (its last kept form or the first Reject); fills ``stats``."""
    return [process_record(steps, conv, stats) for conv in records]


def process_record(steps: list[Step], conv: Conversation, stats: list[StepStats]) -> Outcome:
    """The outcome of one record (its last kept form or the first Reject); fills ``stats``.

    The record goes through the steps on its own, so the outcome belongs to it whatever the
    steps do inside ``run``; a step that yields nothing or more than one outcome for a record
    raises AccountingError naming it. A step that keeps :class:`RecordStep`'s ``run`` is
    called through ``process`` directly (the same counts, without a generator per record).
    """
    clock = time.perf_counter
    current = conv
    for step, step_stats in zip(steps, stats, strict=True):
        started = clock()
        step_stats.in_ += 1
        outcome: Outcome
        if type(step).run is RecordStep.run:
            outcome = step.process(current)  # type: ignore[attr-defined]
            if isinstance(outcome, Conversation) and outcome is not current:
                if len(outcome.cuts) > len(current.cuts):
                    step_stats.trimmed += 1
                else:
                    step_stats.modified += 1
        else:
            produced = list(step.run((current,), step_stats))
            if len(produced) != 1:
                raise AccountingError(
                    f"step {step.name}: {len(produced)} outcomes for record {conv.id!r}; a "
                    "per-record step must yield exactly one (the record or a Reject)"
                )
            outcome = produced[0]
        step_stats.seconds += clock() - started
        if isinstance(outcome, Reject):
            step_stats.dropped += 1
            step_stats.reasons[outcome.reason] += 1
            return outcome
        step_stats.out += 1
        current = outcome
    return current


def segment_stage(
    steps: list[Step],
    upstream: Iterable[Conversation],
    stats: list[StepStats],
    on_reject: Callable[[Reject], None],
) -> Iterator[Conversation]:
    """Run per-record ``steps`` over ``upstream`` in this process; yield kept records."""
    for conv in upstream:
        outcome = process_record(steps, conv, stats)
        if isinstance(outcome, Reject):
            on_reject(outcome)
        else:
            yield outcome


def run_segment(steps: list[Step], records: Iterable[Conversation]) -> SegmentResult:
    """Run per-record ``steps`` over ``records`` in this process (what a worker does)."""
    stats = [StepStats(step.name) for step in steps]
    outcomes = process_records(steps, records, stats)
    kept = [o for o in outcomes if not isinstance(o, Reject)]
    rejects = [o for o in outcomes if isinstance(o, Reject)]
    return SegmentResult(kept=kept, rejects=rejects, stats=stats)


# -- what travels between processes ---------------------------------------------------------
# Pickling pydantic models one by one costs ~70 µs a record each way; their field dicts
# pickle in ~10, and a plain message (role and text, nothing else) as a pair of strings in
# less. Records that come back unchanged are not sent back at all, and a changed record's
# messages that did not change come back as their position in the record sent.
_SAME = None  # outcome marker: kept, unchanged
_PLAIN_FIELDS = frozenset(("role", "content"))


def _encode_message(m: Message) -> tuple[Any, ...]:
    extra, fields_set = m.__pydantic_extra__, m.__pydantic_fields_set__
    values = m.__dict__
    if (
        type(m) is Message
        and type(extra) is dict
        and not extra
        and fields_set == _PLAIN_FIELDS
        and values["name"] is None
        and m.__pydantic_private__ is None
    ):
        return (values["role"], values["content"])
    return (type(m), values, extra, fields_set, m.__pydantic_private__)


def _decode_message(data: tuple[Any, ...]) -> Message:
    if len(data) == 2:
        role, content = data
        values = {"role": role, "content": content, "name": None}
        return cast(Message, assemble(Message, values, {}, {"role", "content"}, None))
    return cast(Message, assemble(*data))


def _encode(conv: Conversation, base: Conversation | None = None) -> tuple[Any, ...]:
    fields = dict(conv.__dict__)
    same = {id(m): i for i, m in enumerate(base.messages)} if base is not None else {}
    fields["messages"] = [
        same[id(m)] if id(m) in same else _encode_message(m) for m in conv.messages
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
        base.messages[m] if isinstance(m, int) and base is not None else _decode_message(m)
        for m in fields["messages"]
    ]
    return cast(Conversation, assemble(cls, fields, extra, fields_set, private))


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


def _run_chunk(segment: int, chunk: list[Any]) -> tuple[list[Any], list[StepStats], float]:
    """Run a chunk through a segment: what goes back per item, the stats, decoding seconds.

    An item is a record (``("conv", encoded)``), an undecoded line (``("line", bytes, source,
    line, format, max_depth)``: decoded here, and sent back whole with the id it was read
    with) or None (a read reject that stayed in the parent: None goes back).
    """
    steps = _SEGMENTS[segment]
    stats = [StepStats(step.name) for step in steps]
    clock = time.perf_counter
    decoding = 0.0
    sent: list[Any] = []
    for item in chunk:
        if item is None:
            sent.append(None)
        elif item[0] == "conv":
            conv = _decode(item[1])
            sent.append(_sent(conv, process_record(steps, conv, stats), conv))
        else:
            started = clock()
            read = decode_record(*item[1:])
            decoding += clock() - started
            if isinstance(read, Reject):
                sent.append(("read", read))
            else:
                sent.append(("line", read.id, _sent(read, process_record(steps, read, stats))))
    return sent, stats, decoding


def _sent(conv: Conversation, outcome: Outcome, base: Conversation | None = None) -> Any:
    """What goes back for one record: only what the parent does not have (``base``)."""
    if outcome is conv and base is not None:
        return _SAME
    if isinstance(outcome, Reject):
        record = outcome.record
        same = base is not None and record is base
        outcome.record = None
        encoded = None if same or record is None else _encode(record, base)
        return ("reject", outcome, encoded, same)
    return ("kept", _encode(outcome, base))


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
    if context.get_start_method() == "forkserver":  # imported once, not once per worker
        modules = {type(s).__module__ for steps in segments.values() for s in steps}
        modules.discard("__main__")
        context.set_forkserver_preload(["selfreflect.pool", *sorted(modules)])
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


class ReadAccounting(Protocol):
    """The ``read`` step's accounting, for records whose reading finishes in the workers."""

    stats: StepStats

    def take(self, record: Conversation | Reject) -> Conversation | None:
        """Count one record read (None for a read Reject, sent on as a reject)."""

    def take_id(self, ident: str) -> None:
        """Count one record read in a worker, by its id."""

    def finish(self) -> None:
        """All records are read."""


def pool_stage(
    pool: ProcessPoolExecutor | None,
    segment: int,
    upstream: Iterator[Any],
    stats: list[StepStats],
    on_reject: Callable[[Reject], None],
    chunk_size: int,
    max_in_flight: int,
    reading: ReadAccounting | None = None,
    gate: RejectGate | None = None,
) -> Iterator[Conversation]:
    """Send chunks of ``upstream`` through a pooled segment; yield kept records in order.

    With ``reading``, the segment is the first and ``upstream`` is what was read, unaccounted:
    Conversations, read Rejects and :class:`~selfreflect.formats.reader.RawLine` (decoded in
    the workers). Each item is accounted to ``reading`` in input order as its chunk comes
    back. The segment's rejects go to ``on_reject`` in input order; with ``gate`` (whose
    ``emit`` is where ``on_reject`` ends), the rejects made upstream while a chunk is read are
    held and let out in place too, so every reject comes in the order of one process.
    """
    assert pool is not None
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    #: a chunk, its future, the rejects made upstream while it was read, where each item's start
    pending: deque[tuple[list[Any], Future[Any] | None, list[Reject], list[int]]] = deque()
    release = gate.emit if gate is not None else on_reject

    def submit() -> bool:
        """Read and send one chunk; False once ``upstream`` is exhausted."""
        chunk: list[Any] = []
        held: list[Reject] = []
        starts: list[int] = []  # len(held) before each read from upstream
        ended = False
        if gate is not None:
            gate.hold(held)
        try:
            while len(chunk) < chunk_size:
                starts.append(len(held))
                item = next(upstream, _END)
                if item is _END:
                    ended = True
                    break
                chunk.append(item)
        finally:
            if gate is not None:
                gate.unhold()
        if not ended:
            starts.append(len(held))
        if chunk:
            future = pool.submit(_run_chunk, segment, [_wire(i) for i in chunk])
            pending.append((chunk, future, held, starts))
        elif held:
            pending.append((chunk, None, held, starts))
        return not ended

    more = True
    try:
        while more and len(pending) < max_in_flight:
            more = submit()
    except BrokenProcessPool:
        raise WorkersFailed(GUARD_HINT) from None
    while pending:
        chunk, future, held, starts = pending.popleft()
        try:
            sent, chunk_stats, decoding = future.result() if future else ([], [], 0.0)
            if more:
                more = submit()
        except BrokenProcessPool:
            raise WorkersFailed(GUARD_HINT) from None
        for total, part in zip(stats, chunk_stats, strict=False):
            _add_into(total, part)
        if reading is not None:
            reading.stats.seconds += decoding
        for n, (local, item) in enumerate(zip(chunk, sent, strict=True)):
            for upstream_reject in held[starts[n] : starts[n + 1]]:
                release(upstream_reject)  # where one process would have sent it
            base: Conversation | None = None
            if isinstance(local, RawLine):
                if item[0] == "read":
                    assert reading is not None
                    reading.take(item[1])
                    continue
                _, ident, item = item
                assert reading is not None
                reading.take_id(ident)
            elif reading is not None and reading.take(local) is None:
                continue  # a read reject made in this process
            else:
                base = local
            if item is _SAME:
                assert base is not None
                yield base
            elif item[0] == "kept":
                yield _decode(item[1], base)
            else:
                _, reject, record, same = item
                reject.record = base if same else (_decode(record, base) if record else None)
                on_reject(reject)
        for upstream_reject in held[starts[len(chunk)] :]:
            release(upstream_reject)
    if reading is not None:
        reading.finish()


_END: Any = object()


class RejectGate:
    """Where rejects go. A pooled stage reads ahead of what it yields; the rejects made
    upstream while it reads are held and let out, each just before the record read after
    it, so that rejects reach the file in the order one process writes them."""

    def __init__(self, on_reject: Callable[[Reject], None]):
        self.on_reject = on_reject
        self._held: list[list[Reject]] = []

    def emit(self, reject: Reject) -> None:
        """Send a reject on, or hold it while a pooled stage reads ahead."""
        if self._held:
            self._held[-1].append(reject)
        else:
            self.on_reject(reject)

    def hold(self, into: list[Reject]) -> None:
        """Hold rejects in ``into`` until :meth:`unhold` (holds nest)."""
        self._held.append(into)

    def unhold(self) -> None:
        """Stop holding into the last list given to :meth:`hold`."""
        self._held.pop()


def _wire(item: Conversation | Reject | RawLine) -> Any:
    """What is sent to a worker for one upstream item."""
    if isinstance(item, RawLine):
        return ("line", item.data, item.source, item.line, item.format, item.max_depth)
    if isinstance(item, Reject):
        return None
    return ("conv", _encode(item))


def _add_into(total: StepStats, part: StepStats) -> None:
    """Add a worker's stats for one chunk into the run's stats, in place."""
    merged = total + part
    total.in_, total.out, total.dropped = merged.in_, merged.out, merged.dropped
    total.modified, total.seconds = merged.modified, merged.seconds
    total.trimmed = merged.trimmed
    total.reasons, total.counters = merged.reasons, merged.counters
