"""Crash tests (PROTOCOL.md sections 8 and 11): SIGKILL at random moments never loses an
acknowledged write, never applies part of a request, and, with idempotency keys and retries,
applies every request exactly once."""
import random
import threading
import time

from daemon import KEY, Connection, Daemon

WRITERS = 4
KILLS = 6
SEED = 20261126


def upsert(thread, number, idempotent):
    """One request touching two contacts: both entries must apply together or not at all."""
    operators = {"$inc": {"n": 1}, "$push": {"log": number}}
    request = {"method": "contacts.upsert", "apiKey": KEY, "requestId": number,
               "contacts": [{"id": f"w{thread}-a", "profile": operators},
                            {"id": f"w{thread}-b", "profile": operators}]}
    if idempotent:
        request["idempotencyKey"] = f"w{thread}-{number}"
    return request


def run_writers_under_kills(daemon, idempotent, seconds_between_kills):
    """Writers send requests until stopped; a killer SIGKILLs and restarts the daemon KILLS times.

    Returns, per writer, the request numbers acknowledged and the numbers ever sent."""
    rng = random.Random(SEED + idempotent)
    stop = threading.Event()
    acked = {t: [] for t in range(WRITERS)}
    sent = {t: set() for t in range(WRITERS)}
    errors = []

    def writer(thread):
        number = 0
        connection = None
        pending = None
        while not stop.is_set() or pending is not None:
            if pending is None:
                if stop.is_set():
                    break
                number += 1
                pending = number
            try:
                if connection is None:
                    connection = Connection(daemon.socket_path)
                sent[thread].add(pending)
                reply = connection.request(upsert(thread, pending, idempotent))
                if reply.get("statusCode") != 200 or reply.get("requestId") != pending:
                    errors.append((thread, pending, reply))
                    return
                acked[thread].append(pending)
                pending = None
            except (OSError, ConnectionError, ValueError):
                if connection is not None:
                    connection.close()
                connection = None
                if not idempotent:
                    pending = None  # never retried: it may or may not have been applied
                time.sleep(0.01)
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(WRITERS)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.05, seconds_between_kills))
            daemon.kill()
            time.sleep(rng.uniform(0.0, 0.05))
            daemon.start()
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors
    assert all(len(acked[t]) > 0 for t in range(WRITERS)), acked
    return acked, sent


def read_contact(daemon, external_id):
    connection = Connection(daemon.socket_path)
    try:
        reply = connection.request({"method": "contacts.get", "apiKey": KEY, "id": external_id})
    finally:
        connection.close()
    assert reply["statusCode"] == 200, reply
    return reply["contact"]


def test_sigkill_keeps_every_acknowledged_write_and_no_partial_request(tmp_path):
    """Without retries: every acknowledged request is present exactly once, both entries of a
    request agree, and only requests that were sent appear."""
    daemon = Daemon(tmp_path, "--fsync", "always", "--snapshot-interval", "1")
    daemon.start()
    acked, sent = run_writers_under_kills(daemon, idempotent=False, seconds_between_kills=0.8)
    daemon.kill()
    daemon.start()
    for thread in range(WRITERS):
        a = read_contact(daemon, f"w{thread}-a")["profile"]
        b = read_contact(daemon, f"w{thread}-b")["profile"]
        assert a["log"] == b["log"], "a request was applied partly"
        assert a["n"] == b["n"] == len(a["log"])
        log = a["log"]
        assert len(log) == len(set(log)), "a request was applied twice"
        assert set(acked[thread]) <= set(log), "an acknowledged write was lost"
        assert set(log) <= sent[thread], "something never sent appeared"
        assert log == sorted(log), "requests of one connection were applied out of order"
    assert daemon.terminate() == 0


def test_sigkill_with_idempotent_retries_applies_every_request_exactly_once(tmp_path):
    """With an idempotencyKey per request and retries after every kill, each counter equals the
    number of distinct requests sent, exactly."""
    daemon = Daemon(tmp_path, "--fsync", "always", "--snapshot-interval", "1")
    daemon.start()
    acked, sent = run_writers_under_kills(daemon, idempotent=True, seconds_between_kills=0.8)
    daemon.kill()
    daemon.start()
    for thread in range(WRITERS):
        a = read_contact(daemon, f"w{thread}-a")["profile"]
        b = read_contact(daemon, f"w{thread}-b")["profile"]
        assert sorted(acked[thread]) == sorted(sent[thread]), "a request was never acknowledged"
        assert a["n"] == b["n"] == len(sent[thread])
        assert a["log"] == b["log"] == sorted(sent[thread])
    assert daemon.terminate() == 0


def test_sigterm_writes_a_final_snapshot_and_restart_keeps_everything(tmp_path):
    """A graceful stop exits 0 after a final snapshot; the restarted daemon has every contact
    with the same internal id, timestamps, stats and profile."""
    daemon = Daemon(tmp_path, "--fsync", "always", "--snapshot-interval", "3600")
    daemon.start()
    connection = Connection(daemon.socket_path)
    ids = [f"c{i}" for i in range(500)]
    for start in range(0, len(ids), 50):
        reply = connection.request({
            "method": "contacts.upsert", "apiKey": KEY,
            "contacts": [{"id": i, "profile": {"$set": {"k": i}, "$inc": {"n": 1}}} for i in ids[start:start + 50]]})
        assert reply["statusCode"] == 200 and len(reply["inserted"]) == 50, reply
    reply = connection.request({"method": "contacts.recordMessages", "apiKey": KEY,
                                "messages": [{"id": "c1", "at": "2016-10-22T04:31:13Z"}]})
    assert reply["recorded"] == ["c1"], reply
    before = {i: connection.request({"method": "contacts.get", "apiKey": KEY, "id": i})["contact"] for i in ids}
    connection.close()
    assert daemon.terminate() == 0
    snapshots = [p for p in daemon.data.iterdir() if p.name.startswith("snapshot.")]
    assert snapshots, "no snapshot after SIGTERM"
    daemon.start()
    after = {i: read_contact(daemon, i) for i in ids}
    assert after == before
    assert after["c1"]["stats"] == {"2016": {"10": 1}}
    assert daemon.terminate() == 0
