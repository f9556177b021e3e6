"""Re-read a store's reports that another extractor version made, from the files they were read from.

After an upgrade (or any change to extraction, the RDF form or the code lists) the graphs already in a
store were made by the old reading, and queries written for the new form may find nothing in them.
The query commands call ``refresh_stale`` first, so that an answer never comes silently from an
outdated reading: each stale report whose file is still where it was read from is built again, with
the region, year and period stated for it then; the others stay as they are (the answer says so).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from yibao.graph.registry import ReportRecord, read_extractor_versions, read_registry

if TYPE_CHECKING:
    from yibao.api import KnowledgeGraph

REFRESH_ENV = "YIBAO_REFRESH"  # the most reports a query command re-reads by itself; 0: none
DEFAULT_REFRESH_LIMIT = 200  # about 15 s on two cores; a larger store is left to `yibao build`


@dataclass
class RefreshOutcome:
    """What ``refresh_stale`` did: the reports read again, and the stale ones it could not read."""

    refreshed: list[str] = field(default_factory=list)  # report ids
    left_stale: list[str] = field(default_factory=list)  # report ids whose file is gone, or that failed
    reason: str = ""  # why nothing was refreshed (e.g. the store is in use), when that is the case


def refresh_limit() -> int:
    """The most stale reports a query command re-reads before answering (``$YIBAO_REFRESH``, else
    ``DEFAULT_REFRESH_LIMIT``; 0, off or no: none)."""
    value = os.environ.get(REFRESH_ENV, "").strip().lower()
    if value in ("0", "false", "no", "off"):
        return 0
    return int(value) if value.isdigit() else DEFAULT_REFRESH_LIMIT


def stale_records(store_path: Path) -> list[ReportRecord]:
    """The store's reports made by another extractor version than this one, by id ([] when none,
    or when the store has no registry). Costs a read of the registry's first line when none is stale."""
    from yibao.ingest.incremental import cached_extractor_version

    versions = read_extractor_versions(store_path)
    current = cached_extractor_version()
    if not versions or versions == {current}:
        return []
    return [r for _, r in sorted(read_registry(store_path).items()) if r.extractor != current]


def refresh_stale(graph: KnowledgeGraph, on_start: Callable[[int, int], None] | None = None,
                  jobs: int = 0, limit: int | None = None) -> RefreshOutcome:
    """Build again, in ``graph``'s store, every stale report whose file still exists
    (``on_start(to_read, stale)`` is called first when there is work), unless they are more than
    ``limit``. A read-only ``graph`` not yet opened is written through a second handle; a store in use
    by another writer is left as it is."""
    from yibao.api import KnowledgeGraph
    from yibao.graph.store import StoreError
    from yibao.ingest.build import BuildError

    store_path = graph.path
    outcome = RefreshOutcome()
    stale = stale_records(store_path)
    if not stale:
        return outcome
    readable = [r for r in stale if r.source and Path(r.source).is_file()]
    found = {r.id for r in readable}
    outcome.left_stale = [r.id for r in stale if r.id not in found]
    if not readable:
        outcome.reason = "files moved"
        return outcome
    if limit is not None and len(readable) > limit:
        outcome.left_stale = [r.id for r in stale]
        outcome.reason = f"{len(readable)} reports to read again (more than {limit}): run `yibao build`"
        return outcome
    if on_start is not None:
        on_start(len(readable), len(stale))
    groups: dict[tuple[str | None, int | None, str | None], list[ReportRecord]] = {}
    for record in readable:
        groups.setdefault((record.region, record.year, record.period), []).append(record)
    writer = KnowledgeGraph(store_path) if graph.read_only else graph
    try:
        for (region, year, period), records in groups.items():
            writer.build([Path(r.source) for r in records], region=region, year=year, period=period,
                         jobs=jobs)
    except (StoreError, BuildError) as e:
        outcome.reason = str(e)
    finally:
        if writer is not graph:
            writer.close()
    still = {r.id for r in stale_records(store_path)}
    outcome.refreshed = [r.id for r in readable if r.id not in still]
    outcome.left_stale = sorted(still)
    return outcome
