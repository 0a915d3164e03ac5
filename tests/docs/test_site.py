"""The docs site: every page is reachable from the nav, and the nav names only real pages."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GENERATED = {"step-catalogue.md"}  # made by docs/gen_steps.py at build time


def nav_pages(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [p for item in node for p in nav_pages(item)]
    if isinstance(node, dict):
        return [p for value in node.values() for p in nav_pages(value)]
    return []


def load_config() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs configs may use !ENV / !relative tags; this one does not need them resolved
    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def test_every_page_is_in_the_nav():
    listed = set(nav_pages(load_config()["nav"]))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert pages - listed == set(), "pages no reader can reach from the nav"
    assert listed - pages - GENERATED == set(), "nav entries without a page"


def test_one_scaling_page_and_the_index_links_the_main_pages():
    assert not (DOCS / "scale-out.md").exists()
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in (
        "getting-started.md",
        "quality.md",
        "scaling.md",
        "llm.md",
        "step-catalogue.md",
        "reports.md",
        "benchmarks.md",
    ):
        assert f"({page}" in index, f"index.md does not link {page}"


def test_user_pages_do_not_speak_of_seeds():
    """The seed documents are background (seed-notes.md); users never saw them."""
    background = {"seed-notes.md", "quality.md", "benchmarks.md"}
    for page in DOCS.rglob("*.md"):
        if page.relative_to(DOCS).as_posix() in background or "decisions" in page.parts:
            continue
        text = page.read_text(encoding="utf-8").lower()
        assert "seed 00" not in text and "the seed" not in text, page.name
