"""``selfreflect reflect --batch DIR``: the reflect command through the Batch API, in rounds.

See :mod:`selfreflect.llm.batch`. Each round replays the step over the input with a
BatchClient (answers from the cache, every other request collected), sends what was collected
as one batch and stores the answers; the last replay, which collects nothing, is the ordinary
run of the command, writing output, rejects and report. A request still unanswered after the
last round fails its turn as ``batch_unanswered``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from selfreflect.llm import Cache, LLMError
from selfreflect.llm.batch import BatchClient, BatchJob
from selfreflect.reflect.base import LLMStep
from selfreflect.report import Report


def run_batch(
    step: LLMStep, job: Any, directory: str, *, poll_seconds: float, wait_seconds: float | None
) -> Report:
    """Run ``job`` (whose pipeline is ``[step]``) through batches kept in ``directory``."""
    from selfreflect import runner

    base_url, model = step.resolved_endpoint()
    if step.cache is None:
        step.cache = str(Path(directory) / "cache")
    cache_dir = step.cache
    batch = BatchJob(
        directory,
        base_url,
        api_key_env=step.api_key_env,
        poll_seconds=poll_seconds,
        wait_seconds=wait_seconds,
        max_retries=step.max_retries,
        log=lambda line: print(f"selfreflect: {line}", file=sys.stderr),
    )
    failures: dict[str, LLMError] = batch.failures()
    pending: dict[str, dict[str, Any]] = {}

    def client() -> BatchClient:
        return BatchClient(
            base_url,
            model,
            cache=Cache(cache_dir),
            failures=failures,
            pending=pending,
            api_key_env=step.api_key_env,
        )

    step.client_factory = client
    # a turn can take 1 + max_reasks answers, each after up to 2 refused format rungs, and
    # each sent again up to max_retries times
    for _ in range(3 * (step.max_reasks + 1) + step.max_retries + 1):
        pending.clear()
        state = batch.state()
        if state["batch"] is None and not state.get("offline"):
            for _kept in job.pipeline.stream(
                runner.read_inputs(job.inputs, job.format), lambda reject: None
            ):
                pass
            if not pending:
                break
        batch.run_round(dict(pending), Cache(cache_dir))
        failures.clear()
        failures.update(batch.failures())
    pending.clear()
    report = runner.run_local(job)
    counters = report.steps[-1].counters
    for name, value in batch.counters.items():
        counters[name] += value
    return report
