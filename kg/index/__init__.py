"""A columnar side index of the store's facts (DuckDB), kept in step with the store by the build.

The RDF store stays the source of truth: the index (``<store>/yibao-facts.duckdb``) holds one row per
observation, the ``skos:broader*`` closure of the ontology and the (id, sha256, extractor version) of
each report it was made from. A canned query with a SQL twin is answered from it only when it is
current (its reports equal the store's registry); otherwise, and on any error, SPARQL answers.
"""

from __future__ import annotations

from pathlib import Path

INDEX_FILE = "yibao-facts.duckdb"
# canned queries with a SQL twin (twins.py; budget.py; policies.py; arrival.py)
TWIN_QUERIES = ("alliance", "budget_execution", "deficits", "findings", "mutual_aid", "policy_adopters",
                "provenance", "ranking", "series", "subsidy_arrival", "threshold", "value")


def index_path(store_path: Path) -> Path:
    """Where the index of the store at ``store_path`` lives."""
    return Path(store_path) / INDEX_FILE
