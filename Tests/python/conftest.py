"""Shared fixtures of the Python tests (run by `make test-python`).

Nothing here skips: a missing binary is a test failure that says how to build it, because a
differential test that silently does not run proves nothing; a binary older than its sources
gets a warning.
"""
import json
import os
import subprocess
import warnings
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
HARNESS_SOURCES = ("Sources/ContactCore", "Tests/Tools/update-harness")


def _newest_source(root):
    newest = 0.0
    for folder in HARNESS_SOURCES:
        for path in (root / folder).rglob("*.swift"):
            newest = max(newest, path.stat().st_mtime)
    return newest


@pytest.fixture(scope="session")
def package_root():
    """The Swift package's root (the folder holding Package.swift)."""
    assert (PACKAGE_ROOT / "Package.swift").is_file(), f"no Package.swift in {PACKAGE_ROOT}"
    return PACKAGE_ROOT


@pytest.fixture(scope="session")
def harness_path(package_root):
    """`.build/debug/update-harness` (or $UPDATE_HARNESS); fails when missing."""
    override = os.environ.get("UPDATE_HARNESS")
    path = Path(override) if override else package_root / ".build" / "debug" / "update-harness"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{path} is missing: run `swift build --product update-harness` "
                    f"(or `make build`) first", pytrace=False)
    if not override and path.stat().st_mtime < _newest_source(package_root):
        # Only a warning: SwiftPM does not relink when a source is merely touched, so an older
        # binary is not proof of a stale one (`make test` builds before it tests).
        warnings.warn(f"{path} is older than a source of Sources/ContactCore or of the harness: "
                      f"if the tests disagree with the code, run `swift build --product update-harness`")
    return path


@pytest.fixture(scope="session")
def run_harness(harness_path):
    """Runs a batch of inputs through ONE update-harness process; returns its answers in order.

    Each input is a dict {"profile", "update", "insert", "externalId"}; each answer is
    {"ok": True, "profile": {...}} or {"ok": False, "error": "..."}. A harness that crashes,
    answers a different number of lines or reports a malformed input fails the test.
    """
    def run(inputs):
        text = "".join(json.dumps(item, ensure_ascii=True) + "\n" for item in inputs)
        completed = subprocess.run([str(harness_path)], input=text.encode(), capture_output=True,
                                   timeout=300, check=False)
        assert completed.returncode == 0, (
            f"update-harness exited with {completed.returncode}: {completed.stderr.decode(errors='replace')}")
        lines = completed.stdout.decode().splitlines()
        assert len(lines) == len(inputs), f"update-harness answered {len(lines)} lines for {len(inputs)} inputs"
        answers = [json.loads(line) for line in lines]
        broken = [(item, answer) for item, answer in zip(inputs, answers) if "harnessError" in answer]
        assert not broken, f"update-harness rejected inputs: {broken[:3]}"
        return answers

    return run
