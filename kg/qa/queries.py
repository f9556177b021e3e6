"""The canned SPARQL library (`queries/*.rq`): load the files, read their header comment,
bind parameters safely and run them.

Each file starts with a header comment::

    # id: threshold
    # zh: 跨地区阈值筛选 …
    # en: Threshold across regions …
    # param: indicator  indicator  required  the indicator compared
    # param: op  enum(<,<=,>,>=)  default <  the comparison
    # param: fundScope  fund*  default (all funds)  funds, each with its components
    # derived: none; every row is a figure stated in a report

Fields of a ``param`` line are separated by two or more spaces: name, type, ``required`` or
``default VALUE`` (``(…)`` = no value: the variable stays free), description. Types are a code
list (``region``, ``fund``, ``indicator``, ``basis``, ``statistic``, ``policy``, ``qualifier``; bound
as the concept's IRI), ``decimal``, ``integer``, ``boolean``, ``string`` or ``enum(a,b,…)``.

Binding never pastes user text into a query:

- a scalar parameter is bound through pyoxigraph's ``substitutions`` (SEP-0007), as an RDF term
  built from a validated code id or a parsed number; pyoxigraph requires the variable to be in
  the SELECT projection, which `load_queries` checks;
- a list parameter (type ending in ``*``) fills the query's ``VALUES ?name { … }`` block(s), or its
  ``FILTER(?name IN (…))`` filter(s), with typed terms (IRIs of validated code ids); with no value
  the file's own block or filter is kept (the default it spells out, or "any": ``VALUES ?name
  { UNDEF }`` / ``FILTER(true || ?name IN ())``). The filter form is for a dimension the pattern
  matches anyway (basis): a VALUES block of common values would make Oxigraph start its join from
  it, e.g. from every observation with basis actual, which is 100 times slower on a large graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yibao import resources
from yibao.graph import namespaces as ns
from yibao.graph.terms import term_value

if TYPE_CHECKING:
    import pyoxigraph as ox
    from yibao.index.fresh import FactIndex

CODE_TYPES = ("region", "fund", "indicator", "basis", "statistic", "policy", "qualifier", "unit", "finding-category")
SCALAR_TYPES = ("decimal", "integer", "boolean", "string")
_CODE_ID_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
_HEADER_RE = re.compile(r"^#\s*(id|zh|en|param|derived)\s*:\s*(.*?)\s*$")
_FIELDS_RE = re.compile(r"\s{2,}")
_PROJECTION_RE = re.compile(r"\bSELECT\b(.*?)\bWHERE\b", re.S | re.I)


class QueryError(ValueError):
    """A canned query that cannot be loaded or bound (bad header, missing or bad parameter)."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # a code-list scheme, a scalar type or "enum"
    many: bool = False  # a list, bound through VALUES
    required: bool = False
    default: tuple[str, ...] | None = None  # None: no default (the variable stays free)
    choices: tuple[str, ...] = ()  # enum values
    description: str = ""
    default_text: str = ""  # the default as the header writes it, e.g. "(all regions)"

    @property
    def type_label(self) -> str:
        base = f"enum({','.join(self.choices)})" if self.type == "enum" else self.type
        return base + ("*" if self.many else "")

    @property
    def default_label(self) -> str:
        if self.required:
            return "required"
        return ",".join(self.default) if self.default is not None else (self.default_text or "-")


@dataclass
class CannedQuery:
    id: str
    path: Path
    text: str
    description_zh: str
    description_en: str
    params: dict[str, Param] = field(default_factory=dict)
    derived: str = ""

    def describe(self, lang: str = "en") -> str:
        return self.description_zh if lang == "zh" else self.description_en


@dataclass
class BoundQuery:
    """A canned query with its parameters bound, ready to run."""

    query: CannedQuery
    sparql: str  # the text run (VALUES blocks filled in)
    substitutions: dict[str, Any]  # variable name → pyoxigraph term
    values: dict[str, Any]  # parameter name → value as given (after defaults), for display
    lists: dict[str, list[Any]] = field(default_factory=dict)  # list parameter → its terms ([]: any)

    def explain(self) -> str:
        """The SPARQL as run, preceded by comments listing the substituted variables."""
        lines = ["# substitutions (bound as RDF terms by pyoxigraph, not pasted into the text):"]
        if self.substitutions:
            lines += [f"#   ?{name} = {term}" for name, term in sorted(self.substitutions.items())]
        else:
            lines.append("#   (none)")
        return "\n".join(lines) + "\n" + self.sparql


# --- loading --------------------------------------------------------------------------------------

def _parse_param(line: str, path: Path) -> Param:
    fields = _FIELDS_RE.split(line.strip(), maxsplit=3)
    if len(fields) < 3:
        raise QueryError(f"{path.name}: bad param line {line!r}")
    name, type_text, presence = fields[0], fields[1], fields[2]
    description = fields[3] if len(fields) > 3 else ""
    many = type_text.endswith("*")
    type_text = type_text.rstrip("*")
    choices: tuple[str, ...] = ()
    enum = re.fullmatch(r"enum\((.*)\)", type_text)
    if enum:
        choices = tuple(c.strip() for c in enum.group(1).split(",") if c.strip())
        type_text = "enum"
    elif type_text not in CODE_TYPES + SCALAR_TYPES:
        raise QueryError(f"{path.name}: unknown type {type_text!r} of parameter {name}")
    required = presence == "required"
    default: tuple[str, ...] | None = None
    value = ""
    if not required:
        if not presence.startswith("default"):
            raise QueryError(f"{path.name}: parameter {name} must be 'required' or have 'default …'")
        value = presence[len("default"):].strip()
        if value and not value.startswith("("):
            default = tuple(v.strip() for v in value.split(",")) if many else (value,)
    return Param(name, type_text, many, required, default, choices, description, value)


def parse_query_file(path: Path) -> CannedQuery:
    """Read one .rq file and its header; checks that scalar parameters are projected."""
    text = Path(path).read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: dict[str, Param] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER_RE.match(line)
        if not m:
            continue
        key, value = m.groups()
        if key == "param":
            param = _parse_param(value, path)
            params[param.name] = param
        else:
            meta[key] = value
    for key in ("id", "zh", "en"):
        if not meta.get(key):
            raise QueryError(f"{Path(path).name}: header has no '# {key}:' line")
    query = CannedQuery(meta["id"], Path(path), text, meta["zh"], meta["en"], params, meta.get("derived", ""))
    projection = _PROJECTION_RE.search(text)
    projected = set(re.findall(r"\?(\w+)", projection.group(1))) if projection else set()
    for param in params.values():
        if param.many:
            if not _values_block(param.name).search(text) and not _in_filter(param.name).search(text):
                raise QueryError(f"{path.name}: list parameter {param.name} has no 'VALUES ?{param.name} {{ … }}' "
                                 f"block nor 'FILTER(?{param.name} IN (…))'")
        elif param.name not in projected:
            raise QueryError(f"{path.name}: parameter ?{param.name} must be in the SELECT projection "
                             "(pyoxigraph substitutions require it)")
    return query


def _values_block(name: str) -> re.Pattern[str]:
    return re.compile(r"VALUES\s+\?" + re.escape(name) + r"\s*\{[^{}]*\}")


def _in_filter(name: str) -> re.Pattern[str]:
    return re.compile(r"FILTER\s*\(\s*(?:true\s*\|\|\s*)?\?" + re.escape(name) + r"\s+IN\s*\([^()]*\)\s*\)")


_CACHE: dict[Path, dict[str, CannedQuery]] = {}


def load_queries(directory: Path | None = None) -> dict[str, CannedQuery]:
    """Every canned query of `directory` (default: the project's queries/), by id, sorted by id."""
    directory = Path(directory or resources.queries_dir())
    if directory not in _CACHE:
        found: dict[str, CannedQuery] = {}
        for path in sorted(directory.glob("*.rq")):
            query = parse_query_file(path)
            if query.id in found:
                raise QueryError(f"{path.name}: duplicate query id {query.id!r}")
            found[query.id] = query
        _CACHE[directory] = dict(sorted(found.items()))
    return _CACHE[directory]


def get_query(query_id: str, directory: Path | None = None) -> CannedQuery:
    queries = load_queries(directory)
    if query_id not in queries:
        raise QueryError(f"unknown canned query {query_id!r}; known: {', '.join(queries)}")
    return queries[query_id]


# --- binding --------------------------------------------------------------------------------------

def _term(param: Param, value: Any) -> ox.NamedNode | ox.Literal:
    import pyoxigraph as ox

    xsd = ns.XSD
    if param.type in CODE_TYPES:
        ident = str(value)
        if ident.startswith(ns.CODE):
            ident = ident.rsplit("/", 1)[-1]
        if not _CODE_ID_RE.match(ident):
            raise QueryError(f"parameter {param.name}: {value!r} is not a {param.type} code id")
        return ox.NamedNode(ns.code(param.type, ident))
    if param.type == "decimal":
        try:
            number = Decimal(str(value))
        except InvalidOperation as e:
            raise QueryError(f"parameter {param.name}: {value!r} is not a number") from e
        if not number.is_finite():
            raise QueryError(f"parameter {param.name}: {value!r} is not a finite number")
        return ox.Literal(format(number, "f"), datatype=ox.NamedNode(xsd + "decimal"))
    if param.type == "integer":
        try:
            number = int(str(value))
        except ValueError as e:
            raise QueryError(f"parameter {param.name}: {value!r} is not an integer") from e
        return ox.Literal(str(number), datatype=ox.NamedNode(xsd + "integer"))
    if param.type == "boolean":
        text = str(value).lower()
        if isinstance(value, bool):
            flag = value
        elif text in ("true", "1", "yes"):
            flag = True
        elif text in ("false", "0", "no"):
            flag = False
        else:
            raise QueryError(f"parameter {param.name}: {value!r} is not true or false")
        return ox.Literal("true" if flag else "false", datatype=ox.NamedNode(xsd + "boolean"))
    if param.type == "enum":
        if str(value) not in param.choices:
            raise QueryError(f"parameter {param.name}: {value!r} is not one of {', '.join(param.choices)}")
        return ox.Literal(str(value))
    return ox.Literal(str(value))


def bind(query: CannedQuery, values: dict[str, Any] | None = None) -> BoundQuery:
    """Bind parameters (code ids, numbers, flags) to `query`; defaults fill the rest.

    A value of None means "not given". A list parameter takes a list (or one value); an empty
    list leaves the variable unconstrained.
    """
    values = dict(values or {})
    unknown = sorted(set(values) - set(query.params))
    if unknown:
        raise QueryError(f"query {query.id} has no parameter {', '.join(unknown)}; "
                         f"it takes {', '.join(query.params)}")
    text = query.text
    substitutions: dict[str, Any] = {}
    shown: dict[str, Any] = {}
    lists: dict[str, list[Any]] = {}
    for name, param in query.params.items():
        given = values.get(name)
        if given is None and param.default is not None:
            given = list(param.default) if param.many else param.default[0]
        if given is None:
            if param.required:
                raise QueryError(f"query {query.id} needs the parameter {name} ({param.description})")
            shown[name] = [] if param.many else None
            if param.many:
                lists[name] = []
            continue
        if param.many:
            items = [given] if isinstance(given, (str, int, Decimal)) else list(given)
            terms = [_term(param, item) for item in items]
            lists[name] = terms
            block = "VALUES ?" + name + " { " + (" ".join(str(t) for t in terms) if terms else "UNDEF") + " }"
            text = _values_block(name).sub(lambda _m, block=block: block, text)  # every block of ?name
            condition = (f"FILTER(?{name} IN ({', '.join(str(t) for t in terms)}))" if terms
                         else f"FILTER(true || ?{name} IN ())")
            text = _in_filter(name).sub(lambda _m, condition=condition: condition, text)
            shown[name] = [str(item) for item in items]
        else:
            term = _term(param, given)
            substitutions[name] = term
            shown[name] = term_value(term) if param.type not in CODE_TYPES else str(given).rsplit("/", 1)[-1]
    return BoundQuery(query, text, substitutions, shown, lists)


# --- running --------------------------------------------------------------------------------------

def run(store: ox.Store, bound: BoundQuery, index: FactIndex | None = None) -> list[dict[str, Any]]:
    """Run a bound query; one dict per solution, variable name → plain value (None if unbound).

    With a current fact ``index`` (`yibao.index.fresh.open_current`), a query with a SQL twin is
    answered from it (the same rows); otherwise, and on any error there, by SPARQL over ``store``.
    """
    import pyoxigraph as ox

    if index is not None:
        rows = index.answer(bound)
        if rows is not None:
            return rows

    subs = {ox.Variable(name): term for name, term in bound.substitutions.items()}
    solutions = store.query(bound.sparql, substitutions=subs)
    names = [v.value for v in solutions.variables]
    return [{name: term_value(solution[name]) for name in names} for solution in solutions]


def run_query(store: ox.Store, query_id: str, values: dict[str, Any] | None = None,
              directory: Path | None = None) -> list[dict[str, Any]]:
    """Bind and run the canned query `query_id`."""
    return run(store, bind(get_query(query_id, directory), values))


# --- read-only guard for free-form SPARQL -------------------------------------------------------

UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
_STRIP_RE = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''  # strings
    r'|<[^<>"{}|^`\\\s]*>'  # IRIs
    r'|#[^\n]*'  # comments
)
_UPDATE_RE = re.compile(r"(?<![\w:?$@\-])(" + "|".join(UPDATE_KEYWORDS) + r")(?![\w:\-])", re.I)


def update_keyword(text: str) -> str | None:
    """The first SPARQL Update keyword (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY,
    WITH) outside strings, IRIs and comments, upper-cased; None for a query."""
    m = _UPDATE_RE.search(_STRIP_RE.sub(" ", text))
    return m.group(1).upper() if m else None
