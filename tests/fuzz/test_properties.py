"""Property tests: whatever the input, every record is kept or rejected with a reason, no crash.

Hypothesis writes files of arbitrary lines (JSON of any shape, chat records with odd roles and
contents, raw bytes) and conversations of arbitrary Unicode text, and runs them through the
readers and the default recipe.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selfreflect import Conversation, Pipeline, Reject, read
from selfreflect.recipe import load
from selfreflect.steps import Cut

#: FUZZ_EXAMPLES=2000 for a longer search (CI runs 60 per property)
SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
roles = st.sampled_from(
    ["system", "user", "assistant", "tool", "human", "gpt", "robot", "", "assistnat", "USER"]
)
contents = (
    text
    | st.none()
    | st.integers()
    | st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": text}), max_size=3)
    | json_values
)
message = st.fixed_dictionaries({"role": roles, "content": contents})
openai_record = st.fixed_dictionaries(
    {"messages": st.lists(message, max_size=6)}, optional={"id": text | st.integers()}
)
sharegpt_record = st.fixed_dictionaries(
    {
        "conversations": st.lists(
            st.fixed_dictionaries({"from": roles, "value": contents}), max_size=6
        )
    }
)
alpaca_record = st.fixed_dictionaries(
    {"instruction": contents, "output": contents}, optional={"input": contents}
)
# one line each: no LF, and no CR either (a lone CR ends a line, as in old Mac files)
line = (openai_record | sharegpt_record | alpaca_record | json_values).map(
    lambda v: json.dumps(v).encode()
) | st.binary(max_size=60).filter(lambda b: b"\n" not in b and b"\r" not in b)


@SETTINGS
@given(lines=st.lists(line, min_size=1, max_size=12))
def test_any_file_reads_to_one_outcome_per_line(tmp_path_factory, lines):
    path = Path(tmp_path_factory.mktemp("fuzz")) / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    data = path.read_bytes()
    outcomes = list(read(path))
    nonblank = [x for x in lines if x.strip()]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16/32: one reject for the file
        assert [o.reason for o in outcomes] == ["unsupported_encoding"]
    elif data.startswith((b"\x1f\x8b", b"PAR1")):  # not gzip / Parquet after all
        assert [o.reason for o in outcomes] in (["invalid_gzip"], ["invalid_parquet"])
    elif data.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"["):
        # a JSON array file: its elements are the records; only "[]" may yield nothing
        assert outcomes or re.fullmatch(rb"(\xef\xbb\xbf)?\s*\[\s*\]\s*", data)
    else:
        assert len(outcomes) == len(nonblank)
    for outcome in outcomes:
        assert isinstance(outcome, Conversation | Reject)
        if isinstance(outcome, Reject):
            assert outcome.reason and outcome.source == str(path)
            assert outcome.line is not None


conversation = st.builds(
    lambda system, turns: Conversation(
        id="x",
        messages=([{"role": "system", "content": system}] if system is not None else [])
        + [{"role": role, "content": content} for role, content in turns],
    ),
    st.none() | text,
    st.lists(st.tuples(st.sampled_from(["user", "assistant", "tool"]), text), max_size=6),
)


@SETTINGS
@given(convs=st.lists(conversation, max_size=10))
def test_the_default_recipe_accounts_for_any_conversations(convs):
    convs = [c.model_copy(update={"id": str(i)}) for i, c in enumerate(convs)]
    pipeline: Pipeline = load("default").pipeline
    result = pipeline.run(convs)  # Report.check() inside: input = kept + rejected
    # messages cut from a record (turn-level actions) are rejects-file lines, not records
    rejected = [r for r in result.rejects if not isinstance(r, Cut)]
    cuts = [r for r in result.rejects if isinstance(r, Cut)]
    assert len(result.kept) + len(rejected) == len(convs)
    assert {c.id for c in result.kept}.isdisjoint({r.id for r in rejected})
    assert {c.id for c in cuts} <= {c.id for c in convs}
    assert all(c.messages and len(c.indices) == len(c.messages) for c in cuts)
    documented = {(s.name, reason) for s in pipeline.steps for reason in s.reasons}
    for reject in result.rejects:
        assert (reject.step, reject.reason) in documented  # every reason code is documented


@SETTINGS
@given(convs=st.lists(conversation, max_size=8))
def test_the_html_report_escapes_anything_and_shows_the_json_numbers(convs):
    from htmlcells import assert_numbers_match, cells_of

    from selfreflect.html_report import render_html
    from selfreflect.observe import RunObserver

    convs = [
        c.model_copy(update={"id": f"<zz-injected>{i}</zz-injected>\"'"})
        for i, c in enumerate(convs)
    ]
    observer = RunObserver()
    result = observer.run(load("default").pipeline, convs)
    cells = cells_of(render_html(result.report, observer))
    # whatever the records say, no markup of theirs becomes a tag
    assert cells.scripts == 0 and "zz-injected" not in cells.tags
    assert_numbers_match(cells, result.report.to_json())
