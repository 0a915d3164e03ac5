"""index='redis': the LSH buckets live in a real redis-server started by the test."""

import random
import shutil
import socket
import subprocess
import time

import pytest

from selfreflect.conversation import Conversation
from selfreflect.dedup import NearDedup
from selfreflect.pipeline import Pipeline

redis = pytest.importorskip("redis", reason="pip install 'selfreflect[redis]'")
SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    SERVER is None, reason="redis-server binary not installed (apt-get install redis-server)"
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_port():
    port = free_port()
    proc = subprocess.Popen(
        [SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield port
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)


def corpus():
    rng = random.Random(7)
    words = [f"w{i}" for i in range(2000)]
    records = []
    for c in range(80):
        base = [rng.choice(words) for _ in range(40)]
        for k in range(3):
            edited = list(base)
            for _ in range(k):
                edited[rng.randrange(40)] = rng.choice(words)
            records.append(
                Conversation(
                    id=f"{c}-{k}",
                    messages=[
                        {"role": "user", "content": "q"},
                        {"role": "assistant", "content": " ".join(edited)},
                    ],
                )
            )
    return records


def test_redis_index_gives_the_same_result_and_cleans_up(redis_port):
    records = corpus()
    in_memory = Pipeline([NearDedup()]).run(records)
    step = NearDedup(index="redis", redis={"host": "127.0.0.1", "port": redis_port})
    in_redis = Pipeline([step]).run(records)
    assert [(r.id, r.duplicate_of) for r in in_redis.rejects] == [
        (r.id, r.duplicate_of) for r in in_memory.rejects
    ]
    assert len(in_redis.rejects) >= 80
    client = redis.Redis(host="127.0.0.1", port=redis_port)
    try:
        assert client.dbsize() == 0  # the run's buckets were deleted afterwards
    finally:
        client.close()


def test_redis_index_is_used(redis_port, monkeypatch):
    """The buckets really go to Redis: keys exist while the step runs."""
    client = redis.Redis(host="127.0.0.1", port=redis_port)
    seen = []
    step = NearDedup(index="redis", redis={"host": "127.0.0.1", "port": redis_port}, batch_size=60)
    try:
        for _ in Pipeline([step]).stream(corpus(), lambda r: None):
            seen.append(client.dbsize())
    finally:
        client.close()
    assert max(seen) > 0
