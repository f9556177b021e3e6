"""The store and vocabulary a question is answered against, with the look-ups it needs (cached)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from yibao.graph import namespaces as ns
from yibao.qa.lexicon import QALexicon, load_qa_lexicon

if TYPE_CHECKING:
    import pyoxigraph as ox
    from yibao.graph.vocab import Vocabulary
    from yibao.index.fresh import FactIndex

_DATA_REGIONS_QUERY = f"""
SELECT DISTINCT ?r WHERE {{
  GRAPH ?g {{ ?s <{ns.YB}region>|<{ns.YB}adopter>|<{ns.YB}member>|<{ns.YB}leadRegion> ?r }}
  FILTER(?g != <{ns.ONTOLOGY_GRAPH}>)
}}"""


_ALLIANCE_NAMES_QUERY = f"""
SELECT DISTINCT ?label WHERE {{ GRAPH ?g {{ ?p a <{ns.YB}ProcurementAlliance> ; <{ns.RDFS}label> ?label }} }}"""


_LATEST_YEAR_QUERY = f"""
SELECT (MAX(?y) AS ?latest) WHERE {{ GRAPH ?g {{ ?o <{ns.YB}refYear> ?y ; <{ns.YB}region> ?r }} }}"""


_COVERAGE_QUERY = f"""
SELECT DISTINCT ?y ?i ?f ?scope WHERE {{
  GRAPH ?g {{ ?o <{ns.YB}refYear> ?y ; <{ns.YB}indicator> ?i ; <{ns.YB}fund> ?f ; <{ns.YB}region> ?r }}
  FILTER EXISTS {{ GRAPH <{ns.ONTOLOGY_GRAPH}> {{ ?r <{ns.SKOS}broader>* ?scope }} }}
}}"""
_COVERAGE_ANY_QUERY = f"""
SELECT DISTINCT ?y ?i ?f WHERE {{ GRAPH ?g {{ ?o <{ns.YB}refYear> ?y ; <{ns.YB}indicator> ?i ; <{ns.YB}fund> ?f }} }}"""
_LATEST_YEAR_IN_QUERY = f"""
SELECT ?scope (MAX(?y) AS ?latest) WHERE {{
  GRAPH ?g {{ ?o <{ns.YB}refYear> ?y ; <{ns.YB}region> ?r }}
  FILTER EXISTS {{ GRAPH <{ns.ONTOLOGY_GRAPH}> {{ ?r <{ns.SKOS}broader>* ?scope }} }}
}} GROUP BY ?scope"""


class Context:
    """The store and vocabulary a question is answered against."""

    def __init__(self, store: ox.Store, lexicon: QALexicon | None = None, path: Path | None = None) -> None:
        self.store = store
        self.path = path  # the local store's folder (None: a remote endpoint, or not known): its fact index
        self._index: FactIndex | None | bool = False
        self.lexicon = lexicon or load_qa_lexicon()
        self.vocab: Vocabulary = self.lexicon.vocab
        self._data_regions: set[str] | None = None
        self._alliances: list[str] | None = None
        self._coverage: dict[str, set[tuple[int, str, str]]] = {}

    @property
    def fact_index(self) -> FactIndex | None:
        """The store's fact index when it is current (opened once), else None: SPARQL answers."""
        if self._index is False:
            from yibao.index.fresh import open_current

            self._index = open_current(self.path)
        return self._index  # type: ignore[return-value]

    def data_regions(self) -> set[str]:
        """Regions the reports hold figures or policies for, and every region above them."""
        if self._data_regions is None:
            indexed = self.fact_index.data_regions() if self.fact_index else None
            if indexed is not None:
                found = {local(iri) for iri in indexed}
            else:
                found = {local(s["r"].value) for s in self.store.query(_DATA_REGIONS_QUERY)}
            closure = set(found)
            for code in found:
                closure.update(self.vocab.ancestors(code))
            self._data_regions = closure
        return self._data_regions

    def alliance_names(self) -> list[str]:
        """Names (rdfs:label) of the procurement alliances in the graph, longest first."""
        if self._alliances is None:
            indexed = self.fact_index.alliance_labels() if self.fact_index else None
            labels = indexed if indexed is not None else {s["label"].value for s in self.store.query(_ALLIANCE_NAMES_QUERY)}
            self._alliances = sorted(labels, key=lambda n: (-len(n), n))
        return self._alliances

    def coverage(self, region: str | None, year: int | None = None) -> tuple[list[int], set[tuple[str, str]]]:
        """(years, (indicator, fund) pairs) the graph states for `region` and the regions below it (or
        anywhere); the pairs of ``year`` only when it is given."""
        triples = self.coverage_by_year(region)
        years = sorted({y for y, _, _ in triples})
        return years, {(i, f) for y, i, f in triples if year is None or y == year}

    def coverage_by_year(self, region: str | None) -> set[tuple[int, str, str]]:
        """(year, indicator, fund) of the figures for `region` and the regions below it (or anywhere)."""
        import pyoxigraph as ox

        key = region or ""
        if key in self._coverage:
            return self._coverage[key]
        indexed = self.fact_index.coverage(ns.code("region", region) if region else None) if self.fact_index else None
        if indexed is not None:
            found = {(int(y), local(i) or "", local(f) or "") for y, i, f in indexed}
        else:
            substitutions = {ox.Variable("scope"): ox.NamedNode(ns.code("region", region))} if region else {}
            found = {(int(row["y"].value), local(row["i"].value) or "", local(row["f"].value) or "")
                     for row in self.store.query(_COVERAGE_QUERY if region else _COVERAGE_ANY_QUERY,
                                                 substitutions=substitutions)}
        self._coverage[key] = found
        return found

    def latest_year(self, region: str | None) -> int | None:
        import pyoxigraph as ox

        indexed = self.fact_index.latest_year(ns.code("region", region) if region else None) \
            if self.fact_index else None
        if indexed is not None:
            return None if indexed[0] is None else int(indexed[0])
        if region:
            rows = self.store.query(_LATEST_YEAR_IN_QUERY,
                                    substitutions={ox.Variable("scope"): ox.NamedNode(ns.code("region", region))})
        else:
            rows = self.store.query(_LATEST_YEAR_QUERY)
        for row in rows:
            if row["latest"] is not None:
                return int(row["latest"].value)
        return None


def local(iri: str | None) -> str | None:
    if iri is None:
        return None
    if iri.startswith(ns.REPORT):
        return ns.report_id_of(iri)
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]

