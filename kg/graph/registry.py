"""What the store cannot say about its reports: where each came from and when it was loaded.

A small JSON file inside the store folder (``yibao-reports.json``; RocksDB ignores files it did not
write) records, per report id, the file's absolute path, its name (the report's label), sha256, load
time, observation count, warnings and what was stated for it (region, year, period). It lets a build
tell a re-ingested file (same path: replace) from a different file of the same name (a conflict), and
`yibao doctor --repair` rebuild a damaged store from the recorded paths. It is rewritten atomically
(temporary file + rename); a missing or unreadable record is an empty one (the graph still holds each
report's file name and sha256).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REGISTRY_FILE = "yibao-reports.json"


@dataclass
class ReportRecord:
    id: str
    label: str  # the file name
    source: str  # absolute path of the file when it was loaded
    sha256: str
    loaded_at: str  # ISO 8601, UTC
    observations: int = 0
    warnings: list[str] = field(default_factory=list)
    region: str | None = None  # what was stated for it (--region, --year, --period, a manifest)
    year: int | None = None
    period: str | None = None
    extractor: str = ""  # the extractor version that made it (an incremental build compares it)
    triples: int = 0  # quads in its graph (0: not recorded)
    size: int | None = None  # the file's size and modification time when it was read: an unchanged
    mtime_ns: int | None = None  # pair lets a re-build trust ``sha256`` without reading the file again


@dataclass
class BuildState:
    """What a build records about the store as a whole: the ontology graph's source hash and size."""

    ontology_sha256: str = ""
    ontology_triples: int = 0


def registry_path(store_path: Path) -> Path:
    return Path(store_path) / REGISTRY_FILE


def read_registry(store_path: Path) -> dict[str, ReportRecord]:
    """The records of the store at ``store_path`` by report id ({} when there are none or they are unreadable)."""
    path = registry_path(store_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        fields = set(ReportRecord.__dataclass_fields__)
        return {rid: ReportRecord(**{k: v for k, v in rec.items() if k in fields})
                for rid, rec in data.get("reports", {}).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def _read_head(store_path: Path) -> dict[str, Any] | None:
    """The registry's first line (version, extractors, state) as a dict; None when the file is missing or
    was written before the first line held them (then the whole file must be read)."""
    try:
        with open(registry_path(store_path), encoding="utf-8") as f:
            first = f.readline().rstrip().rstrip(",")
        head = json.loads(first + "}")
    except (OSError, ValueError):
        return None
    return head if isinstance(head, dict) and isinstance(head.get("extractors"), list) else None


def read_state(store_path: Path) -> BuildState:
    """The build state of the store at ``store_path`` (empty when there is none or it is unreadable)."""
    try:
        head = _read_head(store_path)
        if head is None:
            head = json.loads(registry_path(store_path).read_text(encoding="utf-8"))
        data = head.get("state", {})
        return BuildState(str(data.get("ontology_sha256", "")), int(data.get("ontology_triples", 0)))
    except (OSError, ValueError, TypeError, AttributeError):
        return BuildState()


def write_registry(store_path: Path, records: dict[str, ReportRecord], state: BuildState | None = None) -> None:
    """Replace the record file atomically (keeping the recorded build state unless ``state`` is given).
    Raises OSError (e.g. no space left)."""
    path = registry_path(store_path)
    tmp = path.with_name(f".{REGISTRY_FILE}.{os.getpid()}.tmp")
    state = state if state is not None else read_state(store_path)
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(_registry_text(records, state))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def _registry_text(records: dict[str, ReportRecord], state: BuildState) -> str:
    """The registry as JSON, one report per line, sorted by id.

    Each record is encoded on its own by the C encoder (``json.dump`` with ``indent`` falls back to the
    pure-Python one, and ``asdict`` deep-copies every field: together most of a 10,000-report rewrite).
    """
    dumps = json.dumps
    lines = [f" {dumps(rid, ensure_ascii=False)}: {dumps(vars(rec), ensure_ascii=False)}"
             for rid, rec in sorted(records.items())]
    body = ",\n".join(lines)
    extractors = sorted({rec.extractor for rec in records.values()})
    return (f'{{"version": 1, "extractors": {dumps(extractors)}, "state": {dumps(asdict(state), ensure_ascii=False)},'
            f'\n"reports": {{\n{body}\n}}}}\n')


def read_extractor_versions(store_path: Path) -> set[str] | None:
    """The extractor versions that made the store's reports (None: no registry), read from the
    registry's first line when it lists them, else from every record."""
    head = _read_head(store_path)
    if head is not None:
        return {str(v) for v in head["extractors"]}
    path = registry_path(store_path)
    if not path.is_file():
        return None
    return {rec.extractor for rec in read_registry(store_path).values()}
