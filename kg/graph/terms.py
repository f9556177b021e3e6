"""RDF terms as plain Python values."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def term_value(term: Any) -> Any:
    """A pyoxigraph term as a plain Python value: IRIs as str, numbers as Decimal/int, bool, str."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype is not None else ""
        local = datatype.rsplit("#", 1)[-1]
        if local in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger", "gYear"):
            try:
                return int(term.value)
            except ValueError:
                return term.value
        if local in ("decimal", "double", "float"):
            try:
                return Decimal(term.value)
            except InvalidOperation:
                return term.value
        if local == "boolean":
            return term.value in ("true", "1")
        return term.value
    return term.value
