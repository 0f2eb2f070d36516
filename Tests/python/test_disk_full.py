"""A full disk (PROTOCOL.md section 8): the refused write gets 503 and changes nothing, reads
go on, writes get 503 while the disk is full and resume by themselves once there is space
again (no restart), and after a SIGKILL every acknowledged write is there.

Runs the data folder on a small tmpfs, so it needs root; skipped otherwise."""
import errno
import os
import socket
import subprocess
import time

import pytest

from daemon import KEY, Connection, Daemon


def upsert(ids, value, blob=""):
    return {"method": "contacts.upsert", "apiKey": KEY,
            "contacts": [{"id": i, "profile": {"$set": {"v": value, "blob": blob}}} for i in ids]}


def get(connection, contact_id):
    return connection.request({"method": "contacts.get", "apiKey": KEY, "id": contact_id})


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs")
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(path):
    """Writes a file until the file system is full."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 512, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError as error:
                    assert error.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)


def wait_for_status(notify, predicate, seconds=8):
    """The first STATUS= line sent to `notify` within `seconds` that `predicate` accepts, or None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        notify.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            message = notify.recv(4096).decode()
        except socket.timeout:
            return None
        for line in message.splitlines():
            if line.startswith("STATUS=") and predicate(line):
                return line
    return None


def test_full_disk_degrades_the_shard_and_heals_by_itself(tmp_path, small_disk, monkeypatch):
    """Fill the disk: 503 for writes, reads served, nothing refused applied, STATUS says
    degraded; free space: writes resume within a few seconds without a restart; SIGKILL and
    restart: every acked write is there."""
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify.sock"))
    daemon = Daemon(tmp_path, "--shards", "1", "--snapshot-interval", "3600")
    daemon.data = small_disk / "data"
    daemon.start()
    connection = Connection(daemon.socket_path)
    acked = {}
    blob = "x" * 4000
    for number in range(10):
        reply = connection.request(upsert([f"before-{number}"], number, blob))
        assert reply["statusCode"] == 200, reply
        acked[f"before-{number}"] = number

    filler = small_disk / "filler"
    fill(filler)
    refused = connection.request(upsert(["refused", "before-0"], -1, blob * 4))
    assert refused["statusCode"] == 503, refused
    assert "restart" not in refused["message"], refused
    read = get(connection, "before-0")
    assert read["statusCode"] == 200 and read["contact"]["profile"]["v"] == 0, read
    assert get(connection, "refused")["statusCode"] == 404
    count = connection.request({"method": "contacts.count", "apiKey": KEY})
    assert count["statusCode"] == 200 and count["count"] == 10, count
    small = connection.request(upsert(["small"], 1))
    assert small["statusCode"] == 503, small
    status = wait_for_status(notify, lambda line: "degraded" in line)
    assert status is not None, "no STATUS= line saying degraded within 8 s"

    os.unlink(filler)
    started = time.monotonic()
    while True:
        reply = connection.request(upsert(["after-0"], 100))
        if reply["statusCode"] == 200:
            acked["after-0"] = 100
            break
        assert reply["statusCode"] == 503, reply
        assert time.monotonic() - started < 5, "writes did not resume within 5 s"
        time.sleep(0.05)
    for number in range(1, 5):
        reply = connection.request(upsert([f"after-{number}"], 100 + number, blob))
        assert reply["statusCode"] == 200, reply
        acked[f"after-{number}"] = 100 + number
    assert wait_for_status(notify, lambda line: "degraded" not in line) is not None
    connection.close()

    daemon.kill()
    daemon.start()
    connection = Connection(daemon.socket_path)
    for contact_id, value in acked.items():
        reply = get(connection, contact_id)
        assert reply["statusCode"] == 200 and reply["contact"]["profile"]["v"] == value, (contact_id, reply)
    assert get(connection, "refused")["statusCode"] == 404
    assert get(connection, "small")["statusCode"] == 404
    connection.close()
    assert daemon.terminate() == 0
    notify.close()
