"""The page's charts and tables: y-axis ticks, turned x labels, small drops visible, a
cluster-size histogram, turn and token distributions, per-persona table and conflicts."""

from __future__ import annotations

import json
import re
from pathlib import Path

from htmlcells import cells_of

from selfreflect import Conversation, Pipeline, Report, StepStats
from selfreflect.cli import main
from selfreflect.conflicts import MarkConflictingAnswers
from selfreflect.dedup import ExactDedup
from selfreflect.html_report import cluster_histogram, nice_ticks, render_html
from selfreflect.observe import RunObserver


def test_ticks_are_round_and_cover_the_peak():
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(238) == [0, 50, 100, 150, 200, 250]
    assert nice_ticks(7636) == [0, 2000, 4000, 6000, 8000]
    assert nice_ticks(0) == [0, 1]


def test_a_drop_of_one_record_in_ten_thousand_is_visible_in_the_funnel():
    report = Report(
        input=10_000,
        kept=9_999,
        rejected=1,
        steps=[StepStats("read", 10_000, 10_000), StepStats("drop_x", 10_000, 9_999, 1)],
    )
    page = render_html(report)
    funnel = page[page.index('id="funnel"') : page.index('id="reasons"')]
    widths = [
        float(w)
        for w in re.findall(r'width="([\d.]+)" height="20" fill="#dc2626"><title>drop_x', funnel)
    ]
    assert widths and widths[0] >= 3.0


def records() -> list[Conversation]:
    rows = [("Same question?", "Same answer.", "Billie")] * 12  # one cluster of 12
    for i in range(3):  # three clusters of 2
        rows += [(f"Unique {i}?", f"Answer {i}.", "Elon")] * 2
    rows += [
        ("What is your favorite food?", "Pizza, always.", "Billie"),
        ("What is your favorite food?", "Food is fuel, nothing more.", "Elon"),
    ]
    rows += [("Tell me a long story", " ".join(["word"] * 400), "Billie")]
    out = []
    for n, (user, answer, persona) in enumerate(rows):
        msgs = [
            {"role": "system", "content": f"You are {persona}."},
            {"role": "user", "content": user},
            {"role": "assistant", "content": answer},
        ]
        if n == len(rows) - 1:
            msgs += [{"role": "user", "content": "more"}, {"role": "assistant", "content": "ok"}]
        out.append(Conversation.model_validate({"id": f"r{n}", "messages": msgs}))
    return out


def observed_page() -> tuple[str, RunObserver, Report]:
    observer = RunObserver(group_by="persona")
    result = observer.run(Pipeline([ExactDedup(), MarkConflictingAnswers()]), records())
    observer.groups.mark_observed()
    result.report.groups = observer.groups.to_json()
    return render_html(result.report, observer), observer, result.report


def test_cluster_sizes_are_a_histogram_not_a_list_of_every_cluster():
    page, observer, report = observed_page()
    assert cluster_histogram(observer.cluster_sizes.values())[:2] == [3, 0]
    cells = cells_of(page)
    assert cells.get(cluster_bin="2") == 3 and cells.get(cluster_bin="10–19") == 1
    assert cells.get(metric="duplicate-clusters") == 4
    section = page[page.index('id="duplicates"') :]
    assert section.count('class="group cluster"') <= 5  # the largest few, in full


def test_turns_and_tokens_distributions_and_axis_ticks():
    page, observer, _ = observed_page()
    cells = cells_of(page)
    assert cells.get(dist="turns", stage="before", stat="max") == 2
    assert cells.get(dist="tokens", stage="before", stat="max") == observer.before.tokens.max
    assert observer.before.tokens.max >= 400  # 400 words of 4+1 bytes: ~500 tokens
    # every chart has a y axis with more than two ticks, and x labels turned to stay readable
    charts = re.findall(r"<svg class=\"chart\".*?</svg>", page, flags=re.S)
    histograms = [c for c in charts if "rotate(-40" in c]
    assert len(histograms) >= 4
    for chart in histograms:
        assert chart.count('class="grid"') >= 2


def test_per_persona_table_and_conflicts_on_the_page():
    page, observer, report = observed_page()
    cells = cells_of(page)
    assert cells.get(group="Billie", gfield="records") == 14
    assert cells.get(group="Billie", gfield="kept") == 3
    assert cells.get(group="Elon", gfield="conflicts") == 1
    assert cells.get(metric="conflict-clusters") == 1
    section = page[page.index('id="conflicts"') :]
    assert "What is your favorite food?" in section and "Food is fuel" in section
    assert "<code>across</code>" in section


def test_clean_on_the_example_data_shows_the_breakdown(tmp_path: Path):
    data = Path(__file__).parents[2] / "examples" / "data" / "roleplay_openai.jsonl"
    out, rep, page = tmp_path / "out.jsonl", tmp_path / "r.json", tmp_path / "r.html"
    assert (
        main(
            [
                "clean",
                str(data),
                "-o",
                str(out),
                "--report",
                str(rep),
                "--report-html",
                str(page),
                "--quiet",
            ]
        )
        == 0
    )
    report = json.loads(rep.read_text())
    groups = {g["key"]: g for g in report["groups"]["groups"]}
    assert "Grandma Ilse" in groups and groups["Grandma Ilse"]["records"] == 28
    cells = cells_of(page.read_text(encoding="utf-8"))
    for key, g in groups.items():
        if g["records"]:
            assert cells.get(group=key, gfield="kept") == g["kept"]
            assert cells.get(group=key, gfield="rejected") == g["rejected"]
