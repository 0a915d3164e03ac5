"""The ``selfreflect`` command line: clean, run, steps, stats.

Exit codes: 0 success (rejected records are not an error); 2 a usage or recipe error, found
before any data is read, with a one-line message saying what to fix (a missing input file, an
output that cannot be written, a bad recipe); 1 anything else. User errors never print a
traceback.

Each subcommand is one ``add_<name>(subparsers)`` function that declares its arguments and
sets ``func`` to its handler; adding a subcommand means adding such a function to
:data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import Any

from selfreflect.conversation import Conversation
from selfreflect.formats.forced import FormatMismatch
from selfreflect.recipe import ENGINES
from selfreflect.report import Report
from selfreflect.runner import EngineError, Job, read_inputs, run_local, run_on_ray
from selfreflect.steps import Reject

DEFAULT_RECIPE = "default"


class UserError(Exception):
    """A problem the user can fix (exit code 2); the message is one line."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors that point at ``--help``."""

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


# -- running a pipeline over files ---------------------------------------------------------


def _check_inputs(paths: Sequence[str]) -> list[str]:
    from selfreflect.formats import check_readable

    if not paths:
        raise UserError("no input files given")
    for path in paths:
        try:
            check_readable(path)
        except OSError as exc:
            raise UserError(str(exc)) from None
    return list(paths)


def _check_outputs(inputs: Sequence[str], output: str, *paths: str | None) -> None:
    from selfreflect.formats import check_writable
    from selfreflect.formats.writers import check_output_name

    try:
        check_output_name(output)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    named = [p for p in (output, *paths) if p]
    for path in named:
        try:
            check_writable(path)
        except OSError as exc:
            raise UserError(str(exc)) from None
    resolved = [Path(p).resolve() for p in named]
    if len(set(resolved)) != len(resolved):
        raise UserError("the output, rejects and report files must be different files")
    sources = {Path(p).resolve() for p in inputs}
    for path, full in zip(named, resolved, strict=True):
        if full in sources:
            raise UserError(f"{path} is also an input; write to another file")


def _load_recipe(name_or_path: str) -> Any:
    """``selfreflect.recipe.load`` with recipe errors turned into UserError."""
    from selfreflect import recipe

    try:
        loaded = recipe.load(name_or_path)
        loaded.pipeline.check()  # e.g. an LLM step with no endpoint: say so before reading
    except recipe.RecipeError as exc:
        raise UserError(f"recipe {name_or_path}: {_one_line(exc)}") from None
    except FileNotFoundError as exc:
        raise UserError(f"recipe not found: {exc.filename or name_or_path}") from None
    except ValueError as exc:
        raise UserError(f"recipe {name_or_path}: {_one_line(exc)}") from None
    return loaded


#: Longest error message printed: a value quoted in it (a huge recipe parameter) is cut.
MAX_MESSAGE = 600


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def _progress(records: Iterable[Any], inputs: Sequence[str] = (), quiet: bool = False) -> Any:
    """The records, with a progress bar on a terminal (log lines otherwise; none if quiet)."""
    from selfreflect.progress import Progress

    return Progress(inputs, quiet=quiet).input(records)


def _add_quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar on a terminal, no progress lines in a log",
    )


def _add_format(p: argparse.ArgumentParser) -> None:
    from selfreflect.formats import FORMATS

    p.add_argument(
        "--format",
        choices=list(FORMATS),
        default=None,
        help="input format for every file (default: detected per file); when it "
        "rejects most of a file that looks like another format, a warning "
        "names that format",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="with --format: stop (exit 2, no output) instead of warning when the "
        "format does not fit a file",
    )


def _finish(job: Job, report: Report) -> int:
    """Print the table, write the JSON report, say where the rejects went."""
    job.provenance.stamp(report)
    print(report.table(), file=sys.stderr)
    if job.report:
        from selfreflect.formats.writers import atomic_path

        with atomic_path(job.report) as tmp:
            Path(tmp).write_text(report.dumps() + "\n", encoding="utf-8")
    where = f" -> {job.rejects}" if job.rejects else " (pass --rejects FILE to keep them)"
    print(
        f"wrote {report.kept} records to {job.output}; {report.rejected} rejected{where}",
        file=sys.stderr,
    )
    return 0


def _add_report_html(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--report-html",
        metavar="FILE",
        help="write a self-contained HTML report of the run here (funnel, reasons, "
        "lengths before/after, rejected samples, duplicate clusters)",
    )
    p.add_argument(
        "--record-source",
        action="store_true",
        help="add metadata.source = {file, line} (where it was read) to each kept record",
    )
    p.add_argument(
        "--by",
        choices=(*GROUP_CHOICES, "none"),
        default=None,
        help="break the report down per persona, source file or system prompt "
        "(default: persona with --report-html, else none)",
    )
    _add_persona_pattern(p)
    _add_quiet(p)


#: What ``--by`` groups on.
GROUP_CHOICES = ("persona", "source", "system")


def _add_persona_pattern(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--persona-pattern",
        metavar="REGEX",
        action="append",
        default=None,
        help="regex naming the persona in the system prompt, with a (?P<persona>...) "
        "group (repeatable; default: 'You are X.' and its common variants, "
        "CJK too)",
    )


def _group_options(args: argparse.Namespace) -> dict[str, Any]:
    """``group_by`` and ``persona_patterns`` from ``--by`` / ``--persona-pattern``, checked."""
    by = args.by or ("persona" if getattr(args, "report_html", None) else None)
    patterns = tuple(args.persona_pattern) if args.persona_pattern else None
    for pattern in patterns or ():
        import regex

        try:
            regex.compile(pattern)
        except regex.error as exc:
            raise UserError(f"--persona-pattern {pattern!r}: {exc}") from None
    return {"group_by": None if by == "none" else by, "persona_patterns": patterns}


def _workers(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--workers needs a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--workers must be 1 or more")
    return n


# -- clean -----------------------------------------------------------------------------------


def add_clean(sub: Any) -> None:
    """``clean INPUT... -o OUTPUT``: run a recipe (``default`` unless named) over files."""
    p = sub.add_parser(
        "clean",
        help="clean chat files with a recipe (default: 'default')",
        description="Read INPUT files (openai, sharegpt or alpaca; JSONL, "
        ".jsonl.gz or a JSON array), run a recipe, write OUTPUT.",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="input files ('-' for standard input; pipes and fifos work)",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTPUT",
        help="output file (.jsonl, .jsonl.gz or .parquet)",
    )
    p.add_argument("--rejects", metavar="FILE", help="write rejected records (JSONL) here")
    p.add_argument("--report", metavar="FILE", help="write the JSON report here")
    _add_report_html(p)
    p.add_argument(
        "--recipe",
        metavar="NAME|PATH",
        default=DEFAULT_RECIPE,
        help="recipe name or YAML file (default: %(default)s)",
    )
    p.add_argument(
        "--workers",
        type=_workers,
        default=None,
        metavar="N",
        help="processes for per-record steps (default: the recipe's, else 1)",
    )
    _add_format(p)
    p.set_defaults(func=cmd_clean)


def cmd_clean(args: argparse.Namespace) -> int:
    """Handle ``clean``."""
    inputs = _check_inputs(args.inputs)
    _check_outputs(inputs, args.output, args.rejects, args.report, args.report_html)
    recipe = _load_recipe(args.recipe)
    workers = args.workers or _recipe_workers(recipe)
    job = Job(
        recipe.pipeline,
        inputs,
        args.output,
        args.rejects,
        args.report,
        workers,
        args.format,
        args.report_html,
        args.strict,
        provenance=_provenance(args, recipe.pipeline, inputs),
        record_source=args.record_source,
        quiet=args.quiet,
        **_group_options(args),
    )
    return _finish(job, run_local(job))


# -- run -------------------------------------------------------------------------------------


def add_run(sub: Any) -> None:
    """``run RECIPE.yaml``: run a recipe with the input and output it names (or overrides)."""
    p = sub.add_parser(
        "run",
        help="run a YAML recipe",
        description="Run a recipe; --input/--output override the recipe's own.",
    )
    p.add_argument("recipe", metavar="RECIPE.yaml", help="recipe file or built-in recipe name")
    p.add_argument(
        "--input",
        action="extend",
        nargs="+",
        metavar="PATH",
        help="input files (--input a.jsonl b.jsonl, a glob, or repeated); "
        "override the recipe's input",
    )
    p.add_argument("--output", metavar="PATH", help="output file; overrides the recipe's output")
    p.add_argument("--rejects", metavar="FILE", help="rejects file; overrides the recipe's")
    p.add_argument("--report", metavar="FILE", help="JSON report file; overrides the recipe's")
    _add_report_html(p)
    p.add_argument(
        "--workers", type=_workers, default=None, metavar="N", help="processes for per-record steps"
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help="local processes (default) or Ray Data (pip install 'selfreflect[ray]')",
    )
    p.add_argument(
        "--address",
        metavar="ADDR",
        help="with --engine ray: the cluster to join (default: start a local one)",
    )
    _add_format(p)
    p.set_defaults(func=cmd_run)


def _provenance(args: argparse.Namespace, pipeline: Any, inputs: Sequence[str]) -> Any:
    """Where this run's numbers come from: started now, before any data is read."""
    from selfreflect.provenance import RunProvenance, recipe_text, safe_command

    argv = getattr(args, "argv", sys.argv[1:])
    return RunProvenance(
        list(inputs), recipe_text(pipeline), command=safe_command(["selfreflect", *argv])
    )


def _recipe_workers(recipe: Any) -> int:
    return int(getattr(recipe, "workers", None) or 1)


def _expand(patterns: Sequence[str]) -> list[str]:
    """Paths as given, glob patterns expanded (a recipe's ``input: data/*.jsonl``)."""
    import glob

    paths: list[str] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise UserError(f"input pattern matches no file: {pattern}")
        paths += matches
    return paths


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(value)] if isinstance(value, str | Path) else [str(v) for v in value]


def cmd_run(args: argparse.Namespace) -> int:
    """Handle ``run``."""
    recipe = _load_recipe(args.recipe)
    inputs = args.input or _as_list(getattr(recipe, "input", None))
    output = args.output or getattr(recipe, "output", None)
    if not inputs:
        raise UserError(f"recipe {args.recipe} names no input; pass --input PATH")
    if not output:
        raise UserError(f"recipe {args.recipe} names no output; pass --output PATH")
    engine = args.engine or getattr(recipe, "engine", None) or "local"
    if engine not in ENGINES:
        raise UserError(f"recipe {args.recipe} asks for engine {engine!r}; use 'local' or 'ray'")
    rejects = args.rejects or getattr(recipe, "rejects", None)
    report = args.report or getattr(recipe, "report", None)
    inputs = _check_inputs(_expand(inputs))
    _check_outputs(inputs, str(output), rejects, report, args.report_html)
    workers = args.workers or _recipe_workers(recipe)
    job = Job(
        recipe.pipeline,
        inputs,
        str(output),
        rejects and str(rejects),
        report and str(report),
        workers,
        args.format,
        args.report_html,
        args.strict,
        provenance=_provenance(args, recipe.pipeline, inputs),
        record_source=args.record_source,
        quiet=args.quiet,
        **_group_options(args),
    )
    if engine == "ray":
        return _finish(job, _on_ray(job, args.address))
    return _finish(job, run_local(job))


def _on_ray(job: Job, address: str | None) -> Report:
    """``run --engine ray``; what the Ray engine cannot do is a usage error."""
    try:
        return run_on_ray(job, address)
    except EngineError as exc:
        raise UserError(str(exc)) from None


# -- steps -----------------------------------------------------------------------------------


def add_steps(sub: Any) -> None:
    """``steps``: list every registered step with its one-line summary."""
    p = sub.add_parser(
        "steps",
        help="list every registered step",
        description="List every step a recipe can name: the built-in ones and "
        "those of installed plugins, with a one-line summary.",
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also show each step's parameters (type, default, meaning), whether it "
        "is in the default recipe, and where it comes from",
    )
    p.set_defaults(func=cmd_steps)


def _step_details(info: Any) -> list[str]:
    """The ``steps --verbose`` lines of one step, after its name."""
    where = "in the default recipe" if info.in_default else "not in the default recipe"
    lines = [f"  {info.summary}", f"  {info.kind}, {info.origin}, {where}"]
    for p in info.params:
        default = "required" if p.default is None else f"default {p.default}"
        kind = f"{p.type}, " if p.type else ""
        meaning = f": {p.meaning}" if p.meaning else ""
        lines.append(f"    {p.name} ({kind}{default}){meaning}")
    if info.reasons:
        lines.append("  reasons: " + ", ".join(sorted(info.reasons)))
    return lines


def cmd_steps(args: argparse.Namespace) -> int:
    """Handle ``steps``."""
    from selfreflect import registry

    found = registry.available()
    if not found:
        print(
            "no steps registered (is selfreflect installed with pip install -e .?)", file=sys.stderr
        )
        return 0
    if args.verbose:
        from selfreflect.describe import default_recipe_steps, describe

        in_default = default_recipe_steps()
        for name, cls in found.items():
            print("\n".join([name, *_step_details(describe(name, cls, in_default))]))
            print()
        return 0
    width = max(len(name) for name in found)
    for name, cls in found.items():
        print(f"{name.ljust(width)}  {registry.summary(cls)}".rstrip())
    return 0


# -- stats -----------------------------------------------------------------------------------


def add_stats(sub: Any) -> None:
    """``stats INPUT``: counts, turns, lengths, roles and duplicates of input files."""
    p = sub.add_parser(
        "stats",
        help="describe input files: counts, turns, lengths, duplicates",
        description="Describe chat files without changing them: records, "
        "unreadable lines, roles, turns and lengths per role "
        "(percentiles), exact duplicates and repeated ids.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="input files")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--by",
        choices=GROUP_CHOICES,
        default=None,
        help="one line per persona (named in the system prompt, else the source "
        "file), source file or system prompt: records, turns, AI self-reference,"
        " human claims, invented experiences, empty questions, emoji, lengths, "
        'topics, samples; JSON: {"groups": [{"key", "records", ...}]}',
    )
    _add_persona_pattern(p)
    _add_quiet(p)
    _add_format(p)
    p.set_defaults(func=cmd_stats)


def _tally(
    records: Iterable[Conversation | Reject], tally: Counter[str]
) -> Iterator[Conversation | Reject]:
    """Pass records through, counting records, rejects and reject reasons into ``tally``."""
    for record in records:
        if isinstance(record, Reject):
            tally["rejected"] += 1
            tally[record.reason] += 1
        else:
            tally["records"] += 1
        yield record


def _not_chat_data(read_per_file: dict[str, Counter[str]], forced: str | None) -> None:
    """Raise UserError naming a file none of whose lines is a chat record (format detected)."""
    for path, tally in read_per_file.items():
        if tally["records"] == 0 and tally["rejected"] and not forced:
            reasons = ", ".join(
                f"{k}={v}" for k, v in tally.items() if k not in ("records", "rejected")
            )
            raise UserError(
                f"{path} is not chat data: none of its {tally['rejected']} lines is "
                f"a chat record ({reasons}); stats reads openai, sharegpt or alpaca "
                "records as JSONL, .jsonl.gz, a JSON array or Parquet"
            )


def cmd_stats(args: argparse.Namespace) -> int:
    """Handle ``stats``."""
    from selfreflect.stats import DatasetStats

    inputs = _check_inputs(args.inputs)
    read_per_file: dict[str, Counter[str]] = {}
    records = _progress(
        chain.from_iterable(
            _tally(
                read_inputs([p], args.format, args.strict), read_per_file.setdefault(p, Counter())
            )
            for p in inputs
        ),
        inputs,
        args.quiet,
    )
    if args.by:
        from selfreflect.groups import PERSONA_PATTERNS, GroupedStats

        options = _group_options(args)
        grouped = GroupedStats(args.by, options["persona_patterns"] or PERSONA_PATTERNS)
        grouped.add_records(records)
        _not_chat_data(read_per_file, args.format)
        print(
            json.dumps(grouped.to_json(), indent=2, ensure_ascii=False)
            if args.json
            else grouped.table()
        )
        return 0
    stats = DatasetStats.from_records(records)
    _not_chat_data(read_per_file, args.format)
    print(json.dumps(stats.to_json(), indent=2, ensure_ascii=False) if args.json else stats.table())
    return 0


# -- conflicts -------------------------------------------------------------------------------


def add_conflicts(sub: Any) -> None:
    """``conflicts INPUT... -o CLUSTERS.jsonl``: near-duplicate prompts with different answers."""
    p = sub.add_parser(
        "conflicts",
        help="find near-duplicate prompts whose answers disagree",
        description="Write one JSON line per cluster of near-duplicate user "
        "prompts (MinHash, CJK-aware) whose answers disagree, within "
        "one persona or across personas: {prompt, members: [{id, "
        "persona, answer}], similarity}.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="input files")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="CLUSTERS.jsonl",
        help="where to write the clusters",
    )
    p.add_argument(
        "--prompt-threshold",
        type=_fraction,
        default=0.65,
        metavar="J",
        help="prompts with a word-bigram Jaccard similarity of at least J are the "
        "same question (default: %(default)s)",
    )
    p.add_argument(
        "--answer-threshold",
        type=_fraction,
        default=0.5,
        metavar="J",
        help="answers with a token Jaccard similarity below J disagree (default: %(default)s)",
    )
    p.add_argument(
        "--min-answers",
        type=_workers,
        default=2,
        metavar="N",
        help="report clusters with at least N different answers (default: 2)",
    )
    p.add_argument(
        "--by",
        choices=GROUP_CHOICES,
        default="persona",
        help="what a member's persona is (default: %(default)s)",
    )
    _add_persona_pattern(p)
    _add_quiet(p)
    _add_format(p)
    p.set_defaults(func=cmd_conflicts)


def _fraction(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"needs a number in (0, 1], got {value!r}") from None
    if not 0.0 < x <= 1.0:
        raise argparse.ArgumentTypeError(f"needs a number in (0, 1], got {value}")
    return x


def cmd_conflicts(args: argparse.Namespace) -> int:
    """Handle ``conflicts``."""
    from selfreflect.conflicts import conflicts_in
    from selfreflect.formats import JsonlWriter
    from selfreflect.groups import PERSONA_PATTERNS

    inputs = _check_inputs(args.inputs)
    _check_outputs(inputs, args.output)
    patterns = _group_options(args)["persona_patterns"] or PERSONA_PATTERNS
    convs = (
        r
        for r in _progress(read_inputs(inputs, args.format, args.strict), inputs, args.quiet)
        if isinstance(r, Conversation)
    )
    clusters = conflicts_in(
        convs,
        args.by,
        patterns,
        prompt_threshold=args.prompt_threshold,
        answer_threshold=args.answer_threshold,
        min_answers=args.min_answers,
    )
    with JsonlWriter(args.output) as out:
        for cluster in clusters:
            out.write(cluster.to_json())
    scopes = {s: sum(c.scope == s for c in clusters) for s in ("within", "across", "both")}
    members = sum(len(c.members) for c in clusters)
    print(
        f"wrote {len(clusters)} conflict clusters ({members} answers; one persona: "
        f"{scopes['within']}, across personas: {scopes['across']}, both: {scopes['both']}) "
        f"to {args.output}",
        file=sys.stderr,
    )
    return 0


# -- entry point -----------------------------------------------------------------------------

#: One function per subcommand; each adds its parser and sets ``func``.
COMMANDS: list[Callable[[Any], Any]] = [add_clean, add_run, add_steps, add_stats, add_conflicts]

#: Subcommands that live with their feature: (module, function), added when the module exists.
OPTIONAL_COMMANDS: list[tuple[str, str]] = [("selfreflect.reflect.cli", "add_reflect_command")]


def _optional_commands() -> list[Callable[[Any], Any]]:
    import importlib

    found = []
    for module_name, function in OPTIONAL_COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that part of selfreflect is not in this build
            raise
        found.append(getattr(module, function))
    return found


class _Subcommands:
    """``add_subparsers()``'s action, remembering each subcommand's parser by name."""

    def __init__(self, action: Any):
        self.action = action
        self.parsers: dict[str, argparse.ArgumentParser] = {}

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        """Add a subcommand (as ``add_subparsers().add_parser``) and remember it."""
        self.parsers[name] = parser = self.action.add_parser(name, **kwargs)
        return parser


def _build() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    from selfreflect.version import __version__

    parser = _Parser(
        prog="selfreflect", description="Turn raw chat logs into clean, deduplicated training data."
    )
    parser.add_argument("--version", action="version", version=f"selfreflect {__version__}")
    sub = _Subcommands(
        parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    )
    for add in [*COMMANDS, *_optional_commands()]:
        add(sub)
    return parser, sub.parsers


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand in :data:`COMMANDS`."""
    return _build()[0]


def subcommand_parsers() -> dict[str, argparse.ArgumentParser]:
    """Each subcommand's own parser, by name, in the order ``--help`` lists them."""
    return _build()[1]


class _WarningLines(logging.Handler):
    """Print the library's log warnings as ``selfreflect: warning: ...`` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"selfreflect: warning: {record.getMessage()}", file=sys.stderr)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    print(f"selfreflect: warning: {message}", file=sys.stderr)


def _warnings_as_lines() -> None:
    """Every warning a command meets is one line with one prefix, printed once."""
    logger = logging.getLogger("selfreflect")
    if not any(isinstance(h, _WarningLines) for h in logger.handlers):
        handler = _WarningLines(logging.WARNING)
        logger.addHandler(handler)
    warnings.showwarning = _show_warning


class Terminated(KeyboardInterrupt):
    """SIGTERM (what ``timeout``, ``kill`` and job schedulers send), handled like Ctrl-C."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM unwinds like Ctrl-C: temporary files are removed."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = argv  # for the report's provenance
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    with warnings.catch_warnings():
        _warnings_as_lines()
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Call the subcommand's handler; turn errors into one line and an exit code."""
    try:
        with _sigterm_as_interrupt():
            return int(args.func(args))
    except UserError as exc:
        print(f"selfreflect {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except FormatMismatch as exc:
        print(f"selfreflect {args.command}: error: {exc}; no output was written", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `selfreflect stats x | head`: the reader left; nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt as exc:
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"selfreflect: {what}; no output file was left half-written", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except ImportError as exc:
        print(f"selfreflect {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:
        import errno

        message = _one_line(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # the file name would only be a .tmp
            message = (
                "no space left on the disk; free some space and run again (no output "
                "file was left half-written)"
            )
        print(f"selfreflect {args.command}: error: {message}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        # an LLM step found its server unusable (wrong URL, key or model); checked through
        # sys.modules so that commands without LLM steps never import the HTTP client
        llm_errors = sys.modules.get("selfreflect.llm.errors")
        if llm_errors is None or not isinstance(exc, llm_errors.ServerUnusable):
            raise
        print(
            f"selfreflect {args.command}: error: {_one_line(exc)}; no output was written",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
