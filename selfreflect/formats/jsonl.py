"""Minimal JSONL reader/writer for OpenAI messages (to be extended: detection, sharegpt, alpaca)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from selfreflect.conversation import Conversation
from selfreflect.steps import Reject


def read(path: str | os.PathLike[str]) -> Iterator[Conversation | Reject]:
    """Yield a Conversation or a read Reject for every line of an OpenAI-messages JSONL file."""
    source = str(path)
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            text = raw.decode("utf-8", errors="replace")
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield Reject("read", "invalid_json", f"{source}:{line_no}: {exc}",
                             raw=text, source=source, line=line_no)
                continue
            if not isinstance(obj, dict):
                yield Reject("read", "not_an_object", f"{source}:{line_no}: not a JSON object",
                             raw=text, source=source, line=line_no)
                continue
            obj.setdefault("id", Conversation.make_id(source, line_no))
            try:
                conv = Conversation.model_validate({**obj, "source": source, "line": line_no})
            except ValidationError as exc:
                first = exc.errors()[0]
                loc = ".".join(str(p) for p in first["loc"])
                yield Reject("read", "invalid_record", f"{source}:{line_no}: {loc}: {first['msg']}",
                             raw=text, source=source, line=line_no)
                continue
            yield conv


def write_jsonl(records: Iterable[Conversation], path: str | os.PathLike[str]) -> int:
    """Write records as JSONL atomically (temporary file, then rename); return the count."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for conv in records:
                fh.write(json.dumps(conv.to_record(), ensure_ascii=False) + "\n")
                count += 1
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return count
