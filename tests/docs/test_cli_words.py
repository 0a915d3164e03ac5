"""The command line's own words: every command and option explains itself, and the README's
synopsis names exactly the options each command takes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from selfreflect.cli import build_parser, subcommand_parsers

ROOT = Path(__file__).resolve().parents[2]


def options_with_help(help_text: str) -> dict[tuple[str, ...], str]:
    """``--help`` output -> {option strings: help text} for every option listed."""
    lines = help_text.splitlines()
    found: dict[tuple[str, ...], str] = {}
    for i, line in enumerate(lines):
        if not re.match(r"  -", line):
            continue
        flags_part, _, help_part = line.strip().partition("  ")
        flags = tuple(re.findall(r"(?:^|, )(--?[\w-]+)", flags_part))
        text = help_part.strip()
        if not text and i + 1 < len(lines) and re.match(r" {4,}[^ -]", lines[i + 1]):
            text = lines[i + 1].strip()
        found[flags] = text
    return found


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def test_every_command_has_a_summary_and_a_description():
    top = build_parser().format_help()
    for name, parser in subcommand_parsers().items():
        assert re.search(rf"^\s+{name}\s+\S", top, flags=re.M), f"{name} has no summary"
        assert parser.description, f"`selfreflect {name} --help` has no description"


@pytest.mark.parametrize("name", list(subcommand_parsers()))
def test_every_option_has_help(name):
    options = options_with_help(subcommand_parsers()[name].format_help())
    assert options, f"no options found in `selfreflect {name} --help`"
    missing = [flags[-1] for flags, text in options.items() if not text]
    assert missing == [], f"`selfreflect {name} --help`: options without help"


def test_reflect_help_explains_its_words():
    text = subcommand_parsers()["reflect"].format_help()
    assert not re.search(r"\bK\b", text), "'K' is the project's shorthand, not a user's word"
    assert "prefix + K" not in text


def readme_synopsis() -> dict[str, str]:
    """The README's ``selfreflect COMMAND ...`` lines (with continuations), by command."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1]
    block = re.search(r"```\n(.*?)```", section, flags=re.S).group(1)
    commands: dict[str, str] = {}
    current = None
    for line in block.splitlines():
        match = re.match(r"selfreflect (\w+)", line)
        if match:
            current = match.group(1)
            commands[current] = commands.get(current, "") + " " + line.split("#")[0]
        elif current and line.startswith(" "):
            commands[current] += " " + line.split("#")[0]
    return commands


def test_readme_synopsis_names_exactly_the_options_of_each_command():
    synopsis = readme_synopsis()
    parsers = subcommand_parsers()
    assert set(synopsis) == set(parsers), "the README lists other commands than the CLI has"
    for name, parser in parsers.items():
        options = [
            flags for flags in options_with_help(parser.format_help()) if "--help" not in flags
        ]
        mentioned = set(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", synopsis[name]))
        known = {flag for flags in options for flag in flags}
        assert mentioned - known == set(), f"README: `{name}` has no such option"
        absent = [flags[-1] for flags in options if not set(flags) & mentioned]
        assert absent == [], f"README: the `{name}` synopsis leaves these options out"


def test_readme_says_where_the_table_goes():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"table[^.]*\bstderr\b|\bstderr\b[^.]*table", text)
