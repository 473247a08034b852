"""Server URLs: validating what the user typed, and building endpoint URLs from paths.

``ApiMap`` plays the role of the official SDK's ``CVAT_API_V2`` (``host``, ``base``,
``make_endpoint_url``) and adds :meth:`ApiMap.url_for`, which turns what the ORM passes to
``Client.request`` (an ``/api/...`` path, or an absolute ``next`` link) into the URL to send to.
It refuses absolute URLs on another host: the session would send our credentials there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from cvatorm.exceptions import InvalidHostException
from cvatorm.wire.resource import api_path

__all__ = ["ALLOWED_SCHEMES", "ApiMap", "SplitUrl", "split_server_url"]

ALLOWED_SCHEMES = ("https", "http")
_DEFAULT_PORTS = {"https": 443, "http": 80}


@dataclass(frozen=True)
class SplitUrl:
    """A server URL as the user gave it: ``scheme`` is ``""`` when none was given."""

    scheme: str
    netloc: str
    path: str

    def with_scheme(self, scheme: str) -> str:
        return f"{scheme}://{self.netloc}{self.path}"


def split_server_url(url: str) -> SplitUrl:
    """Validate a server URL, with or without a scheme; raise ``InvalidHostException``.

    Accepted: ``host``, ``host:port``, ``scheme://host[:port][/prefix]`` with scheme http or
    https. Refused: other schemes, user info (a password in a URL leaks into every log line),
    query strings, fragments, bad ports, empty hosts. Messages never repeat user info.
    """
    if not isinstance(url, str) or not url.strip():
        raise InvalidHostException("the server URL is empty")
    url = url.strip()
    scheme = ""
    rest = url
    if "://" in url:
        scheme, rest = url.split("://", 1)
        scheme = scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            raise InvalidHostException(
                f"invalid URL scheme {scheme!r}: expected none, {' or '.join(ALLOWED_SCHEMES)}"
            )
    try:
        parts = urlsplit("//" + rest)
        port = parts.port
    except ValueError as exc:
        raise InvalidHostException(f"malformed server URL: {exc}") from None
    if "@" in parts.netloc:
        raise InvalidHostException(
            "the server URL must not contain user info; pass credentials to login() instead"
        )
    if not parts.hostname or any(c.isspace() for c in rest) or parts.netloc.endswith(":"):
        raise InvalidHostException(f"malformed server URL {url!r}: no host name")
    if parts.query or parts.fragment or "?" in rest or "#" in rest:
        raise InvalidHostException(f"the server URL {url!r} must not have a query or fragment")
    if port == 0:
        raise InvalidHostException(f"malformed server URL {url!r}: port 0")
    return SplitUrl(scheme, parts.netloc, parts.path.rstrip("/"))


class ApiMap:
    """Builds URLs on one server. ``host`` is ``scheme://host[:port][/prefix]``."""

    def __init__(self, host: str) -> None:
        self.host = host.rstrip("/")
        self.base = self.host + api_path()
        parts = urlsplit(self.host)
        self._scheme = parts.scheme
        self._hostname = (parts.hostname or "").lower()
        self._port = parts.port or _DEFAULT_PORTS.get(parts.scheme)

    def __repr__(self) -> str:
        return f"ApiMap({self.host!r})"

    @property
    def origin(self) -> str:
        """``scheme://host[:port]``: what browsers send as ``Origin`` (default port dropped)."""
        port = "" if self._port == _DEFAULT_PORTS.get(self._scheme) else f":{self._port}"
        host = f"[{self._hostname}]" if ":" in self._hostname else self._hostname
        return f"{self._scheme}://{host}{port}"

    @property
    def server_id(self) -> str:
        """A normalized identity of the server: the origin plus any path prefix."""
        return self.origin + urlsplit(self.host).path.rstrip("/")

    def make_endpoint_url(
        self,
        path: str,
        *,
        psub: Sequence[Any] = (),
        kwsub: Mapping[str, Any] | None = None,
        query_params: Mapping[str, Any] | None = None,
    ) -> str:
        """``host + path`` with ``{}``/``{name}`` placeholders filled (URL-quoted) and a query.

        ``make_endpoint_url("/api/tasks/{id}/data", kwsub={"id": 7},
        query_params={"quality": "compressed"})`` is ``<host>/api/tasks/7/data?quality=compressed``.
        """
        if psub or kwsub:
            path = path.format(
                *(quote(str(v), safe="") for v in psub),
                **{k: quote(str(v), safe="") for k, v in (kwsub or {}).items()},
            )
        url = self.host + path
        if query_params:
            url += "?" + urlencode(
                {k: v for k, v in query_params.items() if v is not None}, doseq=True
            )
        return url

    def url_for(self, path_or_url: str) -> str:
        """The absolute URL for an ``/api/...`` path or an absolute URL on this server.

        An absolute URL on this host name is rebased onto ``host`` (so a ``next`` link built
        by a server behind a TLS-terminating proxy, ``http://`` for our ``https://``, still
        goes where our credentials are meant to go). Another host is refused.
        """
        if path_or_url.startswith("/"):
            return self.host + path_or_url
        parts = urlsplit(path_or_url)
        if parts.scheme not in ALLOWED_SCHEMES or not parts.netloc:
            raise InvalidHostException(
                f"expected a path on the server or an absolute URL, not {path_or_url!r}"
            )
        if (parts.hostname or "").lower() != self._hostname:
            raise InvalidHostException(
                f"refusing to send a request for {self.host} to another host: "
                f"{parts.scheme}://{parts.hostname}"
            )
        origin_path = urlsplit(self.host).path.rstrip("/")
        path = parts.path
        if origin_path and path.startswith(origin_path + "/"):
            path = path[len(origin_path) :]
        rebased = urlsplit(self.host)
        return urlunsplit((rebased.scheme, rebased.netloc, rebased.path + path, parts.query, ""))
