"""repair_scrape_artefacts: escaped markdown outside code, pasted UI strings, "2 / 2" counters."""

import pytest

from selfreflect import Conversation, Message
from selfreflect.filters import RepairScrapeArtefacts
from selfreflect.filters.scrape import remove_ui_strings, unescape_markdown

STEP = RepairScrapeArtefacts()


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # ShareGPT V3 as scraped (sg-sbAGz8h_8, sg-6vGBo5g_0, sg-khSSTun_7)
        (
            "use the summarize\\_via\\_tokenbatches method internally",
            "use the summarize_via_tokenbatches method internally",
        ),
        (
            "rewrite it \\*The study of Natural Language Processing\\*",
            "rewrite it *The study of Natural Language Processing*",
        ),
        (
            "Sincerely,\n\\[Your Name\\]\n\\[Organization Name\\]",
            "Sincerely,\n[Your Name]\n[Organization Name]",
        ),
        ("use pandas df to read the csv fileShare Prompt", "use pandas df to read the csv file"),
        (
            "Convert the above code to jsp\nAnswer in English.지금 번역하기",
            "Convert the above code to jsp\nAnswer in English.",
        ),
        (
            "Here it is:\n\nyaml\nCopy code\nopenapi: 3.0.0\ninfo:",
            "Here it is:\n\nopenapi: 3.0.0\ninfo:",
        ),
        ("2 / 2Write a poem about the sea", "Write a poem about the sea"),
        ("1 / 3\nWhat is the capital of Peru?", "What is the capital of Peru?"),
    ],
)
def test_scrape_artefacts_are_repaired(before, after):
    assert STEP.rewrite_text(before) == after


@pytest.mark.parametrize(
    "text",
    [
        # code, inline code and maths keep their backslashes (hard negatives)
        '```python\nre.sub(r"\\_", "_", s)\n```',
        "Escape it as `node\\_modules` in the shell.",
        "In LaTeX, $a\\*b$ and \\[ \\frac{a}{b} \\] are maths; $\\_$ is an underscore.",
        "Use 3 / 4 cup of sugar.",
        "1 / 2 of the class voted yes.",
        "C:\\Users\\me\\Documents",
        "清理数据时要保留代码块。",
    ],
)
def test_code_maths_and_ordinary_text_are_left_alone(text):
    assert STEP.rewrite_text(text) == text


def test_fenced_code_keeps_escapes_while_the_prose_around_it_loses_them():
    text = "Call my\\_func:\n```\nx = a\\_b\n```\nthen check\\_it."
    assert unescape_markdown(text) == "Call my_func:\n```\nx = a\\_b\n```\nthen check_it."


def test_only_the_configured_ui_strings_are_removed():
    kept = remove_ui_strings("Copy to Clipboard Share Prompt", ("Share Prompt",))
    assert kept == "Copy to Clipboard "


def test_rewriter_changes_only_messages_with_artefacts():
    conv = Conversation(
        id="sg",
        messages=[
            Message(role="user", content="fix my\\_var please"),
            Message(role="assistant", content="Done: `my_var`."),
        ],
    )
    out = STEP.rewrite(conv)
    assert out is not conv and out.messages[0].content == "fix my_var please"
    assert out.messages[1] is conv.messages[1]
    assert STEP.rewrite(out) is out


def test_escaped_subscripts_in_maths_are_repaired_and_code_is_left_alone():
    # sg-RnMvNC9_0: the export escaped the underscores of LaTeX subscripts
    from selfreflect.filters.scrape import unescape_markdown

    text = (
        "The error is $$E = \\frac{1}{2} \\sum\\_{k=1}^K (t\\_k - a\\_k)^2$$ and the weight "
        "$w\\_{kj}$ is updated; see \\(x\\_1\\). In code: `a\\_b` and\n```\nx\\_y = 1\n```"
    )
    assert unescape_markdown(text) == (
        "The error is $$E = \\frac{1}{2} \\sum_{k=1}^K (t_k - a_k)^2$$ and the weight "
        "$w_{kj}$ is updated; see \\(x_1\\). In code: `a\\_b` and\n```\nx\\_y = 1\n```"
    )


def test_a_literal_underscore_command_in_maths_text_mode_is_kept():
    from selfreflect.filters.scrape import unescape_markdown

    text = "Cost: $5 \\_ per unit$ and $\\_$"
    assert unescape_markdown(text) == text
