"""The build's writer thread: batches written in order, a failed write raised in the build, an
interrupted build finishing the batch in progress and writing nothing after it."""

from __future__ import annotations

import threading
import time

import pytest
from yibao.ingest.build import BatchWriter


def test_batches_are_written_in_order_with_their_skips() -> None:
    written: list[tuple[list, list]] = []
    writer = BatchWriter(lambda batch, skips: written.append((batch, skips)))
    for i in range(5):
        writer.submit([f"report-{i}"], [(f"bad-{i}.txt", "unreadable")] if i % 2 else [])
    writer.close()
    assert [batch for batch, _ in written] == [[f"report-{i}"] for i in range(5)]
    assert [skips for _, skips in written][1] == [("bad-1.txt", "unreadable")]


def test_a_failed_write_stops_the_build_with_its_error() -> None:
    def write(batch: list, _skips: list) -> None:
        if batch == ["report-1"]:
            raise OSError("disk on fire")

    writer = BatchWriter(write)
    writer.submit(["report-0"], [])
    writer.submit(["report-1"], [])
    with pytest.raises(OSError, match="disk on fire"):
        for i in range(2, 10):  # raised at a later submit, or at the latest when closing
            time.sleep(0.01)
            writer.submit([f"report-{i}"], [])
        writer.close()


def test_abort_finishes_the_batch_being_written_and_drops_the_rest() -> None:
    started, release = threading.Event(), threading.Event()
    written: list[list] = []

    def write(batch: list, _skips: list) -> None:
        started.set()
        release.wait(5)
        written.append(batch)

    writer = BatchWriter(write)
    writer.submit(["report-0"], [])
    started.wait(5)
    writer.submit(["report-1"], [])  # queued behind the one being written
    threading.Timer(0.1, release.set).start()
    writer.abort()
    assert written == [["report-0"]]


def test_a_parallel_rebuild_of_an_indexed_store_never_hangs_its_workers(tmp_path) -> None:
    """Changed files re-extracted by two workers on a store that has a fact index, each build a new
    process: every file is loaded (a module imported by another thread while a worker was forked once
    left the worker waiting on the import lock until its time budget ran out)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    def build() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "yibao.cli.main", "build", str(reports), "--store", str(store),
                               "--jobs", "2", "--file-timeout", "40"], capture_output=True, text=True, timeout=300)

    reports = tmp_path / "reports"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data" / "reports", reports)
    store = tmp_path / "store"
    assert build().returncode == 0
    assert (store / "yibao-facts.duckdb").is_file()
    for round_ in range(2):
        for path in sorted(reports.glob("*.txt"))[:3]:
            path.write_text(path.read_text(encoding="utf-8") + "\n" * (round_ + 1), encoding="utf-8")
        result = build()
        assert result.returncode == 0, result.stdout + result.stderr
        assert "took longer" not in result.stdout + result.stderr and "3 of 5" in result.stdout
