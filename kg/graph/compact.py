"""Rewrite a store into fresh, fully compressed tables and swap it in (`yibao compact`).

Builds add reports in batches; each batch's tables overlap the ones before, so RocksDB keeps them in
its upper, uncompressed levels until the store is large enough for its own compactions to reach the
compressed ones: a store of 1,000 synthetic reports takes 772 MB built in batches and 438 MB loaded at
once (pyoxigraph's `optimize()` does not merge them), while one of 10,000 is already compressed and a
copy is no smaller (a copy that does not save a tenth is dropped and the store left as it was). Compacting dumps every quad to
an N-Quads file beside the store, bulk-loads it into a new directory in one ingestion, checks that
the quad count is the same, copies the store's own files (the report registry) and swaps the
directories with two renames. The store's lock is held throughout, so no build writes meanwhile; a
crash leaves either the old store in place or both complete copies, which `recover_interrupted`
(called whenever a store is opened) puts back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from yibao.graph.store import StoreError, open_store, store_error

WORTH_IT = 0.9  # the copy replaces the store only if it saves at least a tenth of the disk
_ROCKSDB_FILES = ("CURRENT", "IDENTITY", "LOCK")  # plus *.sst, *.log, MANIFEST-*, OPTIONS-*, LOG*


@dataclass(frozen=True)
class CompactOutcome:
    """What a compaction did: quads kept, bytes on disk before and after, seconds taken."""

    quads: int
    bytes_before: int
    bytes_after: int
    seconds: float
    replaced: bool = True  # False: the copy was no smaller, so the store was left as it was


def _new_dir(path: Path) -> Path:
    return path.with_name(path.name + ".compacted")


def _old_dir(path: Path) -> Path:
    return path.with_name(path.name + ".precompact")


def directory_bytes(path: Path) -> int:
    """Total size of the files directly in ``path``."""
    return sum(p.stat().st_size for p in Path(path).iterdir() if p.is_file())


def _rocksdb_bytes(path: Path) -> int:
    """The size of RocksDB's files in ``path`` (not the registry or the fact index)."""
    own = set(_own_files(path))
    return sum(p.stat().st_size for p in Path(path).iterdir() if p.is_file() and p not in own)


def _own_files(path: Path) -> list[Path]:
    """The files yibao keeps in a store directory beside RocksDB's (the report registry)."""
    rocksdb = ("MANIFEST-", "OPTIONS-", "LOG")
    return sorted(p for p in path.iterdir() if p.is_file() and p.name not in _ROCKSDB_FILES
                  and not p.name.startswith(rocksdb) and p.suffix not in (".sst", ".log"))


def recover_interrupted(path: Path) -> str | None:
    """Finish or undo a compaction interrupted between its two renames; a line saying which, or None."""
    path, new, old = Path(path), _new_dir(Path(path)), _old_dir(Path(path))
    if path.exists() or not old.is_dir():
        return None
    if new.is_dir():
        new.rename(path)
        shutil.rmtree(old, ignore_errors=True)
        return f"completed an interrupted compaction of {path}"
    old.rename(path)
    return f"restored {path} after an interrupted compaction"


def compact(path: Path) -> CompactOutcome:
    """Rewrite the store at ``path`` by one bulk load and swap it in; raises StoreError on failure.

    Needs free disk for the N-Quads dump and the new store (about twice the compacted size).
    """
    import pyoxigraph as ox

    path = Path(path)
    began = time.perf_counter()
    new, old = _new_dir(path), _old_dir(path)
    dump = path.with_name(f".{path.name}.compact-{os.getpid()}.nq")
    for leftover in (new, old):
        if leftover.exists():
            raise StoreError(f"{leftover} exists (an earlier compaction?); remove it and run `yibao compact` again")
    db = open_store(path, create=False)  # the lock: no build writes while we copy
    try:
        db.flush()
        before = directory_bytes(path)
        quads = len(db)
        db.dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
        fresh = ox.Store(str(new))
        fresh.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
        fresh.flush()
        if len(fresh) != quads:
            raise StoreError(f"compacting {path}: {len(fresh):,} quads in the copy, {quads:,} in the store; "
                             "the store is unchanged")
        del fresh
        if directory_bytes(new) > _rocksdb_bytes(path) * WORTH_IT:  # RocksDB had already compressed it
            shutil.rmtree(new, ignore_errors=True)
            return CompactOutcome(quads, before, before, round(time.perf_counter() - began, 2), replaced=False)
        for own in _own_files(path):
            shutil.copy2(own, new / own.name)
    except StoreError:
        shutil.rmtree(new, ignore_errors=True)
        raise
    except (OSError, RuntimeError, ValueError, SyntaxError) as e:
        shutil.rmtree(new, ignore_errors=True)
        raise store_error(path, e, "compact") from e
    finally:
        with contextlib.suppress(OSError):
            dump.unlink()
    del db  # the lock is released here; the swap is two renames right after it
    closed = time.time()
    path.rename(old)
    new.rename(path)
    if _written_since(old, closed):  # a build opened the store in that instant: keep what it wrote
        path.rename(new)
        old.rename(path)
        shutil.rmtree(new, ignore_errors=True)
        raise StoreError(f"a build wrote to {path} while it was being compacted; the store is unchanged, "
                         "run `yibao compact` again when the build has finished")
    shutil.rmtree(old, ignore_errors=True)
    return CompactOutcome(quads, before, directory_bytes(path), round(time.perf_counter() - began, 2))


def _written_since(path: Path, moment: float) -> bool:
    """Whether a RocksDB table, log or manifest in ``path`` was written after ``moment``."""
    return any(p.stat().st_mtime > moment for p in path.iterdir()
               if p.suffix in (".sst", ".log") or p.name.startswith("MANIFEST-"))
