"""`yibao compact`: the same graph in less disk, the registry kept, interrupted swaps put back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from yibao.graph.compact import compact, directory_bytes
from yibao.graph.store import StoreError, open_store, open_store_read_only

from tests.test_incremental import SAMPLES, build, outputs, yibao


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A store of the five samples, each added in its own build (so its tables overlap, as after growth)."""
    root = tmp_path_factory.mktemp("compact")
    store = root / "store"
    for i, sample in enumerate(sorted(SAMPLES.glob("*.txt"))):
        folder = root / f"in{i}"
        folder.mkdir()
        shutil.copy(sample, folder / sample.name)
        build(folder, store)
    return store


def test_compact_keeps_every_quad_and_every_record_in_less_disk(built: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(built, store)
    before_outputs = outputs(store)
    before_reports = yibao("reports", "--store", store, "-f", "json").stdout
    done = yibao("compact", "--store", store)
    assert done.returncode == 0, done.stderr
    assert "compacted" in done.stdout and "quads" in done.stdout
    assert outputs(store) == before_outputs
    assert yibao("reports", "--store", store, "-f", "json").stdout == before_reports
    assert directory_bytes(store) < directory_bytes(built)
    assert not list(tmp_path.glob("store.*")) and not list(tmp_path.glob(".store*"))  # nothing left behind
    again = build(built.parent / "in0", store)  # the registry came along: nothing is re-extracted
    assert "1 unchanged" in again, again


def test_compact_refuses_a_store_in_use(built: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(built, store)
    holder = open_store(store, create=False)
    try:
        with pytest.raises(StoreError, match="in use"):
            compact(store)
    finally:
        del holder
    assert not (tmp_path / "store.compacted").exists()
    assert len(open_store_read_only(store)) > 0


@pytest.mark.parametrize("stage", ["after-first-rename", "before-first-rename-only-old"])
def test_an_interrupted_swap_is_put_back_when_the_store_is_next_opened(built: Path, tmp_path: Path,
                                                                       stage: str) -> None:
    store = tmp_path / "store"
    shutil.copytree(built, store)
    quads = len(open_store_read_only(store))
    store.rename(tmp_path / "store.precompact")  # the crash came between the two renames
    if stage == "after-first-rename":
        shutil.copytree(tmp_path / "store.precompact", tmp_path / "store.compacted")
    db = open_store_read_only(store)
    assert len(db) == quads
    assert not (tmp_path / "store.precompact").exists() and not (tmp_path / "store.compacted").exists()
    assert isinstance(db, ox.Store)


def test_a_copy_saving_little_is_dropped_and_the_store_left_as_it_was(tmp_path: Path) -> None:
    store = tmp_path / "store"
    build(SAMPLES, store)
    compact(store)  # now as compact as a copy can be
    before = outputs(store)
    done = compact(store)
    assert not done.replaced and done.bytes_after == done.bytes_before
    assert outputs(store) == before
    assert not (tmp_path / "store.compacted").exists()
