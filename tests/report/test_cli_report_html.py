"""``--report-html`` on ``clean`` and ``run``: the page's numbers are the JSON report's."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from htmlcells import assert_numbers_match, cells_of

from selfreflect.cli import main

RECIPE = """\
steps:
  - step: strip_text
  - step: drop_short_answers
    min_chars: 5
  - step: exact_dedup
  - step: fake_reflect
"""


def check_page(page: Path, report_file: Path) -> str:
    text = page.read_text(encoding="utf-8")
    assert_numbers_match(cells_of(text), json.loads(report_file.read_text(encoding="utf-8")))
    return text


def test_clean_and_run_write_the_html_report(tmp_path: Path, registered_steps, observed_run):
    _, _, expected, kept, _ = observed_run
    data = kept[0].source
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE, encoding="utf-8")
    for command in (
        ["clean", data, "-o", str(tmp_path / "clean.jsonl"), "--recipe", str(recipe)],
        ["run", str(recipe), "--input", data, "--output", str(tmp_path / "run.jsonl")],
    ):
        name = command[0]
        page, report = tmp_path / f"{name}.html", tmp_path / f"{name}.json"
        assert main([*command, "--report", str(report), "--report-html", str(page)]) == 0
        text = check_page(page, report)
        assert json.loads(report.read_text())["kept"] == expected.kept
        # the duplicate cluster shows its kept leader, found by re-reading the output file
        cluster = text[text.index('<section id="duplicates">') :]
        assert "(text not seen)" not in cluster and "question number 1" in cluster
        assert "&lt;script&gt;" in text and "<script>" not in text


def test_report_html_must_not_overwrite_the_output(
    tmp_path: Path, registered_steps, capsys, observed_run
):
    _, _, _, kept, _ = observed_run
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = main(
        [
            "clean",
            kept[0].source,
            "-o",
            str(out),
            "--recipe",
            str(recipe),
            "--report-html",
            str(out),
        ]
    )
    assert code == 2 and "must be different files" in capsys.readouterr().err
    assert not out.exists()


def test_without_the_flag_no_page_is_written(tmp_path: Path, registered_steps, observed_run):
    _, _, _, kept, _ = observed_run
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE, encoding="utf-8")
    assert (
        main(["clean", kept[0].source, "-o", str(tmp_path / "o.jsonl"), "--recipe", str(recipe)])
        == 0
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "o.jsonl", "recipe.yaml"]


def test_reflect_report_html_shows_original_revised_and_critique(tmp_path: Path, fake_llm):
    from fakellm import chat_json

    from selfreflect import Conversation

    revised = "A three-sided coin is hypothetical; simulated, it lands on <b>2</b>."
    fake_llm.handler = lambda request: chat_json(
        {
            "verdict": "revise",
            "critique": "The user doubted the coin <script>x</script> exists.",
            "evidence_turns": [2],
            "revised_answer": revised,
        }
    )
    coin = Conversation(
        id="c1",
        messages=[
            {"role": "user", "content": "Flip a 3-sided coin"},
            {"role": "assistant", "content": "The outcome is: heads."},
            {"role": "user", "content": "How can a 3 sided coin exist?"},
            {"role": "assistant", "content": "It is hypothetical."},
        ],
    )
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(coin.to_record()) + "\n{broken\n", encoding="utf-8")
    for mode in ("preference", "conversation"):
        page, report = tmp_path / f"{mode}.html", tmp_path / f"{mode}.json"
        assert (
            main(
                [
                    "reflect",
                    str(source),
                    "-o",
                    str(tmp_path / f"{mode}.jsonl"),
                    "--base-url",
                    fake_llm.base_url,
                    "--model",
                    "m",
                    "--mode",
                    mode,
                    "--report",
                    str(report),
                    "--report-html",
                    str(page),
                ]
            )
            == 0
        )
        text = check_page(page, report)
        section = text[text.index('<section id="reflect">') :]
        shown = html.unescape(re.sub(r"<[^>]+>", "", section))  # the text a reader sees
        assert "The outcome is: heads." in shown and revised in shown  # original and revision
        assert "The user doubted the coin <script>x</script> exists." in shown  # the critique
        assert "Flip a 3-sided coin" in shown  # the question it answered
        assert "<b>2</b>" not in section and "<script>" not in text  # all of it escaped
