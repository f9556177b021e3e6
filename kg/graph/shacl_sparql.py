"""SHACL shapes compiled to SPARQL, run by the store itself over the graphs just written.

`compile_shapes` reads the shapes graph (ontology/shapes.ttl) with rdflib and turns every property
constraint of the SHACL-core kinds the shapes use into one SPARQL SELECT branch that yields the
focus nodes (and values) breaking it. A `ScratchStore` runs them in an in-memory pyoxigraph store over
the graphs checked plus the ontology graph (so ``sh:class`` sees the code lists' types): the cost is
proportional to the graphs checked, not to the store. `check_quads` checks graphs handed in as N-Quads
(a build's workers, before a report is written); `check_graphs` checks graphs copied out of a store.

pySHACL stays the full reference check (`yibao.graph.validate.validate`, `yibao doctor`); a test
keeps both agreeing. A constraint this compiler does not know raises `UnsupportedShape` when the
shapes are compiled, so nothing in shapes.ttl is ever silently left unchecked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from yibao.graph import namespaces as ns
from yibao.graph.namespaces import sparql_prefixes
from yibao.graph.validate import DUPLICATES_QUERY, SH, ValidationResult, short

if TYPE_CHECKING:
    import pyoxigraph as ox
    from rdflib import Graph
    from rdflib.term import Node
    from yibao.graph.shacl_prescreen import Prescreen

RDF_TYPE = ns.RDF + "type"
Subclasses = Callable[[str], "list[str]"]  # a class → it and its subclasses

# Well-formed lexical forms of the datatypes whose checks SHACL asks for (sh:datatype is
# violated by an ill-typed literal too); other datatypes are only compared by IRI.
_LEXICAL = {
    ns.XSD + "integer": r"^[+-]?[0-9]+$",
    ns.XSD + "decimal": r"^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$",
    ns.XSD + "date": r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$",
    ns.XSD + "boolean": r"^(true|false|1|0)$",
}
_NODE_KINDS = {
    "IRI": "isIRI(?v)", "Literal": "isLiteral(?v)", "BlankNode": "isBlank(?v)",
    "BlankNodeOrIRI": "(isBlank(?v) || isIRI(?v))", "BlankNodeOrLiteral": "(isBlank(?v) || isLiteral(?v))",
    "IRIOrLiteral": "(isIRI(?v) || isLiteral(?v))",
}
_COMPARISONS = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}
# Predicates of a property shape that are not constraints (or are read with another one).
_NOT_CONSTRAINTS = {"path", "message", "severity", "name", "description", "order", "group",
                    "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "flags",
                    "deactivated", "minCount", "maxCount"}
_NODE_SHAPE_KEYS = {"targetClass", "targetNode", "targetObjectsOf", "targetSubjectsOf", "property",
                    "severity", "message", "name", "description", "deactivated"}


class UnsupportedShape(ValueError):
    """The shapes use a SHACL feature that the SPARQL compiler does not implement."""


@dataclass(frozen=True)
class Check:
    """One compiled constraint of a property shape.

    A *count* check bounds the number of distinct values of ``path`` (those of ``qualifying``
    classes only, for a qualified value shape) by ``low``/``high``; a *value* check is broken by
    each value ``?v`` of ``path`` (of focus node ``?f``) for which ``broken`` is true.
    """

    shape: str
    targets: str  # a pattern binding ?f to the shape's focus nodes
    path: str  # the predicate IRI (messages and grouping)
    inverse: bool
    component: str  # e.g. "MinCountConstraintComponent"
    severity: str  # "Violation", "Warning" or "Info"
    message: str
    broken: str = ""  # value checks: a SPARQL expression over ?f and ?v
    low: int | None = None  # count checks
    high: int | None = None
    qualifying: tuple[str, ...] = ()  # qualified counts and sh:class: the classes (with subclasses)
    focus: tuple[tuple[str, str], ...] = ()  # the targets as (kind, IRI or N-Triples term): `target_spec`
    parameter: tuple[str, ...] = ()  # the constraint's own value(s), as `constraint_parameter` gives them

    @property
    def is_count(self) -> bool:
        return not self.broken

    def line(self, focus: Node, value: Node | None) -> str:
        """The same one-line description as `yibao.graph.validate` gives pySHACL's results."""
        from rdflib import URIRef

        text = f"{short(focus)} {short(URIRef(self.path))}: {self.message}"
        if value is not None:
            text += f" (value {short(value)})"
        return text if self.severity == "Violation" else f"[{self.severity}] {text}"


def _term(node: Node) -> str:
    return node.n3()


def _iris(values: Iterable[str]) -> str:
    return " ".join(f"<{v}>" for v in values)


def _is_a(var: str, classes: list[str]) -> str:
    return f"EXISTS {{ {var} a ?class_ . VALUES ?class_ {{ {_iris(classes)} }} }}"


def _targets(shapes: Graph, shape: Node, subclasses: Subclasses) -> str:
    """A pattern binding ?f to every focus node of the node shape."""
    from rdflib import URIRef

    branches = []
    for cls in sorted(shapes.objects(shape, URIRef(SH + "targetClass"))):
        branches.append(f"?f a ?class_ . VALUES ?class_ {{ {_iris(subclasses(str(cls)))} }}")
    for node in sorted(shapes.objects(shape, URIRef(SH + "targetNode"))):
        branches.append(f"BIND({_term(node)} AS ?f)")
    for prop in sorted(shapes.objects(shape, URIRef(SH + "targetObjectsOf"))):
        branches.append(f"?any {_term(prop)} ?f .")
    for prop in sorted(shapes.objects(shape, URIRef(SH + "targetSubjectsOf"))):
        branches.append(f"?f {_term(prop)} ?any .")
    if not branches:
        raise UnsupportedShape(f"{shape}: a node shape without a target")
    distinct = " UNION ".join("{ " + b + " }" for b in branches)
    return f"{{ SELECT DISTINCT ?f WHERE {{ {distinct} }} }}"


def target_spec(shapes: Graph, shape: Node, subclasses: Subclasses) -> tuple[tuple[str, str], ...]:
    """The node shape's targets in the order `_targets` writes them: ("class", IRI) per class and
    subclass, ("node", N-Triples term), ("objectsOf", IRI), ("subjectsOf", IRI)."""
    from rdflib import URIRef

    spec = [("class", cls) for c in sorted(shapes.objects(shape, URIRef(SH + "targetClass")))
            for cls in subclasses(str(c))]
    spec += [("node", _term(n)) for n in sorted(shapes.objects(shape, URIRef(SH + "targetNode")))]
    spec += [("objectsOf", str(p)) for p in sorted(shapes.objects(shape, URIRef(SH + "targetObjectsOf")))]
    spec += [("subjectsOf", str(p)) for p in sorted(shapes.objects(shape, URIRef(SH + "targetSubjectsOf")))]
    return tuple(spec)


def constraint_parameter(shapes: Graph, prop: Node, name: str, obj: Node) -> tuple[str, ...]:
    """The value of constraint ``sh:name`` as plain strings: an IRI (class, datatype, lessThan…), a
    node kind, (regex, flags) of a pattern, a length, (lexical form, datatype IRI) of a bound, or the
    N-Triples terms of sh:in and sh:hasValue."""
    from rdflib import Literal, URIRef
    from rdflib.collection import Collection

    if name == "pattern":
        flags = shapes.value(prop, URIRef(SH + "flags"))
        return (str(obj), str(flags) if flags is not None else "")
    if name == "nodeKind":
        return (str(obj).removeprefix(SH),)
    if name in _COMPARISONS:
        datatype = obj.datatype if isinstance(obj, Literal) else None
        return (str(obj), str(datatype) if datatype is not None else "")
    if name == "in":
        return tuple(_term(m) for m in Collection(shapes, obj))
    if name == "hasValue":
        return (_term(obj),)
    return (str(obj),)


def _path(shapes: Graph, node: Node) -> tuple[str, bool]:
    """(predicate IRI, inverse?) of an sh:path: a predicate or an sh:inversePath of one."""
    from rdflib import URIRef

    if isinstance(node, URIRef):
        return str(node), False
    inverse = shapes.value(node, URIRef(SH + "inversePath"))
    if isinstance(inverse, URIRef):
        return str(inverse), True
    raise UnsupportedShape(f"sh:path {node}: only predicates and sh:inversePath are compiled")


def _literal_int(shapes: Graph, node: Node, name: str) -> int | None:
    from rdflib import URIRef

    value = shapes.value(node, URIRef(SH + name))
    return None if value is None else int(value)


def _broken(shapes: Graph, prop: Node, name: str, obj: Node, subclasses: Subclasses) -> tuple[str, str]:
    """(component, expression true when value ?v of focus ?f breaks the constraint)."""
    from rdflib import Literal, URIRef
    from rdflib.collection import Collection

    component = f"{name[0].upper()}{name[1:]}ConstraintComponent"
    if name == "class":
        return component, f"!{_is_a('?v', subclasses(str(obj)))}"
    if name == "datatype":
        test = f"isLiteral(?v) && sameTerm(DATATYPE(?v), {_term(obj)})"
        if str(obj) in _LEXICAL:
            test += f' && REGEX(STR(?v), "{_LEXICAL[str(obj)]}")'
        return component, f"!({test})"
    if name == "nodeKind":
        kind = str(obj).removeprefix(SH)
        if kind not in _NODE_KINDS:
            raise UnsupportedShape(f"sh:nodeKind {obj}")
        return component, f"!{_NODE_KINDS[kind]}"
    if name == "pattern":
        flags = shapes.value(prop, URIRef(SH + "flags"))
        args = f"STR(?v), {_term(Literal(str(obj)))}" + (f", {_term(Literal(str(flags)))}" if flags else "")
        return component, f"(isBlank(?v) || !REGEX({args}))"
    if name in ("minLength", "maxLength"):
        op = "<" if name == "minLength" else ">"
        return component, f"(isBlank(?v) || STRLEN(STR(?v)) {op} {int(obj)})"
    if name in _COMPARISONS:
        return component, f"!COALESCE(?v {_COMPARISONS[name]} {_term(obj)}, false)"
    if name == "in":
        test = " || ".join(f"sameTerm(?v, {_term(m)})" for m in Collection(shapes, obj)) or "false"
        return component, f"!({test})"
    if name in ("lessThan", "lessThanOrEquals"):
        op = "<" if name == "lessThan" else "<="
        return component, f"EXISTS {{ ?f {_term(obj)} ?w . FILTER(!COALESCE(?v {op} ?w, false)) }}"
    if name == "hasValue":  # checked on the focus node, once per focus node (see checks_query)
        return component, f"NOT EXISTS {{ ?f ?p {_term(obj)} }}"
    raise UnsupportedShape(f"sh:{name}")


def _qualifying(shapes: Graph, prop: Node, shape_node: Node, subclasses: Subclasses) -> tuple[str, ...]:
    """The classes a value must have to qualify: only ``[ sh:class C ]`` value shapes are compiled."""
    from rdflib import URIRef

    keys = {str(p).removeprefix(SH) for p in shapes.predicates(shape_node, None)} - {"class"}
    cls = shapes.value(shape_node, URIRef(SH + "class"))
    if keys or cls is None:
        raise UnsupportedShape(f"{prop}: a qualified value shape other than [ sh:class C ]")
    return tuple(subclasses(str(cls)))


def _property_checks(shapes: Graph, shape: Node, prop: Node, severity: str, targets: str,
                     subclasses: Subclasses, focus: tuple[tuple[str, str], ...] = ()) -> list[Check]:
    from rdflib import URIRef

    path_node = shapes.value(prop, URIRef(SH + "path"))
    if path_node is None:
        raise UnsupportedShape(f"{shape}: a property shape without sh:path")
    path, inverse = _path(shapes, path_node)
    own = shapes.value(prop, URIRef(SH + "severity"))
    base = {"shape": str(shape), "targets": targets, "focus": focus, "path": path, "inverse": inverse,
            "severity": str(own).removeprefix(SH) if own is not None else severity,
            "message": str(shapes.value(prop, URIRef(SH + "message")) or "constraint broken")}
    checks = []
    for name in ("minCount", "maxCount"):
        bound = _literal_int(shapes, prop, name)
        if bound is not None:
            checks.append(Check(**base, component=f"{name[0].upper()}{name[1:]}ConstraintComponent",
                                low=bound if name == "minCount" else None,
                                high=bound if name == "maxCount" else None))
    for predicate, obj in sorted(shapes.predicate_objects(prop)):
        name = str(predicate).removeprefix(SH)
        if not str(predicate).startswith(SH) or name in _NOT_CONSTRAINTS:
            continue
        if name == "qualifiedValueShape":
            qualifying = _qualifying(shapes, prop, obj, subclasses)
            for bound_name in ("qualifiedMinCount", "qualifiedMaxCount"):
                bound = _literal_int(shapes, prop, bound_name)
                if bound is not None:
                    checks.append(Check(**base, component=f"Q{bound_name[1:]}ConstraintComponent",
                                        qualifying=qualifying, low=bound if "Min" in bound_name else None,
                                        high=bound if "Max" in bound_name else None))
        else:
            component, broken = _broken(shapes, prop, name, obj, subclasses)
            classes = tuple(subclasses(str(obj))) if name == "class" else ()
            checks.append(Check(**base, component=component, broken=broken, qualifying=classes,
                                parameter=constraint_parameter(shapes, prop, name, obj)))
    return checks


def compile_shapes(shapes: Graph, subclasses: Subclasses = lambda cls: [cls]) -> list[Check]:
    """Every property constraint of every node shape, in a stable order (shape, path, component).

    ``subclasses`` gives a class with its subclasses (from the ontology): sh:class and sh:targetClass
    hold for instances of subclasses too.
    """
    from rdflib import URIRef

    checks: list[Check] = []
    for shape in sorted(set(shapes.subjects(URIRef(RDF_TYPE), URIRef(SH + "NodeShape")))):
        if shapes.value(shape, URIRef(SH + "deactivated")) is not None:
            continue
        unknown = {str(p).removeprefix(SH) for p in shapes.predicates(shape, None)
                   if str(p).startswith(SH)} - _NODE_SHAPE_KEYS
        if unknown:
            raise UnsupportedShape(f"{shape}: node-level {', '.join(sorted(unknown))}")
        own = shapes.value(shape, URIRef(SH + "severity"))
        severity = str(own).removeprefix(SH) if own is not None else "Violation"
        targets, focus = _targets(shapes, shape, subclasses), target_spec(shapes, shape, subclasses)
        for prop in sorted(shapes.objects(shape, URIRef(SH + "property")), key=lambda p: _prop_key(shapes, p)):
            checks += _property_checks(shapes, shape, prop, severity, targets, subclasses, focus)
    return checks


def _prop_key(shapes: Graph, prop: Node) -> tuple[str, str]:
    from rdflib import URIRef

    return (str(shapes.value(prop, URIRef(SH + "path"))), str(shapes.value(prop, URIRef(SH + "message"))))


def shapes_graph() -> Graph:
    """ontology/shapes.ttl, parsed by rdflib."""
    from yibao.graph.validate import _shapes_graph

    return _shapes_graph()


def _bound(value: int | None) -> str:
    return "UNDEF" if value is None else str(value)


def _count_block(targets: str, rows: list[tuple[int, Check]]) -> str:
    """A shape's count checks on predicates: one aggregate of its focus nodes' values per predicate.

    Unqualified counts come from one scan of the focus nodes' triples; a missing predicate counts 0.
    """
    plain = [(i, c) for i, c in rows if not c.qualifying]
    qualified = [(i, c) for i, c in rows if c.qualifying]
    blocks = []
    if plain:
        bounds = " ".join(f"({i} <{c.path}> {_bound(c.low)} {_bound(c.high)})" for i, c in plain)
        paths = _iris(sorted({c.path for _, c in plain}))
        blocks.append(
            f"{targets} VALUES (?check ?p ?low ?high) {{ {bounds} }} "
            f"OPTIONAL {{ SELECT ?f ?p (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {targets} VALUES ?p {{ {paths} }} "
            f"?f ?p ?v }} GROUP BY ?f ?p }} BIND(COALESCE(?n, 0) AS ?m) "
            f"FILTER(COALESCE(?m < ?low, false) || COALESCE(?m > ?high, false))")
    if qualified:
        bounds = " ".join(f"({i} {_bound(c.low)} {_bound(c.high)})" for i, c in qualified)
        pairs = " ".join(f"({i} <{c.path}> <{cls}>)" for i, c in qualified for cls in c.qualifying)
        blocks.append(
            f"{targets} VALUES (?check ?low ?high) {{ {bounds} }} "
            f"OPTIONAL {{ SELECT ?f ?check (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {targets} "
            f"VALUES (?check ?p ?qclass) {{ {pairs} }} ?f ?p ?v . ?v a ?qclass }} GROUP BY ?f ?check }} "
            f"BIND(COALESCE(?n, 0) AS ?m) "
            f"FILTER(COALESCE(?m < ?low, false) || COALESCE(?m > ?high, false))")
    return " UNION ".join(f"{{ {b} }}" for b in blocks)


def _value_block(targets: str, rows: list[tuple[int, Check]]) -> str:
    """A shape's value checks on predicates: one scan of its focus nodes' values (class checks one more)."""
    blocks = []
    classes = [(i, c) for i, c in rows if c.component == "ClassConstraintComponent"]
    has_value = [(i, c) for i, c in rows if c.component == "HasValueConstraintComponent"]
    others = [(i, c) for i, c in rows if (i, c) not in classes and (i, c) not in has_value]
    if others:
        values = " ".join(f"(<{c.path}> {i})" for i, c in others)
        tests = " || ".join(f"(?check = {i} && {c.broken})" for i, c in others)
        blocks.append(f"{targets} VALUES (?p ?check) {{ {values} }} ?f ?p ?v . FILTER({tests})")
    if classes:
        values = " ".join(f"(<{c.path}> {i})" for i, c in classes)
        pairs = " ".join(f"({i} <{cls}>)" for i, c in classes for cls in c.qualifying)
        blocks.append(f"{targets} VALUES (?p ?check) {{ {values} }} ?f ?p ?v . "
                      f"FILTER NOT EXISTS {{ ?v a ?class_ . VALUES (?check ?class_) {{ {pairs} }} }}")
    for i, c in has_value:  # about the focus node, not each value
        blocks.append(f"{targets} BIND(<{c.path}> AS ?p) FILTER({c.broken}) BIND({i} AS ?check)")
    return " UNION ".join(f"{{ {b} }}" for b in blocks)


def _single_block(index: int, check: Check) -> str:
    """A check on an inverse path, on its own."""
    path = f"^<{check.path}>"
    if check.is_count:
        qualified = f"FILTER EXISTS {{ ?v a ?qclass . VALUES ?qclass {{ {_iris(check.qualifying)} }} }}" \
            if check.qualifying else ""
        tests = " || ".join(([f"?n < {check.low}"] if check.low is not None else [])
                            + ([f"?n > {check.high}"] if check.high is not None else []))
        return (f"{{ {{ SELECT ?f (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {check.targets} "
                f"OPTIONAL {{ ?f {path} ?v . {qualified} }} }} GROUP BY ?f }} FILTER({tests}) "
                f"BIND({index} AS ?check) }}")
    if check.component == "HasValueConstraintComponent":
        raise UnsupportedShape("sh:hasValue on an inverse path")
    return f"{{ {check.targets} ?f {path} ?v . FILTER({check.broken}) BIND({index} AS ?check) }}"


def checks_queries(checks: Iterable[Check]) -> list[str]:
    """SELECTs over all checks yielding ?check (its index), ?f and maybe ?v per broken constraint.

    A shape's count checks share one aggregate and its value checks one scan of the values; each
    block is its own query (Oxigraph runs them faster apart than as branches of one UNION).
    """
    by_shape: dict[tuple[str, bool], list[tuple[int, Check]]] = {}
    singles = []
    for index, check in enumerate(checks):
        if check.inverse:
            singles.append(_single_block(index, check))
        else:
            by_shape.setdefault((check.targets, check.is_count), []).append((index, check))
    blocks = [(_count_block if count else _value_block)(targets, rows)
              for (targets, count), rows in sorted(by_shape.items())]
    return [f"SELECT ?check ?f ?v WHERE {{ {b} }}" for b in blocks + singles]


def subclasses_in(store: ox.Store, graph: str = ns.ONTOLOGY_GRAPH) -> Subclasses:
    """A look-up of each class with its subclasses (rdfs:subClassOf*) in ``graph`` of ``store``."""
    cache: dict[str, list[str]] = {}

    def lookup(cls: str) -> list[str]:
        if cls not in cache:
            query = f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s <{ns.RDFS}subClassOf>+ <{cls}> }} }}"
            cache[cls] = sorted({cls} | {row["s"].value for row in store.query(query)})
        return cache[cls]

    return lookup


def _rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Node | None:
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


class ScratchStore:
    """An in-memory store holding the ontology graph and, in turn, the graphs to check.

    Given a ``source`` store, its ontology graph is copied in and `check` copies the graphs named
    out of it; without one, the ontology graph is loaded from ontology/*.ttl as `yibao build` loads
    it into the store, and the graphs to check are handed in (`check_quads`). The checks run over the
    union of its graphs, so their cost is that of the graphs checked (plus look-ups in the ontology),
    whatever the size of the store they come from; they are dropped after each check, and every
    ``renew_every`` checks the in-memory store is made anew from the ontology alone (what it keeps of
    removed quads would otherwise slow each check a little more).
    """

    renew_every = 32

    def __init__(self, source: ox.Store | None = None, ontology_graph: str = ns.ONTOLOGY_GRAPH) -> None:
        import pyoxigraph as ox

        self.source = source
        self.ontology = ox.NamedNode(ontology_graph)
        self.memory = ox.Store()
        if source is None:
            self._load_ontology_files()
        else:
            self._copy(self.ontology)
        self._ontology_nquads = self.memory.dump(format=ox.RdfFormat.N_QUADS)
        self._checked = 0
        self.checks = tuple(compile_shapes(shapes_graph(), subclasses_in(self.memory, ontology_graph)))
        self.queries = checks_queries(self.checks)
        self.prescreen = None if source is not None else _prescreen(self.checks, self.memory, ontology_graph)

    def _load_ontology_files(self) -> None:
        """ontology/*.ttl into the ontology graph, by the loader the store's own ontology graph comes from;
        its N-Quads are kept in the user cache while the files and the loader are unchanged (parsing the
        Turtle: ≈ 0.27 s, paid by every worker of every build; loading the N-Quads: ≈ 0.03 s)."""
        import pyoxigraph as ox
        from yibao.cache import cache_dir, cache_enabled, cached, files_key
        from yibao.graph import store as store_module

        if self.ontology.value != ns.ONTOLOGY_GRAPH:
            raise ValueError(f"the ontology files load into {ns.ONTOLOGY_GRAPH}, not {self.ontology.value}")
        if not cache_enabled():
            store_module.load_ontology(self.memory)
            return
        from yibao import resources

        sources = [*store_module.ontology_files(resources.ontology_dir()), Path(store_module.__file__)]

        def parsed() -> bytes:
            memory = ox.Store()
            store_module.load_ontology(memory)
            return bytes(memory.dump(format=ox.RdfFormat.N_QUADS))

        try:
            path: Path | None = cache_dir() / f"ontology-nquads-{files_key(sources)}.pickle"
        except OSError:
            path = None
        self.memory.load(cached(path, parsed), format=ox.RdfFormat.N_QUADS)

    def _copy(self, graph: ox.NamedNode) -> None:
        import pyoxigraph as ox

        assert self.source is not None
        data = self.source.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        if data:
            self.memory.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)

    def check_quads(self, data: bytes | Iterable[ox.Quad]) -> dict[str, GraphCheck]:
        """Check the named graphs of ``data`` (N-Quads, or quads); one outcome per graph, sorted.

        Quads given as a list whose outcome the prescreen can tell (`yibao.graph.shacl_prescreen`: nothing
        found, or only warnings of counts such as a missing title) are not loaded and queried: the
        SPARQL checks would give the same lines.
        """
        if self.prescreen is not None and isinstance(data, list):
            lines = self.prescreen.screen(data)
            if lines is not None:
                import pyoxigraph as ox

                graphs = sorted({q.graph_name.value for q in data if isinstance(q.graph_name, ox.NamedNode)})
                return {g: GraphCheck(_result(lines), []) for g in graphs}
        try:
            graphs = self._add(data)
        except BaseException:
            self._drop()
            raise
        return self.check(graphs)

    def _add(self, data: bytes | Iterable[ox.Quad]) -> list[str]:
        """Load ``data`` beside the ontology; the IRIs of the graphs it holds."""
        import pyoxigraph as ox

        if isinstance(data, (bytes, bytearray)):
            self.memory.load(bytes(data), format=ox.RdfFormat.N_QUADS)
        else:
            self.memory.extend(data)
        return sorted(g.value for g in self.memory.named_graphs()
                      if isinstance(g, ox.NamedNode) and g != self.ontology)

    def check(self, graph_iris: list[str]) -> dict[str, GraphCheck]:
        """Run every check and the duplicate search once over the graphs, then drop them.

        The graphs are copied in from the source store if there is one, else must have been added.
        """
        import pyoxigraph as ox

        if self.source is not None:
            for graph in graph_iris:
                self._copy(ox.NamedNode(graph))
        found: dict[str, set[str]] = {g: set() for g in graph_iris}
        duplicates: dict[str, list[str]] = {g: [] for g in graph_iris}
        try:
            rows = (row for query in self.queries
                    for row in self.memory.query(query, use_default_graph_as_union=True))
            for row in rows:
                check = self.checks[int(row["check"].value)]
                line = check.line(_rdflib(row["f"]), _rdflib(row["v"]))
                for graph in self._graphs_of(row["f"]):
                    found[graph].add(line)
            for report, line in duplicate_rows(self.memory):
                for graph in self._graphs_of(report):
                    duplicates[graph].append(line)
        finally:
            self._drop()
        return {g: GraphCheck(_result(lines), sorted(duplicates[g])) for g, lines in sorted(found.items())}

    def _drop(self) -> None:
        """Remove everything but the ontology graph, so the store does not grow from check to check."""
        import pyoxigraph as ox

        self._checked += 1
        if self._checked % self.renew_every == 0:
            self.memory = ox.Store()
            self.memory.load(self._ontology_nquads, format=ox.RdfFormat.N_QUADS)
            return
        for graph in list(self.memory.named_graphs()):
            if graph != self.ontology:
                self.memory.remove_graph(graph)
        self.memory.clear_graph(ox.DefaultGraph())

    def _graphs_of(self, focus: ox.NamedNode | ox.BlankNode | ox.Literal) -> list[str]:
        """The checked graphs that mention the focus node (as subject, else as object)."""
        import pyoxigraph as ox

        names = {q.graph_name for q in self.memory.quads_for_pattern(focus, None, None)}
        if not names - {self.ontology}:
            names = {q.graph_name for q in self.memory.quads_for_pattern(None, None, focus)}
        return sorted(n.value for n in names - {self.ontology} if isinstance(n, ox.NamedNode))


def _prescreen(checks: tuple[Check, ...], memory: ox.Store, ontology_graph: str) -> Prescreen | None:
    """The Python prescreen of these checks (None where it cannot stand in for them, or is turned off
    with YIBAO_SHACL_PRESCREEN=0)."""
    import os

    from yibao.graph.shacl_prescreen import Prescreen

    if os.environ.get("YIBAO_SHACL_PRESCREEN", "1") == "0":
        return None
    return Prescreen.build(checks, memory, ontology_graph)


@dataclass
class GraphCheck:
    """One graph's outcome: its SHACL result and its duplicate-observation lines."""

    result: ValidationResult
    duplicates: list[str]


def duplicate_rows(store: ox.Store) -> list[tuple[ox.NamedNode, str]]:
    """(report, line) per group of duplicate observations in the union of ``store``'s graphs.

    The lines are those of `yibao.graph.validate.duplicate_observations`.
    """
    from rdflib import URIRef

    out = []
    for row in store.query(sparql_prefixes() + DUPLICATES_QUERY, use_default_graph_as_union=True):
        members = ", ".join(short(URIRef(iri)) for iri in sorted(row["members"].value.split()))
        dims = " ".join(short(_rdflib(row[name])) for name in
                        ("region", "period", "fund", "indicator", "basis", "statistic"))
        out.append((row["report"], f"{short(_rdflib(row['report']))}: same dimensions ({dims}) and quote "
                                   f"{short(_rdflib(row['exact']))} at {row['start'].value} in {members}"))
    return out


def _result(lines: set[str]) -> ValidationResult:
    violations = sorted(x for x in lines if not x.startswith("["))
    return ValidationResult(conforms=not violations, violations=violations,
                            warnings=sorted(x for x in lines if x.startswith("[")))


def check_graphs(store: ox.Store, graph_iris: Iterable[str], batch: int = 64,
                 ontology_graph: str = ns.ONTOLOGY_GRAPH) -> dict[str, GraphCheck]:
    """Check named graphs of ``store`` against the shapes and for duplicates, ``batch`` graphs at a time.

    Returns one outcome per graph (keyed by graph IRI, sorted); the store is only read.
    """
    scratch = ScratchStore(store, ontology_graph)
    names = sorted(set(graph_iris))
    results: dict[str, GraphCheck] = {}
    for start in range(0, len(names), batch):
        results.update(scratch.check(names[start:start + batch]))
    return dict(sorted(results.items()))


_PROCESS_SCRATCH: dict[tuple[int, int], ScratchStore] = {}  # by process and thread: a forked child makes its own


def process_scratch() -> ScratchStore:
    """This thread's scratch store over the ontology files, created on first use (after any fork).

    One per thread: a build's writer thread may check a report while the main thread checks another.
    """
    import os
    import threading

    key = (os.getpid(), threading.get_ident())
    if key not in _PROCESS_SCRATCH:
        for other in [k for k in _PROCESS_SCRATCH if k[0] != key[0]]:
            del _PROCESS_SCRATCH[other]  # a parent's, inherited through fork: not ours to use
        _PROCESS_SCRATCH[key] = ScratchStore()
    return _PROCESS_SCRATCH[key]


def check_quads(data: bytes | Iterable[ox.Quad]) -> dict[str, GraphCheck]:
    """Check the named graphs given as N-Quads (or quads) against the shapes and for duplicates.

    They are checked with the ontology graph loaded from the ontology files, in this process's
    scratch store, and dropped from it after; one outcome per graph IRI, sorted.
    """
    return process_scratch().check_quads(data)
