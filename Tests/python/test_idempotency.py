"""Idempotent retries (PROTOCOL.md section 11) against the real daemon."""
import json
import threading

from daemon import KEY, Connection, Daemon


def inc(key, amount=1, request_id=None):
    request = {"method": "contacts.upsert", "apiKey": KEY, "idempotencyKey": key,
               "contacts": [{"id": "counter", "profile": {"$inc": {"n": amount}, "$push": {"keys": key}}}]}
    if request_id is not None:
        request["requestId"] = request_id
    return request


def counter(connection):
    reply = connection.request({"method": "contacts.get", "apiKey": KEY, "id": "counter"})
    return reply["contact"]["profile"]


def raw(connection, obj):
    connection.sock.sendall(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
    return connection.read_line().decode()


def test_replay_returns_the_remembered_response_and_applies_once(tmp_path):
    """The same key and request twice: applied once; the second answer is the first plus
    "replayed":true before the requestId; member order of the request does not matter."""
    daemon = Daemon(tmp_path)
    daemon.start()
    connection = Connection(daemon.socket_path)
    first = raw(connection, inc("k1", request_id=1))
    assert first == '{"statusCode":200,"success":true,"inserted":["counter"],"updated":[],"failed":[],"requestId":1}'
    reordered = {"contacts": inc("k1")["contacts"], "idempotencyKey": "k1", "apiKey": KEY,
                 "method": "contacts.upsert", "requestId": "again"}
    second = raw(connection, reordered)
    assert second == ('{"statusCode":200,"success":true,"inserted":["counter"],"updated":[],"failed":[],'
                      '"replayed":true,"requestId":"again"}')
    assert counter(connection)["n"] == 1
    connection.close()
    assert daemon.terminate() == 0


def test_same_key_with_a_different_request_is_a_conflict(tmp_path):
    """A reused key with other fields, or with another method, is a 409 naming the key and changes nothing."""
    daemon = Daemon(tmp_path)
    daemon.start()
    connection = Connection(daemon.socket_path)
    assert connection.request(inc("k1"))["statusCode"] == 200
    conflict = connection.request(inc("k1", amount=2, request_id=5))
    assert conflict["statusCode"] == 409 and conflict["error"] == "Conflict" and conflict["requestId"] == 5
    assert '"k1"' in conflict["message"]
    other_method = connection.request({"method": "contacts.delete", "apiKey": KEY, "idempotencyKey": "k1",
                                       "ids": ["counter"]})
    assert other_method["statusCode"] == 409
    assert counter(connection) == {"id": "counter", "n": 1, "keys": ["k1"]}
    connection.close()
    assert daemon.terminate() == 0


def test_keys_of_different_projects_never_collide(tmp_path):
    """The same key in two projects is two independent requests."""
    daemon = Daemon(tmp_path)
    daemon.keys.write_text(json.dumps({KEY: "crash", "other-key": "other"}))
    daemon.start()
    connection = Connection(daemon.socket_path)
    assert connection.request(inc("shared"))["inserted"] == ["counter"]
    other = dict(inc("shared"), apiKey="other-key")
    reply = connection.request(other)
    assert reply["inserted"] == ["counter"] and "replayed" not in reply
    connection.close()
    assert daemon.terminate() == 0


def test_keys_survive_a_graceful_restart_and_a_crash(tmp_path):
    """A key remembered before SIGTERM, and one remembered before SIGKILL, still replay afterwards."""
    daemon = Daemon(tmp_path)
    daemon.start()
    connection = Connection(daemon.socket_path)
    connection.request(inc("before-term"))
    connection.close()
    assert daemon.terminate() == 0
    daemon.start()
    connection = Connection(daemon.socket_path)
    assert connection.request(inc("before-term")).get("replayed") is True
    connection.request(inc("before-kill"))
    connection.close()
    daemon.kill()
    daemon.start()
    connection = Connection(daemon.socket_path)
    assert connection.request(inc("before-kill")).get("replayed") is True
    assert connection.request(inc("before-term")).get("replayed") is True
    assert counter(connection)["n"] == 2
    connection.close()
    assert daemon.terminate() == 0


def test_concurrent_retries_of_one_key_apply_exactly_once(tmp_path):
    """100 connections send the same keyed request at once: one application, 100 equal answers,
    all but one of them replays."""
    daemon = Daemon(tmp_path)
    daemon.start()
    connections = [Connection(daemon.socket_path) for _ in range(100)]
    barrier = threading.Barrier(len(connections))
    replies = [None] * len(connections)

    def send(index):
        barrier.wait()
        replies[index] = connections[index].request(inc("storm"))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(connections))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(r is not None and r["statusCode"] == 200 and r["inserted"] == ["counter"] for r in replies), replies
    assert sum(1 for r in replies if r.get("replayed")) == len(connections) - 1
    assert counter(connections[0]) == {"id": "counter", "n": 1, "keys": ["storm"]}
    for connection in connections:
        connection.close()
    assert daemon.terminate() == 0


def test_only_processed_requests_are_remembered(tmp_path):
    """A request refused as a whole (400) remembers nothing: the key is free for a valid request."""
    daemon = Daemon(tmp_path)
    daemon.start()
    connection = Connection(daemon.socket_path)
    bad = {"method": "contacts.upsert", "apiKey": KEY, "idempotencyKey": "k", "contacts": []}
    assert connection.request(bad)["statusCode"] == 400
    reply = connection.request(inc("k"))
    assert reply["statusCode"] == 200 and "replayed" not in reply
    connection.close()
    assert daemon.terminate() == 0


def test_retry_after_a_crash_and_a_change_of_shards_is_replayed(tmp_path):
    """A key applied under --shards 2, then SIGKILL and a restart with --shards 3: the retry gets
    the same response with "replayed":true and the $inc is applied once (no 503)."""
    daemon = Daemon(tmp_path, "--shards", "2")
    daemon.start()
    connection = Connection(daemon.socket_path)
    first = raw(connection, inc("reshard", request_id=1))
    assert first.startswith('{"statusCode":200,"success":true'), first
    connection.close()
    daemon.kill()
    daemon.extra_args = ["--shards", "3"]
    daemon.start()
    connection = Connection(daemon.socket_path)
    second = raw(connection, inc("reshard", request_id=1))
    assert second == first[:-len(',"requestId":1}')] + ',"replayed":true,"requestId":1}', second
    assert counter(connection)["n"] == 1
    connection.close()
    assert daemon.terminate() == 0
