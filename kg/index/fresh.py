"""Opening the index for reading, only when it is current with the store's report registry."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from yibao.index import index_path, schema

if TYPE_CHECKING:
    import duckdb
    from yibao.qa.queries import BoundQuery


# a fact of region $r or of a region below it (the ancestors table holds the skos:broader* closure)
_IN_REGION = ("(f.region = $r OR EXISTS (SELECT 1 FROM ancestors a WHERE a.concept = f.region "
              "AND a.ancestor = $r))")


class FactIndex:
    """A current index, open read-only: answers the canned queries that have a SQL twin."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def answer(self, bound: BoundQuery) -> list[dict[str, Any]] | None:
        """The query's rows, or None (no twin, or any error: the caller runs SPARQL)."""
        from yibao.index.twins import answer

        try:
            return answer(self.con, bound)
        except Exception:  # noqa: BLE001 — the store answers instead
            return None

    def coverage(self, region: str | None) -> list[tuple[int, str, str]] | None:
        """(year, indicator IRI, fund IRI) of the figures for ``region`` (an IRI) and the regions below it,
        or anywhere; None on any error."""
        scoped = f"WHERE f.region IS NOT NULL AND {_IN_REGION}" if region else ""
        try:
            return self.con.execute(f"SELECT DISTINCT f.year, f.indicator, f.fund FROM facts f {scoped}",
                                    {"r": region} if region else {}).fetchall()
        except Exception:  # noqa: BLE001
            return None

    def latest_year(self, region: str | None) -> tuple[int | None] | None:
        """(the latest year of a figure with a region, in ``region`` or below it, or anywhere,); None on any error."""
        scoped = f"AND {_IN_REGION}" if region else ""
        try:
            return self.con.execute(f"SELECT max(f.year) FROM facts f WHERE f.region IS NOT NULL {scoped}",
                                    {"r": region} if region else {}).fetchone()
        except Exception:  # noqa: BLE001
            return None

    def data_regions(self) -> set[str] | None:
        """IRIs of the regions the report graphs name (a figure's, a report's, a finding's, a policy's
        participants), as `Context.data_regions` reads them; None on any error."""
        try:
            found = self.con.execute("SELECT DISTINCT region FROM facts WHERE region IS NOT NULL "
                                     "UNION SELECT DISTINCT region FROM node_regions").fetchall()
        except Exception:  # noqa: BLE001
            return None
        return {region for (region,) in found}

    def alliance_labels(self) -> set[str] | None:
        """The labels of the procurement alliances, as `Context.alliance_names` reads them; None on any error
        or when an alliance has several labels (the index holds one)."""
        try:
            found = self.con.execute("SELECT label, multi FROM policies WHERE alliance").fetchall()
        except Exception:  # noqa: BLE001
            return None
        if any(multi for _, multi in found):
            return None
        return {label for label, _ in found if label is not None}

    def close(self) -> None:
        self.con.close()


def open_current(store_path: Path | None) -> FactIndex | None:
    """The index of the store at ``store_path`` if it exists, opens read-only and is current, else None.

    Current: marked usable, and its reports (id, sha256, extractor version) are the registry's — the
    registry file's size and time as recorded at the last index write, else compared record by record.
    """
    if store_path is None:
        return None
    path = index_path(store_path)
    if not path.is_file():
        return None
    try:
        import duckdb

        con = duckdb.connect(str(path), read_only=True)
    except Exception:  # noqa: BLE001 — locked by a writer, damaged, no duckdb: SPARQL answers
        return None
    try:
        from yibao.index.sync import _matches, registry_stamp

        meta = schema.get_meta(con)
        if meta.get("state") == schema.OK and meta.get("schema") == schema.VERSION and (meta.get("registry") == registry_stamp(store_path)
                                              or _matches(con, store_path)):
            return FactIndex(con)
    except Exception:  # noqa: BLE001
        pass
    con.close()
    return None
