"""Helpers the node twins share: parameters, scope conditions, SPARQL's multiplicities and ORDER BY."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    from yibao.qa.queries import BoundQuery


def scalar(bound: BoundQuery, name: str) -> Any:
    """The substituted term's lexical value (None when free)."""
    term = bound.substitutions.get(name)
    return None if term is None else term.value


def items(bound: BoundQuery, name: str) -> list[str]:
    """A list parameter's values (IRIs or strings) as VALUES or IN gets them, duplicates kept ([]: any)."""
    return [term.value for term in bound.lists.get(name, [])]


def year(bound: BoundQuery, name: str = "year") -> int | None:
    value = scalar(bound, name)
    return None if value is None else int(value)


def in_scope(column: str) -> str:
    """``column`` (a region) is $region or below it, or $region is free (SQL with named parameters)."""
    return (f"($any_region OR {column} = $region OR EXISTS (SELECT 1 FROM ancestors a "
            f"WHERE a.concept = {column} AND a.ancestor = $region))")


def region_args(bound: BoundQuery) -> dict[str, Any]:
    region = scalar(bound, "regionScope")
    return {"any_region": region is None, "region": region or ""}


def scope_filter(column: str, name: str) -> str:
    """SQL: ``column`` is one of the list $``name`` or below one of them, or the list is free ($any_``name``)."""
    return (f"($any_{name} OR list_contains(${name}, {column}) OR EXISTS (SELECT 1 FROM ancestors a "
            f"WHERE a.concept = {column} AND list_contains(${name}, a.ancestor)))")


def scope_args(name: str, values: list[str]) -> dict[str, Any]:
    return {f"any_{name}": not values, name: sorted(set(values)) or [""]}


def count_equal(values: Sequence[str], value: Any) -> int:
    """How many solutions a ``VALUES ?x { … }`` joined with a row whose ?x-compared value is ``value``
    gives: 1 with no values (UNDEF), else how many values equal it."""
    if not values:
        return 1
    return sum(1 for v in values if v == value)


class Scopes:
    """``VALUES ?scope { … }`` with ``FILTER EXISTS { ?x skos:broader* ?scope }``: a row is repeated once
    per scope value that is ``x`` itself or an ancestor of it (once when no value is given)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, values: list[str]) -> None:
        self.values = values
        self.above: dict[str, set[str]] = {}
        if values:
            for concept, ancestor in con.execute("SELECT concept, ancestor FROM ancestors WHERE "
                                                 "list_contains(?, ancestor)", [sorted(set(values))]).fetchall():
                self.above.setdefault(concept, set()).add(ancestor)

    def times(self, concept: str | None) -> int:
        if not self.values:
            return 1
        if concept is None:
            return 0
        above = self.above.get(concept, set())
        return sum(1 for v in self.values if v == concept or v in above)


def order_key(*values: Any) -> tuple:
    """A sort key as SPARQL's ORDER BY orders one type per key: unbound first, then by value."""
    return tuple((0,) if v is None else (1, v) for v in values)


def repeat(rows: Iterable[dict[str, Any]], times: Iterable[int]) -> list[dict[str, Any]]:
    return [dict(row) for row, n in zip(rows, times) for _ in range(n)]


def any_multi(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """A node of ``table`` has a property with several values (the twins then leave it to SPARQL)."""
    return bool(con.execute(f"SELECT coalesce(bool_or(multi), false) FROM {table}").fetchone()[0])


def zipped(fetched: list[tuple], keys: tuple[str, ...], names: list[str], params: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows as `run` gives them: one dict per fetched tuple (its columns named ``keys``), keys in ``names``
    order, a name that is no column taking the parameter's value, ``value`` as a Decimal."""
    rest = [name for name in names if name not in keys]
    columns = [name for name in names if name in keys]
    position = {key: i for i, key in enumerate(keys)}
    if names != columns + rest:  # a parameter among the columns: the general way
        return [{name: row[position[name]] if name in position else params.get(name) for name in names}
                for row in _decimals(fetched, keys)]
    constants = tuple(params.get(name) for name in rest)
    pick = [position[name] for name in columns]
    if pick != list(range(len(keys))):
        fetched = [tuple(row[i] for i in pick) for row in fetched]
    out = [dict(zip(names, row + constants)) for row in fetched]
    if "value" in columns:
        for row in out:
            row["value"] = Decimal(row["value"])
    return out


def _decimals(fetched: list[tuple], keys: tuple[str, ...]) -> list[tuple]:
    if "value" not in keys:
        return fetched
    i = keys.index("value")
    return [(*row[:i], Decimal(row[i]), *row[i + 1:]) for row in fetched]


def project(rows: list[dict[str, Any]], names: list[str], params: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows keyed by ``names`` in order, a name that is no key of the row taking the parameter's value."""
    return [{name: row[name] if name in row else params.get(name) for name in names} for row in rows]
