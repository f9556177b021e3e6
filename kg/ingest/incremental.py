"""Incremental builds: which files need no extraction, and whether the ontology graph is current.

A file is unchanged when the registry records a report from the same path with the same sha256,
extracted by the same extractor version with the same stated region, year and period, and its graph
is in the store. The extractor version hashes ``pipeline.EXTRACTOR_VERSION``, the extraction
sources of ``yibao.ingest``, ``yibao.model`` and ``yibao.graph.rdf`` (what shapes a report's quads) and the
vocabulary (``ontology/*.ttl``), so any change to them re-extracts every file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from yibao.graph.registry import ReportRecord

# Modules of yibao.ingest that schedule and store extraction without changing what it yields.
ORCHESTRATION = frozenset({"build.py", "doctor.py", "incremental.py", "pool.py", "refresh.py", "worker.py"})


def file_sha256(path: Path) -> str | None:
    """The file's sha256 (None if it cannot be read: extraction will say why)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _digest_files(paths: Iterable[Path], digest: hashlib._Hash, root: Path | None = None) -> None:
    for path in paths:
        name = str(path.relative_to(root)) if root else path.name
        digest.update(name.encode("utf-8") + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"unreadable")
        digest.update(b"\0")


def ontology_digest(directory: Path | None = None) -> str:
    """sha256 of ontology/*.ttl (all of them, shapes included), by name and content."""
    if directory is None:
        from yibao import resources

        directory = resources.ontology_dir()
    digest = hashlib.sha256()
    _digest_files(sorted(Path(directory).glob("*.ttl")), digest)
    return digest.hexdigest()


def extractor_version() -> str:
    """A short hash that changes whenever extraction or the vocabulary it reads may have changed."""
    import yibao
    import yibao.graph.rdf as rdf
    import yibao.ingest
    import yibao.model as model
    from yibao.ingest import pipeline

    digest = hashlib.sha256(str(getattr(pipeline, "EXTRACTOR_VERSION", "")).encode("utf-8") + b"\0")
    ingest = Path(yibao.ingest.__file__).parent
    _digest_files(sorted(p for p in ingest.rglob("*.py") if p.name not in ORCHESTRATION), digest, ingest)
    package = Path(yibao.__file__).parent
    _digest_files([Path(model.__file__), Path(rdf.__file__)], digest, package)
    digest.update(ontology_digest().encode("ascii"))
    return digest.hexdigest()[:16]


def _version_sources() -> list[Path]:
    """The files ``extractor_version`` reads, found without importing the extraction modules."""
    import yibao
    from yibao import resources

    package = Path(yibao.__file__).parent
    ingest = package / "ingest"
    return (sorted(p for p in ingest.rglob("*.py") if p.name not in ORCHESTRATION)
            + [package / "model.py", package / "graph" / "rdf.py"]
            + sorted(Path(resources.ontology_dir()).glob("*.ttl")))


def cached_extractor_version() -> str:
    """``extractor_version()``, from the user cache while none of its files changed size or time
    (a stat of each file, not an import of the extraction modules and a hash of them: ~1 ms, not ~50)."""
    from yibao.cache import cache_dir, cache_enabled, cached, files_key

    if not cache_enabled():
        return extractor_version()
    key = files_key(_version_sources())
    return str(cached(cache_dir() / f"extractor-version-{key}.pickle", extractor_version))


def current_sha256(path: Path, record: ReportRecord | None, stamp: dict[str, int] | None = None) -> str | None:
    """The file's sha256: the recorded one when its size and modification time (``stamp``, if the
    caller has them; else a stat) are those recorded (as rsync and make judge a file unchanged), else
    read and hashed."""
    if record is not None and record.size is not None and record.mtime_ns is not None:
        if stamp is None:
            try:
                stat = path.stat()
            except OSError:
                return None
            stamp = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        if not stamp:
            return None
        if (stamp["size"], stamp["mtime_ns"]) == (record.size, record.mtime_ns):
            return record.sha256
    return file_sha256(path)


def by_source(records: dict[str, ReportRecord]) -> dict[str, ReportRecord]:
    """Records by the absolute path of their file."""
    return {r.source: r for r in sorted(records.values(), key=lambda r: r.id) if r.source}


def is_unchanged(record: ReportRecord | None, sha256: str | None, version: str, stated: object,
                 in_store: set[str]) -> bool:
    """Whether a file whose recorded report is ``record`` needs no extraction."""
    if record is None or sha256 is None or record.id not in in_store:
        return False
    wanted = (getattr(stated, "region", None), getattr(stated, "year", None), getattr(stated, "period", None))
    return (record.sha256 == sha256 and record.extractor == version
            and (record.region, record.year, record.period) == wanted)
