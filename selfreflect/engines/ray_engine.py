"""Run a pipeline on Ray Data: the same recipe gives the same kept records, rejects and report.

``pip install 'selfreflect[ray]'``. Rows carry the conversation as a JSON string (``conv``), its
``id`` and its input order (``_order``, int64), which is what "first seen" means for dedup.

The pipeline is cut into stages (:func:`plan`), each one materialised before the next:

- consecutive per-record steps (Filter, Rewriter): one ``map_batches`` over plain tasks;
- LLM steps and stream steps marked ``batchable = True`` (a record's outcome depends on that
  record only): ``map_batches`` with a callable class on an actor pool (``actors=N``); each
  actor keeps the step, whose async client fans out ``concurrency`` calls per batch;
- dedup steps (:mod:`selfreflect.engines.ray_dedup`): bucket keys in ``map_batches``, a shuffle
  on a coarse shard column (``key % shards``, sort-based pull shuffle), candidate pairs per
  shard; on the driver the exact check of the pairs and the local keep-first rule; then a
  ``map_batches`` drops the duplicates with the local step's rejects;
- any other stream step (e.g. merging records into conversations): the stream is collected on
  the driver in input order and the step runs there, exactly as locally. This is correct but
  not scalable; a warning is logged (``driver_fallback=False`` makes it an error).

Every stage emits kept rows, reject rows and one stats row per batch (``kind`` column); plain
tasks split each block; the stats add up to the report, which is checked: input = kept +
rejected. The engine sets ``preserve_order`` on Ray Data's current context, so blocks stay in
input order and the outputs come back in input order without a distributed sort.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfreflect.conversation import Conversation
from selfreflect.engines.ray_rows import decode, encode
from selfreflect.pipeline import READ_STEP, Pipeline
from selfreflect.report import Report, StepStats
from selfreflect.steps import Reject, Step, cuts_of

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

    from selfreflect.html_report import HtmlReportHook

log = logging.getLogger(__name__)

ORDER = "_order"
KEPT, REJECT, STATS = "kept", "reject", "stats"
#: Records of file ``i`` get orders ``i * FILE_STRIDE + position``.
FILE_STRIDE = 1 << 40


def require_ray() -> Any:
    """Import ray, or raise ImportError naming the extra to install."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the Ray engine needs ray: pip install 'selfreflect[ray]'") from exc
    return ray


# -- rows ---------------------------------------------------------------------------------------


def _schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [
            ("kind", pa.string()),
            ("id", pa.string()),
            (ORDER, pa.int64()),
            ("conv", pa.string()),
            ("step", pa.string()),
            ("reason", pa.string()),
            ("duplicate_of", pa.string()),
            ("payload", pa.string()),
        ]
    )


@dataclass
class _Rows:
    """Output rows of one batch, built column by column."""

    cols: dict[str, list[Any]] = field(default_factory=lambda: {n: [] for n in _schema().names})

    def add(
        self,
        kind: str,
        id: str | None = None,
        order: int = -1,
        conv: str | None = None,
        step: str | None = None,
        reason: str | None = None,
        duplicate_of: str | None = None,
        payload: str | None = None,
    ) -> None:
        for name, value in zip(
            self.cols, (kind, id, order, conv, step, reason, duplicate_of, payload), strict=True
        ):
            self.cols[name].append(value)

    def kept(self, conv: Conversation, order: int) -> None:
        self.add(KEPT, conv.id, order, encode(conv))

    def reject(self, reject: Reject, order: int) -> None:
        self.add(
            REJECT,
            reject.id,
            order,
            None,
            reject.step,
            reject.reason,
            reject.duplicate_of,
            json.dumps(reject.to_json(), ensure_ascii=False),
        )

    def stats(self, stats: Sequence[StepStats]) -> None:
        self.add(STATS, payload=json.dumps([s.to_json() for s in stats]))

    def table(self) -> pa.Table:
        import pyarrow as pa

        return pa.Table.from_pydict(self.cols, schema=_schema())


def _column(batch: pa.Table, name: str) -> list[Any]:
    return batch.column(name).to_pylist()


# -- running steps on one batch ----------------------------------------------------------------
def _run_chain(
    steps: Sequence[Step], convs: list[Conversation], orders: list[int], renumber: bool = False
) -> pa.Table:
    """Run steps over one batch: kept rows, reject rows and one stats row.

    Outcomes get the order of the input with their id (or of the last input read, for a
    record with a new id such as a merged one). With ``renumber`` (the whole stream at once)
    kept records are numbered in the order the steps yield them, as the local engine sees them.
    """
    rows = _Rows()
    stats = [StepStats(s.name) for s in steps]
    order_of: dict[str, deque[int]] = defaultdict(deque)
    for conv, order in zip(convs, orders, strict=True):
        order_of[conv.id].append(order)
    last = [-1]
    yielded = [0]

    def source() -> Iterator[Conversation]:
        for conv, order in zip(convs, orders, strict=True):
            last[0] = order
            yield conv

    def take_order(record_id: str | None) -> int:
        queue = order_of.get(record_id or "")
        return queue.popleft() if queue else last[0]

    def cut_lines(conv: Conversation | None, order: int) -> None:
        """What steps cut from a record, as rejects-file lines (not rejected records)."""
        if conv is not None and conv.cuts:
            for cut in cuts_of(conv):
                rows.reject(cut, order)

    def on_reject(st: StepStats, reject: Reject) -> None:
        st.dropped += 1
        st.reasons[reject.reason] += 1
        order = take_order(reject.id)
        cut_lines(reject.record, order)
        rows.reject(reject, order)

    stream: Iterator[Conversation] = source()
    for step, st in zip(steps, stats, strict=True):
        stream = _stage(step, stream, st, on_reject)
    started = time.perf_counter()
    for conv in stream:
        order = take_order(conv.id)
        if renumber:
            order = yielded[0]
            yielded[0] += 1
        cut_lines(conv, order)  # the row carries no cuts on: they are written once, here
        rows.kept(conv, order)
    spent = (time.perf_counter() - started) / max(len(steps), 1)
    for st in stats:
        st.seconds += spent
    rows.stats(stats)
    return rows.table()


def _stage(
    step: Step, upstream: Iterator[Conversation], st: StepStats, on_reject: Any
) -> Iterator[Conversation]:
    def counted() -> Iterator[Conversation]:
        for conv in upstream:
            st.in_ += 1
            yield conv

    for outcome in step.run(counted(), st):
        if isinstance(outcome, Reject):
            on_reject(st, outcome)
        else:
            st.out += 1
            yield outcome


def _steps_batch(batch: pa.Table, steps: Sequence[Step]) -> pa.Table:
    """The batch function of a per-record stage (plain tasks, no actor start-up)."""
    return _run_chain(steps, [decode(c) for c in _column(batch, "conv")], _column(batch, ORDER))


class _StepsTask:
    """The batch function of an actor-pool stage: the actor keeps its steps (and clients)."""

    def __init__(self, steps: Sequence[Step]):
        self.steps = list(steps)

    def __call__(self, batch: pa.Table) -> pa.Table:
        convs = [decode(c) for c in _column(batch, "conv")]
        return _run_chain(self.steps, convs, _column(batch, ORDER))


def _read_files(batch: pa.Table, fmt: str | None = None) -> pa.Table:
    """Read whole files (one per row) with the format readers: kept rows and read rejects."""
    from selfreflect.formats import read

    rows = _Rows()
    stats = StepStats(READ_STEP)
    for path, index in zip(_column(batch, "path"), _column(batch, "file_index"), strict=True):
        records = read(path, format=fmt) if fmt else read(path)
        for position, record in enumerate(records):
            order = index * FILE_STRIDE + position
            stats.in_ += 1
            if isinstance(record, Reject):
                stats.dropped += 1
                stats.reasons[record.reason] += 1
                rows.reject(record, order)
            else:
                stats.out += 1
                rows.kept(record, order)
    rows.stats([stats])
    return rows.table()


# -- stages -------------------------------------------------------------------------------------
def is_distributed_dedup(step: Step) -> bool:
    """Whether a dedup step runs distributed: it speaks the banding protocol, keep-first."""
    from selfreflect.dedup.banding import distributable

    return distributable(step)


def is_batchable(step: Step) -> bool:
    """Whether a stream step may be cut into batches: it says so (``Step.batchable``; every
    LLM step does)."""
    return bool(getattr(step, "batchable", False))


def plan(pipeline: Pipeline) -> list[tuple[str, list[Step]]]:
    """Cut the steps into stages: ``records``, ``actors``, ``dedup`` or ``driver``."""
    stages: list[tuple[str, list[Step]]] = []
    for step in pipeline.steps:
        if step.per_record:
            kind = "records"
        elif is_distributed_dedup(step):
            kind = "dedup"
        elif is_batchable(step):
            kind = "actors"
        else:
            kind = "driver"
        if stages and stages[-1][0] == kind and kind in ("records", "actors"):
            stages[-1][1].append(step)
        else:
            stages.append((kind, [step]))
    return stages


@dataclass
class RayRun:
    """A finished run on Ray: kept rows, reject rows and the checked report."""

    kept: ray.data.Dataset
    rejects: ray.data.Dataset
    report: Report


class RayEngine:
    """Runs a pipeline over a Ray Dataset of ``id``/``conv``/``_order`` rows (see ``to_rows``)."""

    def __init__(
        self,
        batch_size: int = 512,
        shards: int | None = None,
        actors: int = 2,
        driver_fallback: bool = True,
    ):
        self.batch_size = batch_size
        self.shards = shards
        self.actors = actors
        self.driver_fallback = driver_fallback

    # The shape of every stage: materialise, split each block by kind, fold the stats.
    def _split(
        self,
        out: ray.data.Dataset,
        indices: Sequence[int],
        stats: dict[int, StepStats],
        rejects: list[Any],
    ) -> ray.data.Dataset:
        """Materialise a stage; add its stats rows (one entry per step, in order) to ``stats``
        under the steps' report ``indices``; collect reject blocks; return the kept rows."""
        import ray
        import ray.data

        split = _block_splitter()
        parts = [split.remote(ref) for ref in out.materialize().to_arrow_refs()]
        for payload in ray.get([p[2] for p in parts]):
            for row in json.loads(payload):  # one stats row per batch: one entry per step
                for index, item in zip(indices, row, strict=True):
                    part = StepStats.from_json(item)
                    stats[index] = stats[index] + part if index in stats else part
        rejects.extend(p[1] for p in parts)
        kept = [p[0] for p in parts]
        return ray.data.from_arrow_refs(kept) if kept else _empty(KEPT_COLUMNS)

    def run(
        self,
        pipeline: Pipeline,
        ds: ray.data.Dataset,
        read_stats: StepStats | None = None,
        read_rejects: list[Any] | None = None,
    ) -> RayRun:
        """Run every stage; return kept and reject datasets and the checked report.

        ``ds`` must be in input order (``_order`` ascending across blocks); order is preserved.
        """
        require_ray()
        import ray
        import ray.data

        from selfreflect.engines.ray_budget import share_budgets

        started = time.perf_counter()
        _configure_data_context()
        stats: dict[int, StepStats] = {}
        finish: list[Any] = []
        rejects: list[Any] = list(read_rejects or [])
        first = 1
        for kind, steps in plan(pipeline):
            indices = list(range(first, first + len(steps)))
            first += len(steps)
            keepers: list[Any] = []
            if kind == "records":
                # ray types fn as taking the batch alone, though fn_args passes the rest
                out = ds.map_batches(
                    _steps_batch,  # type: ignore[arg-type]
                    fn_args=(steps,),
                    batch_size=self.batch_size,
                    batch_format="pyarrow",
                )
            elif kind == "actors":
                steps, keepers = share_budgets(steps)  # one LLM budget for all actors
                out = ds.map_batches(
                    _StepsTask,
                    fn_constructor_args=(steps,),
                    batch_size=self.batch_size,
                    batch_format="pyarrow",
                    compute=ray.data.ActorPoolStrategy(size=self.actors),
                )
            elif kind == "dedup":
                out = self._dedup(steps[0], ds, indices[0], finish)
            else:
                out = self._on_driver(steps[0], ds)
            ds = self._split(out, indices, stats, rejects)
            for keeper in keepers:
                ray.kill(keeper)
        for done in finish:
            done(stats)
        if read_stats is None:
            n = stats[1].in_ if 1 in stats else ds.count()
            read_stats = StepStats(READ_STEP, in_=n, out=n)
        report = _report(pipeline, read_stats, stats)
        report.seconds = time.perf_counter() - started
        reject_ds = ray.data.from_arrow_refs(rejects) if rejects else _empty(REJECT_COLUMNS)
        report.check()
        return RayRun(kept=ds, rejects=reject_ds, report=report)

    # -- stream steps -------------------------------------------------------------------------
    def _on_driver(self, step: Step, ds: ray.data.Dataset) -> ray.data.Dataset:
        import ray.data

        if not self.driver_fallback:
            raise RuntimeError(
                f"step {step.name!r} needs the whole stream and cannot run distributed; "
                "pass driver_fallback=True to run it on the driver"
            )
        log.warning("step %s needs the whole stream: collecting it on the driver", step.name)
        rows = sorted(ds.take_all(), key=lambda r: r[ORDER])
        convs = [decode(r["conv"]) for r in rows]
        table = _run_chain([step], convs, [r[ORDER] for r in rows], renumber=True)
        return ray.data.from_arrow(table)

    def _dedup(
        self, step: Step, ds: ray.data.Dataset, index: int, finish: list[Any]
    ) -> ray.data.Dataset:

        from selfreflect.dedup.banding import Banding
        from selfreflect.engines.ray_dedup import find_duplicates

        assert isinstance(step, Banding)
        duplicates, counters = find_duplicates(
            step, ds, self.shards or _default_shards(), self.batch_size
        )

        def add_counters(stats: dict[int, StepStats]) -> None:
            st = stats.setdefault(index, StepStats(step.name))
            st.counters.update(counters)

        finish.append(add_counters)
        # ray types fn as taking the batch alone, though fn_args passes the rest
        return ds.map_batches(
            _drop_duplicates,  # type: ignore[arg-type]
            fn_args=(step, duplicates),
            batch_size=self.batch_size,
            batch_format="pyarrow",
        )


def _drop_duplicates(
    batch: pa.Table, step: Any, duplicates: dict[int, tuple[str, float]]
) -> pa.Table:
    """Drop the rows found to be duplicates (the step's own reject); the rest pass unchanged."""
    rows = _Rows()
    st = StepStats(step.name)
    for record_id, text, order in zip(
        _column(batch, "id"), _column(batch, "conv"), _column(batch, ORDER), strict=True
    ):
        st.in_ += 1
        hit = duplicates.get(order)
        if hit is None:
            st.out += 1
            rows.add(KEPT, record_id, order, text)
            continue
        reject = step.duplicate_reject(decode(text), *hit)
        st.dropped += 1
        st.reasons[reject.reason] += 1
        rows.reject(reject, order)
    rows.stats([st])
    return rows.table()


# -- helpers ------------------------------------------------------------------------------------
def _report(pipeline: Pipeline, read_stats: StepStats, stats: dict[int, StepStats]) -> Report:
    report = pipeline.new_report()
    report.steps[0] = read_stats
    for i, step in enumerate(pipeline.steps, start=1):
        report.steps[i] = stats.get(i, StepStats(step.name))
    report.input = read_stats.in_
    report.rejected = sum(s.dropped for s in report.steps)
    last = report.steps[-1]
    report.kept = last.out if len(report.steps) > 1 else read_stats.out
    return report


def _configure_data_context() -> None:
    """Keep block order (input order) and use the sort-based shuffle.

    Ray's default hash shuffle reserves CPUs on small clusters; the sort shuffle does not.
    """
    from ray.data import DataContext

    ctx = DataContext.get_current()
    ctx.execution_options.preserve_order = True
    try:
        from ray.data.context import ShuffleStrategy
    except ImportError:  # older Ray: its default was the sort-based pull shuffle
        return
    ctx.shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED


KEPT_COLUMNS = ["id", "conv", ORDER]
REJECT_COLUMNS = [ORDER, "id", "step", "reason", "duplicate_of", "payload"]


def _split_block(table: pa.Table) -> tuple[pa.Table, pa.Table, str]:
    """One stage output block -> (kept rows, reject rows, stats rows as JSON), sorted by order."""
    import pyarrow.compute as pc

    def rows_of(kind: str, columns: list[str]) -> pa.Table:
        part = table.filter(pc.equal(table["kind"], kind)).select(columns)
        return part.sort_by(ORDER)

    payloads = rows_of(STATS, ["payload", ORDER]).column("payload").to_pylist()
    stats = [json.loads(p) for p in payloads]
    return rows_of(KEPT, KEPT_COLUMNS), rows_of(REJECT, REJECT_COLUMNS), json.dumps(stats)


_SPLITTER: list[Any] = []


def _block_splitter() -> Any:
    """The remote form of ``_split_block`` (made once, after ray is imported)."""
    import ray

    if not _SPLITTER:
        _SPLITTER.append(ray.remote(num_returns=3)(_split_block))
    return _SPLITTER[0]


def _default_shards() -> int:
    import ray

    cpus = int(ray.cluster_resources().get("CPU", 2))
    return max(4, 4 * cpus)


def _empty(columns: list[str]) -> ray.data.Dataset:
    import ray.data

    return ray.data.from_arrow(_Rows().table().select(columns))


# -- public API ---------------------------------------------------------------------------------
def to_rows(records: Iterable[Conversation], ray_blocks: int | None = None) -> ray.data.Dataset:
    """A Ray Dataset of ``id``/``conv``/``_order`` rows from conversations, in this order."""
    require_ray()
    import pyarrow as pa
    import ray.data

    ids, convs, orders = [], [], []
    for order, conv in enumerate(records):
        ids.append(conv.id)
        convs.append(encode(conv))
        orders.append(order)
    table = pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "conv": pa.array(convs, pa.string()),
            ORDER: pa.array(orders, pa.int64()),
        }
    )
    return ray.data.from_arrow(table, override_num_blocks=ray_blocks)


def from_records_dataset(ds: ray.data.Dataset) -> ray.data.Dataset:
    """Rows from a Dataset of OpenAI-style records (``id``, ``messages``, ``metadata`` columns).

    The input order is the dataset's row order (numbered with a positional ``zip``).
    """
    import ray.data

    if ORDER not in ds.columns():
        numbers = ray.data.range(ds.count()).rename_columns({"id": ORDER})
        ds = ds.zip(numbers)
    if "conv" in ds.columns():
        return ds.select_columns(["id", "conv", ORDER])

    def to_conv(batch: pa.Table) -> pa.Table:
        import pyarrow as pa

        ids, convs = [], []
        for row in batch.to_pylist():
            order = row.pop(ORDER)
            row.setdefault("id", None)
            if row["id"] is None:
                row["id"] = str(order)
            conv = Conversation.model_validate(row)
            ids.append(conv.id)
            convs.append(encode(conv))
        return pa.table(
            {
                "id": pa.array(ids, pa.string()),
                "conv": pa.array(convs, pa.string()),
                ORDER: batch[ORDER],
            }
        )

    return ds.map_batches(to_conv, batch_format="pyarrow")


def run_ray(
    pipeline: Pipeline, ds: ray.data.Dataset, **engine_options: Any
) -> tuple[ray.data.Dataset, ray.data.Dataset, Report]:
    """Run ``pipeline`` over a Ray Dataset; return ``(kept_ds, rejects_ds, report)``.

    ``ds`` holds either ``id``/``conv``(JSON)/``_order`` rows (:func:`to_rows`) or OpenAI-style
    records (``messages`` and optional ``id``/``metadata`` columns). ``kept_ds`` has the same
    row shape; ``rejects_ds`` has ``id``, ``step``, ``reason``, ``duplicate_of`` and ``payload``
    (the line of the rejects file). The report is checked: input = kept + rejected.
    """
    require_ray()
    result = RayEngine(**engine_options).run(pipeline, from_records_dataset(ds))
    return result.kept, result.rejects, result.report


def kept_conversations(kept: ray.data.Dataset) -> Iterator[Conversation]:
    """The kept conversations in input order (the engine keeps blocks in order)."""
    for batch in kept.iter_batches(batch_format="pyarrow", batch_size=4096):
        for text in _column(batch, "conv"):
            yield decode(text)


def reject_lines(rejects: ray.data.Dataset) -> Iterator[dict[str, Any]]:
    """The rejects-file lines: stage by stage, in input order within a stage."""
    for batch in rejects.iter_batches(batch_format="pyarrow", batch_size=4096):
        for text in _column(batch, "payload"):
            yield json.loads(text)


def run_recipe_on_ray(
    recipe: Any,
    input: Sequence[str],
    output: str,
    rejects: str | None = None,
    report: str | None = None,
    address: str | None = None,
    format: str | None = None,
    html: HtmlReportHook | None = None,
    record_source: bool = False,
    **engine_options: Any,
) -> Report:
    """``selfreflect run RECIPE --engine ray``: read files on the cluster, write the outputs.

    ``recipe`` is a Recipe (with ``.pipeline``) or a Pipeline. Files are read one per task with
    the same readers as the local engine (a file's records keep their line numbers; order is
    file index, then position). Outputs are written on the driver, atomically, in input order.
    With ``html`` (``--report-html``), the driver observes the rejects and kept records as it
    writes them, and reads the input once more for the "before" length distributions.
    """
    ray = require_ray()
    from selfreflect.formats import write_jsonl

    pipeline = recipe if isinstance(recipe, Pipeline) else recipe.pipeline
    from selfreflect.provenance import RunProvenance, recipe_text

    provenance = RunProvenance([str(p) for p in input], recipe_text(pipeline))
    started_here = not ray.is_initialized()
    if started_here:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(include_dashboard=False, log_to_driver=False)
    try:
        engine = RayEngine(**engine_options)
        files = ray.data.from_items(
            [{"path": str(p), "file_index": i} for i, p in enumerate(input)],
            override_num_blocks=max(1, len(input)),
        )
        _configure_data_context()
        read_stats: dict[int, StepStats] = {}
        read_rejects: list[Any] = []
        rows = engine._split(
            files.map_batches(_read_files, batch_size=1, fn_args=(format,), batch_format="pyarrow"),
            [0],
            read_stats,
            read_rejects,
        )
        read = read_stats.get(0, StepStats(READ_STEP))
        cpus = int(ray.cluster_resources().get("CPU", 1))
        rows = rows.repartition(max(2 * cpus, read.out // 20_000, 1)).materialize()
        result = engine.run(pipeline, rows, read_stats=read, read_rejects=read_rejects)
        lines = reject_lines(result.rejects)
        kept = kept_conversations(result.kept)
        if record_source:  # metadata.source = {file, line}, as the local engine writes it
            from selfreflect.provenance import with_source

            kept = with_source(kept)
        if html is not None:
            lines, kept = _observed(html, input, format, lines, kept)
        if rejects:
            write_jsonl(lines, rejects)
        else:
            deque(lines, maxlen=0)  # observed for the HTML report, not written
        write_jsonl(kept, output)
        if report:
            provenance.stamp(result.report)
            from selfreflect.formats.atomic import atomic_path

            with atomic_path(report) as tmp:
                Path(tmp).write_text(result.report.dumps() + "\n", encoding="utf-8")
        if html is not None:
            html.finish(result.report, output)
        return result.report
    finally:
        if started_here:
            ray.shutdown()


def _observed(
    html: HtmlReportHook,
    input: Sequence[str],
    format: str | None,
    lines: Iterator[dict[str, Any]],
    kept: Iterator[Conversation],
) -> tuple[Iterator[dict[str, Any]], Iterator[Conversation]]:
    """The rejects lines and kept records, passing through the HTML report's observer (which
    first sees the input, read again here on the driver)."""
    from selfreflect.formats import read

    for path in input:
        deque(html.input(read(path, format=format)), maxlen=0)
    observe = html.on_reject(lambda reject: None)

    def observed_lines() -> Iterator[dict[str, Any]]:
        for line in lines:
            observe(Reject.from_json(line))
            yield line

    return observed_lines(), iter(html.output(kept))


__all__ = [
    "RayEngine",
    "RayRun",
    "from_records_dataset",
    "is_batchable",
    "kept_conversations",
    "plan",
    "reject_lines",
    "require_ray",
    "run_ray",
    "run_recipe_on_ray",
    "to_rows",
]
