"""Parallel and incremental builds: `--jobs 2` gives what `--jobs 1` gives; an unchanged file is skipped.

The five sample reports and three edited copies (eight files), real pipeline, no SHACL (it is not
what is tested here and it dominates the time).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from yibao import resources

SAMPLES = resources.sample_reports_dir()
ENV = {k: v for k, v in os.environ.items() if k != "YIBAO_STORE"}


def yibao(*args: object) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "yibao.cli.main", *map(str, args)], env=ENV,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def build(reports: Path, store: Path, *extra: object) -> str:
    done = yibao("build", reports, "--store", store, "--no-validate", *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def outputs(store: Path) -> tuple[str, str]:
    """`yibao facts --format csv` and `yibao export --format nquads` of the store."""
    facts, export = yibao("facts", "--store", store, "-f", "csv"), yibao("export", "--store", store, "-f", "nquads")
    assert facts.returncode == 0 and export.returncode == 0, facts.stderr + export.stderr
    return facts.stdout, export.stdout


def registry(store: Path) -> dict:
    return json.loads((store / "yibao-reports.json").read_text(encoding="utf-8"))["reports"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    for path in sorted(SAMPLES.glob("*.txt")):
        shutil.copy(path, folder / path.name)
    for i, path in enumerate(sorted(SAMPLES.glob("*.txt"))[:3]):
        (folder / f"copy-{i}-{path.name}").write_text(path.read_text(encoding="utf-8") + f"\n附{i}。",
                                                      encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def serial(tmp_path_factory, reports) -> Path:
    store = tmp_path_factory.mktemp("serial") / "store"
    build(reports, store, "--jobs", "1")
    return store


def test_parallel_and_serial_builds_give_the_same_facts_and_export(tmp_path, reports, serial):
    parallel = tmp_path / "store"
    build(reports, parallel, "--jobs", "2")
    facts, export = outputs(parallel)
    assert facts.count("\n") > 500
    assert (facts, export) == outputs(serial)
    assert set(registry(parallel)) == set(registry(serial))


def test_an_unchanged_rebuild_skips_every_file_and_changes_nothing(reports, serial):
    before, records = outputs(serial), registry(serial)
    output = build(reports, serial, "--jobs", "2")
    assert "8 unchanged, skipped" in output
    assert "0 of 8" in output
    assert outputs(serial) == before
    assert registry(serial) == records  # same load times: nothing was written


def test_a_changed_file_replaces_its_graph_and_force_extracts_all(tmp_path, reports):
    folder, store = tmp_path / "reports", tmp_path / "store"
    shutil.copytree(reports, folder)
    build(folder, store)
    changed = folder / "copy-0-changji-2021-fund-expenditure-evaluation.txt"
    text = changed.read_text(encoding="utf-8")
    sha = registry(store)[changed.stem]["sha256"]
    changed.write_text(text.replace("2021年", "2020年"), encoding="utf-8")
    output = build(folder, store)
    assert "1 of 8" in output and "7 unchanged, skipped" in output
    assert registry(store)[changed.stem]["sha256"] != sha
    facts, _ = outputs(store)
    rows = [line for line in facts.splitlines() if changed.stem in line]
    assert rows and all(",2021," not in row for row in rows) and any(",2020," in row for row in rows)
    output = build(folder, store, "--force")
    assert "8 of 8" in output and "unchanged" not in output


def test_a_moved_checkout_refreshes_reports_made_by_an_older_extractor(tmp_path, monkeypatch):
    """The same files in another folder: not loaded twice while the store is current, but a report made
    by an older extractor version is re-extracted from them (a store must not keep stale graphs)."""
    monkeypatch.setitem(ENV, "YIBAO_REFRESH", "0")  # the build does it here, not the query commands
    first, second, store = tmp_path / "a", tmp_path / "b", tmp_path / "store"
    shutil.copytree(SAMPLES, first)
    shutil.copytree(SAMPLES, second)
    build(first, store)
    assert "not loaded twice" in build(second, store)
    registry = store / "yibao-reports.json"
    data = json.loads(registry.read_text(encoding="utf-8"))
    for record in data["reports"].values():
        record["extractor"] = "an-older-version"
    registry.write_text(json.dumps(data), encoding="utf-8")
    before = outputs(store)
    out = build(second, store)
    assert "not loaded twice" not in out and "5 of 5" in out, out
    assert outputs(store) == before  # the same reports, ids and facts, now made by this extractor
    sources = {r["source"] for r in json.loads(registry.read_text(encoding="utf-8"))["reports"].values()}
    assert sources == {str(p.resolve()) for p in second.glob("*.txt")}
