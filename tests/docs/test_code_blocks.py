"""Every code block of the README and docs/ works as a reader would use it.

- A ``python`` block runs as a standalone file (in a fresh folder holding a copy of
  ``examples/``, whose modules are importable, with ``examples/plugin`` installed), and each
  ``print(...)  # text`` line prints ``text``.
- A ``yaml`` block with ``steps:`` loads as a recipe.
- A ``bash`` line that runs ``selfreflect`` parses with the real argument parser.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", flags=re.S | re.M)
EXPECTED = re.compile(r"^\s*print\(.*\)\s+#\s?(.+)$", flags=re.M)


@dataclass(frozen=True)
class Block:
    """One fenced code block: page, position on the page, language and code."""

    page: Path
    index: int
    language: str
    code: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}#{self.index}"


def blocks(*languages: str) -> list[Block]:
    found = []
    for page in PAGES:
        for index, match in enumerate(FENCE.finditer(page.read_text(encoding="utf-8"))):
            if match.group(1) in languages:
                found.append(Block(page, index, match.group(1), match.group(2)))
    return found


def needed_modules(code: str) -> list[str]:
    """Third-party top-level modules a block imports that may be extras."""
    names = re.findall(r"^\s*(?:import|from)\s+(ray|datasets|pyarrow|trl|torch)\b", code, re.M)
    return sorted(set(names))


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """``examples/plugin`` installed into a folder of its own (what the docs tell users to do)."""
    site = tmp_path_factory.mktemp("plugin-site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            "--disable-pip-version-check",
            "--no-cache-dir",
            "-q",
            str(ROOT / "examples" / "plugin"),
        ],
        check=True,
        timeout=300,
    )
    return site


def workdir(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "examples",
        tmp_path / "examples",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"),
    )
    return tmp_path


def run_file(
    code: str,
    cwd: Path,
    site: Path,
    name: str = "snippet.py",
) -> subprocess.CompletedProcess[str]:
    (cwd / name).write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SELFREFLECT_DISABLE_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(cwd / "examples")])
    return subprocess.run(
        [sys.executable, name], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
@pytest.mark.parametrize("block", blocks("python"), ids=str)
def test_python_block_runs_as_a_file(block: Block, tmp_path: Path, plugin_site: Path):
    for module in needed_modules(block.code):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module} (pip install -e '.[ray,hf,parquet]')")
    done = run_file(block.code, workdir(tmp_path), plugin_site)
    assert done.returncode == 0, f"{block} failed:\n{done.stderr[-3000:]}"
    for expected in EXPECTED.findall(block.code):
        assert expected.strip() in done.stdout, (
            f"{block} says it prints {expected.strip()!r}; it printed:\n{done.stdout[-3000:]}"
        )


YAML_CHECK = """
import sys
from selfreflect.recipe import loads
loads(open(sys.argv[1], encoding="utf-8").read(), source=sys.argv[1])
print("ok")
"""


def page_step_names(page: Path) -> set[str]:
    """Steps a page defines itself in its Python blocks (class names, snake_cased)."""
    text = page.read_text(encoding="utf-8")
    classes = re.findall(r"^class (\w+)\(", text, flags=re.M)
    return {re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() for name in classes}


@pytest.mark.parametrize("block", [b for b in blocks("yaml") if "steps:" in b.code], ids=str)
def test_yaml_recipe_block_loads(block: Block, tmp_path: Path, plugin_site: Path):
    import yaml

    data = yaml.safe_load(block.code)
    own = page_step_names(block.page)
    data["steps"] = [s for s in data["steps"] if s.get("step") not in own]
    if not data["steps"]:
        pytest.skip(f"{block} uses only steps the page defines (tested on the page's own test)")
    (tmp_path / "recipe.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "check.py").write_text(YAML_CHECK, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(plugin_site)}
    done = subprocess.run(
        [sys.executable, "check.py", "recipe.yaml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "ok" in done.stdout, f"{block}:\n{done.stderr[-2000:]}"


SEPARATORS = {"&&", "||", ";", "|", "&"}
REDIRECTS = {">", ">>", "<", "2>", "&>"}


def shell_commands() -> list[tuple[str, str]]:
    """Every ``selfreflect ...`` command in the shell blocks, as (where, command)."""
    found = []
    for block in blocks("bash", "sh", "console"):
        for line in block.code.replace("\\\n", " ").splitlines():
            lexer = shlex.shlex(line.strip().removeprefix("$ "), posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            words: list[str] = []
            skip = False
            for token in [*lexer, ";"]:
                if skip:
                    skip = False
                elif token in REDIRECTS:
                    skip = True
                elif token not in SEPARATORS:
                    words.append(token)
                else:
                    if words and Path(words[0]).name == "selfreflect":
                        found.append((str(block), shlex.join(words)))
                    words = []
    return found


@pytest.mark.parametrize(("where", "command"), shell_commands())
def test_shell_command_parses(where: str, command: str):
    from selfreflect.cli import build_parser

    try:
        build_parser().parse_args(shlex.split(command)[1:])
    except SystemExit as exc:
        pytest.fail(f"{where}: `{command}` does not parse (exit {exc.code})")


def test_every_page_has_its_blocks_checked():
    assert len(blocks("python")) >= 10
    assert shell_commands()
