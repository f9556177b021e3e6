"""The index's tables: facts, policies, policy_roles, findings, report_meta, ancestors, execution_rates, reports and meta (its state and the registry stamp it matches)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

# one row per observation (a multi-valued property makes one row per combination, as SPARQL does)
FACT_COLUMNS = ("graph", "obs", "report", "region", "year", "period", "fund", "indicator", "basis", "statistic",
                "value_text", "value", "unit", "surface", "quote", "start", "end", "policy", "qualifier",
                "approximation")

DDL = """
CREATE TABLE IF NOT EXISTS facts (
    graph VARCHAR NOT NULL, obs VARCHAR NOT NULL, report VARCHAR NOT NULL, region VARCHAR,
    year BIGINT NOT NULL, period VARCHAR NOT NULL, fund VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
    basis VARCHAR NOT NULL, statistic VARCHAR NOT NULL,
    value_text VARCHAR NOT NULL,       -- the xsd:decimal's lexical form, as SPARQL returns it
    value DECIMAL(38, 18) NOT NULL,    -- the same number, exact (Oxigraph's decimals: 18 fraction digits)
    unit VARCHAR NOT NULL, surface VARCHAR NOT NULL, quote VARCHAR NOT NULL,
    start BIGINT NOT NULL, "end" BIGINT NOT NULL,
    policy VARCHAR, qualifier VARCHAR, approximation VARCHAR
);
-- policies, their participants, findings and report metadata (nodes.py): one row per node
CREATE TABLE IF NOT EXISTS policies (
    graph VARCHAR NOT NULL, policy VARCHAR NOT NULL, alliance BOOLEAN NOT NULL, mutual_aid_kind BOOLEAN NOT NULL,
    policy_type VARCHAR, label VARCHAR, status VARCHAR, status_name VARCHAR, start_year BIGINT, start_date VARCHAR,
    scope VARCHAR, renamed_to VARCHAR, report VARCHAR, report_year BIGINT, quote VARCHAR, start BIGINT,
    "end" BIGINT, multi BOOLEAN NOT NULL  -- a property with several values: the twins leave it to SPARQL
);
CREATE TABLE IF NOT EXISTS policy_roles (graph VARCHAR NOT NULL, policy VARCHAR NOT NULL, role VARCHAR NOT NULL,
                                         region VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS findings (
    graph VARCHAR NOT NULL, finding VARCHAR NOT NULL, kind_name VARCHAR, label VARCHAR, region VARCHAR,
    report VARCHAR, report_year BIGINT, quote VARCHAR, start BIGINT, "end" BIGINT, category VARCHAR,
    multi BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS report_meta (
    graph VARCHAR NOT NULL, report VARCHAR NOT NULL, title VARCHAR, source_file VARCHAR, sha256 VARCHAR,
    publisher VARCHAR, issued VARCHAR, year BIGINT, multi BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS node_regions (graph VARCHAR NOT NULL, region VARCHAR NOT NULL);  -- of those nodes
CREATE TABLE IF NOT EXISTS ancestors (concept VARCHAR NOT NULL, ancestor VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS execution_rates (indicator VARCHAR NOT NULL, executed VARCHAR NOT NULL);  -- yb:executionRateOf
CREATE TABLE IF NOT EXISTS reports (report_id VARCHAR PRIMARY KEY, sha256 VARCHAR NOT NULL, version VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
"""

NODE_TABLES = ("policies", "policy_roles", "findings", "report_meta", "node_regions")  # nodes.py's rows, by graph

# meta "state": ok (usable), writing (a store write is under way), broken (a write was interrupted, or
# a figure the index cannot hold exactly: `yibao index --rebuild` makes it anew)
OK, WRITING, BROKEN = "ok", "writing", "broken"
VERSION = "3"  # meta "schema": an index of another version is not used, nor updated, until rebuilt


def create(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def get_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def set_meta(con: duckdb.DuckDBPyConnection, **values: str) -> None:
    for key, value in sorted(values.items()):
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
