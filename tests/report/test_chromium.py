"""Open the report in headless Chromium: it renders, and the DOM's numbers match the JSON report.

Needs Debian's ``chromium`` package (``.ci/run`` installs it); skipped with a reason when absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from headless import CHROMIUM, chromium
from htmlcells import assert_numbers_match, cells_of

from selfreflect.html_report import write_html

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium; CI does)"
    ),
]


def test_chromium_renders_the_report_with_the_json_numbers(observed_run, tmp_path: Path):
    _, observer, report, _, _ = observed_run
    page = write_html(tmp_path / "report.html", report, observer)
    done = chromium("--dump-dom", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = cells_of(done.stdout)
    assert "svg" in dom.tags and "rect" in dom.tags and "script" not in dom.tags
    assert_numbers_match(dom, report.to_json())
    for stage, stats in observer.to_json().items():
        if stage not in ("before", "after"):
            continue
        for role, numbers in stats["chars"].items():
            assert dom.get(stage=stage, role=role, stat="p50") == numbers["p50"]


def test_chromium_screenshot_is_not_blank(observed_run, tmp_path: Path):
    _, observer, report, _, _ = observed_run
    page = write_html(tmp_path / "report.html", report, observer)
    shot = tmp_path / "shot.png"
    done = chromium("--window-size=1200,1600", f"--screenshot={shot}", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 30_000  # a blank 1200x1600 page compresses to a few kB
