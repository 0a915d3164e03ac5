"""Where a run's numbers came from: version, command, recipe, inputs (size and sha256), times.

:class:`RunProvenance` is started before a run reads anything and stamped onto the report at
the end (``report.provenance``), so report.json and the HTML page say which recipe,
parameters, inputs and version produced them. The command line is written with the values of
options that may carry a secret (``--api-key``, ``--token``...) and URL passwords masked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import re
import shlex
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from selfreflect.conversation import Conversation

#: Options whose value is never written (``--api-key X`` and ``--api-key=X``).
SECRET_OPTIONS = re.compile(r"^--?[\w-]*(?:key|token|secret|password|passwd|auth)[\w-]*$", re.I)
_URL_PASSWORD = re.compile(r"(?<=://)([^/:@\s]+):[^/@\s]+@")


def now() -> str:
    """The current time in UTC, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """True for a file that can be read again; False for ``-``, pipes, fifos and devices."""
    if str(path) == "-":
        return False
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def file_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """``{"path", "bytes", "sha256"}`` of one input file (read in 1 MiB blocks).

    A stream (standard input, a pipe, a fifo) was read once by the run and cannot be read
    again: its ``bytes`` and ``sha256`` are null.
    """
    if not is_regular_file(path):
        return {"path": str(path), "bytes": None, "sha256": None}
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return {"path": str(path), "bytes": os.path.getsize(path), "sha256": digest.hexdigest()}


def safe_command(argv: Sequence[str]) -> str:
    """The command line as one shell-quoted string, secrets masked."""
    out: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            out.append("***")
            hide_next = False
            continue
        name, eq, _ = arg.partition("=")
        if SECRET_OPTIONS.match(name):
            if eq:
                out.append(f"{name}=***")
            else:
                out.append(arg)
                hide_next = True
            continue
        out.append(_URL_PASSWORD.sub(r"\1:***@", arg))
    return shlex.join(out)


@dataclass
class RunProvenance:
    """Started before a run, stamped on its report after: ``provenance.stamp(report)``."""

    inputs: list[str]
    recipe: str = ""
    command: str = field(default_factory=lambda: safe_command(["selfreflect", *sys.argv[1:]]))
    started: str = field(default_factory=now)

    def to_json(self, finished: str | None = None) -> dict[str, Any]:
        """The ``provenance`` object of report.json."""
        from selfreflect.version import __version__

        return {
            "version": __version__,
            "command": self.command,
            "recipe": self.recipe,
            "inputs": [file_info(p) for p in self.inputs],
            "started": self.started,
            "finished": finished or now(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        }

    def stamp(self, report: Any) -> None:
        """Set ``report.provenance`` unless it is set already (the page and JSON agree)."""
        if getattr(report, "provenance", None) is None:
            report.provenance = self.to_json()


def recipe_text(pipeline: Any) -> str:
    """The YAML of a pipeline or recipe, as ``selfreflect.recipe.dump`` writes it."""
    try:
        from selfreflect import recipe

        return recipe.dump(pipeline)
    except (AttributeError, ImportError, TypeError, ValueError) as exc:  # say so, do not fail
        return f"# recipe could not be written: {exc}"


def with_source(kept: Iterable[Conversation], key: str = "source") -> Iterator[Conversation]:
    """Kept records with ``metadata[key] = {"file", "line"}`` from where each was read."""
    for conv in kept:
        if conv.source is None:
            yield conv
            continue
        metadata = {**conv.metadata, key: {"file": conv.source, "line": conv.line}}
        yield conv.model_copy(update={"metadata": metadata})
