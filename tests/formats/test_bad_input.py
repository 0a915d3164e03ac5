"""Every kind of bad input ends as a read Reject naming file, line and reason code."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from selfreflect import Conversation, Reject
from selfreflect.formats import READ_REASONS, read

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}


def write_lines(path: Path, *lines: str | bytes) -> Path:
    data = b"".join((ln if isinstance(ln, bytes) else ln.encode()) + b"\n" for ln in lines)
    path.write_bytes(data)
    return path


def msg(role: str = "user", content: object = "hi") -> dict:
    return {"role": role, "content": content}


def outcomes(path: Path, **kw) -> list[Conversation | Reject]:
    return list(read(path, **kw))


def only_reject(path: Path, line: int, **kw) -> Reject:
    """The reject for ``line``; every other line of the file must have been read fine."""
    results = outcomes(path, **kw)
    rejects = [r for r in results if isinstance(r, Reject)]
    assert len(rejects) == 1, [r.to_json() for r in rejects]
    (bad,) = rejects
    assert bad.step == "read" and bad.source == str(path) and bad.line == line
    assert bad.reason in READ_REASONS
    assert f"{path}:{line}" in bad.detail
    return bad


def test_broken_json_on_line_n_is_one_reject_and_the_run_goes_on(tmp_path):
    f = write_lines(tmp_path / "a.jsonl", json.dumps(GOOD), json.dumps(GOOD)[:30], json.dumps(GOOD))
    results = outcomes(f)
    assert [type(r).__name__ for r in results] == ["Conversation", "Reject", "Conversation"]
    bad = only_reject(f, 2)
    assert bad.reason == "invalid_json"
    assert bad.raw == json.dumps(GOOD)[:30]
    assert "column" in bad.detail


def test_invalid_utf8_bytes_are_rejected_with_the_raw_text(tmp_path):
    line = json.dumps({"messages": [msg(content="caf\u00e9")]}).encode()
    line = line.replace(b"\\u00e9", b"\xe9")  # latin-1 byte inside UTF-8 text
    f = write_lines(tmp_path / "a.jsonl", json.dumps(GOOD), line)
    bad = only_reject(f, 2)
    assert bad.reason == "invalid_utf8"
    assert "caf\ufffd" in bad.raw
    json.dumps(bad.to_json()).encode("utf-8")  # the reject itself is writable


def test_bom_at_start_is_accepted(tmp_path):
    f = write_lines(
        tmp_path / "a.jsonl", b"\xef\xbb\xbf" + json.dumps(GOOD).encode(), json.dumps(GOOD)
    )
    results = outcomes(f)
    assert all(isinstance(r, Conversation) for r in results) and len(results) == 2


def test_lone_surrogate_escape_is_rejected_but_a_pair_is_fine(tmp_path):
    lone = '{"messages": [{"role": "user", "content": "bad \\ud800 here"}]}'
    pair = '{"messages": [{"role": "user", "content": "smile \\ud83d\\ude00"}]}'
    f = write_lines(tmp_path / "a.jsonl", pair, lone)
    bad = only_reject(f, 2)
    assert bad.reason == "lone_surrogate"
    good = outcomes(f)[0]
    assert good.messages[0].content == "smile \U0001f600"


@pytest.mark.parametrize(
    ("content", "reason", "words"),
    [
        (42, "bad_content", "int"),
        (None, "bad_content", "null"),
        ({"text": "hi"}, "bad_content", "dict"),
        ([{"no_type": 1}], "bad_content", "type"),
    ],
)
def test_content_that_is_not_text_is_rejected(tmp_path, content, reason, words):
    f = write_lines(
        tmp_path / "a.jsonl", json.dumps(GOOD), json.dumps({"messages": [msg(content=content)]})
    )
    bad = only_reject(f, 2)
    assert bad.reason == reason and words in bad.detail


def test_list_of_parts_is_normalised_to_text(tmp_path):
    parts = [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "x"}},
        {"type": "text", "text": "here"},
    ]
    f = write_lines(tmp_path / "a.jsonl", json.dumps({"messages": [msg(content=parts)]}))
    (conv,) = outcomes(f)
    assert conv.messages[0].content == "look\nhere"


@pytest.mark.parametrize("role", ["robot", "assistnat", "Narrator", ""])
def test_unknown_roles_are_never_mapped(tmp_path, role):
    f = write_lines(
        tmp_path / "a.jsonl",
        json.dumps(GOOD),
        json.dumps({"messages": [msg(), msg(role=role, content="x")]}),
    )
    bad = only_reject(f, 2)
    assert bad.reason == "unknown_role"
    assert repr(role) in bad.detail and "messages[1]" in bad.detail


def test_unknown_role_in_sharegpt_is_never_mapped(tmp_path):
    conv = {"conversations": [{"from": "human", "value": "q"}, {"from": "robot", "value": "a"}]}
    f = write_lines(tmp_path / "a.jsonl", json.dumps(conv))
    (bad,) = outcomes(f)
    assert bad.reason == "unknown_role" and "'robot'" in bad.detail


def test_empty_messages_and_missing_messages(tmp_path):
    f = write_lines(
        tmp_path / "a.jsonl",
        json.dumps(GOOD),
        json.dumps({"messages": []}),
        json.dumps({"id": "x", "text": "no messages here"}),
        json.dumps(GOOD),
    )
    reasons = {r.line: r.reason for r in outcomes(f) if isinstance(r, Reject)}
    assert reasons == {2: "empty_messages", 3: "missing_messages"}


def test_values_that_are_not_objects(tmp_path):
    f = write_lines(tmp_path / "a.jsonl", json.dumps(GOOD), "[1, 2]", "null", '"text"')
    reasons = [(r.line, r.reason) for r in outcomes(f) if isinstance(r, Reject)]
    assert reasons == [(2, "not_an_object"), (3, "not_an_object"), (4, "not_an_object")]


def test_50mb_line_is_rejected_without_reading_it_into_memory(tmp_path):
    f = tmp_path / "big.jsonl"
    with open(f, "wb") as fh:
        fh.write(json.dumps(GOOD).encode() + b"\n")
        fh.write(b'{"messages": [{"role": "user", "content": "')
        chunk = b"x" * (1 << 20)
        for _ in range(50):
            fh.write(chunk)
        fh.write(b'"}]}\n')
        fh.write(json.dumps(GOOD).encode() + b"\n")
    tracemalloc.start()
    try:
        results = outcomes(f)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [type(r).__name__ for r in results] == ["Conversation", "Reject", "Conversation"]
    bad = results[1]
    assert bad.reason == "line_too_long" and bad.line == 2
    assert "52428" in bad.detail  # the real size is reported
    assert len(bad.raw) <= 2000
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB while skipping a 50 MB line"


def test_line_limit_is_a_parameter(tmp_path):
    f = write_lines(tmp_path / "a.jsonl", json.dumps(GOOD), json.dumps({**GOOD, "pad": "y" * 500}))
    assert only_reject(f, 2, max_line_bytes=200).reason == "line_too_long"
    assert all(isinstance(r, Conversation) for r in outcomes(f))


def test_5000_levels_of_nesting_is_a_reject_not_a_recursion_error(tmp_path):
    deep = '{"messages": [], "x": ' + "[" * 5000 + "]" * 5000 + "}"
    f = write_lines(tmp_path / "a.jsonl", json.dumps(GOOD), deep, json.dumps(GOOD))
    assert only_reject(f, 2).reason == "too_deep"


def test_nesting_that_parses_but_cannot_be_written_back_is_rejected(tmp_path):
    deep = json.dumps({**GOOD, "x": json.loads("[" * 300 + "]" * 300)})
    f = write_lines(tmp_path / "a.jsonl", deep)
    (bad,) = outcomes(f)
    assert bad.reason == "too_deep"


def test_duplicate_ids_are_both_read(tmp_path):
    f = write_lines(
        tmp_path / "a.jsonl", json.dumps({**GOOD, "id": "same"}), json.dumps({**GOOD, "id": "same"})
    )
    results = outcomes(f)
    assert [r.id for r in results] == ["same", "same"]
    assert [r.line for r in results] == [1, 2]


def test_invalid_id_type(tmp_path):
    f = write_lines(tmp_path / "a.jsonl", json.dumps({**GOOD, "id": {"a": 1}}))
    (bad,) = outcomes(f)
    assert bad.reason == "invalid_id"


def test_missing_file_and_directory_fail_before_reading(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        read(tmp_path / "nope.jsonl")
    with pytest.raises(IsADirectoryError, match="directory"):
        read(tmp_path)


def test_blank_lines_are_skipped_but_line_numbers_stay_true(tmp_path):
    f = write_lines(tmp_path / "a.jsonl", "", json.dumps(GOOD), "   ", "{oops")
    results = outcomes(f)
    assert results[0].line == 2
    assert (results[1].reason, results[1].line) == ("invalid_json", 4)


def test_every_documented_reason_is_produced_somewhere():
    """The reason table is the docs' source: no stale codes."""
    here = Path(__file__).parent
    tests = "".join(p.read_text() for p in here.glob("test_*.py"))
    for code in READ_REASONS:
        assert f'"{code}"' in tests, f"no test produces reason {code}"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_files_are_one_clear_reject(tmp_path, encoding):
    f = tmp_path / "a.jsonl"
    f.write_bytes((json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n").encode(encoding))
    (bad,) = outcomes(f)
    assert bad.reason == "unsupported_encoding" and bad.line == 1
    assert encoding.upper() in bad.detail and "iconv" in bad.detail


def test_content_after_a_json_array_is_a_reject_not_lost(tmp_path):
    # a file of JSON arrays, one per line, looks like an array file: the lines after the first
    # array must not vanish
    f = write_lines(tmp_path / "a.jsonl", json.dumps([GOOD]), json.dumps([GOOD]), "[1]")
    results = outcomes(f)
    assert isinstance(results[0], Conversation)
    (bad,) = results[1:]
    assert bad.reason == "invalid_json" and "content after the end of the JSON array" in bad.detail
    assert "(line 2)" in bad.detail
    assert outcomes(write_lines(tmp_path / "b.json", "[]", "", "  ")) == []


def test_a_cut_off_gzip_file_keeps_what_was_read_and_rejects_the_rest(tmp_path):
    import gzip
    import random

    rng = random.Random(3)
    lines = [
        json.dumps(
            {
                "messages": [
                    msg("user", f"q{i} {rng.random()}"),
                    msg("assistant", f"a{i} {rng.random()}"),
                ]
            }
        )
        for i in range(3000)
    ]
    whole = gzip.compress("\n".join(lines).encode() + b"\n")
    f = tmp_path / "a.jsonl.gz"
    f.write_bytes(whole[: len(whole) // 2])  # an interrupted download
    results = outcomes(f)
    *good, bad = results
    assert 0 < len(good) < 3000 and all(isinstance(c, Conversation) for c in good)
    assert bad.reason == "invalid_gzip" and bad.line == len(good) + 1
    assert "cut off" in bad.detail and f"{f}:{bad.line}" in bad.detail
    g = tmp_path / "b.jsonl.gz"
    g.write_bytes(b"\x1f\x8b" + b"not gzip at all")
    (only,) = outcomes(g)
    assert (only.reason, only.line) == ("invalid_gzip", 1)


def test_a_broken_parquet_file_is_a_reject_after_the_rows_read(tmp_path):
    pytest.importorskip("pyarrow")
    from selfreflect.formats import write

    good = tmp_path / "good.parquet"
    write(
        [
            Conversation(id=str(i), messages=[msg("user", "q"), msg("assistant", "a")])
            for i in range(10)
        ],
        good,
    )
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[:-20])  # the footer is gone
    fake = write_lines(tmp_path / "fake.jsonl", 'PAR1{"messages": []}')
    for path in (cut, fake):
        (bad,) = outcomes(path)
        assert (bad.reason, bad.line) == ("invalid_parquet", 1)
        assert f"{path}:1: not a readable Parquet file" in bad.detail
