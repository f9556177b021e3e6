"""Query text for a remote endpoint: pyoxigraph substitutions written into the query, and the
rewrites Virtuoso needs.

pyoxigraph binds ``substitutions`` inside the engine: the variable stands for the term everywhere
in the query (subqueries, UNION branches, FILTER EXISTS included) and is still projected. A SPARQL
1.1 endpoint has no such thing, so `inline_substitutions` does the same in the text: every
``?name`` becomes the term, written in its N-Triples form (IRIs of validated code ids, typed
literals — the form escapes every character that could end a string or an IRI, so user text is
never pasted), except that a projected ``?name`` becomes ``(<term> AS ?name)``, one in GROUP BY or
ORDER BY ``(STR(<term>))`` (a constant key, grouping and ordering nothing; Virtuoso would read a bare
integer there as a column number) and ``BOUND(?name)`` ``true``.

Virtuoso (7.2) refuses a transitive property path inside ``FILTER EXISTS { GRAPH <g> { … } }``
("transitive start not given") even with a constant end, and treats ``VALUES ?x { UNDEF }`` as
matching nothing. Nor does it match the zero-length path of ``*`` from a node with no
``skos:broader`` at all (a top concept). Its default graph is the union of all graphs, so
`virtuoso_dialect` writes such a scope test without the ``GRAPH <ontology>`` and without a
transitive path, which with a constant end (a region bound in) matched nothing: ``FILTER(?a = ?b ||
EXISTS { ?a skos:broader ?b } || EXISTS { ?a skos:broader/skos:broader ?b } || …)`` up to
``SCOPE_DEPTH`` steps (the code lists are at most 3 deep), and replaces a scope test whose end is left free
(``VALUES ?scope { UNDEF }`` or never bound — "any scope", always true) by ``true``. A boolean
constant bound to a variable comes back from Virtuoso as the integer 0 or 1; written
``STRDT("false", xsd:boolean)`` it stays a boolean (``"0"^^xsd:boolean``, read back as false). An ``OPTIONAL { … FILTER(…) } FILTER(!BOUND(?v))`` ("no later figure") becomes
the equivalent ``FILTER NOT EXISTS { … }``: Virtuoso evaluates an OPTIONAL's filter without the
variables outside the OPTIONAL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def term_text(term: Any) -> str:
    """The SPARQL (N-Triples) form of a pyoxigraph NamedNode or Literal."""
    import pyoxigraph as ox

    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return str(term)
    raise TypeError(f"cannot bind {term!r}: only IRIs and literals are sent to a SPARQL endpoint")


def _name(variable: Any) -> str:
    return variable if isinstance(variable, str) else str(variable.value)


_REWRITE_RE = re.compile(
    r'(?P<skip>"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r'|<[^<>"{}|^`\\\s]*>|#[^\n]*)'
    r'|(?P<select>\bSELECT\b)|(?P<where>\bWHERE\b)|(?P<brace>[{}])'
    r'|(?P<modifier>\b(?:GROUP|ORDER)\s+BY\b)|(?P<end>\b(?:LIMIT|OFFSET|HAVING|VALUES)\b)'
    r'|(?P<bound>\bBOUND\s*\(\s*[?$](?P<bvar>\w+)\s*\))|(?P<var>[?$](?P<name>\w+))',
    re.I,
)


def inline_substitutions(sparql: str, substitutions: Mapping[Any, Any] | None) -> str:
    """The query with every substituted variable replaced by its term (see the module doc)."""
    if not substitutions:
        return sparql
    terms = {_name(v): term_text(t) for v, t in substitutions.items()}
    out: list[str] = []
    mode = ""  # "select" (projection), "modifier" (GROUP BY / ORDER BY) or "" (patterns)
    last = 0
    for m in _REWRITE_RE.finditer(sparql):
        out.append(sparql[last:m.start()])
        last = m.end()
        text = m.group(0)
        if m.group("skip"):
            out.append(text)
        elif m.group("select"):
            mode = "select"
            out.append(text)
        elif m.group("where") or m.group("brace") or m.group("end"):
            mode = ""
            out.append(text)
        elif m.group("modifier"):
            mode = "modifier"
            out.append(text)
        elif m.group("bound"):
            out.append("true" if m.group("bvar") in terms else text)
        elif m.group("var") and m.group("name") in terms:
            term = terms[m.group("name")]
            out.append(f"({term} AS ?{m.group('name')})" if mode == "select"
                       else f"(STR({term}))" if mode == "modifier" else term)
        else:
            out.append(text)
    out.append(sparql[last:])
    return "".join(out)


_SCOPE_RE = re.compile(
    r"FILTER\s+EXISTS\s*\{\s*GRAPH\s*<(?P<graph>[^<>\s]+)>\s*\{\s*"
    r"(?P<start>\?\w+|<[^<>\s]+>)\s+(?P<path>(?:skos:broader|<http://www\.w3\.org/2004/02/skos/core#broader>)\*)\s+"
    r"(?P<end>\?\w+|<[^<>\s]+>)\s*\}\s*\}")


_PROJECTION_RE = re.compile(r"\bSELECT\b(.*?)(?:\bWHERE\b|\{)", re.S | re.I)


_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
# a boolean bound to a variable (BIND(false AS ?x), a projected substitution): Virtuoso would return
# the integer 0 or 1, but keeps the type of STRDT("false", xsd:boolean)
_BOOLEAN_AS_RE = re.compile(
    r'(\(\s*)(?:(true|false)|"(true|false)"\^\^<' + re.escape(_XSD_BOOLEAN) + r'>)\s+AS\s+\?', re.I)
_UNDEF_RE = re.compile(r"VALUES\s+\?\w+\s*\{\s*UNDEF\s*\}")


SCOPE_DEPTH = 6  # skos:broader steps a scope test follows on Virtuoso (regions are 3 deep, funds 1)


def virtuoso_dialect(sparql: str) -> str:
    """Scope tests over skos:broader* in the form Virtuoso evaluates (see the module doc)."""
    from yibao.graph import namespaces as ns

    def rewrite(m: re.Match[str]) -> str:
        if m.group("graph") != ns.ONTOLOGY_GRAPH:
            return m.group(0)
        end = m.group("end")
        if end.startswith("?"):
            name = re.escape(end[1:])
            var = re.compile(r"[?$]" + name + r"\b")
            values = re.search(r"VALUES\s+\?" + name + r"\s*\{(?!\s*UNDEF\s*\})[^{}]*\}", sparql)
            projected = sum(len(var.findall(p)) for p in _PROJECTION_RE.findall(sparql))
            if not values and len(var.findall(sparql)) - projected <= 1:  # any scope: always true
                return "FILTER(true)"
        start, step = m.group("start"), m.group("path")[:-1]
        chains = " || ".join(f"EXISTS {{ {start} {'/'.join([step] * k)} {end} }}" for k in range(1, SCOPE_DEPTH + 1))
        return f"FILTER({start} = {end} || {chains})"

    # one solution binding nothing is the identity of a join: the block can go
    sparql = _UNDEF_RE.sub("", sparql)
    sparql = _BOOLEAN_AS_RE.sub(lambda m: f'{m.group(1)}STRDT("{m.group(2) or m.group(3)}", <{_XSD_BOOLEAN}>) AS ?',
                                sparql)
    sparql = _optional_unbound_as_not_exists(sparql)
    return _SCOPE_RE.sub(rewrite, sparql)


_NOT_BOUND_RE = re.compile(r"FILTER\s*\(\s*!\s*BOUND\s*\(\s*\?(\w+)\s*\)\s*\)")


def _optional_unbound_as_not_exists(sparql: str) -> str:
    """``OPTIONAL { P FILTER(C) } FILTER(!BOUND(?v))`` (?v bound by P) as ``FILTER NOT EXISTS { P
    FILTER(C) }``: the same solutions, but Virtuoso evaluates an OPTIONAL's filter inside the
    optional group only, blind to the variables outside it, and NOT EXISTS it does evaluate right."""
    for m in reversed(list(_NOT_BOUND_RE.finditer(sparql))):
        head = sparql[:m.start()].rstrip()
        if not head.endswith("}"):
            continue
        depth, i = 0, len(head) - 1
        while i >= 0:  # the brace that opens the group just before the FILTER
            depth += {"}": 1, "{": -1}.get(head[i], 0)
            if depth == 0:
                break
            i -= 1
        opening = re.search(r"OPTIONAL\s*\Z", head[:i])
        body = head[i:]
        if not opening or not re.search(r"\?" + m.group(1) + r"\b", body):
            continue
        sparql = head[:opening.start()] + "FILTER NOT EXISTS " + body + sparql[m.end():]
    return sparql
