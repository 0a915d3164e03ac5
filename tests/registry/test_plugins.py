"""Plugins as users meet them: a real installed package, and a broken one, in a fresh process."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "examples" / "plugin"


def run_python(code: str, pythonpath: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "SELFREFLECT_DISABLE_PLUGINS"}
    environ.update(env, PYTHONPATH=str(pythonpath))
    return subprocess.run(
        [sys.executable, "-W", "default", "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def fake_dist(site: Path, name: str, entry_points: dict[str, str]) -> None:
    info = site / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    lines = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[selfreflect.steps]\n{lines}\n")


LIST_STEPS = """
    import warnings
    from selfreflect import registry
    from selfreflect.recipe import RecipeError, loads
    print("NAMES", sorted(registry.available()))
    try:
        loads("steps:\\n  - step: exploding\\n")
    except RecipeError as exc:
        print("RECIPE", exc)
"""


def test_broken_plugin_warns_naming_itself_and_never_crashes(tmp_path):
    site = tmp_path / "site"
    fake_dist(site, "broken_plugin", {"exploding": "missing_module_for_test:Nope"})
    fake_dist(site, "fine_plugin", {"keep_all": "fine_plugin_mod:KeepAll"})
    (site / "fine_plugin_mod.py").write_text(
        textwrap.dedent('''
        from selfreflect import Filter

        class KeepAll(Filter):
            """Keep every record."""

            def keep(self, conv):
                return True
    ''')
    )
    done = run_python(LIST_STEPS, site, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "keep_all" in done.stdout and "'exploding'" not in done.stdout.split("RECIPE")[0]
    assert "PluginWarning" in done.stderr
    assert (
        "step 'exploding' could not be loaded ('missing_module_for_test:Nope' from package "
        "'broken_plugin')"
    ) in done.stderr
    assert "ModuleNotFoundError" in done.stderr
    assert "RECIPE <string>: steps[0]: step 'exploding' could not be loaded" in done.stdout

    quiet = run_python(LIST_STEPS, site, tmp_path, SELFREFLECT_DISABLE_PLUGINS="1")
    assert quiet.returncode == 0, quiet.stderr
    assert "PluginWarning" not in quiet.stderr
    assert "keep_all" not in quiet.stdout
    assert "unknown step 'exploding'" in quiet.stdout


USE_PLUGIN = """
    import json, sys
    from selfreflect import Conversation, Message, registry
    from selfreflect.recipe import load

    def conv(i, answer):
        return Conversation(id=str(i), messages=[Message(role="user", content="Tell me a story"),
                                                 Message(role="assistant", content=answer)])

    records = [conv(1, "Once upon a time, a dragon..."),
               conv(2, "As an AI language model, I cannot tell stories."),
               conv(3, "The Dragon slept."),
               conv(4, "A knight rode out at dawn.")]
    recipe = load(sys.argv[1] if len(sys.argv) > 1 else "recipe.yaml")
    out = {"class": registry.get("drop_banned_words").__module__}
    for workers in (1, 2):
        result = recipe.pipeline.run(records, workers=workers)
        out[workers] = {"kept": [c.id for c in result.kept],
                        "rejects": [[r.id, r.step, r.reason, r.detail] for r in result.rejects]}
    print(json.dumps(out))
"""


def pip_install(target: Path) -> None:
    args = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--target",
        str(target),
        "--disable-pip-version-check",
        "--no-cache-dir",
        "-q",
    ]
    if importlib.util.find_spec("hatchling") is not None:  # offline: build with what we have
        args += ["--no-build-isolation", "--no-index"]
    done = subprocess.run([*args, str(PLUGIN)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_installed_example_plugin_is_found_by_name_in_a_recipe(tmp_path):
    site = tmp_path / "site"
    pip_install(site)
    assert list(site.glob("selfreflect_banned_words-*.dist-info"))
    (tmp_path / "recipe.yaml").write_text(
        "steps:\n  - step: drop_banned_words\n    words: [dragon, language model]\n"
    )
    done = run_python(USE_PLUGIN, site, tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["class"] == "selfreflect_banned_words"
    expected = {
        "kept": ["4"],
        "rejects": [
            ["1", "drop_banned_words", "banned_word", "assistant says 'dragon'"],
            ["2", "drop_banned_words", "banned_word", "assistant says 'language model'"],
            ["3", "drop_banned_words", "banned_word", "assistant says 'Dragon'"],
        ],
    }
    assert out["1"] == expected and out["2"] == expected  # same with a process pool

    # The plugin's own tests (which use selfreflect.testing.check_step) pass once installed.
    tests = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(PLUGIN),
            str(PLUGIN / "tests"),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout


def test_a_plugin_calling_sys_exit_at_import_is_a_warning_and_steps_lists_the_rest(tmp_path):
    site = tmp_path / "site"
    fake_dist(site, "quitting_plugin", {"quitter": "quitting_mod:Quitter"})
    (site / "quitting_mod.py").write_text("import sys\nsys.exit(3)\n")
    environ = {k: v for k, v in os.environ.items() if k != "SELFREFLECT_DISABLE_PLUGINS"}
    environ["PYTHONPATH"] = str(site)
    done = subprocess.run(
        [sys.executable, "-m", "selfreflect.cli", "steps"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    listed = [line.split()[0] for line in done.stdout.splitlines()]
    assert "near_dedup" in listed and "drop_empty_turns" in listed and "quitter" not in listed
    assert "quitter" in done.stderr and "sys.exit(3)" in done.stderr
    assert "quitting_mod:Quitter" in done.stderr and "Traceback" not in done.stderr
