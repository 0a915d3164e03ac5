"""Writers are atomic, keep permissions sane, and write what the readers read back."""

from __future__ import annotations

import builtins
import gzip
import json
import os
import stat
import sys

import pytest

from selfreflect import Conversation, Message, Reject
from selfreflect.formats import (
    JsonlWriter,
    check_writable,
    read,
    write,
    write_jsonl,
    write_jsonl_gz,
    write_parquet,
    write_rejects,
)


def convs(n: int = 3) -> list[Conversation]:
    return [
        Conversation(
            id=f"c{i}",
            messages=[
                Message(role="user", content=f"q{i} \u2019 😀"),
                Message(role="assistant", content="a"),
            ],
            metadata={"i": i},
        )
        for i in range(n)
    ]


def test_jsonl_round_trip(tmp_path):
    path = tmp_path / "out.jsonl"
    assert write_jsonl(convs(), path) == 3
    assert [c.to_record() for c in read(path)] == [c.to_record() for c in convs()]
    assert "😀" in path.read_text(encoding="utf-8")  # not escaped


def test_gzip_by_name_or_explicitly(tmp_path):
    write_jsonl(convs(), tmp_path / "a.jsonl.gz")
    write_jsonl_gz(convs(), tmp_path / "b.jsonl")
    for name in ("a.jsonl.gz", "b.jsonl"):
        with gzip.open(tmp_path / name, "rt", encoding="utf-8") as fh:
            assert [json.loads(line)["id"] for line in fh] == ["c0", "c1", "c2"]
        assert [c.id for c in read(tmp_path / name)] == ["c0", "c1", "c2"]


def test_a_failure_midway_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("old\n")

    def boom():
        yield from convs(2)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        write_jsonl(boom(), path)
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]


def test_nothing_appears_under_the_final_name_until_done(tmp_path):
    path = tmp_path / "out.jsonl"
    with JsonlWriter(path) as out:
        out.write({"id": "x"})
        assert not path.exists()
    assert path.read_text() == '{"id": "x"}\n'


def test_written_files_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_jsonl(convs(1), tmp_path / "out.jsonl")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "out.jsonl").st_mode) == 0o644


def test_missing_parent_directories_are_created(tmp_path):
    write_jsonl(convs(1), tmp_path / "a" / "b" / "out.jsonl")
    assert (tmp_path / "a" / "b" / "out.jsonl").exists()


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root can write anywhere")
def test_check_writable_refuses_a_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="not writable"):
            check_writable(ro / "out.jsonl")
    finally:
        ro.chmod(0o700)


def test_check_writable_refuses_a_directory_and_a_file_as_parent(tmp_path):
    with pytest.raises(IsADirectoryError):
        check_writable(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(PermissionError):
        check_writable(tmp_path / "file" / "out.jsonl")


def test_rejects_file_has_the_contract_fields(tmp_path):
    conv = convs(1)[0]
    rejects = [
        Reject("read", "invalid_json", "a.jsonl:3: bad", raw="{x", source="a.jsonl", line=3),
        Reject("dedup", "exact_duplicate", "same text", record=conv, duplicate_of="c9"),
    ]
    assert write_rejects(rejects, tmp_path / "r.jsonl") == 2
    first, second = (json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines())
    assert first == {
        "step": "read",
        "reason": "invalid_json",
        "detail": "a.jsonl:3: bad",
        "source": "a.jsonl",
        "line": 3,
        "raw": "{x",
    }
    assert second["record"] == conv.to_record() and second["duplicate_of"] == "c9"


def test_parquet_round_trip(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    records = convs()
    records[0] = records[0].model_copy(
        update={"messages": [Message(role="user", content="q", name="ann", weight=2)]}
    )
    assert write(records, tmp_path / "out.parquet") == 3
    table = pq.read_table(tmp_path / "out.parquet")
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == ["c0", "c1", "c2"]
    assert rows[0]["messages"] == [{"role": "user", "content": "q", "name": "ann"}]
    assert json.loads(rows[0]["extra"]) == {"__message_extra__": [{"weight": 2}]}
    assert json.loads(rows[1]["metadata"]) == {"i": 1}
    assert write_parquet([], tmp_path / "empty.parquet") == 0
    assert pq.read_table(tmp_path / "empty.parquet").num_rows == 0


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError("No module named 'pyarrow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(ImportError, match=r"pip install 'selfreflect\[parquet\]'"):
        write_parquet(convs(), tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()


def test_parquet_reads_back_to_the_same_records(tmp_path):
    pytest.importorskip("pyarrow")
    records = convs()
    records[1] = records[1].model_copy(
        update={
            "messages": [
                Message(role="user", content="q", weight=2),
                Message(role="assistant", content="a"),
            ]
        }
    )
    records[2] = Conversation(id="c2", messages=records[2].messages, lang="en")
    write(records, tmp_path / "out.parquet")
    back = list(read(tmp_path / "out.parquet"))
    assert [c.to_record() for c in back] == [c.to_record() for c in records]
    assert [c.line for c in back] == [1, 2, 3]


def test_other_parquet_files_go_through_format_detection(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [
        {
            "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}],
            "score": 1.5,
        },
        {"conversations": [{"from": "robot", "value": "beep"}], "score": 0.0},
    ]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "hf.parquet")
    good, bad = read(tmp_path / "hf.parquet")
    assert [(m.role, m.content) for m in good.messages] == [("user", "q"), ("assistant", "a")]
    assert good.to_record()["score"] == 1.5
    assert (bad.reason, bad.line) == ("unknown_role", 2)
