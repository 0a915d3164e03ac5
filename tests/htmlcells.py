"""Read the run report's numbers back out of its HTML: every ``data-*`` element's text."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class Cells(HTMLParser):
    """data-* attributes -> text (from the written page or the DOM Chromium dumps)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[tuple[str, str], ...], str] = {}
        self.stack: list[tuple[tuple[str, str], ...] | None] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        data = tuple(sorted((k, v or "") for k, v in attrs if k.startswith("data-")))
        self.stack.append(data or None)
        if data:
            self.cells[data] = ""

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    @property
    def scripts(self) -> int:
        """How many <script> elements the page has."""
        return self.tags.count("script")

    def handle_data(self, data):
        self.text.append(data)
        for key in self.stack:
            if key is not None:
                self.cells[key] += data

    def get(self, **attrs: str | int) -> int:
        """The number in the element with exactly these data attributes (``sample_step`` for
        ``data-sample-step``)."""
        key = tuple(sorted((f"data-{k.replace('_', '-')}", str(v)) for k, v in attrs.items()))
        return int(self.cells[key].strip())


def cells_of(text: str) -> Cells:
    """The cells of an HTML page."""
    cells = Cells()
    cells.feed(text)
    return cells


def assert_numbers_match(cells: Cells, report: dict[str, Any]) -> None:
    """The page's totals, per-step counts and reason counts are the JSON report's (steps told
    apart by position, so a recipe may use a step twice)."""
    for key in ("input", "kept", "rejected"):
        assert cells.get(metric=key) == report[key]
    for position, step in enumerate(report["steps"]):
        for field in ("in", "out", "dropped", "modified"):
            assert cells.get(position=position, step=step["name"], field=field) == step[field]
        for reason, count in step["reasons"].items():
            assert cells.get(position=position, step=step["name"], reason=reason) == count
