"""Fact rows inserted into the index in small batches (SQL VALUES) and large ones (pandas) are the same rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from yibao.index import schema, sync
from yibao.index.rows import report_rows
from yibao.ingest.pipeline import process_file

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "data" / "reports").glob("*.txt"))


def _table(rows: list[tuple], values_rows: int, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    monkeypatch.setattr(sync, "_VALUES_ROWS", values_rows)
    con = duckdb.connect()
    schema.create(con)
    sync._insert_facts(con, rows)
    return con.execute("SELECT * FROM facts ORDER BY obs, quote, region, policy, qualifier").fetchall()


def test_small_and_large_inserts_store_the_same_rows(monkeypatch):
    rows = [row for path in SAMPLES for row in report_rows(process_file(path))]
    assert len(rows) > 300
    as_values = _table(rows, len(rows), monkeypatch)
    via_pandas = _table(rows, 0, monkeypatch)
    assert as_values == via_pandas
    assert len(as_values) == len(rows)
    values = {row[1]: row[schema.FACT_COLUMNS.index("value")] for row in rows}
    stored = {row[1]: row[schema.FACT_COLUMNS.index("value")] for row in as_values}
    assert stored == values  # exact decimals, whichever path


def test_small_and_large_node_inserts_store_the_same_rows(monkeypatch):
    """Policies, findings and report metadata: the same tables whichever way they are inserted."""
    from yibao.index.nodes import report_node_rows

    parts = [report_node_rows(process_file(path)) for path in SAMPLES]
    tables = {}
    for limit in (10**6, 0):
        monkeypatch.setattr(sync, "_VALUES_ROWS", limit)
        con = duckdb.connect()
        schema.create(con)
        sync._insert_nodes(con, parts)
        tables[limit] = {table: sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                         for table, _ in sync._NODE_TABLES}
    assert tables[10**6] == tables[0]
    assert tables[0]["policies"] and tables[0]["findings"]
