"""The screenshots on docs/reports.md, taken by headless Chromium from a real run.

Each shot shows a few sections of the page of ``selfreflect clean`` on examples/data with the
marking steps added. The test always takes them (and checks they are not blank); with
``SELFREFLECT_UPDATE_SCREENSHOTS=1`` it writes them to docs/img/ for the docs page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from headless import CHROMIUM, chromium

from selfreflect.cli import main

ROOT = Path(__file__).parents[2]
DOCS_IMG = ROOT / "docs" / "img"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium; CI does)"
    ),
]

RECIPE = """\
steps:
  - step: drop_empty_turns
  - step: drop_bad_structure
  - step: drop_by_length
  - step: drop_ai_self_reference
  - step: exact_dedup
  - step: near_dedup
  - step: tag_topics
  - step: mark_persona_claims
  - step: mark_evasive_answers
  - step: mark_conflicting_answers
"""
#: file name -> (sections shown, window height)
SHOTS = {
    "report-funnel.png": (("summary", "funnel", "reasons"), 1250),
    "report-personas.png": (("groups",), 900),
    "report-charts.png": (("lengths", "distributions", "duplicates"), 1700),
    "report-conflicts.png": (("conflicts", "provenance"), 1000),
}


def only(page: str, sections: tuple[str, ...]) -> str:
    """The page with every other section hidden."""
    shown = ",".join(f"section#{s}" for s in sections)
    style = f"<style>section{{display:none}}{shown}{{display:block}}</style></head>"
    return page.replace("</head>", style, 1)


def test_screenshots_of_the_report_page(tmp_path: Path):
    recipe = tmp_path / "marks.yaml"
    recipe.write_text(RECIPE, encoding="utf-8")
    page = tmp_path / "report.html"
    data = [str(ROOT / "examples" / "data" / f"roleplay_{f}.jsonl") for f in ("openai", "sharegpt")]
    assert (
        main(
            [
                "clean",
                *data,
                "-o",
                str(tmp_path / "out.jsonl"),
                "--recipe",
                str(recipe),
                "--report-html",
                str(page),
                "--quiet",
            ]
        )
        == 0
    )
    html = page.read_text(encoding="utf-8")
    for section in ("groups", "conflicts", "distributions", "duplicates", "provenance"):
        assert f'id="{section}"' in html
    update = os.environ.get("SELFREFLECT_UPDATE_SCREENSHOTS") == "1"
    for name, (sections, height) in SHOTS.items():
        view = tmp_path / f"{name}.html"
        view.write_text(only(html, sections), encoding="utf-8")
        shot = (DOCS_IMG if update else tmp_path) / name
        done = chromium(
            f"--window-size=1100,{height}",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            view.resolve().as_uri(),
        )
        assert done.returncode == 0, done.stderr[-2000:]
        png = shot.read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000, name


def test_the_docs_page_shows_the_screenshots():
    text = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    for name in SHOTS:
        assert f"img/{name}" in text and (DOCS_IMG / name).exists(), name
