"""Narrowing the full graph to what one page should draw: filters, neighbourhoods, the node cap."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

DEFAULT_MAX_NODES = 400  # beyond this vis-network's layout gets slow and the labels unreadable


class VizError(Exception):
    """A view that cannot be drawn (empty store, nothing matches, too many nodes): one line for the user."""


@dataclass
class Filters:
    """What to draw. Regions are code ids; ``policy_types`` are policy code ids (a type and its
    narrower types), ``policy_labels`` exact policy / alliance names; ``answer_rows`` are the rows
    of a ``yibao ask`` answer."""

    regions: list[str] = field(default_factory=list)
    year: int | None = None
    fund: str | None = None
    policy: str | None = None  # as the user wrote it, for messages
    policy_types: set[str] = field(default_factory=set)
    policy_labels: set[str] = field(default_factory=set)
    question: str | None = None
    answer_rows: list[dict[str, Any]] | None = None
    region_names: list[str] = field(default_factory=list)  # as the user wrote them, for messages

    def describe(self) -> str:
        parts = [f"--region {name}" for name in self.region_names]
        if self.year is not None:
            parts.append(f"--year {self.year}")
        if self.fund:
            parts.append(f"--fund {self.fund}")
        if self.policy:
            parts.append(f"--policy {self.policy}")
        if self.question:
            parts.append(f"--question {self.question!r}")
        return " ".join(parts)

    @property
    def empty(self) -> bool:
        return not (self.regions or self.year is not None or self.fund or self.policy or self.question)


def select(g: nx.MultiDiGraph, filters: Filters, max_nodes: int = DEFAULT_MAX_NODES) -> nx.MultiDiGraph:
    """The subgraph to draw (a copy). Node attribute ``shown`` holds the figures to summarise,
    ``answer`` marks the nodes an answer is about. Raises VizError with a one-line reason."""
    reports = [n for n, d in g.nodes(data=True) if d["kind"] == "report"]
    if not reports:
        raise VizError("the store has no reports: run `yibao build` first")
    h = g.copy()
    for node in h:  # copies of the mutable attributes, so that the full graph stays as it is
        h.nodes[node]["reports"] = set(h.nodes[node]["reports"])
        h.nodes[node]["shown"] = [f for f in h.nodes[node]["figures"] if _figure_kept(f, filters)]

    # 1. reports: --year and --fund keep the reports that have figures (or are) of that year / fund
    kept = {n for n in reports if _report_kept(h.nodes[n], filters)}
    _restrict_to_reports(h, kept, filters)

    # 2. focus: a region's neighbourhood, a policy's, an answer's; several filters intersect
    focus: set[str] | None = None
    if filters.regions:
        focus = _region_focus(h, filters.regions)
    if filters.policy_types or filters.policy_labels:
        focus = _meet(focus, _policy_focus(h, filters))
    if filters.answer_rows is not None:
        focus = _meet(focus, _answer_focus(h, filters.answer_rows))
    if focus is not None:
        h.remove_nodes_from([n for n in list(h) if n not in focus])

    # 3. drop what is left unconnected, then hang every region under its ancestors again
    _drop_unconnected(h)
    _add_ancestors(g, h)
    if not any(d["kind"] != "region" or d["shown"] for _, d in h.nodes(data=True)):
        what = filters.describe()
        raise VizError(f"nothing in the store matches {what}" if what else "the store has nothing to draw")
    if h.number_of_nodes() > max_nodes:
        raise VizError(f"{h.number_of_nodes()} nodes would be drawn, more than a browser shows well "
                       f"(limit {max_nodes}); narrow it with {_suggestion(filters)} (or raise --max-nodes)")
    return h


def _figure_kept(figure: Any, filters: Filters) -> bool:
    if filters.year is not None and figure.year != filters.year:
        return False
    return not (filters.fund and filters.fund not in (figure.fund, figure.fund_top))


def _report_kept(data: dict[str, Any], filters: Filters) -> bool:
    if filters.year is not None and data.get("year") != filters.year and not data["shown"]:
        return False
    return not (filters.fund and not data["shown"])


def _restrict_to_reports(h: nx.MultiDiGraph, kept: set[str], filters: Filters) -> None:
    ids = {h.nodes[n]["report_id"] for n in kept}
    for node, data in list(h.nodes(data=True)):
        kind = data["kind"]
        if kind == "report":
            if node not in kept:
                h.remove_node(node)
        elif kind == "fund":
            if (filters.fund and data["fund"] != filters.fund) or not data["reports"] & ids:
                h.remove_node(node)
        elif kind != "region" and not data["reports"] & ids:
            h.remove_node(node)
    for a, b, key, data in list(h.edges(keys=True, data=True)):
        if data["reports"] and not data["reports"] & ids:
            h.remove_edge(a, b, key)


def _regions_below(h: nx.MultiDiGraph, node: str) -> set[str]:
    out, todo = {node}, [node]
    while todo:
        current = todo.pop()
        for child, _, key in h.in_edges(current, keys=True):
            if key == "part_of" and child not in out:
                out.add(child)
                todo.append(child)
    return out


def _neighbours(h: nx.MultiDiGraph, node: str) -> set[str]:
    return set(h.successors(node)) | set(h.predecessors(node))


def _region_focus(h: nx.MultiDiGraph, codes: Iterable[str]) -> set[str]:
    """The regions (and those below them), every policy, alliance, report and measure they touch,
    the other members of their alliances and the funds their reports give figures for."""
    regions: set[str] = set()
    for code in codes:
        node = f"region:{code}"
        if node in h:
            regions |= _regions_below(h, node)
    focus = set(regions)
    for region in regions:
        for other in _neighbours(h, region):
            if h.nodes[other]["kind"] != "region":
                focus.add(other)
    for node in list(focus):
        kind = h.nodes[node]["kind"]
        if kind == "alliance":
            focus |= {n for n in _neighbours(h, node) if h.nodes[n]["kind"] in ("region", "alliance")}
        elif kind == "report":
            focus |= {n for n in h.predecessors(node) if h.nodes[n]["kind"] == "fund"}
    return focus


def _policy_focus(h: nx.MultiDiGraph, filters: Filters) -> set[str]:
    matches = {n for n, d in h.nodes(data=True) if d["kind"] in ("policy", "alliance")
               and (d["label"] in filters.policy_labels or d.get("policy_type") in filters.policy_types)}
    focus = set(matches)
    for node in matches:
        focus |= _neighbours(h, node)
    return focus


def _answer_focus(h: nx.MultiDiGraph, rows: list[dict[str, Any]]) -> set[str]:
    from yibao.graph import namespaces as ns

    by_iri = h.graph.get("nodes_by_iri", {})
    focus: set[str] = set()
    for row in rows:
        region = f"region:{row.get('region_code')}"
        if region in h:
            focus.add(region)
            h.nodes[region]["answer"] = True
        report = f"report:{row.get('report')}"
        if report in h:
            focus.add(report)
        policy = by_iri.get(ns.REPORT + str(row.get("policy"))) if row.get("policy") else None
        if policy in h:
            focus.add(policy)
            h.nodes[policy]["answer"] = True
            if h.nodes[policy]["kind"] == "alliance":
                focus |= {n for n in _neighbours(h, policy) if h.nodes[n]["kind"] in ("region", "alliance")}
    # the figures shown are the answer's own rows
    for node in focus:
        if h.nodes[node]["kind"] == "region":
            code = h.nodes[node]["code"]
            h.nodes[node]["answer_rows"] = [r for r in rows if r.get("region_code") == code]
    return focus


def _meet(focus: set[str] | None, other: set[str]) -> set[str]:
    return other if focus is None else focus & other


def _drop_unconnected(h: nx.MultiDiGraph) -> None:
    """Remove nodes with no edge left, except regions with figures of their own."""
    while True:
        lonely = [n for n, d in h.nodes(data=True) if h.degree(n) == 0 and not (d["kind"] == "region" and d["shown"])]
        # a region with nothing of its own and nothing below it, only "part of" its parent, is noise
        bare = [n for n, d in h.nodes(data=True) if d["kind"] == "region" and not d["shown"]
                and h.in_degree(n) == 0 and all(k == "part_of" for *_, k in h.out_edges(n, keys=True))]
        if not lonely and not bare:
            return
        h.remove_nodes_from(lonely + bare)


def _add_ancestors(g: nx.MultiDiGraph, h: nx.MultiDiGraph) -> None:
    """Every region drawn hangs under its prefecture and province (from the gazetteer)."""
    todo = [n for n, d in h.nodes(data=True) if d["kind"] == "region"]
    while todo:
        node = todo.pop()
        for _, parent, key in g.out_edges(node, keys=True):
            if key != "part_of":
                continue
            if parent not in h:
                h.add_node(parent, **{**g.nodes[parent], "shown": [], "reports": set()})
                todo.append(parent)
            if not h.has_edge(node, parent, "part_of"):
                h.add_edge(node, parent, key="part_of", relation="part_of", reports=set())


def _suggestion(filters: Filters) -> str:
    unused = [flag for flag, used in (("--region", filters.regions), ("--year", filters.year is not None),
                                      ("--fund", filters.fund), ("--policy", filters.policy)) if not used]
    return " or ".join(unused) if unused else "a smaller region"
