"""``selfreflect reflect INPUT -o OUTPUT --base-url URL --model NAME [...]``.

``add_reflect_command(subparsers)`` declares the command and sets ``func``; the main CLI
(``selfreflect.cli``) adds it through its optional commands. Exit codes as the main CLI: 0 done
(rejects are not errors), 2 a usage error, 1 anything else.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from selfreflect.llm.client import DEFAULT_KEY_ENV
from selfreflect.reflect.base import BASE_URL_ENV, MODEL_ENV
from selfreflect.reflect.prompts import PROMPTS
from selfreflect.reflect.step import MODES


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"needs a whole number, got {value!r}") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more")
        return n

    return parse


_positive = _at_least(1)
_at_least_zero = _at_least(0)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"needs a number of seconds, got {value!r}") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise argparse.ArgumentTypeError(
            f"must be a finite number of seconds above 0, got {value!r}"
        )
    return seconds


def add_reflect_command(sub: Any) -> argparse.ArgumentParser:
    """Add the ``reflect`` subcommand to ``sub`` (an argparse subparsers object)."""
    p = sub.add_parser(
        "reflect",
        help="critique and rewrite assistant answers with an LLM, using the later turns",
        description="For each assistant answer followed by more conversation, an LLM reads the "
        "whole conversation, criticises the answer and writes a better one (SelfReflectionGPT, "
        "validated, cached, resumable). The API key is read from $"
        + DEFAULT_KEY_ENV
        + " (or $OPENAI_API_KEY) and never written anywhere.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="chat files (JSONL)")
    p.add_argument("-o", "--output", required=True, help="where kept records go (JSONL)")
    p.add_argument(
        "--base-url",
        default=os.environ.get(BASE_URL_ENV),
        help=f"OpenAI-compatible server, e.g. http://localhost:8000/v1 (default: ${BASE_URL_ENV})",
    )
    p.add_argument(
        "--model", default=os.environ.get(MODEL_ENV), help=f"model name (default: ${MODEL_ENV})"
    )
    p.add_argument(
        "--mode",
        choices=MODES,
        default="sft",
        help="sft: one example per reviewed answer, the conversation up to its "
        "question followed by the revised answer (TRL SFT 'messages'); preference: "
        "prompt / chosen (revised) / rejected (original) for TRL DPO; conversation: "
        "each record as it was, critiques and revisions in its metadata "
        "(default: sft)",
    )
    p.add_argument(
        "--turns",
        default="first",
        help="which answers are reviewed: first, last:N or all; sft and preference "
        "write one example per reviewed turn, id '<record id>#<turn>' "
        "(default: first)",
    )
    p.add_argument(
        "--prompt",
        default="reflect-json-v1",
        choices=sorted(PROMPTS),
        help="prompt version (default: reflect-json-v1, a JSON verdict, critique and "
        "revision; seed-kcl-v1 is the original SelfReflectionGPT format, which "
        "echoes the question, then criticism, then the new answer)",
    )
    p.add_argument(
        "--batch",
        metavar="DIR",
        help="send the requests as OpenAI Batch API jobs (Files + Batches endpoints, "
        "about half the price) instead of one by one; DIR keeps the input files and "
        "the job's state, so rerunning the command resumes the batch in flight",
    )
    p.add_argument(
        "--batch-poll",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="seconds between polls of a running batch (default: 30)",
    )
    p.add_argument(
        "--batch-wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop waiting for a batch after this long (exit 1; rerun to resume; "
        "default: wait until it ends)",
    )
    p.add_argument(
        "--cache",
        metavar="DIR",
        help="cache answers in DIR; a rerun (even after kill -9) pays only new calls",
    )
    p.add_argument(
        "--concurrency", type=_positive, default=16, help="requests in flight at once (default: 16)"
    )
    p.add_argument("--rejects", metavar="FILE", help="write rejected records here (JSONL)")
    p.add_argument("--report", metavar="FILE", help="write the JSON report here")
    from selfreflect.cli import _add_report_html

    _add_report_html(p)  # --report-html FILE: original vs revised side by side, with critiques
    p.add_argument(
        "--temperature",
        type=float,
        default=0.0,
        help="sampling temperature sent to the model (default: 0, the most "
        "repeatable answers; the cache key includes it)",
    )
    p.add_argument(
        "--max-tokens",
        type=_positive,
        default=2048,
        help="most tokens the model may write per answer; an answer cut there is "
        "asked again to be shorter (default: 2048)",
    )
    p.add_argument(
        "--max-reasks",
        type=_at_least_zero,
        default=2,
        help="re-asks after invalid JSON, apart from transport retries (default: 2)",
    )
    p.add_argument(
        "--max-retries",
        type=_at_least_zero,
        default=4,
        help="transport retries per call (default: 4)",
    )
    p.add_argument(
        "--read-timeout",
        type=_seconds,
        default=120.0,
        help="seconds to wait for the next bytes of an answer (default: 120)",
    )
    p.add_argument(
        "--total-timeout",
        type=_seconds,
        default=300.0,
        help="seconds for a whole call, every retry and wait included, however it "
        "trickles; a call that reaches it is rejected as 'hung' (default: 300)",
    )
    p.add_argument("--rpm", type=float, help="requests per minute limit")
    p.add_argument("--tpm", type=float, help="tokens per minute limit")
    p.add_argument(
        "--budget-tokens",
        type=_positive,
        help="stop making calls after this many tokens (rest -> budget_exhausted)",
    )
    p.add_argument(
        "--budget-calls",
        type=_positive,
        help="stop making calls after this many calls (rest -> budget_exhausted)",
    )
    p.add_argument(
        "--api-key-env",
        default=DEFAULT_KEY_ENV,
        help=f"environment variable holding the API key (default: {DEFAULT_KEY_ENV})",
    )
    p.add_argument(
        "--no-response-format",
        action="store_true",
        help="never send response_format (describe the schema in the prompt only)",
    )
    p.add_argument(
        "--no-leak-guard",
        action="store_true",
        help="keep revisions that refer to the later turns (not recommended)",
    )
    p.set_defaults(func=run_reflect_command)
    return p


def run_reflect_command(args: argparse.Namespace) -> int:
    """Run ``reflect`` over the input files; write output, rejects and report (atomically).

    Uses the main CLI's job runner, so reading, progress, writers and the report behave exactly
    as for ``clean``. Usage errors raise the CLI's UserError (exit code 2).
    """
    from selfreflect import cli, runner
    from selfreflect.pipeline import Pipeline
    from selfreflect.reflect.step import Reflect

    step = Reflect(
        base_url=args.base_url,
        model=args.model,
        mode=args.mode,
        turns=args.turns,
        prompt=args.prompt,
        leak_guard=not args.no_leak_guard,
        cache=args.cache,
        concurrency=args.concurrency,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        max_reasks=args.max_reasks,
        max_retries=args.max_retries,
        read_timeout=args.read_timeout,
        total_timeout=args.total_timeout,
        requests_per_minute=args.rpm,
        tokens_per_minute=args.tpm,
        budget_tokens=args.budget_tokens,
        budget_calls=args.budget_calls,
        response_format=not args.no_response_format,
        api_key_env=args.api_key_env,
    )
    try:
        step.check()
    except ValueError as exc:
        raise cli.UserError(str(exc)) from None
    job = runner.Job(
        pipeline=Pipeline([step]),
        inputs=cli._check_inputs(args.inputs),
        output=args.output,
        rejects=args.rejects,
        report=args.report,
        report_html=args.report_html,
    )
    cli._check_outputs(job.inputs, job.output, job.rejects, job.report, job.report_html)
    if args.batch:
        report = _run_batch(step, job, args)
        if report is None:
            return 1
    else:
        report = runner.run_local(job)
    code = cli._finish(job, report)
    if args.mode != "conversation":
        counters = report.steps[-1].counters
        print(
            f"{counters['examples']} examples from {report.kept} records "
            f"({counters['turns_failed']} reviewed turns failed)",
            file=sys.stderr,
        )
    return code


def _run_batch(step: Any, job: Any, args: argparse.Namespace) -> Any:
    """The batch run's report, or None after saying in one line why it stopped."""
    import httpx

    from selfreflect.llm.batch import BatchFailed, BatchNotDone
    from selfreflect.reflect.batchrun import run_batch

    if args.batch_poll < 0 or (args.batch_wait is not None and args.batch_wait < 0):
        from selfreflect import cli

        raise cli.UserError("--batch-poll and --batch-wait need 0 or more seconds")
    try:
        return run_batch(
            step, job, args.batch, poll_seconds=args.batch_poll, wait_seconds=args.batch_wait
        )
    except (BatchFailed, BatchNotDone, httpx.HTTPError) as exc:
        print(
            f"selfreflect reflect: error: {str(exc).splitlines()[0]}; no output was written",
            file=sys.stderr,
        )
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """The main CLI (``reflect`` is one of its commands)."""
    from selfreflect import cli

    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
