"""Progress a person can read: a bar with percentage, rate and ETA on a terminal, one log line
every 30 seconds otherwise, nothing with ``--quiet``.

How far a run is comes from bytes: the input files' sizes are known before reading, and the
position in a file is the line of the record just read against the file's line count (counted
in one fast pass, ``bytes.count(b"\\n")``), so ``done = finished files' bytes + this file's
bytes x line / lines``. For gzip files and JSON arrays the position inside the file is not
known: they count as done when the next file starts. With no sizes at all (``stats`` on a
pipe, say) the bar is a counter.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TextIO

#: Seconds between two log lines when stderr is not a terminal.
LOG_INTERVAL = 30.0


def line_count(path: str | os.PathLike[str]) -> int | None:
    """Lines of a plain JSONL file (None for gzip and JSON-array files: no line positions)."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
        if head[:2] == b"\x1f\x8b" or head.lstrip()[:1] == b"[":
            return None
        lines = head.count(b"\n")
        last = head[-1:]
        while block := fh.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (1 if last and last != b"\n" else 0)


def _columns(stream: TextIO) -> int:
    """The terminal's width (a terminal that reports 0 columns gets $COLUMNS or 100)."""
    try:
        width = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        width = 0
    return width or shutil.get_terminal_size((100, 20)).columns


class Progress:
    """Wrap a run's input, rejects and output; draw or log how far it is.

    progress = Progress(paths)
    kept = progress.output(pipeline.stream(progress.input(records), progress.on_reject(f), r))
    ...
    progress.close()
    """

    def __init__(
        self,
        paths: Sequence[str] = (),
        quiet: bool = False,
        stream: TextIO | None = None,
        interval: float = LOG_INTERVAL,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.paths = [str(p) for p in paths]
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.tty = self.stream.isatty() if tty is None else tty
        self.clock = clock
        self.records = 0
        self.kept = 0
        self.rejected = 0
        self._bar: Any = None
        self._sizes: dict[str, int] = {}
        self._lines: dict[str, int | None] = {}
        self._done_files: set[str] = set()
        self._current: str | None = None
        self._started = clock()
        self._last_log = self._started
        self._share: float | None = None

    # -- sizes ------------------------------------------------------------------------------
    def _measure(self) -> None:
        from selfreflect.provenance import is_regular_file

        for path in self.paths:
            if not is_regular_file(path):  # a pipe or stdin: read once, by the run itself
                self._sizes.clear()
                return
            try:
                self._sizes[path] = os.path.getsize(path)
                self._lines[path] = line_count(path)
            except OSError:
                self._sizes.clear()  # a size we cannot know: fall back to a counter
                return

    @property
    def total(self) -> int | None:
        """Bytes to read, when every input's size is known."""
        return sum(self._sizes.values()) if self._sizes else None

    def position(self, source: str | None, line: int | None) -> int:
        """Bytes read so far, from the record just read (its file and line)."""
        if source is not None and source != self._current:
            if self._current is not None:
                self._done_files.add(self._current)
            self._current = source
        done = sum(self._sizes.get(p, 0) for p in self._done_files)
        if self._current in self._sizes:
            lines = self._lines.get(self._current)
            if lines and line:
                done += self._sizes[self._current] * min(line, lines) // lines
        return done

    # -- the seams --------------------------------------------------------------------------
    def input(self, records: Iterable[Any]) -> Iterator[Any]:
        """Pass records through, counting them and moving the bar."""
        if self.quiet:
            yield from records
            return
        self._measure()
        self._open()
        try:
            for record in records:
                self.records += 1
                if self.records & 63 == 0 or self.records == 1:
                    self._tick(getattr(record, "source", None), getattr(record, "line", None))
                yield record
        finally:
            self._tick(None, None, final=True)
            self.close()

    def on_reject(self, on_reject: Callable[[Any], None]) -> Callable[[Any], None]:
        """A reject callback that counts rejects, then calls ``on_reject``."""

        def counted(reject: Any) -> None:
            if not (getattr(reject, "extra", None) or {}).get("messages"):
                self.rejected += 1
            on_reject(reject)

        return counted

    def output(self, kept: Iterable[Any]) -> Iterator[Any]:
        """Pass kept records through, counting them."""
        for conv in kept:
            self.kept += 1
            if self.kept & 63 == 0 and not self.quiet:
                self._tick(None, None)  # slow steps (LLM calls) still log as they finish
            yield conv

    def close(self) -> None:
        """Remove the bar (the run's table follows)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    # -- drawing ----------------------------------------------------------------------------
    def _open(self) -> None:
        if not self.tty:
            return
        from tqdm import tqdm

        total = self.total
        columns = _columns(self.stream)
        if total:
            self._bar = tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                file=self.stream,
                mininterval=0.5,
                leave=False,
                ncols=columns,
                bar_format="{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                "[{elapsed}<{remaining}{postfix}]",
            )
        else:
            self._bar = tqdm(
                unit=" records", file=self.stream, mininterval=0.5, leave=False, ncols=columns
            )

    def _rate(self) -> float:
        seconds = self.clock() - self._started
        return self.records / seconds if seconds > 0 else 0.0

    def _tick(self, source: str | None, line: int | None, final: bool = False) -> None:
        if self._bar is not None:
            if self.total:
                done = (
                    self.total
                    if final
                    else (self.position(source, line) if source is not None else self._bar.n)
                )
                self._bar.update(max(0, done - self._bar.n))
                self._bar.set_postfix_str(
                    f"{self.records:,} records, {self._rate():,.0f}/s, kept {self.kept:,}, "
                    f"rejected {self.rejected:,}",
                    refresh=False,
                )
            else:
                self._bar.update(self.records - self._bar.n)
            if final:
                self._bar.refresh()
            return
        if self.tty or final:
            return
        now = self.clock()
        if now - self._last_log >= self.interval:
            self._last_log = now
            share = ""
            if self.total and source is not None:
                self._share = 100 * self.position(source, line) / self.total
            if self.total and self._share is not None:
                share = f" ({self._share:.0f}% of input)"
            print(
                f"selfreflect: {self.records:,} records read{share}, {self._rate():,.0f} "
                f"records/s, kept {self.kept:,}, rejected {self.rejected:,}",
                file=self.stream,
                flush=True,
            )
