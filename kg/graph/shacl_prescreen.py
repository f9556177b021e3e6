"""A quick, conservative pass over a report's quads before the SHACL checks are run by SPARQL.

`Prescreen.screen(quads)` evaluates the compiled checks (`yibao.graph.shacl_sparql.Check`) and the
duplicate-observation search in Python, over an index of the quads. It gives the SPARQL checks' lines
only when it can tell them exactly: none at all (``clean``), or only warnings (or infos) of counts —
a report without a title or without a region named — with their one-line messages. Anything else —
a violation, a duplicate, a warning about a value, a term it cannot compare exactly as SPARQL would,
a focus node the ontology also describes, a graph other than a named one, lines of several graphs —
gives None, and the caller runs the SPARQL checks, which alone say what is broken and how. So it never
changes a verdict or a message: it only spares the scratch store and the eleven queries (≈ 25 ms a
report) for the reports whose outcome it can tell, which is nearly all of them.

A constraint kind it does not evaluate (``sh:in``, qualified counts, inverse paths, node targets…)
makes `Prescreen.build` return None: the SPARQL checks then run for every report, as before.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from yibao.graph import namespaces as ns

if TYPE_CHECKING:
    import pyoxigraph as ox
    from yibao.graph.shacl_sparql import Check

RDF_TYPE = ns.RDF + "type"
_XSD_STRING = ns.XSD + "string"
_NUMERIC = (ns.XSD + "integer", ns.XSD + "decimal")
# The lexical forms `shacl_sparql` asks of these datatypes (fullmatch: no newline slips past "$").
_LEXICAL = {
    ns.XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    ns.XSD + "decimal": re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"),
    ns.XSD + "date": re.compile(r"-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?"),
    ns.XSD + "boolean": re.compile(r"true|false|1|0"),
}
_SUPPORTED = {"MinCountConstraintComponent", "MaxCountConstraintComponent", "ClassConstraintComponent",
              "DatatypeConstraintComponent", "NodeKindConstraintComponent", "PatternConstraintComponent",
              "MinLengthConstraintComponent", "MaxLengthConstraintComponent", "MinInclusiveConstraintComponent",
              "MaxInclusiveConstraintComponent", "MinExclusiveConstraintComponent",
              "MaxExclusiveConstraintComponent", "LessThanConstraintComponent",
              "LessThanOrEqualsConstraintComponent", "HasValueConstraintComponent"}
_HOLDS = {  # value op bound, for the comparison components
    "MinInclusiveConstraintComponent": lambda v, b: v >= b, "MaxInclusiveConstraintComponent": lambda v, b: v <= b,
    "MinExclusiveConstraintComponent": lambda v, b: v > b, "MaxExclusiveConstraintComponent": lambda v, b: v < b,
    "LessThanConstraintComponent": lambda v, w: v < w, "LessThanOrEqualsConstraintComponent": lambda v, w: v <= w,
}
# The properties the duplicate search groups observations by (`yibao.graph.validate.DUPLICATES_QUERY`).
_DUPLICATE_KEY = tuple(ns.YB + p for p in ("refPeriod", "fund", "indicator", "basis", "statistic", "quote",
                                           "quoteStart", "region", "policy", "qualifier"))
_DUPLICATE_REQUIRED = 7  # the first seven (and prov:wasDerivedFrom) must be there for a row
_DERIVED = ns.PROV + "wasDerivedFrom"

Index = dict  # subject → predicate IRI → set of objects


class _Unsure(Exception):
    """Raised inside the pass when only the SPARQL checks can tell."""


@dataclass(frozen=True)
class _Rule:
    """A node shape's checks on one path: the count bounds they set together, then its other checks."""

    path: str
    low: int  # the largest sh:minCount of severity Violation (0: none)
    high: int | None  # the smallest sh:maxCount of severity Violation
    soft_counts: tuple[Check, ...]  # count checks of severity Warning or Info: each gives its own line
    focus_checks: tuple[Check, ...]  # about the focus node (sh:hasValue)
    value_checks: tuple[tuple[int, Check], ...]  # (position in the checks, check) about each value
    value_tests: tuple[tuple[int, Callable, bool], ...] = ()  # (position, test, of the value alone?)


@dataclass
class _Shape:
    """One node shape's targets and rules."""

    classes: frozenset[str]
    subjects_of: tuple[str, ...]
    rules: tuple[_Rule, ...]


def _rules(checks: list[tuple[int, Check]]) -> tuple[_Rule, ...]:
    by_path: dict[str, list[tuple[int, Check]]] = {}
    for position, check in checks:
        by_path.setdefault(check.path, []).append((position, check))
    rules = []
    for path, group in by_path.items():
        counts = [c for _, c in group if c.is_count and c.severity == "Violation"]
        highs = [c.high for c in counts if c.high is not None]
        rules.append(_Rule(path, max([c.low for c in counts if c.low is not None], default=0),
                           min(highs) if highs else None,
                           tuple(c for _, c in group if c.is_count and c.severity != "Violation"),
                           tuple(c for _, c in group if c.component == "HasValueConstraintComponent"),
                           tuple((i, c) for i, c in group
                                 if not c.is_count and c.component != "HasValueConstraintComponent")))
    return tuple(rules)


def _number(term: object) -> Decimal:
    """The value of an xsd:integer or xsd:decimal literal of valid lexical form; _Unsure otherwise."""
    import pyoxigraph as ox

    if not isinstance(term, ox.Literal) or term.datatype.value not in _NUMERIC:
        raise _Unsure
    text = term.value
    if not _LEXICAL[term.datatype.value].fullmatch(text):
        raise _Unsure
    try:
        return Decimal(text)
    except InvalidOperation as e:
        raise _Unsure from e


class Prescreen:
    """The compiled checks evaluated in Python, over the ontology's types (see the module docstring)."""

    def __init__(self, shapes: list[_Shape], ontology_types: dict[object, frozenset[str]],
                 ontology_subjects: frozenset[object], ontology_graph: str, matches: object) -> None:
        self.shapes = shapes
        self.ontology_types = ontology_types
        self.ontology_subjects = ontology_subjects
        self.ontology_graph = ontology_graph
        self._matches = matches  # (regex, flags, text) → bool, as SPARQL's REGEX says
        self._regex_cache: dict[tuple[str, str, str], bool] = {}
        self._iri_cache: dict[tuple[int, object], bool] = {}  # value checks of IRIs the report does not describe

    @classmethod
    def build(cls, checks: Sequence[Check], store: ox.Store, ontology_graph: str) -> Prescreen | None:
        """A prescreen for ``checks`` with the ontology graph of ``store`` (its types and subjects);
        None if a check is of a kind it does not evaluate, or targets nodes of the ontology itself."""
        import pyoxigraph as ox

        graph = ox.NamedNode(ontology_graph)
        types: dict[object, set[str]] = {}
        subjects: set[object] = set()
        for quad in store.quads_for_pattern(None, None, None, graph):
            subjects.add(quad.subject)
            if quad.predicate.value == RDF_TYPE and isinstance(quad.object, ox.NamedNode):
                types.setdefault(quad.subject, set()).add(quad.object.value)
        by_shape: dict[str, list[tuple[int, Check]]] = {}
        for position, check in enumerate(checks):
            if not _supported(check):
                return None
            by_shape.setdefault(check.shape, []).append((position, check))
        shapes = []
        for group in by_shape.values():
            focus = group[0][1].focus
            classes = frozenset(value for kind, value in focus if kind == "class")
            subjects_of = tuple(value for kind, value in focus if kind == "subjectsOf")
            if any(kind not in ("class", "subjectsOf") for kind, _ in focus) or not focus:
                return None
            if any(t & classes for t in types.values()) or subjects_of and any(
                    next(iter(store.quads_for_pattern(None, ox.NamedNode(p), None, graph)), None) is not None
                    for p in subjects_of):
                return None  # the ontology's own nodes are focus nodes: only SPARQL attributes them
            shapes.append(_Shape(classes, subjects_of, _rules(group)))
        prescreen = cls(shapes, {k: frozenset(v) for k, v in types.items()}, frozenset(subjects), ontology_graph,
                        _sparql_regex)
        for shape in shapes:
            shape.rules = tuple(dataclasses.replace(rule, value_tests=tuple(
                (i, prescreen._value_test(c), not c.component.startswith("LessThan"))
                for i, c in rule.value_checks)) for rule in shape.rules)
        return prescreen

    def clean(self, quads: Iterable[ox.Quad]) -> bool:
        """True only if the SPARQL checks and the duplicate search would find nothing in ``quads``."""
        return self.screen(quads) == set()

    def screen(self, quads: Iterable[ox.Quad]) -> set[str] | None:
        """The lines the SPARQL checks would give ``quads`` when all of them are warnings (or infos) of
        counts — a report without a title or a region — and there is no duplicate: an empty set when
        they would find nothing. None when anything else might be found, or it cannot tell: the SPARQL
        checks must run."""
        import pyoxigraph as ox

        try:
            index, graphs = self._index(quads)
            types = {s: {t.value for t in p[RDF_TYPE] if type(t) is ox.NamedNode}  # a literal is no class
                     for s, p in index.items() if RDF_TYPE in p}
            lines: set[str] = set()
            for shape in self.shapes:
                for subject, properties in index.items():
                    own = types.get(subject)
                    if (own is not None and not shape.classes.isdisjoint(own)
                            or any(p in properties for p in shape.subjects_of)) \
                            and self._breaks(shape, subject, properties, index, types, lines):
                        return None
            if lines and graphs != 1:
                return None  # which graph a line belongs to: the SPARQL checks say
            return None if self._duplicates(index, types) else lines
        except _Unsure:
            return None

    def _index(self, quads: Iterable[ox.Quad]) -> tuple[Index, int]:
        """The quads by subject and predicate, and the number of graphs they are in."""
        import pyoxigraph as ox

        index: Index = {}
        graphs = set()
        for subject, predicate, obj, graph in quads:
            graphs.add(graph)
            index.setdefault(subject, {}).setdefault(predicate.value, set()).add(obj)
        if any(not isinstance(g, ox.NamedNode) or g.value == self.ontology_graph for g in graphs):
            raise _Unsure  # the default graph or the ontology's: not a report's graph
        if not index or not self.ontology_subjects.isdisjoint(index):
            raise _Unsure  # nothing to check, or the report adds to the ontology's nodes
        return index, len(graphs)

    def _breaks(self, shape: _Shape, focus: object, properties: dict[str, set], index: Index, types: dict,
                lines: set[str]) -> bool:
        """Whether a check of ``shape`` of severity Violation, or a check of values, might be broken at
        the focus node with ``properties`` (True when unsure); a broken count check of severity Warning
        or Info adds its line to ``lines`` instead."""
        import pyoxigraph as ox

        cache = self._iri_cache
        for rule in shape.rules:
            values = properties.get(rule.path, ())
            if len(values) < rule.low or (rule.high is not None and len(values) > rule.high):
                return True
            for check in rule.soft_counts:
                if (check.low is not None and len(values) < check.low) or \
                        (check.high is not None and len(values) > check.high):
                    if type(focus) is not ox.NamedNode:
                        return True
                    from rdflib import URIRef

                    lines.add(check.line(URIRef(focus.value), None))
            for check in rule.focus_checks:
                if not any(_n3(v) == check.parameter[0] for v in values):
                    return True
            for value in values:
                shared = type(value) is ox.NamedNode and value not in index
                for position, test, of_value in rule.value_tests:
                    if not (shared and of_value):
                        if test(value, properties, types):
                            return True
                        continue
                    key = (position, value)
                    found = cache.get(key)
                    if found is None:
                        if len(cache) > 100_000:
                            cache.clear()
                        found = cache[key] = test(value, properties, types)
                    if found:
                        return True
        return False

    def _value_test(self, check: Check) -> Callable[[object, dict, dict], bool]:
        """A function (value, the focus node's properties, the report's types) → whether ``check``
        might be broken by that value (True when unsure)."""
        import pyoxigraph as ox

        component, parameter = check.component, check.parameter
        if component == "ClassConstraintComponent":
            qualifying, ontology = frozenset(check.qualifying), self.ontology_types
            return lambda v, _p, types: qualifying.isdisjoint(types.get(v, ())) and \
                qualifying.isdisjoint(ontology.get(v, ()))
        if component == "DatatypeConstraintComponent":
            datatype, lexical = parameter[0], _LEXICAL.get(parameter[0])
            return lambda v, _p, _t: type(v) is not ox.Literal or v.datatype.value != datatype or \
                (lexical is not None and not lexical.fullmatch(v.value))
        if component == "NodeKindConstraintComponent":
            kinds = {"IRI": (ox.NamedNode,), "Literal": (ox.Literal,), "BlankNode": (ox.BlankNode,),
                     "BlankNodeOrIRI": (ox.BlankNode, ox.NamedNode), "BlankNodeOrLiteral": (ox.BlankNode, ox.Literal),
                     "IRIOrLiteral": (ox.NamedNode, ox.Literal)}.get(parameter[0], ())
            return lambda v, _p, _t: not isinstance(v, kinds)
        terms = (ox.NamedNode, ox.Literal)  # a blank node (or a quoted triple) breaks the rest, or is beyond this pass
        if component == "PatternConstraintComponent":
            pattern, flags = parameter
            return lambda v, _p, _t: not isinstance(v, terms) or not self._regex(pattern, flags, v.value)
        if component in ("MinLengthConstraintComponent", "MaxLengthConstraintComponent"):
            bound, low = int(parameter[0]), component.startswith("Min")
            return lambda v, _p, _t: not isinstance(v, terms) or (
                len(v.value) < bound if low else len(v.value) > bound)
        holds = _HOLDS[component]
        if component.startswith("LessThan"):
            other = parameter[0]
            return lambda v, p, _t: any(not holds(_number(v), _number(w)) for w in p.get(other, ()))
        if parameter[1] not in _NUMERIC or not _LEXICAL[parameter[1]].fullmatch(parameter[0]):
            return lambda v, _p, _t: True
        bound_value = Decimal(parameter[0])
        return lambda v, _p, _t: not holds(_number(v), bound_value)

    def _regex(self, pattern: str, flags: str, text: str) -> bool:
        key = (pattern, flags, text)
        if key not in self._regex_cache:
            if len(self._regex_cache) > 10_000:
                self._regex_cache.clear()
            self._regex_cache[key] = self._matches(pattern, flags, text)  # type: ignore[operator]
        return self._regex_cache[key]

    @staticmethod
    def _duplicates(index: Index, types: dict) -> bool:
        """Whether two observations might share the duplicate search's key (True when unsure)."""
        seen: set[tuple] = set()
        observation = ns.QB + "Observation"
        for subject, properties in index.items():
            if observation not in types.get(subject, ()):
                continue
            key: list[object] = []
            for position, prop in enumerate((_DERIVED, *_DUPLICATE_KEY)):
                values = properties.get(prop, ())
                if len(values) > 1:
                    raise _Unsure  # several rows per observation: leave it to SPARQL
                if not values and position <= _DUPLICATE_REQUIRED:
                    break  # no row for this observation
                key.append(next(iter(values), None))
            else:
                if tuple(key) in seen:
                    return True
                seen.add(tuple(key))
        return False


def _n3(term: object) -> str:
    return str(term)


def _supported(check: Check) -> bool:
    if check.inverse or check.component not in _SUPPORTED:
        return False
    if check.is_count:
        return not check.qualifying
    if check.component == "HasValueConstraintComponent":
        return len(check.parameter) == 1
    if check.component == "PatternConstraintComponent":
        return len(check.parameter) == 2
    if check.component in _HOLDS and not check.component.startswith("LessThan"):
        return len(check.parameter) == 2
    return len(check.parameter) >= 1 or check.component == "ClassConstraintComponent"


def _sparql_regex(pattern: str, flags: str, text: str) -> bool:
    """SPARQL's REGEX(text, pattern, flags), asked of an empty in-memory store (the authority)."""
    import pyoxigraph as ox

    args = ", ".join(str(ox.Literal(x)) for x in ((text, pattern, flags) if flags else (text, pattern)))
    return bool(ox.Store().query(f"ASK {{ FILTER(REGEX({args})) }}"))
