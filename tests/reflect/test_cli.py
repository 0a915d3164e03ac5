"""``selfreflect reflect``: files, exit codes and one-line usage errors."""

from __future__ import annotations

import json

from reflectcases import coin, good

from selfreflect.cli import main


def write(path, convs):
    path.write_text("".join(json.dumps(c.to_record()) + "\n" for c in convs) + "{broken\n")
    return str(path)


def test_reflect_writes_output_rejects_and_report(fake_llm, tmp_path, capsys):
    fake_llm.handler = lambda r: good()
    src = write(tmp_path / "in.jsonl", [coin(1), coin(2, k="Other question")])
    out, rej, rep = (str(tmp_path / n) for n in ("out.jsonl", "rej.jsonl", "rep.json"))
    code = main(
        [
            "reflect",
            src,
            "-o",
            out,
            "--base-url",
            fake_llm.base_url,
            "--model",
            "m",
            "--mode",
            "preference",
            "--rejects",
            rej,
            "--report",
            rep,
            "--concurrency",
            "2",
            "--cache",
            str(tmp_path / "cache"),
        ]
    )
    assert code == 0
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [x["id"] for x in lines] == ["1#1", "2#1"]
    assert {"prompt", "chosen", "rejected"} <= set(lines[0])
    rejects = (tmp_path / "rej.jsonl").read_text().splitlines()
    assert [json.loads(x)["reason"] for x in rejects] == ["invalid_json"]
    report = json.loads((tmp_path / "rep.json").read_text())
    assert (report["input"], report["kept"], report["rejected"]) == (3, 2, 1)
    assert report["steps"][1]["name"] == "reflect"
    assert report["steps"][1]["counters"]["calls"] == 2
    assert "wrote 2 records" in capsys.readouterr().err


def test_usage_errors_exit_2_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SELFREFLECT_BASE_URL", raising=False)
    monkeypatch.delenv("SELFREFLECT_MODEL", raising=False)
    src = write(tmp_path / "in.jsonl", [coin()])
    out = str(tmp_path / "out.jsonl")
    cases = [
        (["reflect", src, "-o", out], "needs base_url and model"),
        (
            [
                "reflect",
                src,
                "-o",
                out,
                "--base-url",
                "http://127.0.0.1:9/v1",
                "--model",
                "m",
                "--turns",
                "last:0",
            ],
            "turns must be",
        ),
        (
            [
                "reflect",
                str(tmp_path / "missing.jsonl"),
                "-o",
                out,
                "--base-url",
                "http://127.0.0.1:9/v1",
                "--model",
                "m",
            ],
            "missing.jsonl",
        ),
    ]
    for argv, message in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1
        assert "Traceback" not in err
    assert not (tmp_path / "out.jsonl").exists()


def test_a_wrong_key_stops_the_run_with_one_line_and_no_output(fake_llm, tmp_path, capsys):
    from fakellm import error

    fake_llm.handler = lambda r: error(401, message="Incorrect API key provided")
    src = write(tmp_path / "in.jsonl", [coin(i) for i in range(10)])
    out, rej = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    code = main(
        [
            "reflect",
            src,
            "-o",
            str(out),
            "--rejects",
            str(rej),
            "--base-url",
            fake_llm.base_url,
            "--model",
            "m",
            "--concurrency",
            "1",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "cannot be used" in err and "HTTP 401: Incorrect API key provided" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and not rej.exists()
    assert fake_llm.calls == 3


def test_a_recipe_llm_step_without_endpoint_fails_before_reading(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SELFREFLECT_BASE_URL", raising=False)
    monkeypatch.delenv("SELFREFLECT_MODEL", raising=False)
    recipe = tmp_path / "r.yaml"
    recipe.write_text("steps:\n  - step: reflect\n    model: m\n")
    out = tmp_path / "out.jsonl"
    code = main(
        ["run", str(recipe), "--input", str(tmp_path / "missing.jsonl"), "--output", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    # the recipe is refused first: the missing input file is never looked at
    assert "step 1 (reflect): reflect needs base_url and model" in err and "missing" not in err
    assert not out.exists()
