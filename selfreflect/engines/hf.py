"""Hugging Face ``datasets`` adapters: any Filter or Rewriter in ``Dataset.filter`` / ``.map``.

``pip install 'selfreflect[hf]'``. Rows are OpenAI-style: ``messages`` (a list of
``{role, content, name}``), optional ``id`` and ``metadata``::

    ds = ds.filter(as_hf_filter(DropEmptyTurns()), batched=True, num_proc=4)
    ds = ds.map(as_hf_map(NormalizePunctuation()), batched=True)
    ds = ds.map(as_hf_verdicts(my_filter), batched=True)   # keep rejects: _keep/_reason/_detail

The adapters are plain picklable objects (they hold the step), so ``num_proc`` works.
``write_hf``/``read_hf`` store conversations in a local ``save_to_disk`` folder; ``metadata``
is kept as a JSON string there, because Arrow would merge every record's metadata keys into
one struct and fill the gaps with nulls.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from selfreflect.conversation import Conversation
from selfreflect.steps import READ_STEP, RecordStep, Reject, Step


def require_datasets() -> Any:
    """Import ``datasets``, or raise ImportError naming the extra to install."""
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the Hugging Face adapters need datasets: pip install 'selfreflect[hf]'"
        ) from exc
    return datasets


# -- rows <-> conversations --------------------------------------------------------------------
def _clean_message(message: dict[str, Any]) -> dict[str, Any]:
    """Drop the null fields Arrow adds when messages have different keys."""
    return {k: v for k, v in message.items() if v is not None or k == "content"}


def row_to_conversation(row: dict[str, Any], index: int) -> Conversation:
    """A conversation from a dataset row; a missing id becomes the row index."""
    metadata = row.get("metadata")
    if isinstance(metadata, str):
        metadata = json.loads(metadata) if metadata else {}
    record = {k: v for k, v in row.items() if k not in ("messages", "metadata", "id")}
    record = {k: v for k, v in record.items() if not k.startswith("_")}
    record_id = row.get("id")
    return Conversation.model_validate(
        {
            **record,
            "id": str(index) if record_id is None else record_id,
            "messages": [_clean_message(m) for m in row["messages"]],
            "metadata": metadata or {},
        }
    )


def _rows(batch: dict[str, list[Any]], indices: list[int] | None) -> Iterator[Conversation]:
    size = len(next(iter(batch.values()))) if batch else 0
    for i in range(size):
        row = {name: column[i] for name, column in batch.items()}
        yield row_to_conversation(row, indices[i] if indices is not None else i)


def _message_dicts(conv: Conversation) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in conv.messages]


# -- adapters -----------------------------------------------------------------------------------
def _per_record(step: Step, use: str) -> RecordStep:
    """``step`` itself if it is a per-record step, else TypeError (``use``: "filter()", "map()")."""
    if not isinstance(step, RecordStep):
        raise TypeError(f"{step.name} is a stream step; only per-record steps fit {use}")
    return step


class as_hf_filter:  # noqa: N801 - reads as a function at the call site
    """``Dataset.filter(as_hf_filter(step), batched=True)``: True where the step keeps the row."""

    def __init__(self, step: Step):
        self.step = _per_record(step, "filter()")

    def __call__(self, batch: dict[str, list[Any]]) -> list[bool]:
        return [not isinstance(self.step.process(c), Reject) for c in _rows(batch, None)]


class as_hf_verdicts:  # noqa: N801
    """``Dataset.map(as_hf_verdicts(step), batched=True)``: adds ``_keep``, ``_reason``,
    ``_detail`` so the rejects stay in the dataset (split them with ``filter`` afterwards)."""

    def __init__(self, step: Step):
        self.step = _per_record(step, "map()")

    def __call__(self, batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        keep, reason, detail = [], [], []
        for conv in _rows(batch, None):
            outcome = self.step.process(conv)
            rejected = outcome if isinstance(outcome, Reject) else None
            keep.append(rejected is None)
            reason.append(rejected.reason if rejected is not None else "")
            detail.append(rejected.detail if rejected is not None else "")
        return {"_keep": keep, "_reason": reason, "_detail": detail}


class as_hf_map:  # noqa: N801
    """``Dataset.map(as_hf_map(rewriter), batched=True)``: new ``messages`` (and ``metadata``
    when the dataset has that column); rows the step would reject raise ValueError (use
    ``as_hf_verdicts`` for steps that drop)."""

    def __init__(self, step: Step):
        self.step = _per_record(step, "map()")

    def __call__(self, batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        messages, metadata = [], []
        for conv in _rows(batch, None):
            outcome = self.step.process(conv)
            if isinstance(outcome, Reject):
                raise ValueError(
                    f"{self.step.name} rejected {conv.id} ({outcome.reason}); map() cannot "
                    "drop rows: use filter(as_hf_filter(step)) or map(as_hf_verdicts(step))"
                )
            messages.append(_message_dicts(outcome))
            metadata.append(outcome.metadata)
        out: dict[str, list[Any]] = {"messages": messages}
        if "metadata" in batch:
            text = isinstance(batch["metadata"][0], str) if batch["metadata"] else False
            out["metadata"] = [json.dumps(m) if text else m for m in metadata]
        return out


# -- a local datasets folder ---------------------------------------------------------------------
def to_hf_dataset(records: Iterable[Conversation]) -> Any:
    """A ``datasets.Dataset`` with ``id``, ``messages`` and ``metadata`` (JSON text) columns."""
    datasets = require_datasets()

    def rows() -> Iterator[dict[str, Any]]:
        for conv in records:
            yield {
                "id": conv.id,
                "messages": _message_dicts(conv),
                "metadata": json.dumps(conv.metadata, ensure_ascii=False),
            }

    return datasets.Dataset.from_list(list(rows()))


def write_hf(records: Iterable[Conversation], path: str | os.PathLike[str]) -> int:
    """Save conversations as a ``save_to_disk`` folder, swapped in whole; return the count."""
    dataset = to_hf_dataset(records)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        dataset.save_to_disk(str(tmp))
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return len(dataset)


def read_hf(path: str | os.PathLike[str]) -> Iterator[Conversation | Reject]:
    """Yield a Conversation or a read Reject (``line`` = row number, from 1) for every row."""
    datasets = require_datasets()
    source = str(path)
    return from_hf_dataset(datasets.load_from_disk(source), source)


def from_hf_dataset(dataset: Any, source: str = "<dataset>") -> Iterator[Conversation | Reject]:
    """Yield a Conversation or a read Reject for every row of an in-memory ``Dataset``.

    Columns starting with ``_`` (the ``_keep``/``_reason``/``_detail`` of
    :func:`as_hf_verdicts`) are left out; ``line`` is the row number, from 1.
    """
    for index, row in enumerate(dataset):
        try:
            conv = row_to_conversation(row, index)
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            detail = f"{source}:{index + 1}: {str(exc).splitlines()[0]}"
            yield Reject(
                READ_STEP,
                "invalid_record",
                detail,
                raw=json.dumps(row, ensure_ascii=False, default=str),
                source=source,
                line=index + 1,
            )
            continue
        yield conv.at(source, index + 1)
