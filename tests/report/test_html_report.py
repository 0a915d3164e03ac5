"""The HTML report: numbers match the JSON report, user content is escaped, writes are atomic."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
from htmlcells import Cells, assert_numbers_match, cells_of

from selfreflect.html_report import render_html, word_diff, write_html


def parse(page: str) -> Cells:
    return cells_of(page)


def assert_page_matches_report(cells: Cells, report_json: dict, observer_json: dict) -> None:
    """Every number of the JSON report appears, unchanged, in its place on the page."""
    assert_numbers_match(cells, report_json)
    for stage in ("before", "after"):
        for role, numbers in observer_json[stage]["chars"].items():
            for stat in ("n", "p5", "p25", "p50", "p75", "p95", "max"):
                assert cells.get(stage=stage, role=role, stat=stat) == numbers[stat]


def test_numbers_on_the_page_match_the_json_report(observed_run):
    _, observer, report, _, _ = observed_run
    page = render_html(report, observer)
    cells = parse(page)
    assert_page_matches_report(cells, report.to_json(), observer.to_json())
    assert int(cells.get(metric="duplicates")) == 4
    assert int(cells.get(cluster="r1")) == 1
    assert int(cells.get(sample_step="drop_short_answers", sample_reason="short_answer")) == 3


def test_user_content_is_escaped(observed_run):
    _, observer, report, _, _ = observed_run
    page = render_html(report, observer, title="<b>mine</b>")
    cells = parse(page)
    assert cells.scripts == 0  # the <script> in a rejected record is text, not a tag
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<script>alert('x')</script>" in "".join(cells.text)
    assert "&lt;b&gt;bold&lt;/b&gt;" in page  # a critique with markup
    assert "<b>mine</b>" not in page


def test_reflect_section_shows_original_revised_and_critique(observed_run):
    _, observer, report, _, _ = observed_run
    page = render_html(report, observer)
    first = observer.reflections[0]
    section = page[page.index('<section id="reflect">') :]
    original_col = section[section.index("<h4>original</h4>") : section.index("<h4>revised</h4>")]
    assert html.unescape(re.sub(r"<[^>]+>", "", original_col)) == "original" + first.original
    assert "<ins> (revised)</ins>" in section  # the words the rewrite added are marked
    assert "critique" in section and "too terse" in section


def test_word_diff_marks_changes_and_escapes_them():
    left, right = word_diff("keep <b>this</b> old end", "keep <b>this</b> new end")
    assert left == "keep &lt;b&gt;this&lt;/b&gt; <del>old</del> end"
    assert right == "keep &lt;b&gt;this&lt;/b&gt; <ins>new</ins> end"


def test_rewrites_section_shows_what_rewriters_changed(observed_run):
    from selfreflect import Pipeline
    from selfreflect.formats import read
    from selfreflect.observe import RunObserver

    pipeline, _, _, kept, _ = observed_run
    observer = RunObserver()
    result = observer.run(Pipeline(pipeline.steps[:-1]), read(kept[0].source))  # no reflect
    page = render_html(result.report, observer)
    # StripText changed two kept records: r29 ("  padded question  ") and r0 ("... 0 ")
    assert int(parse(page).get(metric="rewritten")) == observer.rewritten == 2
    section = page[page.index('<section id="rewrites">') :]
    assert "<b>r29</b>" in section and "<del>  </del>" in section


def test_page_is_self_contained(observed_run):
    _, observer, report, _, _ = observed_run
    page = render_html(report, observer)
    for needle in ("http://", "https://", "<link", "<img", "src="):
        assert needle not in page
    assert page.count("<svg") >= 3  # funnel + one histogram per role


def test_report_without_observer_still_renders(observed_run):
    _, _, report, _, _ = observed_run
    cells = parse(render_html(report))
    assert int(cells.get(metric="kept")) == report.kept


def test_write_is_atomic_and_leaves_no_temp_file(observed_run, tmp_path: Path, monkeypatch):
    _, observer, report, _, _ = observed_run
    target = tmp_path / "out" / "report.html"
    write_html(target, report, observer)
    first = target.read_text(encoding="utf-8")
    assert first.startswith("<!DOCTYPE html>")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_html(target, report, None)
    assert target.read_text(encoding="utf-8") == first  # the old file is untouched
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_write_run_report_finds_cluster_leaders_in_the_output_file(tmp_path: Path):
    from selfreflect import Conversation, Pipeline, Reject
    from selfreflect.formats import write_jsonl
    from selfreflect.html_report import write_run_report
    from selfreflect.observe import RunObserver

    leader = Conversation(id="lead", messages=[{"role": "user", "content": "the kept text"}])
    dup = Conversation(id="dup", messages=[{"role": "user", "content": "the kept text!"}])
    observer = RunObserver()
    report = Pipeline().new_report()
    list(observer.wrap_output([leader]))
    observer.wrap_on_reject()(
        Reject("dedup", "near_duplicate", record=dup, duplicate_of="lead", extra={"jaccard": 0.91})
    )
    output = tmp_path / "out.jsonl"
    write_jsonl([leader], output)
    page = write_run_report(tmp_path / "r.html", report, observer, output=output)
    text = page.read_text(encoding="utf-8")
    cluster = text[text.index('<section id="duplicates">') :]
    assert "the kept text</pre>" in cluster and "jaccard 0.91" in cluster


def test_hook_passes_through_without_a_file_and_writes_with_one(observed_run, tmp_path: Path):
    from selfreflect.formats import read
    from selfreflect.html_report import HtmlReportHook

    pipeline, _, expected, kept, _ = observed_run
    source = kept[0].source
    off = HtmlReportHook(None)
    records = read(source)
    assert off.input(records) is records and off.finish(expected) is None

    on = HtmlReportHook(tmp_path / "run.html", title="cli run")
    report = pipeline.new_report()
    out = list(
        on.output(pipeline.stream(on.input(read(source)), on.on_reject(lambda r: None), report))
    )
    page = on.finish(report)
    assert len(out) == report.kept == expected.kept
    cells = parse(page.read_text(encoding="utf-8"))
    assert int(cells.get(metric="rejected")) == expected.rejected


def test_page_gets_the_usual_file_permissions(observed_run, tmp_path: Path):
    _, observer, report, _, _ = observed_run
    mask = os.umask(0o022)
    try:
        page = write_html(tmp_path / "r.html", report, observer)
    finally:
        os.umask(mask)
    assert page.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600: the page is for sharing


def test_an_empty_run_renders():
    from selfreflect import Pipeline
    from selfreflect.observe import RunObserver

    observer = RunObserver()
    result = observer.run(Pipeline([]), [])
    cells = parse(render_html(result.report, observer))
    assert int(cells.get(metric="input")) == 0 and int(cells.get(metric="kept")) == 0


def test_a_step_used_twice_has_its_own_numbers_on_the_page():
    from selfreflect import Conversation, Filter, Pipeline

    class DropShortAnswers(Filter):
        def __init__(self, min_chars: int):
            self.min_chars = min_chars

        def keep(self, conv):
            return len(conv.messages[-1].content) >= self.min_chars or (False, "short_answer")

    records = [
        Conversation(
            id=str(n),
            messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "a" * n}],
        )
        for n in range(1, 13)
    ]
    report = (
        Pipeline([DropShortAnswers(min_chars=3), DropShortAnswers(min_chars=8)]).run(records).report
    )
    first, second = report.steps[1], report.steps[2]
    assert first.name == second.name and first.dropped == 2 and second.dropped == 5
    cells = parse(render_html(report))
    assert_numbers_match(cells, report.to_json())
    assert cells.get(position=2, step=second.name, reason="short_answer") == 5
