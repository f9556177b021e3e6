"""Fact rows of one report, made from its `Report` model exactly as SPARQL reads them from its graph."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from yibao.graph import namespaces as ns
from yibao.graph.rdf import decimal_lexical, observation_iri, policy_iri

if TYPE_CHECKING:
    from yibao.model import Observation, Report

_LIMIT = Decimal(10) ** 20  # DECIMAL(38, 18): 20 integer digits


class Inexact(ValueError):
    """A figure the index cannot hold exactly (the index is then not used until it is rebuilt)."""


def exact_decimal(text: str) -> Decimal:
    """The decimal of ``text`` if DECIMAL(38, 18) holds it exactly; raises Inexact otherwise."""
    d = Decimal(text)
    if not d.is_finite() or abs(d) >= _LIMIT or d.as_tuple().exponent < -18:  # type: ignore[operator]
        raise Inexact(f"figure {text!r} does not fit the index exactly")
    return d


def _properties(report_id: str, obs: Observation) -> dict[str, str | None]:
    """Each column the observation's triples give (None: no such triple)."""
    policy = obs.policy if obs.policy and not obs.policy.startswith("measure-") else None
    return {
        "region": ns.code("region", obs.region) if obs.region else None,
        "year": str(int(obs.year)), "period": ns.period_iri(obs.period), "fund": ns.code("fund", obs.fund),
        "indicator": ns.code("indicator", obs.indicator), "basis": ns.code("basis", obs.basis),
        "statistic": ns.code("statistic", obs.statistic), "value_text": decimal_lexical(obs.value),
        "unit": ns.code("unit", obs.unit), "surface": obs.surface, "quote": obs.quote,
        "start": str(int(obs.start)), "end": str(int(obs.end)),
        "policy": policy_iri(report_id, policy) if policy else None,
        "qualifier": ns.code("qualifier", obs.qualifier) if obs.qualifier else None,
        "approximation": ns.code("approximation", obs.approximation) if obs.approximation != "exact" else None,
    }


_MULTI = ("region", "year", "period", "fund", "indicator", "basis", "statistic", "value_text", "unit", "surface",
          "quote", "start", "end", "policy", "qualifier", "approximation")


def report_rows(report: Report) -> list[tuple[Any, ...]]:
    """One row per observation (in `schema.FACT_COLUMNS` order), sorted.

    Observations sharing an IRI are one node in the graph: a property with several values then gives
    one row per combination, as the SPARQL join does. Raises Inexact for a figure the index cannot hold.
    """
    graph, source = ns.report_graph(report.id), ns.report_iri(report.id)
    nodes: dict[str, dict[str, set[str | None]]] = {}
    for obs in report.observations:
        props = _properties(report.id, obs)
        node = nodes.setdefault(observation_iri(report.id, obs), {name: set() for name in _MULTI})
        for name, value in props.items():
            if value is not None:
                node[name].add(value)
    rows = []
    for iri, node in sorted(nodes.items()):
        choices = [sorted(node[name]) or [None] for name in _MULTI]  # type: ignore[type-var]
        for combo in itertools.product(*choices):
            p = dict(zip(_MULTI, combo))
            rows.append((graph, iri, source, p["region"], int(p["year"]), p["period"], p["fund"], p["indicator"],
                         p["basis"], p["statistic"], p["value_text"], exact_decimal(p["value_text"]), p["unit"],
                         p["surface"], p["quote"], int(p["start"]), int(p["end"]), p["policy"], p["qualifier"],
                         p["approximation"]))
    return rows

