"""Same answers everywhere: the local engine and Ray Data give the same kept, rejects and report."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import zlib

import numpy as np
import pytest
from htmlcells import assert_numbers_match, cells_of

from selfreflect import Conversation, Filter, Message, Pipeline, Rewriter, Step
from selfreflect.dedup.lsh import pairs_from_keys, resolve
from selfreflect.formats import read

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


# -- steps used by the tests (small stand-ins for the built-in ones) ---------------------------
class DropShortAnswers(Filter):
    """Drop conversations whose assistant answers are shorter than n words."""

    reasons = {"short_answer": "an assistant answer is shorter than n words"}

    def __init__(self, n: int = 3):
        self.n = n

    def keep(self, conv):
        if any(len(m.content.split()) < self.n for m in conv.turns("assistant")):
            return False, "short_answer", "too few words"
        return True


class SquashSpaces(Rewriter):
    """Collapse runs of spaces in every message."""

    def rewrite(self, conv):
        msgs = [
            m.model_copy(update={"content": " ".join(m.content.split())}) for m in conv.messages
        ]
        changed = any(a.content != b.content for a, b in zip(msgs, conv.messages, strict=True))
        return conv.with_messages(msgs) if changed else conv


class DropMentionsBanana(Filter):
    """Drop conversations whose answer starts with 'banana' (runs after dedup)."""

    def keep(self, conv):
        answer = conv.turns("assistant")[0].content
        return (False, "banana") if answer.startswith("banana") else True


class ShoutAsync(Step):
    """A batchable stream step with an async inside, like an LLM step: shouts answers, drops '?'."""

    batchable = True
    reasons = {"question": "the last user turn is a question"}

    def __init__(self, concurrency: int = 4):
        self.concurrency = concurrency

    async def _one(self, conv):
        await asyncio.sleep(0)
        if conv.turns("user")[-1].content.endswith("?"):
            return self.reject(conv, "question")
        msgs = [
            m.model_copy(update={"content": m.content.upper()}) if m.role == "assistant" else m
            for m in conv.messages
        ]
        return conv.with_messages(msgs)

    def run(self, records, stats):
        async def all_of(convs):
            return await asyncio.gather(*(self._one(c) for c in convs))

        for out in asyncio.run(all_of(list(records))):
            if isinstance(out, Conversation):
                stats.modified += 1
            yield out


class KeepFirstPerTopic(Step):
    """A stream step that needs the whole stream: keep the first conversation per topic."""

    reasons = {"topic_seen": "an earlier conversation has the same topic"}

    def run(self, records, stats):
        seen: set[str] = set()
        for conv in records:
            topic = conv.metadata.get("topic", "")
            if topic in seen:
                yield self.reject(conv, "topic_seen")
            else:
                seen.add(topic)
                yield conv


class WordJaccardDedup(Step):
    """Near-duplicate stand-in speaking the LSH protocol: MinHash bands, exact Jaccard check."""

    name = "near_dedup"
    reasons = {"near_duplicate": "a near-duplicate of an earlier conversation"}
    distributable = True

    def __init__(self, threshold: float = 0.7, num_perm: int = 32, bands: int = 16):
        self.threshold = threshold
        self.num_perm = num_perm
        self.bands = bands

    def _shingles(self, conv):
        words = conv.dedup_text().lower().split()
        return {" ".join(words[i : i + 2]) for i in range(max(1, len(words) - 1))}

    def band_keys(self, convs):
        rng = np.random.default_rng(7)
        a = rng.integers(1, 2**32, self.num_perm, dtype=np.uint64)
        b = rng.integers(0, 2**32, self.num_perm, dtype=np.uint64)
        out = np.zeros((len(convs), self.bands), dtype=np.uint64)
        for i, conv in enumerate(convs):
            h = np.array([zlib.crc32(s.encode()) for s in self._shingles(conv)], dtype=np.uint64)
            sig = ((h[:, None] * a + b) % np.uint64(4294967311)).min(axis=0)
            rows = sig.reshape(self.bands, -1)
            out[i] = [zlib.crc32(r.tobytes()) for r in rows]
        return out, np.ones(len(convs), dtype=bool)

    def verify(self, x, y):
        sx, sy = self._shingles(x), self._shingles(y)
        score = len(sx & sy) / len(sx | sy)
        return score if score >= self.threshold else None

    def verify_pairs(self, convs, pairs):
        return [self.verify(convs[a], convs[b]) for a, b in pairs]

    def duplicate_reject(self, conv, kept_id, score):
        return self.reject(conv, "near_duplicate", duplicate_of=kept_id, jaccard=score)

    def run(self, records, stats):
        convs = list(records)
        keys, _ = self.band_keys(convs)
        flat_keys = np.concatenate([keys[:, j] ^ np.uint64(j) for j in range(self.bands)])
        orders = np.tile(np.arange(len(convs)), self.bands)
        verified = []
        for x, y in sorted(pairs_from_keys(flat_keys, orders)):
            score = self.verify(convs[x], convs[y])
            if score is not None:
                verified.append((x, y, score))
        dups = resolve(verified)  # the local rule: decided in input order
        for i, conv in enumerate(convs):
            if i in dups:
                rep, score = dups[i]
                yield self.duplicate_reject(conv, convs[rep].id, score)
            else:
                yield conv


# -- data ----------------------------------------------------------------------------------------
WORDS = (
    "apple river stone cloud banana engine mirror violet window ladder copper garden "
    "signal harbor pencil meadow rocket lantern"
).split()


def make_records(n: int = 240, seed: int = 3) -> list[Conversation]:
    """Conversations with near duplicates, short answers, padded spaces and repeated topics."""
    rng = random.Random(seed)
    out: list[Conversation] = []
    for i in range(n):
        if out and rng.random() < 0.05:
            base = rng.choice(out)
            answer, question = base.messages[1].content, base.messages[0].content
        elif out and rng.random() < 0.2:
            base = rng.choice(out)
            words = base.messages[1].content.split()
            words[rng.randrange(len(words))] = rng.choice(WORDS)
            answer = " ".join(words)
            question = base.messages[0].content
        else:
            answer = " ".join(rng.choice(WORDS) for _ in range(rng.choice([2, 12, 20])))
            question = " ".join(rng.choice(WORDS) for _ in range(6)) + rng.choice(["?", "."])
        if rng.random() < 0.1:
            answer = answer.replace(" ", "   ")
        out.append(
            Conversation(
                id=f"c{i:04d}",
                metadata={"topic": f"t{rng.randrange(40)}"},
                messages=[
                    Message(role="user", content=question),
                    Message(role="assistant", content=answer),
                ],
            )
        )
    return out


def full_pipeline() -> Pipeline:
    """Every kind of stage: per-record, LSH dedup, per-record, actor pool, driver fallback."""
    return (
        SquashSpaces()
        | DropShortAnswers(3)
        | WordJaccardDedup()
        | DropMentionsBanana()
        | ShoutAsync()
        | KeepFirstPerTopic()
        | merge_step()
        | WordJaccardDedup()
    )


def merge_step() -> Step:
    """The built-in merge (new ids, members rejected as merged_into), else another driver step."""
    try:
        from selfreflect.filters.merge import MergePersonaTurns
    except ImportError:
        return KeepFirstPerTopic()
    return MergePersonaTurns(max_turns=3, merge_without_system=True)


def reject_set(rejects):
    return {(r.get("id"), r["step"], r["reason"], r.get("duplicate_of")) for r in rejects}


def counts(report):
    data = report.to_json()
    return (
        data["input"],
        data["kept"],
        data["rejected"],
        [
            (s["name"], s["in"], s["out"], s["dropped"], s["modified"], s["reasons"])
            for s in data["steps"]
        ],
    )


def real_dedup_or_stand_in() -> Pipeline:
    """The built-in exact and near dedup steps when they are installed, else the stand-in."""
    try:
        from selfreflect.dedup import ExactDedup, NearDedup
    except ImportError:
        return Pipeline([WordJaccardDedup()])
    return ExactDedup() | NearDedup(threshold=0.7, batch_size=16)


# -- the Ray cluster -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        ignore_reinit_error=True,
    )
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    yield ray
    ray.shutdown()


def test_stand_in_data_exercises_every_stage():
    result = full_pipeline().run(make_records())
    steps = result.report.steps  # read, squash, short, dedup, banana, shout, topic, merge, dedup
    assert all(s.dropped > 0 for s in steps[2:8]), result.report.table()
    assert steps[3].name == steps[8].name == "near_dedup" and steps[3].dropped != steps[8].dropped
    assert result.report.steps[1].modified > 0


def test_plan_cuts_stages_by_kind():
    from selfreflect.engines.ray_engine import plan

    kinds = [(kind, [s.name for s in steps]) for kind, steps in plan(full_pipeline())]
    assert kinds == [
        ("records", ["squash_spaces", "drop_short_answers"]),
        ("dedup", ["near_dedup"]),
        ("records", ["drop_mentions_banana"]),
        ("actors", ["shout_async"]),
        ("driver", ["keep_first_per_topic"]),
        ("driver", [merge_step().name]),
        ("dedup", ["near_dedup"]),
    ]


def test_missing_ray_names_the_extra(monkeypatch):
    from selfreflect.engines import ray_engine

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"selfreflect\[ray\]"):
        ray_engine.require_ray()


@pytest.mark.slow
def test_python_api_gives_the_local_answers(ray_cluster):
    from selfreflect.engines.ray_engine import kept_conversations, reject_lines, run_ray, to_rows

    records = make_records()
    local = full_pipeline().run(records)
    kept_ds, rejects_ds, report = run_ray(
        full_pipeline(), to_rows(records, ray_blocks=4), batch_size=32, actors=1
    )
    kept = list(kept_conversations(kept_ds))
    assert [c.id for c in kept] == [c.id for c in local.kept]
    assert [c.messages for c in kept] == [c.messages for c in local.kept]
    assert reject_set(reject_lines(rejects_ds)) == reject_set(r.to_json() for r in local.rejects)
    assert counts(report) == counts(local.report)
    assert report.input == report.kept + report.rejected == len(records)


@pytest.mark.slow
def test_recipe_on_files_gives_the_local_answers(ray_cluster, tmp_path):
    from selfreflect.engines.ray_engine import run_recipe_on_ray

    records = make_records(120, seed=5)
    paths = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for path, part in zip(paths, (records[:70], records[70:]), strict=True):
        lines = [json.dumps(c.to_record()) for c in part]
        lines.insert(3, "{not json")
        path.write_text("\n".join(lines) + "\n")
    pipeline = SquashSpaces() | DropShortAnswers(3) | real_dedup_or_stand_in()
    local = pipeline.run(r for p in paths for r in read(p))
    out, rej, rep = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl", tmp_path / "report.json"
    report = run_recipe_on_ray(
        pipeline, [str(p) for p in paths], str(out), str(rej), str(rep), batch_size=16
    )
    kept_ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert kept_ids == [c.id for c in local.kept]
    rejects = [json.loads(line) for line in rej.read_text().splitlines()]
    assert reject_set(rejects) == reject_set(r.to_json() for r in local.rejects)
    # whole lines too: detail, source, line, record and the jaccard score
    assert sorted(json.dumps(r, sort_keys=True) for r in rejects) == sorted(
        json.dumps(r.to_json(), sort_keys=True) for r in local.rejects
    )
    bad = [r for r in rejects if r["step"] == "read"]
    assert [(r["reason"], r["line"]) for r in bad] == [("invalid_json", 4), ("invalid_json", 4)]
    assert counts(report) == counts(local.report)
    assert json.loads(rep.read_text())["kept"] == len(local.kept)


@pytest.mark.slow
def test_cli_runs_the_default_recipe_on_ray_like_locally(ray_cluster, tmp_path):
    from selfreflect.cli import main

    data = tmp_path / "in.jsonl"
    records = make_records(150, seed=9)
    records += [r.model_copy(update={"id": f"copy-{r.id}"}) for r in records[:20]]
    data.write_text("".join(json.dumps(c.to_record()) + "\n" for c in records) + "{oops\n")
    outputs, pages = {}, {}
    for engine in ("local", "ray"):
        out, rej, rep, page = (
            tmp_path / f"{engine}.{ext}" for ext in ("jsonl", "rejects", "json", "html")
        )
        assert (
            main(
                [
                    "run",
                    "default",
                    "--input",
                    str(data),
                    "--output",
                    str(out),
                    "--rejects",
                    str(rej),
                    "--report",
                    str(rep),
                    "--engine",
                    engine,
                    "--report-html",
                    str(page),
                    "--record-source",
                ]
            )
            == 0
        )
        outputs[engine] = (
            out.read_text(),
            reject_set(json.loads(line) for line in rej.read_text().splitlines()),
            counts_of(json.loads(rep.read_text())),
        )
        cells = cells_of(page.read_text(encoding="utf-8"))
        assert_numbers_match(cells, json.loads(rep.read_text()))
        # provenance on every engine: the page and report.json name the same input and hash
        provenance = json.loads(rep.read_text())["provenance"]
        assert provenance["inputs"][0]["path"] == str(data)
        assert provenance["inputs"][0]["sha256"] in page.read_text(encoding="utf-8")
        assert "--engine" in provenance["command"] and "exact_dedup" in provenance["recipe"]
        first = json.loads(out.read_text().splitlines()[0])  # --record-source on both engines
        assert first["metadata"]["source"]["file"] == str(data)
        pages[engine] = {
            key: value
            for key, value in cells.cells.items()
            if not any("seconds" in part for pair in key for part in pair)
        }
    assert outputs["ray"] == outputs["local"]
    # the Ray page shows what the local one does: funnel, reasons, length distributions before
    # and after, duplicate clusters and rejected samples (timings aside)
    assert pages["ray"] == pages["local"]
    kept = outputs["local"][0].count("\n")
    assert 0 < kept < len(records)
    assert any(r[2] == "exact_duplicate" for r in outputs["local"][1])


def counts_of(report_json):
    return (
        report_json["input"],
        report_json["kept"],
        report_json["rejected"],
        [
            (s["name"], s["in"], s["out"], s["dropped"], s["modified"], s["reasons"])
            for s in report_json["steps"]
        ],
    )


@pytest.mark.slow
def test_plain_openai_rows_dataset_is_numbered_in_row_order(ray_cluster):
    import ray.data

    from selfreflect.engines.ray_engine import kept_conversations, reject_lines, run_ray

    records = make_records(40, seed=11)
    rows = [{"messages": [m.model_dump(exclude_none=True) for m in c.messages]} for c in records]
    ds = ray.data.from_items(rows, override_num_blocks=3)
    kept_ds, rejects_ds, report = run_ray(Pipeline([DropShortAnswers(3)]), ds)
    local = Pipeline([DropShortAnswers(3)]).run(
        [c.model_copy(update={"id": str(i)}) for i, c in enumerate(records)]
    )
    assert [c.id for c in kept_conversations(kept_ds)] == [c.id for c in local.kept]
    assert reject_set(reject_lines(rejects_ds)) == reject_set(r.to_json() for r in local.rejects)
    assert counts(report) == counts(local.report)


def test_driver_fallback_can_be_refused(ray_cluster):
    from selfreflect.engines.ray_engine import run_ray, to_rows

    with pytest.raises(RuntimeError, match="keep_first_per_topic.*whole stream"):
        run_ray(Pipeline([KeepFirstPerTopic()]), to_rows(make_records(5)), driver_fallback=False)


@pytest.mark.slow
def test_llm_step_runs_in_the_actor_pool_with_the_local_answers(ray_cluster, fake_llm):
    from fakellm import chat_json

    from selfreflect.engines.ray_engine import kept_conversations, plan, reject_lines, run_ray
    from selfreflect.engines.ray_engine import to_rows as rows_of
    from selfreflect.reflect import LLMJudge

    def answer(request):
        ai = "banana" in request.prompt
        return chat_json({"answer": "yes" if ai else "no", "reason": "banana" if ai else "ok"})

    fake_llm.handler = answer
    pipeline = Pipeline(
        [DropShortAnswers(3), LLMJudge(base_url=fake_llm.base_url, model="fake", max_retries=0)]
    )
    assert [kind for kind, _ in plan(pipeline)] == ["records", "actors"]
    records = make_records(60, seed=13)
    local = pipeline.run(records)
    local_calls = fake_llm.calls
    assert {r.step for r in local.rejects} == {"drop_short_answers", "llm_judge"}
    kept_ds, rejects_ds, report = run_ray(
        pipeline, rows_of(records, ray_blocks=3), batch_size=8, actors=2
    )
    assert [c.id for c in kept_conversations(kept_ds)] == [c.id for c in local.kept]
    assert reject_set(reject_lines(rejects_ds)) == reject_set(r.to_json() for r in local.rejects)
    assert counts(report) == counts(local.report)
    assert fake_llm.calls == 2 * local_calls
    assert report.steps[2].counters == local.report.steps[2].counters


@pytest.mark.slow
def test_an_llm_budget_holds_for_the_whole_ray_run(ray_cluster, fake_llm):
    from fakellm import chat_json

    from selfreflect.engines.ray_engine import kept_conversations, reject_lines, run_ray
    from selfreflect.engines.ray_engine import to_rows as rows_of
    from selfreflect.reflect import LLMJudge

    fake_llm.handler = lambda request: chat_json({"answer": "no", "reason": "fine"})
    judge = LLMJudge(
        base_url=fake_llm.base_url, model="fake", max_retries=0, concurrency=2, budget_calls=7
    )
    records = make_records(40, seed=21)
    # 5 batches of 8 over 2 actors: a budget per batch or per actor would allow 35 or 14 calls
    kept_ds, rejects_ds, report = run_ray(
        Pipeline([judge]), rows_of(records, ray_blocks=5), batch_size=8, actors=2
    )
    kept = list(kept_conversations(kept_ds))
    rejects = list(reject_lines(rejects_ds))
    assert fake_llm.calls == 7
    assert len(kept) == 7 and len(rejects) == 33
    assert {r["reason"] for r in rejects} == {"budget_exhausted"}
    assert "whole run" in rejects[0]["detail"]
    assert report.steps[1].counters["calls"] == 7
    assert judge.budget_factory is None  # the user's step is not changed


@pytest.mark.slow
def test_an_unusable_llm_server_on_ray_is_one_line_not_a_ray_traceback(
    ray_cluster, tmp_path, capsys
):
    from selfreflect.cli import main

    data = tmp_path / "in.jsonl"
    data.write_text("".join(json.dumps(c.to_record()) + "\n" for c in make_records(12)))
    recipe = tmp_path / "judge.yaml"
    recipe.write_text(
        "steps:\n  - step: llm_judge\n    base_url: http://127.0.0.1:9/v1\n"
        "    model: m\n    max_retries: 0\n"
    )
    out = tmp_path / "out.jsonl"
    code = main(["run", str(recipe), "--input", str(data), "--output", str(out), "--engine", "ray"])
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1
    assert last.startswith("selfreflect run: error: the LLM server at http://127.0.0.1:9/v1")
    assert "no output was written" in last and not out.exists()


def test_messages_cut_on_ray_reach_the_rejects_file_as_locally(ray_cluster, tmp_path):
    """A trimmed record's cut messages are rejects-file lines on both engines, nothing lost."""
    from selfreflect.cli import main

    def chat(i, *turns):
        roles = ["user", "assistant"] * 4
        return {
            "id": f"t{i}",
            "messages": [{"role": r, "content": t} for r, t in zip(roles, turns, strict=False)],
        }

    records = [
        chat(
            1,
            "How deep is the harbour at low tide?",
            "About nine metres at the quay.",
            "And at the outer buoy?",
        ),  # an unanswered last turn: cut
        chat(2, "Which rope holds best in salt water?", "Polyester, it barely stretches."),
    ]
    data = tmp_path / "in.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records))
    cuts = {}
    for engine in ("local", "ray"):
        rej = tmp_path / f"{engine}.rejects"
        args = [
            "run",
            "default",
            "--input",
            str(data),
            "--output",
            str(tmp_path / f"{engine}.jsonl"),
            "--rejects",
            str(rej),
            "--engine",
            engine,
            "-q",
        ]
        assert main(args) == 0
        lines = [json.loads(line) for line in rej.read_text().splitlines()]
        cuts[engine] = sorted(
            (x["id"], x["step"], x["reason"], tuple(x["indices"]), x["messages"][0]["content"])
            for x in lines
            if x.get("trimmed")
        )
    assert cuts["local"] == cuts["ray"]
    assert cuts["local"] and cuts["local"][0][0] == "t1"
    assert cuts["local"][0][4] == "And at the outer buoy?"
