"""Starts the real contactd binary for black-box tests and talks to it over its socket."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONTACTD = ROOT / ".build" / "debug" / "contactd"
KEY = "crash-test-key"


class Daemon:
    """One contactd process on a temporary socket and data folder; restartable on the same data."""

    def __init__(self, workdir, *extra_args):
        assert CONTACTD.exists(), f"{CONTACTD} is missing: run `swift build --build-tests` first"
        self.workdir = pathlib.Path(workdir)
        self.socket_path = str(self.workdir / "contactd.sock")
        self.data = self.workdir / "data"
        self.keys = self.workdir / "keys.json"
        self.keys.write_text(json.dumps({KEY: "crash"}))
        self.extra_args = list(extra_args)
        self.process = None
        self.stderr_path = self.workdir / "stderr.log"

    def start(self):
        log = open(self.stderr_path, "ab")
        self.process = subprocess.Popen(
            [str(CONTACTD), "--socket", self.socket_path, "--data", str(self.data),
             "--keys", str(self.keys), *self.extra_args],
            stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"contactd exited with {self.process.returncode}: "
                                     + self.stderr_path.read_text()[-2000:])
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                    probe.connect(self.socket_path)
                    return
            except OSError:
                time.sleep(0.02)
        raise AssertionError("contactd did not start within 30 s")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def terminate(self):
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


class Connection:
    """A blocking line-oriented client connection."""

    def __init__(self, path, timeout=10):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buffer = b""

    def request(self, obj):
        self.sock.sendall(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
        return json.loads(self.read_line())

    def read_line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def close(self):
        self.sock.close()
