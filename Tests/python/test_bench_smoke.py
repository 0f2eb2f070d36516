"""Smoke test of the load generator (`contactd-bench`) against a real debug contactd: it runs, it
measures something, it counts no errors, and what it says it applied is what the daemon holds."""
import json
import subprocess

import pytest

from daemon import KEY, ROOT, Connection, Daemon

BENCH = ROOT / ".build" / "debug" / "contactd-bench"
SEED_FIELDS = {"firstName": "Justin", "lastName": "Bieber", "email": "justin.bieber@yopmail.com"}


@pytest.fixture
def daemon(tmp_path):
    if not BENCH.exists():
        pytest.fail(f"{BENCH} is missing: run `swift build --build-tests` (or `make build`) first", pytrace=False)
    started = Daemon(tmp_path)
    started.start()
    yield started
    assert started.terminate() == 0


def run_bench(daemon, *arguments):
    completed = subprocess.run(
        [str(BENCH), "--contactd", daemon.socket_path, "--api-key", KEY, *arguments, "--json"],
        capture_output=True, timeout=120, check=False)
    assert completed.returncode == 0, (
        f"contactd-bench exited with {completed.returncode}: {completed.stderr.decode(errors='replace')}"
        f"{completed.stdout.decode(errors='replace')}")
    return json.loads(completed.stdout)


def all_contacts(connection):
    contacts, cursor = [], None
    while True:
        request = {"method": "contacts.list", "apiKey": KEY, "limit": 1000}
        if cursor is not None:
            request["cursor"] = cursor
        page = connection.request(request)
        assert page["statusCode"] == 200, page
        contacts += page["contacts"]
        cursor = page["nextCursor"]
        if cursor is None:
            return contacts


def test_duration_run_reports_throughput_and_the_daemon_holds_every_contact_it_applied(daemon):
    report = run_bench(daemon, "--duration", "2", "--connections", "2", "--pipeline", "2", "--ids", "40")

    assert report["contactsPerSecond"] > 0 and report["requestsPerSecond"] > 0
    assert report["errors"] == 0 and report["failures"] == []
    assert report["latencyMicros"]["p99"] > 0
    # 40 ids and at least one request of 50 contacts per connection: every id is touched.
    assert report["idsTouched"] == 40

    connection = Connection(daemon.socket_path)
    assert connection.request({"method": "contacts.count", "apiKey": KEY})["count"] == 40
    contacts = all_contacts(connection)
    assert sorted(c["externalId"] for c in contacts) == sorted(f"u{n}" for n in range(40))
    # Every seed upsert applied once: $inc and $push ran as often as the bench says it applied contacts.
    assert sum(c["profile"]["totalOrders"] for c in contacts) == report["totalContacts"]
    for contact in contacts:
        profile = contact["profile"]
        times = profile["totalOrders"]
        assert profile == {"id": contact["externalId"], **SEED_FIELDS, "tags": ["customer"] * times,
                           "totalOrders": times}
    connection.close()


def test_load_inserts_each_id_once_including_a_short_last_batch(daemon):
    report = run_bench(daemon, "--load", "230", "--connections", "3", "--pipeline", "2")

    assert report["errors"] == 0 and report["failures"] == []
    assert report["totalContacts"] == 230 and report["contacts"] == 230

    connection = Connection(daemon.socket_path)
    contacts = all_contacts(connection)
    assert sorted(c["externalId"] for c in contacts) == sorted(f"u{n}" for n in range(230))
    assert all(c["profile"]["totalOrders"] == 1 for c in contacts)
    connection.close()


def test_mixed_reads_find_every_preloaded_contact_and_are_reported_apart_from_writes(daemon):
    report = run_bench(daemon, "--preload", "--reads", "50", "--read-batch", "5", "--duration", "1",
                       "--connections", "2", "--pipeline", "2", "--ids", "300", "--interval", "0.5")

    assert report["preloaded"] == 300
    assert report["errors"] == 0 and report["failures"] == []
    reads = report["reads"]
    assert reads["percent"] == 50 and reads["batch"] == 5
    # Every id was loaded first, so no read misses; reads and writes both ran and are timed apart.
    assert reads["misses"] == 0
    assert reads["requests"] > 0 and reads["contacts"] > 0 and reads["latencyMicros"]["p99"] > 0
    assert report["requests"] > 0 and report["latencyMicros"]["p99"] > 0
    assert reads["totalContacts"] % 5 == 0
    # The soak's throughput-over-time series: two slices of half a second, summing to the window's writes.
    intervals = report["intervals"]
    assert intervals["seconds"] == 0.5 and len(intervals["contactsPerSecond"]) == 2
    assert abs(sum(v * 0.5 for v in intervals["contactsPerSecond"]) - report["contacts"]) <= 1

    connection = Connection(daemon.socket_path)
    assert connection.request({"method": "contacts.count", "apiKey": KEY})["count"] == 300
    # Reads changed nothing: every $inc is one preloaded or one upserted contact.
    contacts = all_contacts(connection)
    assert sum(c["profile"]["totalOrders"] for c in contacts) == 300 + report["totalContacts"]
    connection.close()


def test_reads_of_ids_never_written_count_as_misses_not_errors(daemon):
    report = run_bench(daemon, "--reads", "100", "--read-batch", "3", "--requests", "4", "--connections", "1",
                       "--ids", "1000")

    assert report["errors"] == 0 and report["failures"] == []
    assert report["totalContacts"] == 0 and report["reads"]["totalContacts"] == 12
    assert report["reads"]["misses"] == 12
