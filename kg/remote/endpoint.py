"""A SPARQL 1.1 endpoint that answers like a pyoxigraph Store (through SPARQLWrapper).

The read code (canned queries, fact and policy tables, question context, viz) only ever calls
``store.query(sparql, substitutions={Variable: term})`` and reads solutions as ``s["name"]`` →
pyoxigraph term (or None), ``solutions.variables``. That is the `Backend` protocol; the embedded
``pyoxigraph.Store`` satisfies it and so does `RemoteStore`, which sends the query (substitutions
as a VALUES block, see `yibao.remote.sparql`) and turns the JSON results back into pyoxigraph
terms, so both give the same rows.

Credentials come from options or the environment (``YIBAO_ENDPOINT_USER``,
``YIBAO_ENDPOINT_PASSWORD``, ``YIBAO_ENDPOINT_AUTH`` = basic | digest), never from a file.
"""

from __future__ import annotations

import ast
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from hashlib import sha1
from typing import TYPE_CHECKING, Any, Protocol

from yibao.remote.errors import ENDPOINT_ENV, RemoteError
from yibao.remote.sparql import inline_substitutions, virtuoso_dialect

if TYPE_CHECKING:
    import pyoxigraph as ox

UPDATE_ENV = "YIBAO_UPDATE_ENDPOINT"
GRAPH_STORE_ENV = "YIBAO_GRAPH_STORE"
USER_ENV = "YIBAO_ENDPOINT_USER"
PASSWORD_ENV = "YIBAO_ENDPOINT_PASSWORD"
AUTH_ENV = "YIBAO_ENDPOINT_AUTH"
TIMEOUT_ENV = "YIBAO_ENDPOINT_TIMEOUT"
AUTH_METHODS = ("basic", "digest")
DEFAULT_TIMEOUT = 60.0


class Backend(Protocol):
    """What the read code needs of a store: pyoxigraph.Store and RemoteStore both are one."""

    def query(self, query: str, *, substitutions: Mapping[Any, Any] | None = None) -> Any: ...


@dataclass(frozen=True)
class Endpoint:
    """Where a SPARQL server is and how to talk to it."""

    query_url: str
    update_url: str | None = None  # default: query_url (Virtuoso, Fuseki-style single endpoints)
    graph_store_url: str | None = None  # SPARQL 1.1 Graph Store HTTP Protocol, if the server has one
    user: str | None = None
    password: str | None = None
    auth: str = "basic"
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_options(cls, url: str | None = None, *, update_url: str | None = None,
                     graph_store_url: str | None = None, user: str | None = None,
                     password: str | None = None, auth: str | None = None,
                     timeout: float | None = None) -> Endpoint:
        """Options first, then the environment; every URL checked. Raises RemoteError."""
        env = os.environ
        url = url or env.get(ENDPOINT_ENV)
        if not url:
            raise RemoteError(f"no SPARQL endpoint: pass --endpoint URL or set {ENDPOINT_ENV}")
        auth = (auth or env.get(AUTH_ENV) or "basic").lower()
        if auth not in AUTH_METHODS:
            raise RemoteError(f"unknown authentication {auth!r}; choose one of {', '.join(AUTH_METHODS)}")
        if timeout is None:
            text = env.get(TIMEOUT_ENV)
            try:
                timeout = float(text) if text else DEFAULT_TIMEOUT
            except ValueError:
                raise RemoteError(f"{TIMEOUT_ENV}={text!r} is not a number of seconds") from None
        if timeout <= 0:
            raise RemoteError(f"the timeout must be a positive number of seconds, not {timeout}")
        user = user if user is not None else env.get(USER_ENV)
        password = password if password is not None else env.get(PASSWORD_ENV)
        if password is not None and not user:
            raise RemoteError(f"a password needs a user (--user or {USER_ENV})")
        return cls(check_url(url), check_url(update_url or env.get(UPDATE_ENV)),
                   check_url(graph_store_url or env.get(GRAPH_STORE_ENV)), user or None,
                   password if user else None, auth, float(timeout))

    def with_timeout(self, timeout: float) -> Endpoint:
        return replace(self, timeout=timeout)

    @property
    def updates(self) -> str:
        return self.update_url or self.query_url

    def __str__(self) -> str:
        return self.query_url


def check_url(url: str | None) -> Any:
    """An http(s) URL with a host, or RemoteError naming what is wrong."""
    if url is None:
        return None
    parsed = urllib.parse.urlsplit(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise RemoteError(f"bad endpoint URL {url!r}: give an http:// or https:// URL with a host, "
                          "e.g. http://127.0.0.1:7878/query")
    try:
        parsed.port  # noqa: B018 — raises ValueError on a bad port
    except ValueError:
        raise RemoteError(f"bad endpoint URL {url!r}: the port is not a number from 0 to 65535") from None
    if parsed.username or parsed.password:
        raise RemoteError(f"bad endpoint URL {url!r}: give credentials with --user/--password or "
                          f"{USER_ENV}/{PASSWORD_ENV}, not inside the URL")
    return url.strip()


# --- errors ---------------------------------------------------------------------------------------

def _server_text(error: BaseException) -> str:
    """The first meaningful line of what the server answered (SPARQLWrapper keeps it in the message)."""
    text = str(error)
    if "Response:\n" in text:
        raw = text.split("Response:\n", 1)[1].strip()
        try:
            value = ast.literal_eval(raw)
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        except (ValueError, SyntaxError):
            text = raw
    elif isinstance(error, urllib.error.HTTPError):
        try:
            text = error.read().decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 — the body is only a hint
            text = ""
    import re

    text = re.sub(r"<[^>]+>", " ", text)  # HTML error pages
    for line in text.splitlines():
        line = " ".join(line.split())
        if line and not line.lower().startswith("<!doctype"):
            return line[:300]
    return ""


def translate(error: BaseException, url: str, timeout: float, what: str = "query") -> RemoteError:
    """Any failure talking to the server as one line."""
    from SPARQLWrapper.SPARQLExceptions import (
        EndPointInternalError,
        EndPointNotFound,
        QueryBadFormed,
        SPARQLWrapperException,
        Unauthorized,
        URITooLong,
    )

    detail = _server_text(error)
    suffix = f": {detail}" if detail else ""
    if isinstance(error, Unauthorized) or (isinstance(error, urllib.error.HTTPError) and error.code == 401):
        return RemoteError(f"the SPARQL server at {url} refused the credentials (401 Unauthorized): "
                           f"check --user/--password/--auth or {USER_ENV}/{PASSWORD_ENV}/{AUTH_ENV}")
    if isinstance(error, urllib.error.HTTPError) and error.code == 403:
        return RemoteError(f"the SPARQL server at {url} forbids this {what} (403 Forbidden){suffix}")
    if isinstance(error, EndPointNotFound) or (isinstance(error, urllib.error.HTTPError) and error.code == 404):
        return RemoteError(f"no SPARQL endpoint at {url} (404 Not Found): check the URL")
    if isinstance(error, QueryBadFormed):
        return RemoteError(f"the SPARQL server at {url} rejected the {what} (400 Bad Request){suffix}")
    if isinstance(error, URITooLong):
        return RemoteError(f"the SPARQL server at {url} refused a {what} that is too long (414)")
    if isinstance(error, EndPointInternalError):
        return RemoteError(f"the SPARQL server at {url} failed on the {what} (500){suffix}")
    if isinstance(error, urllib.error.HTTPError):
        return RemoteError(f"the SPARQL server at {url} answered {error.code} {error.reason}{suffix}")
    if isinstance(error, SPARQLWrapperException):
        return RemoteError(f"the SPARQL server at {url} answered with an error{suffix}")
    if isinstance(error, (socket.timeout, TimeoutError)) or "timed out" in str(error):
        return RemoteError(f"the SPARQL server at {url} did not answer within {timeout:g} s "
                           f"(--timeout or {TIMEOUT_ENV})")
    if isinstance(error, urllib.error.URLError):
        reason = error.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return RemoteError(f"the SPARQL server at {url} did not answer within {timeout:g} s "
                               f"(--timeout or {TIMEOUT_ENV})")
        if isinstance(reason, ConnectionRefusedError):
            return RemoteError(f"cannot reach the SPARQL server at {url}: connection refused (is it running?)")
        if isinstance(reason, socket.gaierror):
            return RemoteError(f"cannot reach the SPARQL server at {url}: unknown host")
        return RemoteError(f"cannot reach the SPARQL server at {url}: {getattr(reason, 'strerror', None) or reason}")
    if isinstance(error, (ConnectionError, OSError)):
        return RemoteError(f"cannot reach the SPARQL server at {url}: {error.strerror or error}"
                           if isinstance(error, OSError) and error.strerror
                           else f"cannot reach the SPARQL server at {url}: {type(error).__name__}")
    if isinstance(error, ValueError):  # an answer that is not SPARQL results
        return RemoteError(f"the server at {url} did not answer with SPARQL results: is it a SPARQL endpoint?")
    return RemoteError(f"the SPARQL server at {url} failed: {type(error).__name__}: {error}".splitlines()[0])


# --- results as pyoxigraph terms -------------------------------------------------------------------

def to_term(binding: Mapping[str, str] | None) -> Any:
    """A SPARQL JSON results binding as a pyoxigraph term."""
    import pyoxigraph as ox

    if binding is None:
        return None
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        label = value if value.replace("_", "").isalnum() and value[:1].isalpha() else \
            "b" + sha1(value.encode("utf-8")).hexdigest()[:16]
        return ox.BlankNode(label)
    language = binding.get("xml:lang")
    if language:
        return ox.Literal(value, language=language)
    datatype = binding.get("datatype")
    if datatype == "http://www.w3.org/2001/XMLSchema#boolean":  # Virtuoso writes 1 and 0
        value = {"1": "true", "0": "false"}.get(value, value)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(datatype))
    return ox.Literal(value)


class RemoteSolution:
    """One solution: ``s["name"]``, ``s[Variable]`` or ``s[i]`` → pyoxigraph term or None."""

    __slots__ = ("_names", "_terms")

    def __init__(self, names: list[str], terms: list[Any]) -> None:
        self._names = names
        self._terms = terms

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int):
            return self._terms[key]
        name = key if isinstance(key, str) else key.value
        try:
            return self._terms[self._names.index(name)]
        except ValueError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[Any]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)


class RemoteSolutions:
    """SELECT results, like pyoxigraph.QuerySolutions: ``.variables`` and iteration."""

    def __init__(self, names: list[str], rows: list[RemoteSolution]) -> None:
        import pyoxigraph as ox

        self.variables = [ox.Variable(n) for n in names]
        self._rows = rows

    def __iter__(self) -> Iterator[RemoteSolution]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


# --- the remote store -----------------------------------------------------------------------------

class RemoteStore:
    """A SPARQL endpoint with the query interface of pyoxigraph.Store (read-only here)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._server: str | None = None  # the Server header, read on the first exchange

    @property
    def server(self) -> str:
        """The server's software as its HTTP Server header says (e.g. ``Virtuoso/07.20.3229 …``)."""
        if self._server is None:
            self._probe()
        return self._server or ""

    @property
    def is_virtuoso(self) -> bool:
        return "virtuoso" in self.server.lower()

    def _probe(self) -> None:
        self._server = ""
        self._send("ASK {}")

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint.query_url!r})"

    def _wrapper(self, url: str) -> Any:
        from SPARQLWrapper import DIGEST, POST, SPARQLWrapper

        wrapper = SPARQLWrapper(url, updateEndpoint=self.endpoint.updates, agent="yibao-kg")
        wrapper.setMethod(POST)
        wrapper.setTimeout(max(1, int(round(self.endpoint.timeout))))
        if self.endpoint.user:
            wrapper.setCredentials(self.endpoint.user, self.endpoint.password or "")
            if self.endpoint.auth == "digest":
                wrapper.setHTTPAuth(DIGEST)
        return wrapper

    def query(self, query: str, *, substitutions: Mapping[Any, Any] | None = None, **_: Any) -> Any:
        """SELECT → RemoteSolutions, ASK → bool, CONSTRUCT/DESCRIBE → list of pyoxigraph Triples."""
        try:
            text = inline_substitutions(query, substitutions)
        except (ValueError, TypeError) as e:
            raise RemoteError(f"cannot bind the query's parameters: {e}") from None
        if self.is_virtuoso:
            text = virtuoso_dialect(text)
        return self._send(text)

    def _send(self, text: str) -> Any:
        from SPARQLWrapper import JSON, TURTLE

        url = self.endpoint.query_url
        wrapper = self._wrapper(url)
        wrapper.setQuery(text)
        kind = wrapper.queryType
        graph_result = kind in ("CONSTRUCT", "DESCRIBE")
        wrapper.setReturnFormat(TURTLE if graph_result else JSON)
        try:
            response = wrapper.query()
            if self._server is None or self._server == "":
                self._server = response.response.headers.get("Server", "") or ""
            if graph_result:
                return self._triples(response.response.read())
            payload = response.convert()
        except RemoteError:
            raise
        except Exception as e:  # noqa: BLE001 — every failure of the exchange is one line
            raise translate(e, url, self.endpoint.timeout) from None
        if not isinstance(payload, dict):
            raise RemoteError(f"the server at {url} did not answer with SPARQL JSON results")
        if "boolean" in payload:
            return bool(payload["boolean"])
        names = list(payload.get("head", {}).get("vars", []))
        rows = [RemoteSolution(names, [to_term(b.get(n)) for n in names])
                for b in payload.get("results", {}).get("bindings", [])]
        return RemoteSolutions(names, rows)

    def _triples(self, data: bytes) -> list[ox.Triple]:
        import pyoxigraph as ox

        try:
            return list(ox.parse(data, format=ox.RdfFormat.TURTLE))
        except (SyntaxError, ValueError) as e:
            raise RemoteError(f"the server at {self.endpoint.query_url} sent a graph that does not parse: "
                              f"{str(e).splitlines()[0] if str(e) else e}") from None

    def update(self, update: str) -> None:
        """Run a SPARQL Update on the update endpoint."""
        from SPARQLWrapper import POST, POSTDIRECTLY

        url = self.endpoint.updates
        wrapper = self._wrapper(url)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(POSTDIRECTLY)
        wrapper.setQuery(update)
        try:
            wrapper.query().response.read()
        except Exception as e:  # noqa: BLE001
            raise translate(e, url, self.endpoint.timeout, "update") from None

    def ask_alive(self) -> None:
        """Raise RemoteError unless the endpoint answers ``ASK {}``."""
        result = self.query("ASK {}")
        if not isinstance(result, bool):
            raise RemoteError(f"the server at {self.endpoint.query_url} did not answer ASK with a boolean")

    # -- SPARQL 1.1 Graph Store HTTP Protocol --------------------------------------------------------
    def _opener(self, url: str) -> urllib.request.OpenerDirector:
        handlers: list[Any] = []
        if self.endpoint.user:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, url, self.endpoint.user, self.endpoint.password or "")
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager) if self.endpoint.auth == "digest"
                            else urllib.request.HTTPBasicAuthHandler(manager))
        return urllib.request.build_opener(*handlers)

    def graph_store(self, method: str, graph_iri: str | None, data: bytes | None = None,
                    content_type: str = "application/n-triples") -> bytes:
        """PUT / DELETE / GET / HEAD one named graph (None: the default graph) through the Graph Store
        HTTP Protocol."""
        base = self.endpoint.graph_store_url
        if not base:
            raise RemoteError("no Graph Store Protocol URL (--graph-store)")
        sep = "&" if "?" in base else "?"
        url = f"{base}{sep}" + ("default" if graph_iri is None else f"graph={urllib.parse.quote(graph_iri, safe='')}")
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", content_type)
        if self.endpoint.user and self.endpoint.auth == "basic":
            import base64

            token = base64.b64encode(f"{self.endpoint.user}:{self.endpoint.password or ''}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with self._opener(url).open(request, timeout=self.endpoint.timeout) as response:
                return response.read()
        except Exception as e:  # noqa: BLE001
            raise translate(e, base, self.endpoint.timeout, "graph upload") from None


def connect(url: str | None = None, **options: Any) -> RemoteStore:
    """A RemoteStore for `url` (else $YIBAO_ENDPOINT); options as `Endpoint.from_options`."""
    return RemoteStore(Endpoint.from_options(url, **options))
