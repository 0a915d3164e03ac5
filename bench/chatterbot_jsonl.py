"""chatterbot-corpus (YAML, 28 languages) as OpenAI-messages JSONL: one file per language and
category, so ``selfreflect stats --by persona`` groups on them (the corpus has no system prompt).

    python bench/chatterbot_jsonl.py /tmp/chatterbot     # needs pip install -e '.[bench]'

Texts are written as the corpus has them (no normalisation); a dialog's turns alternate user,
assistant. Items that are not text (a few YAML lists) are skipped and counted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml


def convert(out_dir: Path) -> tuple[int, int, int]:
    """Write the JSONL files; return (files, records, skipped dialogs)."""
    import chatterbot_corpus.corpus

    root = Path(chatterbot_corpus.corpus.DATA_DIRECTORY)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = records = skipped = 0
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted(root.glob("*/*.yml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        lines = []
        for index, dialog in enumerate(doc.get("conversations") or []):
            if not isinstance(dialog, list) or not all(isinstance(t, str) for t in dialog):
                skipped += 1
                continue
            roles = ("user", "assistant")
            messages = [{"role": roles[i % 2], "content": t} for i, t in enumerate(dialog)]
            lines.append(
                json.dumps(
                    {"id": f"{path.parent.name}/{path.stem}#{index}", "messages": messages},
                    ensure_ascii=False,
                )
            )
        if lines:
            target = out_dir / f"{path.parent.name}_{path.stem}.jsonl"
            target.write_text("\n".join(lines) + "\n", encoding="utf-8")
            files += 1
            records += len(lines)
    return files, records, skipped


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "chatterbot")
    n_files, n_records, n_skipped = convert(target)
    print(
        f"wrote {n_records} records in {n_files} files to {target} "
        f"({n_skipped} dialogs with non-text items skipped)"
    )
