"""Checks on a user's SPARQL query before it reaches the parser: size, nesting depth and SERVICE.

Oxigraph's parser recurses once per nested group or parenthesis (thousands of levels overflow the stack
and kill the process), and its SERVICE support makes HTTP requests to any address a query names. The
query text is scanned here — strings, IRIs and comments skipped, ``\\uXXXX`` escapes expanded first as
SPARQL says — so that such a query is refused with one line before anything runs.
"""

from __future__ import annotations

import re

MAX_QUERY_CHARS = 100_000
MAX_NESTING = 64

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_SERVICE = re.compile(r"service", re.IGNORECASE)


class QueryRefused(Exception):
    """A query that will not be run; ``str(e)`` is one line for the user."""


def _expand_escapes(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except (ValueError, OverflowError):
            return m.group(0)

    return _ESCAPE.sub(one, text)


def _code_and_depth(text: str) -> tuple[str, int]:
    """The query with strings, IRIs and comments blanked out, and its deepest nesting of ( { [."""
    out: list[str] = []
    depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" ")
            i = j
        elif c in "'\"":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            out.append(" ")
            i = j + len(quote)
        elif c == "<" and (m := _IRIREF.match(text, i)):
            out.append(" <> ")
            i = m.end()
        else:
            if c in "({[":
                depth += 1
                deepest = max(deepest, depth)
            elif c in ")}]":
                depth = max(depth - 1, 0)
            out.append(c)
            i += 1
    return "".join(out), deepest


def uses_service(code: str) -> bool:
    """Whether the (blanked) query text has the SERVICE keyword — erring on the side of yes."""
    for m in _SERVICE.finditer(code):
        before = code[m.start() - 1] if m.start() else " "
        after = code[m.end()] if m.end() < len(code) else " "
        if before in "?$:" or before.isalnum() or before == "_":
            continue  # ?service, ex:service, myservice
        if after == ":" or after.isalnum() or after in "_-":
            continue  # service: (a prefix), services, service_x
        return True
    return False


def check_query(text: str, allow_service: bool = False, max_chars: int = MAX_QUERY_CHARS,
                max_nesting: int = MAX_NESTING) -> None:
    """Raise ``QueryRefused`` for a query too large, too deeply nested, or calling a SERVICE."""
    if len(text) > max_chars:
        raise QueryRefused(f"query refused: {len(text):,} characters, over the limit of {max_chars:,}")
    code, depth = _code_and_depth(_expand_escapes(text))
    if depth > max_nesting:
        raise QueryRefused(f"query refused: nested {depth} levels deep (groups, brackets or parentheses), "
                           f"over the limit of {max_nesting}")
    if not allow_service and uses_service(code):
        raise QueryRefused("query refused: SERVICE would send requests to another server; "
                           "add --allow-service to allow it")
