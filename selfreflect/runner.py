"""Run a pipeline from files to files: ``selfreflect.run(recipe, inputs, output, ...)``.

The one file runner behind ``selfreflect clean``, ``run`` and ``reflect`` and the library call.
It reads every input once (format detected per file), runs the pipeline on an engine, writes
the kept records (JSONL, ``.jsonl.gz`` or Parquet by the name), the rejects and the report
atomically, and returns the report (checked: input = kept + rejected). Engines are named in
:data:`selfreflect.recipe.ENGINES`: ``local`` (one process or ``workers`` processes) and ``ray``
(``pip install 'selfreflect[ray]'``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

from selfreflect.conversation import Conversation
from selfreflect.report import Report
from selfreflect.steps import Reject


class EngineError(ValueError):
    """A run that this engine cannot do as asked (a missing extra, an output it cannot write)."""


@dataclass
class Job:
    """What to run: a pipeline, inputs, outputs and how many workers."""

    pipeline: Any
    inputs: list[str]
    output: str
    rejects: str | None = None
    report: str | None = None
    workers: int = 1
    format: str | None = None
    report_html: str | None = None
    strict: bool = False
    #: Started before reading; stamped on the report (report.json and the HTML page).
    provenance: Any = None
    #: Add ``metadata["source"] = {"file", "line"}`` to every kept record.
    record_source: bool = False
    #: No progress bar or log lines.
    quiet: bool = False
    #: Break the report down per persona, source or system prompt (None: no breakdown).
    group_by: str | None = None
    persona_patterns: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.provenance is None:
            from selfreflect.provenance import RunProvenance, recipe_text

            self.provenance = RunProvenance(list(self.inputs), recipe_text(self.pipeline))


def read_inputs(
    paths: Sequence[str], fmt: str | None = None, strict: bool = False, deferred: bool = False
) -> Iterator[Any]:
    """Every record of every input, in order; a forced format is watched for a misfit.

    With ``deferred``, JSONL lines come undecoded (see
    :func:`~selfreflect.formats.reader.read_deferred`) for the worker processes to decode.
    """
    from selfreflect.formats import read
    from selfreflect.formats.forced import ForcedFormatCheck
    from selfreflect.formats.reader import read_deferred

    opened = read_deferred if deferred else read
    if fmt is None:
        return chain.from_iterable(opened(p) for p in paths)
    return chain.from_iterable(
        ForcedFormatCheck(str(p), fmt, strict).watch(opened(p, format=fmt)) for p in paths
    )


def _stream(
    pipeline: Any,
    records: Iterable[Any],
    on_reject: Callable[[Reject], None],
    report: Report,
    workers: int,
) -> Iterator[Conversation]:
    """``pipeline.stream`` with ``workers`` processes for its per-record steps."""
    return pipeline.stream(records, on_reject, report, workers=workers)


def run_local(job: Job) -> Report:
    """Read, run the pipeline, write kept records and rejects atomically; return the report."""
    from selfreflect.formats import JsonlWriter, write_parquet
    from selfreflect.html_report import HtmlReportHook
    from selfreflect.provenance import with_source

    # passes everything through without --report-html
    hook = HtmlReportHook(
        job.report_html,
        provenance=job.provenance,
        group_by=job.group_by,
        persona_patterns=job.persona_patterns,
    )

    from selfreflect.progress import Progress

    report = job.pipeline.new_report()
    progress = Progress(job.inputs, quiet=job.quiet)
    # with workers and nothing watching each record on its way in, the workers decode lines
    deferred = job.workers > 1 and hook.observer is None
    records = progress.input(read_inputs(job.inputs, job.format, job.strict, deferred))
    with ExitStack() as stack:
        stack.callback(progress.close)
        rejects_out = stack.enter_context(JsonlWriter(job.rejects)) if job.rejects else None

        def on_reject(item: Reject) -> None:
            if rejects_out is not None:
                rejects_out.write(item.to_json())

        kept = progress.output(
            hook.output(
                _stream(
                    job.pipeline,
                    hook.input(records),
                    progress.on_reject(hook.on_reject(on_reject)),
                    report,
                    job.workers,
                )
            )
        )
        if job.record_source:
            kept = with_source(kept)
        from selfreflect.reflect.output import iter_examples

        kept = iter_examples(kept)  # a record carrying training examples is written as them
        if job.output.endswith(".parquet"):
            write_parquet(kept, job.output)
        else:
            out = stack.enter_context(JsonlWriter(job.output))
            for conv in kept:
                out.write(conv.to_record())
        if hasattr(records, "close"):
            records.close()
    hook.finish(report, job.output)
    return report


def run_on_ray(job: Job, address: str | None = None) -> Report:
    """``run --engine ray``: the same recipe on Ray Data (selfreflect.engines.ray_engine)."""
    if job.output.endswith(".parquet"):
        raise EngineError("the Ray engine writes JSONL; give an output path that is not .parquet")
    try:
        from selfreflect.engines.ray_engine import require_ray, run_recipe_on_ray

        require_ray()
    except ImportError as exc:
        raise EngineError(str(exc)) from None
    from selfreflect.html_report import HtmlReportHook

    html = (
        HtmlReportHook(
            job.report_html,
            provenance=job.provenance,
            group_by=job.group_by,
            persona_patterns=job.persona_patterns,
        )
        if job.report_html or job.group_by
        else None
    )
    try:
        return run_recipe_on_ray(
            job.pipeline,
            job.inputs,
            job.output,
            job.rejects,
            None,
            address=address,
            format=job.format,
            html=html,
            record_source=job.record_source,
        )
    except Exception as exc:
        # Ray Data passes an actor's exception back only as text inside its UserCodeException;
        # a server found unusable is surfaced as itself (the CLI prints it as one line)
        import re

        from selfreflect.llm.errors import ServerUnusable

        found = re.search(rf"{ServerUnusable.__module__}\.ServerUnusable: ([^\n]+)", str(exc))
        if found is None:
            raise
        raise ServerUnusable(found.group(1)) from None


class Engine(Protocol):
    """Runs a pipeline from input files to an output file; returns the checked report."""

    def run(
        self,
        pipeline: Any,
        inputs: Sequence[str],
        output: str,
        rejects: str | None = None,
        report: str | None = None,
        **options: Any,
    ) -> Report:
        """Read ``inputs``, write the kept records to ``output`` and the rejects to ``rejects``.

        ``options`` are the other :class:`Job` fields (``format``, ``report_html``, ...).
        """
        ...


class _FilesEngine:
    """Builds the :class:`Job` of an :meth:`Engine.run` call; a subclass runs it."""

    workers: int = 1

    def run(
        self,
        pipeline: Any,
        inputs: Sequence[str],
        output: str,
        rejects: str | None = None,
        report: str | None = None,
        **options: Any,
    ) -> Report:
        """Run ``pipeline`` from ``inputs`` to ``output`` (see :class:`Engine`)."""
        job = Job(pipeline, list(inputs), output, rejects, report, self.workers, **options)
        return self.run_job(job)

    def run_job(self, job: Job) -> Report:
        """Run a prepared job."""
        raise NotImplementedError


@dataclass
class LocalEngine(_FilesEngine):
    """This machine: one process, or ``workers`` processes for the per-record steps."""

    workers: int = 1

    def run_job(self, job: Job) -> Report:
        """Run on this machine."""
        return run_local(job)


@dataclass
class RayFilesEngine(_FilesEngine):
    """Ray Data (``pip install 'selfreflect[ray]'``): a local Ray, or the cluster at ``address``."""

    address: str | None = None

    def run_job(self, job: Job) -> Report:
        """Run on Ray Data."""
        return run_on_ray(job, self.address)


#: The engines a recipe or ``--engine`` names (the names are :data:`selfreflect.recipe.ENGINES`).
ENGINE_CLASSES: dict[str, type[LocalEngine] | type[RayFilesEngine]] = {
    "local": LocalEngine,
    "ray": RayFilesEngine,
}


def engine_for(name: str, workers: int = 1, address: str | None = None) -> Engine:
    """The engine called ``name``; EngineError lists the known names."""
    if name == "local":
        return LocalEngine(workers)
    if name == "ray":
        return RayFilesEngine(address)
    raise EngineError(f"unknown engine {name!r}; available: {', '.join(ENGINE_CLASSES)}")


def run(
    recipe: Any,
    inputs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    rejects: str | os.PathLike[str] | None = None,
    report: str | os.PathLike[str] | None = None,
    report_html: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    engine: str | None = None,
    address: str | None = None,
    format: str | None = None,
    strict: bool = False,
    record_source: bool = False,
    quiet: bool = True,
) -> Report:
    """Run a recipe (a Recipe, a Pipeline, a shipped name or a YAML path) from files to files.

    ``workers`` and ``engine`` default to the recipe's own settings (else 1 and ``local``).
    ``rejects``, ``report`` (JSON) and ``report_html`` are written when named. Returns the
    report, with its provenance. Bad arguments raise before any data is read.
    """
    from selfreflect import recipe as recipes
    from selfreflect.formats import check_readable, check_writable
    from selfreflect.formats.writers import atomic_path, check_output_name
    from selfreflect.pipeline import Pipeline
    from selfreflect.provenance import RunProvenance, recipe_text

    loaded = recipes.load(recipe) if isinstance(recipe, str | Path) else recipe
    pipeline = loaded if isinstance(loaded, Pipeline) else loaded.pipeline
    settings = loaded if isinstance(loaded, recipes.Recipe) else None
    runner = engine_for(
        engine or (settings.engine if settings else None) or "local",
        workers or (settings.workers if settings else None) or 1,
        address,
    )
    paths = [str(inputs)] if isinstance(inputs, str | os.PathLike) else [str(p) for p in inputs]
    for path in paths:
        check_readable(path)
    check_output_name(output)
    for target in (output, rejects, report, report_html):
        if target is not None:
            check_writable(target)
    pipeline.check()
    options = {
        "format": format,
        "report_html": _text(report_html),
        "strict": strict,
        "record_source": record_source,
        "quiet": quiet,
    }
    provenance = RunProvenance(paths, recipe_text(pipeline))
    result = runner.run(
        pipeline,
        paths,
        str(output),
        _text(rejects),
        _text(report),
        provenance=provenance,
        **options,
    )
    provenance.stamp(result)
    if report is not None:
        with atomic_path(report) as tmp:
            Path(tmp).write_text(result.dumps() + "\n", encoding="utf-8")
    return result


def _text(path: str | os.PathLike[str] | None) -> str | None:
    return None if path is None else str(path)
