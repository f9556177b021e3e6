"""The code lists (funds, indicators, units, bases, statistics, report types, regions)
loaded from the ontology's Turtle files into plain Python objects.

Extraction and question answering recognise exactly the labels found here, so this is
the one place where the reports' vocabulary enters the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from yibao import resources
from yibao.graph.namespaces import CODE, SKOS, YB

CODE_FILES = ("codes.ttl", "regions.ttl")


@dataclass
class Concept:
    """One SKOS concept of a code list."""

    id: str
    scheme: str
    label_zh: str = ""
    label_en: str = ""
    alt_zh: list[str] = field(default_factory=list)
    broader: str | None = None
    unit: str | None = None  # indicators: base unit id
    default_basis: str | None = None  # indicators: basis when the text names none
    rate_of: str | None = None  # execution-rate indicators: the indicator executed
    level: str | None = None  # regions: country|province|prefecture|county|pooling_area
    default_indicator: str | None = None
    default_fund: str | None = None  # indicators defined for one fund only (缴费基数 → employee)
    scope: list[str] = field(default_factory=list)
    negative_zh: set[str] = field(default_factory=set)  # labels that state the value's opposite (赤字 → −)
    opening_zh: set[str] = field(default_factory=set)  # labels of the previous period's closing stock (期初结余)
    former_zh: set[str] = field(default_factory=set)  # funds: names of the scheme it replaced (新农合)
    per_person_of: str | None = None  # indicators: the total this is the per-person amount of
    policy_only: bool = False  # indicators: only a parameter/outcome of a policy or measure  # funds: the only indicators it can have, if limited  # funds: indicator of a bare figure (部门预算 → expenditure)

    @property
    def labels_zh(self) -> list[str]:
        """Preferred label first, then alternative labels (deduplicated, in order)."""
        return list(dict.fromkeys([self.label_zh, *self.alt_zh]))


@dataclass
class Vocabulary:
    """All code lists, by scheme name then id."""

    schemes: dict[str, dict[str, Concept]]

    def __getitem__(self, scheme: str) -> dict[str, Concept]:
        return self.schemes.get(scheme, {})

    @property
    def funds(self) -> dict[str, Concept]:
        return self["fund"]

    @property
    def indicators(self) -> dict[str, Concept]:
        return self["indicator"]

    @property
    def regions(self) -> dict[str, Concept]:
        return self["region"]

    def region_name(self, code: str) -> str:
        concept = self.regions.get(code)
        return concept.label_zh if concept else code

    def ancestors(self, region: str) -> list[str]:
        """The region's parents, nearest first."""
        out: list[str] = []
        current = self.regions.get(region)
        while current is not None and current.broader and current.broader not in out:
            out.append(current.broader)
            current = self.regions.get(current.broader)
        return out

    def top_fund(self, fund: str) -> str:
        """The fund itself, or the fund it is a component of."""
        concept = self.funds.get(fund)
        return concept.broader if concept is not None and concept.broader else fund


def _local(iri: str, prefix: str) -> str:
    return iri[len(prefix):] if iri.startswith(prefix) else iri


def _parse(paths: list[Path]) -> Vocabulary:
    import pyoxigraph as ox

    store = ox.Store()
    for path in paths:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    query = f"""
    PREFIX skos: <{SKOS}> PREFIX yb: <{YB}>
    SELECT ?c ?scheme ?p ?o WHERE {{
      ?c skos:inScheme ?scheme ; ?p ?o .
      FILTER(?p IN (skos:prefLabel, skos:altLabel, skos:broader, yb:unit, yb:defaultBasis,
                    yb:executionRateOf, yb:level, yb:defaultIndicator, yb:defaultFund, yb:scopeIndicator, yb:policyIndicator,
                    yb:negativeLabel, yb:openingLabel, yb:formerLabel, yb:perPersonOf))
    }}"""
    schemes: dict[str, dict[str, Concept]] = {}
    rows = sorted(
        ((str(r["c"].value), str(r["scheme"].value), str(r["p"].value), r["o"]) for r in store.query(query)),
        key=lambda row: (row[0], row[2], str(row[3])),
    )
    for c_iri, s_iri, p_iri, obj in rows:
        scheme = _local(s_iri, CODE)
        ident = c_iri.rsplit("/", 1)[-1]
        concept = schemes.setdefault(scheme, {}).setdefault(ident, Concept(ident, scheme))
        prop = p_iri.rsplit("#", 1)[-1]
        if isinstance(obj, ox.Literal):
            lang = obj.language or ""
            if prop == "prefLabel":
                if lang == "zh":
                    concept.label_zh = obj.value
                elif lang == "en":
                    concept.label_en = obj.value
            elif prop in ("altLabel", "negativeLabel", "openingLabel", "formerLabel") and lang == "zh":
                concept.alt_zh.append(obj.value)
                if prop == "negativeLabel":
                    concept.negative_zh.add(obj.value)
                elif prop == "openingLabel":
                    concept.opening_zh.add(obj.value)
                elif prop == "formerLabel":
                    concept.former_zh.add(obj.value)
            elif prop == "policyIndicator":
                concept.policy_only = obj.value == "true"
            continue
        target = str(obj.value).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if prop == "broader":
            concept.broader = target
        elif prop == "unit":
            concept.unit = target
        elif prop == "defaultBasis":
            concept.default_basis = target
        elif prop == "executionRateOf":
            concept.rate_of = target
        elif prop == "scopeIndicator":
            concept.scope.append(target)
        elif prop == "defaultFund":
            concept.default_fund = target
        elif prop == "perPersonOf":
            concept.per_person_of = target
        elif prop == "defaultIndicator":
            concept.default_indicator = target
        elif prop == "level":
            concept.level = {"PoolingArea": "pooling_area"}.get(target, target.lower())
    for concepts in schemes.values():
        for concept in concepts.values():
            concept.alt_zh = sorted(set(concept.alt_zh), key=lambda s: (-len(s), s))
    return Vocabulary(schemes)


@lru_cache(maxsize=4)
def load_vocabulary(ontology_dir: Path | None = None) -> Vocabulary:
    """Parse the code lists once per process."""
    ontology_dir = Path(ontology_dir or resources.ontology_dir())
    paths = [ontology_dir / name for name in CODE_FILES if (ontology_dir / name).exists()]
    return _parse(paths)
