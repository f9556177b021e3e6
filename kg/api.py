"""The Python API: open a store, build it, and read it as pandas DataFrames.

>>> import yibao
>>> kg = yibao.open(".yibao/store")                     # created on first build
>>> kg.build(["data/reports"])                          # BuildOutcome: loaded, skipped, warnings …
>>> kg.facts(region="株洲", indicator="months_of_cover")  # DataFrame, the columns of `yibao facts --format csv`
>>> kg.ask("哪些地区基金可支付月数低于6个月？")            # DataFrame, the rows of `yibao ask --format json`
>>> kg.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
>>> kg.policies(type="drg")

The command-line interface is a thin layer over the same methods (their ``*_rows`` forms, which
return plain dicts and need no pandas).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd
    import pyoxigraph
    from yibao.ingest.build import BuildOutcome
    from yibao.ingest.refresh import RefreshOutcome
    from yibao.qa.interpret import Answer
    from yibao.viz import Filters, VizOutcome


class KnowledgeGraph:
    """A Yibao store on disk: build it from report files, query it.

    ``store`` defaults to ``$YIBAO_STORE``, else ``.yibao/store``. With ``read_only=True`` the store
    must exist and is never locked for writing, so any number of readers can share it.
    """

    def __init__(self, store: str | Path | None = None, *, read_only: bool = False,
                 endpoint: Any = None) -> None:
        from yibao.graph.store import resolve_store_path

        self.path = resolve_store_path(Path(store) if store is not None else None)
        self.read_only = read_only or endpoint is not None
        self.endpoint = endpoint  # a SPARQL endpoint (URL, yibao.remote Endpoint or RemoteStore) instead
        self._store: pyoxigraph.Store | None = None

    # -- the store ----------------------------------------------------------------------------------
    @property
    def store(self) -> pyoxigraph.Store:
        """The open pyoxigraph store (opened on first use), or the remote SPARQL endpoint, which
        answers the same queries (``yibao.remote.RemoteStore``)."""
        if self._store is None and self.endpoint is not None:
            from yibao.remote.endpoint import Endpoint, RemoteStore

            endpoint = self.endpoint
            if isinstance(endpoint, str):
                endpoint = Endpoint.from_options(endpoint)
            self._store = endpoint if isinstance(endpoint, RemoteStore) else RemoteStore(endpoint)  # type: ignore[assignment]
        if self._store is None:
            from yibao.graph.store import open_store, open_store_read_only

            self._store = open_store_read_only(self.path) if self.read_only else open_store(self.path, create=True)
        return self._store

    def _embedded(self, what: str) -> None:
        if self.endpoint is not None:
            from yibao.remote import RemoteError

            raise RemoteError(f"{what} works on the embedded store; with a SPARQL endpoint, build locally "
                              "and `yibao push` the graphs")

    def close(self) -> None:
        if self._store is not None:
            if not self.read_only:
                self._store.flush()
            self._store = None

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.endpoint is not None:
            return f"KnowledgeGraph(endpoint={str(self.endpoint)!r})"
        return f"KnowledgeGraph({str(self.path)!r}{', read_only=True' if self.read_only else ''})"

    # -- build --------------------------------------------------------------------------------------
    def build(self, paths: Iterable[str | Path] | str | Path | None = None, *, validate: bool = True,
              on_file: Callable[[Path, str | None], None] | None = None, region: str | None = None,
              year: int | None = None, period: str | None = None,
              manifest: str | Path | None = None, max_file_mb: float | None = 20.0,
              file_timeout: float | None = 60.0, lenient: bool = False,
              outcome: BuildOutcome | None = None, jobs: int = 1, force: bool = False) -> BuildOutcome:
        """Extract report files (or folders of .txt files), validate them and replace their graphs.

        ``on_file(path, reason)`` is called after each file (``reason`` is why it was skipped, or None).
        ``region`` (a code or a name), ``year`` and ``period`` (``2023``, ``2023-Q1``, ``2023-H1``,
        ``2023-04``) are stated for every file, and a ``manifest`` CSV (columns file,region,year,period,
        any empty; a file matched by name or path) states them per file: what is stated replaces what
        the text says, with a warning where they disagree. A file over ``max_file_mb`` or whose
        extraction takes longer than ``file_timeout`` seconds is skipped (None: no limit); ``lenient``
        replaces a few undecodable bytes. The store is opened for writing only while reports are written.
        ``jobs`` processes extract (0: one per core); a file unchanged since it was loaded is skipped
        unless ``force``.
        Raises ``BuildError`` for a bad period or manifest and ``UnknownCode`` for an unknown region name.
        """
        from yibao import resources
        from yibao.graph.store import StoreError
        from yibao.ingest.build import BuildError, StoreSession, build
        from yibao.ingest.pool import available_cores

        self._embedded("build")
        from yibao.ingest.metadata import Overrides, parse_period

        if paths is None:
            paths = [resources.sample_reports_dir()]
        elif isinstance(paths, (str, Path)):
            paths = [paths]
        try:
            year, _ = parse_period(period, year)
        except ValueError as e:
            raise BuildError(str(e)) from e
        overrides = Overrides(str(region) if region is not None else None, year, period)
        if self.read_only:
            raise StoreError(f"{self.path} was opened read-only; open it with read_only=False to build")
        # An open store keeps its lock; otherwise the build takes it only while writing.
        session = StoreSession(self._store, self.path) if self._store is not None else StoreSession(path=self.path)
        return build(session, [Path(p) for p in paths], shacl=validate, on_file=on_file,
                     overrides=overrides or None, manifest=Path(manifest) if manifest is not None else None,
                     max_file_bytes=int(max_file_mb * 1_000_000) if max_file_mb else None,
                     file_timeout=file_timeout or None, lenient=lenient, outcome=outcome,
                     jobs=jobs or available_cores(), force=force)

    def refresh(self, on_start: Callable[[int, int], None] | None = None,
                limit: int | None = None) -> RefreshOutcome:
        """Read again, from the files they were read from, the reports another extractor version made
        (after an upgrade their graphs may not have the form the queries read); the query commands
        of the CLI do this first, for up to ``$YIBAO_REFRESH`` (200) reports. ``on_start(to_read,
        stale)`` is called when there is work; nothing is done when there are more than ``limit``."""
        from yibao.ingest.refresh import refresh_stale

        self._embedded("refresh")
        if self.read_only and self._store is not None:
            from yibao.graph.store import StoreError

            raise StoreError(f"{self.path} is open read-only; refresh before the first query")
        return refresh_stale(self, on_start, limit=limit)

    def export(self, fmt: str = "turtle", output: str | Path | None = None) -> int:
        """Serialise the whole store (turtle, trig, nquads or jsonld) to ``output`` or stdout."""
        from yibao.graph.store import export

        self._embedded("export")
        return export(self.store, fmt, Path(output) if output is not None else None)

    # -- facts --------------------------------------------------------------------------------------
    def resolve(self, scheme: str, text: str | None) -> str | None:
        """A code list id from an id, a Chinese or English name (raises ``UnknownCode`` with suggestions)."""
        from yibao.graph.facts import resolve_code

        return None if text is None else resolve_code(self.store, scheme, str(text))

    def fact_rows(self, region: str | None = None, year: int | None = None, fund: str | None = None,
                  indicator: str | None = None) -> list[dict[str, Any]]:
        """The rows of ``yibao facts --format json`` (dicts in ``FACT_COLUMNS`` order)."""
        from yibao.graph.facts import fact_rows

        return fact_rows(self.store, region=self.resolve("region", region), year=year,
                         fund=self.resolve("fund", fund), indicator=self.resolve("indicator", indicator))

    def iter_fact_rows(self, region: str | None = None, year: int | None = None, fund: str | None = None,
                       indicator: str | None = None) -> Iterator[dict[str, Any]]:
        """The rows of `fact_rows`, in the same order, read one report at a time (bounded memory)."""
        from yibao.graph.facts import iter_fact_rows

        return iter_fact_rows(self.store, region=self.resolve("region", region), year=year,
                              fund=self.resolve("fund", fund), indicator=self.resolve("indicator", indicator))

    def facts(self, region: str | None = None, year: int | None = None, fund: str | None = None,
              indicator: str | None = None) -> pd.DataFrame:
        """The tidy fact table: one row per observation with its quote and offsets.

        ``region`` takes a code or a name and includes the regions below it.
        """
        import pandas as pd
        from yibao.model import FACT_COLUMNS

        return pd.DataFrame(self.fact_rows(region, year, fund, indicator), columns=list(FACT_COLUMNS))

    def unmapped_rows(self, reason: str | None = None) -> list[dict[str, Any]]:
        """The rows of ``yibao facts --unmapped --format json``."""
        from yibao.graph.facts import unmapped_rows

        return unmapped_rows(self.store, reason)

    def unmapped(self, reason: str | None = None) -> pd.DataFrame:
        """Figures of the reports that became no observation: quote, label words and reason
        (unknown_label, no_unit, ambiguous, unsupported, damaged)."""
        import pandas as pd
        from yibao.graph.facts import UNMAPPED_COLUMNS

        return pd.DataFrame(self.unmapped_rows(reason), columns=list(UNMAPPED_COLUMNS))

    # -- questions ----------------------------------------------------------------------------------
    def answer(self, question: str, lang: str = "auto") -> Answer:
        """The full answer (template, parameters, SPARQL, rows, notes); raises ``QAError`` if it cannot."""
        from yibao.qa.interpret import ask

        answer = ask(self.store, question, lang=lang, path=None if self.endpoint is not None else self.path)
        if self._made_by_another_extractor():
            from yibao.qa.answer import _t

            answer.notes.append(_t(answer.lang, "图中有报告是由旧版本的抽取程序读取的，答案可能不是最新的：请运行 yibao build 重新读取",
                                   "some reports in this store were read by an older version of the extractor, so "
                                   "answers may lag behind: run `yibao build` to read them again"))
        return answer

    def _made_by_another_extractor(self) -> int:
        """How many extractor versions other than this one made the local store's reports (0: none, or
        not a local store with a registry): its answers may then lag behind this version's reading."""
        if self.endpoint is not None or self.path is None:
            return 0
        from yibao.graph.registry import read_extractor_versions
        from yibao.ingest.incremental import cached_extractor_version

        versions = read_extractor_versions(self.path)
        if not versions:
            return 0
        return len(versions - {cached_extractor_version()})

    def ask(self, question: str, lang: str = "auto") -> pd.DataFrame:
        """Answer a question in Chinese or English: the rows of ``yibao ask --format json``.

        ``df.attrs`` holds the template, parameters, SPARQL and notes.
        """
        import pandas as pd

        answer = self.answer(question, lang)
        frame = pd.DataFrame(answer.rows, columns=list(answer.keys))
        frame.attrs.update(question=question, template=answer.template, parameters=answer.parameters,
                           sparql=answer.sparql, notes=list(answer.notes))
        return frame

    def sparql(self, query: str, allow_service: bool = False) -> pd.DataFrame | bool:
        """Run a read-only SPARQL query: SELECT → a DataFrame of Python values, ASK → bool,
        CONSTRUCT/DESCRIBE → a DataFrame of subject, predicate, object. Updates are refused, and so
        are SERVICE (unless ``allow_service``), very large and very deeply nested queries."""
        import pandas as pd
        import pyoxigraph as ox
        from yibao.graph.guard import QueryRefused, check_query
        from yibao.qa.queries import QueryError, term_value, update_keyword

        try:
            check_query(query, allow_service=allow_service)
        except QueryRefused as e:
            raise QueryError(str(e)) from None
        keyword = update_keyword(query)
        if keyword:
            raise QueryError(f"refused: {keyword} is a SPARQL update; only read-only queries run here")
        result = self.store.query(query)
        if isinstance(result, (bool, ox.QueryBoolean)):
            return bool(result)
        if hasattr(result, "variables"):  # pyoxigraph QuerySolutions or remote solutions
            names = [v.value for v in result.variables]
            return pd.DataFrame([[term_value(s[n]) for n in names] for s in result], columns=names)
        return pd.DataFrame([(t.subject.value, t.predicate.value, term_value(t.object)) for t in result],
                            columns=["subject", "predicate", "object"])

    # -- policies -----------------------------------------------------------------------------------
    def policy_rows(self, region: str | None = None, type: str | None = None) -> list[dict[str, Any]]:  # noqa: A002
        """The rows of ``yibao policies --format json``."""
        from yibao.graph.policy_table import policy_rows

        return policy_rows(self.store, region=self.resolve("region", region),
                           policy_type=self.resolve("policy", type))

    def policies(self, region: str | None = None, type: str | None = None) -> pd.DataFrame:  # noqa: A002
        """Policies and programmes with their regions, status, start, parameters and source quote."""
        import pandas as pd
        from yibao.graph.policy_table import POLICY_COLUMNS

        return pd.DataFrame(self.policy_rows(region, type), columns=list(POLICY_COLUMNS))

    # -- the browser graph --------------------------------------------------------------------------
    def viz_filters(self, region: str | Iterable[str] | None = None, year: int | None = None,
                    fund: str | None = None, policy: str | None = None,
                    question: str | None = None, lang: str = "auto") -> Filters:
        """Names resolved to codes (``UnknownCode`` with suggestions if unknown); a question answered."""
        from yibao.viz import Filters

        names = [region] if isinstance(region, str) else list(region or [])
        filters = Filters(regions=[self.resolve("region", name) for name in names], region_names=names,
                          year=year, fund=self.resolve("fund", fund), policy=policy, question=question)
        if policy:
            labels = {row["policy"] for row in self.policy_rows()}
            if policy in labels:  # a policy or alliance by its name, e.g. 五市联盟
                filters.policy_labels = {policy}
            else:  # a policy type (and its narrower types), e.g. drg, 带量采购, 支付方式改革
                from yibao.graph.policy_table import _types_under

                filters.policy_types = _types_under(self.store, self.resolve("policy", policy))
        if question:
            filters.answer_rows = self.answer(question, lang).rows
        return filters

    def viz_graph(self, region: str | Iterable[str] | None = None, year: int | None = None,
                  fund: str | None = None, policy: str | None = None, question: str | None = None,
                  max_nodes: int | None = None) -> nx.MultiDiGraph:
        """The networkx graph ``viz`` would draw (for notebooks: layouts, centrality, exports)."""
        from yibao.viz import DEFAULT_MAX_NODES, subgraph

        filters = self.viz_filters(region, year, fund, policy, question)
        return subgraph(self.store, filters, max_nodes or DEFAULT_MAX_NODES)

    def viz(self, output: str | Path = "graph.html", region: str | Iterable[str] | None = None,
            year: int | None = None, fund: str | None = None, policy: str | None = None,
            question: str | None = None, max_nodes: int | None = None) -> VizOutcome:
        """Write the knowledge graph as one self-contained HTML page (pyvis; works offline).

        No filter: the overview (regions in their hierarchy, funds, policies, alliances, reports).
        ``region`` (one or several) narrows it to their neighbourhood, ``year`` / ``fund`` to the reports
        with such figures, ``policy`` to a policy type or a named policy / alliance, ``question`` to the
        subgraph answering a ``yibao ask`` question. Raises ``VizError`` (nothing written) on an empty
        store, a filter that matches nothing, or more than ``max_nodes`` nodes.
        """
        from yibao.viz import DEFAULT_MAX_NODES, draw

        filters = self.viz_filters(region, year, fund, policy, question)
        return draw(self.store, filters, output, max_nodes or DEFAULT_MAX_NODES)


def open(store: str | Path | None = None, *, read_only: bool = False, endpoint: Any = None,  # noqa: A001
         **options: Any) -> KnowledgeGraph:
    """Open (or, on first build, create) a Yibao store; or, with ``endpoint="http://…/query"`` (and
    ``user``, ``password``, ``auth``, ``timeout`` options), read a shared SPARQL server instead."""
    if endpoint is not None and options:
        from yibao.remote.endpoint import Endpoint

        endpoint = Endpoint.from_options(str(endpoint), **options)
    elif options:
        raise TypeError(f"options {', '.join(options)} only apply with an endpoint")
    return KnowledgeGraph(store, read_only=read_only, endpoint=endpoint)

