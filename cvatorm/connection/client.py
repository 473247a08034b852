"""``Client``: a connection to one CVAT server, with CVAT's semantics on top of the transport.

The transport moves bytes; the client knows CVAT: where the server is (scheme detection, like
the official SDK: https first, then http with a warning), how to log in and out (session cookie
plus CSRF, or a personal access token), the organization context (``X-Organization``), the
server version check, background requests, the server's capabilities (read once from its
schema), and ``client.tasks``-style managers for every resource the models layer registers.

Everything the ORM needs goes through :meth:`Client.request` (see docs/internals/architecture.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import requests
from packaging.version import Version

from cvatorm._sentinels import INHERIT, Inherit
from cvatorm.connection.account import AccountMixin
from cvatorm.connection.api_map import ApiMap, split_server_url
from cvatorm.connection.background import BackgroundRequest, wait_for_request
from cvatorm.connection.capability_store import STORE, CapabilityEntry, DiskCache
from cvatorm.connection.config import Config
from cvatorm.connection.credentials import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AccessTokenCredentials,
    BearerAuth,
    CredentialsLike,
    PasswordCredentials,
    SessionCsrfAuth,
    TokenAuth,
    coerce_credentials,
)
from cvatorm.connection.lowlevel import LowLevelApi
from cvatorm.connection.organization import OrganizationContext, check_slug
from cvatorm.connection.redaction import Redactor
from cvatorm.connection.server_info import ServerInfoMixin
from cvatorm.connection.transport import Timeout, Transport
from cvatorm.connection.usernames import UsernameCache
from cvatorm.connection.versions import is_supported, parse_server_version, supported_range
from cvatorm.exceptions import (
    ApiException,
    AuthenticationError,
    ConfigurationError,
    IncompatibleVersionException,
    InvalidArgumentError,
    InvalidHostException,
    NotFoundError,
    TransportError,
    UnauthorizedError,
)
from cvatorm.progress import reporting, resolve_progress
from cvatorm.wire.capabilities import (
    ResourceCapabilities,
    bundled_capabilities,
    read_schema_capabilities,
)
from cvatorm.wire.endpoints import ABOUT, LOGIN, LOGOUT, SELF_USER, request_path

__all__ = ["Client", "make_client", "register_resource_accessor"]

_LOGGER = logging.getLogger("cvatorm.connection")
_DETECT_TIMEOUT = (5.0, 5.0)
# What CVAT answers to wrong credentials: 400 (login serializer), 401, 403 (disabled user...).
_AUTH_FAILURE_STATUSES = frozenset({400, 401, 403})

#: ``client.<name>`` for each resource: filled by the models layer when a model class is
#: created (the manager of that model bound to the client), so this layer never imports it.
_RESOURCE_ACCESSORS: dict[str, Callable[[Client], Any]] = {}


def register_resource_accessor(name: str, accessor: Callable[[Client], Any]) -> None:
    """Make ``client.<name>`` return ``accessor(client)`` (``client.tasks``: ``Task.objects``
    bound to the client). Called by the model metaclass; names must not shadow the client's."""
    if name in vars(Client):
        raise ValueError(f"a resource cannot be named {name!r}: Client already has it")
    _RESOURCE_ACCESSORS[name] = accessor


class Client(ServerInfoMixin, AccountMixin):
    """A connection to one CVAT server.

    ``url`` may omit the scheme: then https is tried first and http second (with a warning, as
    in the official SDK). ``InvalidHostException`` means a malformed URL, an unsupported scheme,
    or no CVAT server answering. With ``check_server_version`` the version is checked at once
    (a warning or ``IncompatibleVersionException``, see :mod:`cvatorm.connection.versions`).
    """

    def __init__(
        self,
        url: str,
        *,
        config: Config | None = None,
        logger: logging.Logger | None = None,
        check_server_version: bool = True,
    ) -> None:
        if not isinstance(url, str):
            raise InvalidArgumentError("url", url, "a server URL (str)")
        if logger is not None and not isinstance(logger, logging.Logger | logging.LoggerAdapter):
            raise InvalidArgumentError("logger", logger, "a logging.Logger or None")
        self.logger = logger or _LOGGER
        self.config = config or Config()
        if not isinstance(self.config, Config):
            raise ConfigurationError(f"config must be a Config, not {type(self.config).__name__}")
        self._redactor = Redactor()
        self._transport = Transport(self.config, logger=self.logger, redactor=self._redactor)
        self._org = OrganizationContext()
        self._capability_entry: CapabilityEntry | None = None
        #: The ``version`` of ``/api/server/about`` once asked (None: not asked, or no answer).
        self._server_version: str | None = None
        self._version_asked = False
        self._usernames = UsernameCache()
        self._user: str | None = None
        self._token_key: str | None = None
        try:
            split = split_server_url(url)
            scheme = split.scheme or self._detect_scheme(split.with_scheme)
            self.api_map = ApiMap(split.with_scheme(scheme))
            if check_server_version:
                self.check_server_version()
        except BaseException:
            self._transport.close()
            raise

    # ------------------------------------------------------------------ identity

    @property
    def session(self) -> requests.Session:
        """The ``requests.Session`` every request of this client goes through."""
        return self._transport.session

    @property
    def transport(self) -> Transport:
        return self._transport

    @property
    def server_id(self) -> str:
        """``scheme://host[:port]`` (plus a path prefix, if any), normalized."""
        return self.api_map.server_id

    @property
    def usernames(self) -> UsernameCache:
        """Which user each username names, as this client's saves resolved them (a small TTL
        cache: ``job.assignee = "alice"`` asks the server once, not once per save)."""
        return self._usernames

    @property
    def user(self) -> str | None:
        """The user name of the last password login (``None`` for tokens or no login)."""
        return self._user

    def __repr__(self) -> str:
        auth = "logged in" if self.has_credentials() else "anonymous"
        who = f" as {self._user!r}" if self._user and self.has_credentials() else ""
        return f"<Client {self.api_map.host} {auth}{who} organization={self.organization_slug!r}>"

    # ------------------------------------------------------------------ scheme detection

    def _detect_scheme(self, url_with: Callable[[str], str]) -> str:
        if self._answers_like_cvat(url_with("https")):
            return "https"
        self.logger.warning(
            "Failed to connect to the server using HTTPS; will attempt HTTP instead"
        )
        self.logger.warning(
            "To avoid this probe, explicitly add 'https://' or 'http://' to the server URL"
        )
        if self._answers_like_cvat(url_with("http")):
            return "http"
        raise InvalidHostException(
            "failed to find a CVAT server at this address over https or http; check the URL, "
            "or give the scheme ('https://' or 'http://') explicitly"
        )

    def _answers_like_cvat(self, host: str) -> bool:
        """One quick probe of ``/api/server/about``: 200 (or 401 on old servers) means CVAT."""
        try:
            response = self.session.get(
                ApiMap(host).url_for(ABOUT),
                timeout=_DETECT_TIMEOUT,
                allow_redirects=False,  # an http -> https redirect is not "CVAT over http"
            )
        except requests.exceptions.RequestException as exc:
            self.logger.debug("probe of %s failed: %s", host, type(exc).__name__)
            return False
        with response:
            return response.status_code in (200, 401)

    # ------------------------------------------------------------------ requests

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        organization: str | Inherit | None = INHERIT,
        timeout: Timeout | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """Send a request to this server; return the response (status < 400) or raise.

        ``path`` is ``/api/...`` or an absolute URL on this server. ``organization``:
        ``INHERIT`` the current context, ``None`` none, ``""`` the personal workspace, a slug.
        Raises ``ApiException`` subclasses for error statuses and ``TransportError`` when the
        server cannot be reached after the configured retries.
        """
        url, merged = self._prepare(path, organization, headers)
        return self._transport.send(
            method,
            url,
            params=params,
            json=json,
            data=data,
            files=files,
            headers=merged,
            timeout=timeout,
            stream=stream,
        )

    def _prepare(
        self,
        path: str,
        organization: str | Inherit | None,
        headers: Mapping[str, str] | None,
    ) -> tuple[str, dict[str, str]]:
        """The absolute URL and the headers (organization first, explicit ones winning)."""
        slug = self._org.get() if organization is INHERIT else check_slug(organization)
        merged = OrganizationContext.headers_for(slug)
        if headers:
            merged.update(headers)
        return self.api_map.url_for(path), merged

    # ------------------------------------------------------------------ authentication

    def login(self, credentials: CredentialsLike) -> None:
        """Log in with ``(user, password)``, ``PasswordCredentials`` or ``AccessTokenCredentials``.

        A password login opens a session (``sessionid`` cookie; unsafe requests then carry
        ``X-CSRFToken``). A token is sent as ``Authorization: Bearer`` and checked at once with
        ``GET /api/users/self``. Failure raises ``AuthenticationError`` and leaves the client
        logged out.
        """
        creds = coerce_credentials(credentials)
        # No lock is held across these requests (a lock held over the network stalls every
        # other thread behind a slow server): log in once, before sharing the client.
        if self.has_credentials():
            self.logout()
        if isinstance(creds, AccessTokenCredentials):
            self._login_with_token(creds)
        else:
            self._login_with_password(creds)

    def _login_with_password(self, creds: PasswordCredentials) -> None:
        self._redactor.add(creds.password)
        try:
            response = self.request(
                "POST",
                LOGIN,
                json={"username": creds.user, "password": creds.password},
                organization=None,
            )
        except ApiException as exc:
            self._clear_credentials()
            if exc.status not in _AUTH_FAILURE_STATUSES:
                raise
            raise AuthenticationError.from_error(
                f"login as {creds.user!r} at {self.api_map.host} failed: {exc}", exc
            ) from None
        for name in (SESSION_COOKIE, CSRF_COOKIE):
            self._redactor.add(self.session.cookies.get(name))
        key = _json_or_none(response)
        key = key.get("key") if isinstance(key, Mapping) else None
        if self.session.cookies.get(SESSION_COOKIE):
            self.session.auth = SessionCsrfAuth(self.session.cookies, self.api_map.origin)
        elif isinstance(key, str) and key:
            # A server that authenticates but sets no session cookie: use the returned key.
            self._redactor.add(key)
            self._token_key = key
            self.session.auth = TokenAuth(key)
        else:
            self._clear_credentials()
            raise AuthenticationError(
                f"login as {creds.user!r} at {self.api_map.host} returned neither a session "
                "cookie nor a key",
                status=response.status_code,
            )
        self._user = creds.user
        self.logger.info("Logged in to %s as %r", self.api_map.host, creds.user)

    def _login_with_token(self, creds: AccessTokenCredentials) -> None:
        self._redactor.add(creds.token)
        self.session.auth = BearerAuth(creds.token)
        try:
            self.request("GET", SELF_USER, organization=None)
        except ApiException as exc:
            self._clear_credentials()
            if exc.status not in _AUTH_FAILURE_STATUSES:
                raise
            raise AuthenticationError.from_error(
                f"the access token was rejected by {self.api_map.host}: {exc}", exc
            ) from None
        self.logger.info("Authenticated to %s with an access token", self.api_map.host)

    def has_credentials(self) -> bool:
        """Is there a session cookie or a token that requests will carry?"""
        return self.session.auth is not None or SESSION_COOKIE in self.session.cookies

    def logout(self) -> None:
        """End the server session (if any) and forget every credential. Idempotent."""
        if not self.has_credentials():
            return
        # A personal access token is not a session: there is nothing to end server-side
        # (the token stays valid until it is revoked), so nothing is sent.
        server_session = SESSION_COOKIE in self.session.cookies or self._token_key
        try:
            if server_session:
                self.request("POST", LOGOUT, organization=None)
        except UnauthorizedError:
            self.logger.debug("session already ended on the server")
        finally:
            self._clear_credentials()
        self.logger.info("Logged out of %s", self.api_map.host)

    def _clear_credentials(self) -> None:
        self._usernames.clear()  # another user may see other users
        self.session.auth = None
        self.session.cookies.clear()
        self._user = None
        self._token_key = None

    def close(self) -> None:
        """Release the connection pool. Does not log out (use ``logout()`` or ``with``)."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.logout()
        except Exception:
            if exc_type is None:
                raise
            # Do not let a failing logout hide the exception that ended the block.
            self.logger.warning("logout on exit failed", exc_info=True)
        finally:
            self.close()

    # ------------------------------------------------------------------ organizations

    @property
    def organization_slug(self) -> str | None:
        """The organization of this thread's/task's requests: ``None``, ``""`` or a slug."""
        return self._org.get()

    @organization_slug.setter
    def organization_slug(self, slug: str | None) -> None:
        self._org.set(slug)

    @property
    def default_organization_slug(self) -> str | None:
        """The slug seen by threads and tasks that have not set their own (shared)."""
        return self._org.default

    @default_organization_slug.setter
    def default_organization_slug(self, slug: str | None) -> None:
        self._org.default = slug

    @contextmanager
    def organization_context(self, slug: str | None) -> Iterator[None]:
        """Use ``slug`` in this thread/task for the ``with`` block, then restore the previous."""
        with self._org.use(slug):
            yield

    # ------------------------------------------------------------------ versions

    def get_server_version(self) -> Version:
        """The server's version, from ``GET /api/server/about``."""
        response = self.request("GET", ABOUT, organization=None)
        about = _json_or_none(response)
        if not isinstance(about, Mapping):
            raise InvalidHostException(f"{self.api_map.host} does not answer like a CVAT server")
        self._version_asked = True
        version = parse_server_version(about.get("version"))
        # Remembered for the capabilities (bundled and cached per server version).
        self._server_version = str(about["version"])
        return version

    def check_server_version(self, fail_if_unsupported: bool | None = None) -> None:
        """Warn about (or, with ``fail_if_unsupported``, refuse) an unsupported server.

        ``fail_if_unsupported=None`` follows ``not config.allow_unsupported_server``. Raises
        ``InvalidHostException`` when nothing that looks like CVAT answers.
        """
        if fail_if_unsupported is None:
            fail_if_unsupported = not self.config.allow_unsupported_server
        try:
            version = self.get_server_version()
        except (NotFoundError, TransportError) as exc:
            raise InvalidHostException(
                f"no CVAT server answers at {self.api_map.host}: {exc}"
            ) from exc
        except (ApiException, IncompatibleVersionException) as exc:
            message = (
                f"Failed to retrieve the server version: {exc}. "
                "Some cvatorm functions may not work properly with this server."
            )
            self.logger.warning(message)
            if fail_if_unsupported:
                raise IncompatibleVersionException(message) from exc
            return
        if not is_supported(version):
            message = (
                f"Server version {version} is not supported by cvatorm (supported: "
                f"{supported_range()}). Some cvatorm functions may not work properly."
            )
            self.logger.warning(message)
            if fail_if_unsupported:
                raise IncompatibleVersionException(message)

    # ------------------------------------------------------------------ background requests

    def wait_for_completion(
        self,
        rq_id: str,
        *,
        status_check_period: float | None = None,
        log_prefix: str | None = None,
        timeout: float | None = None,
        progress: object = None,
    ) -> tuple[BackgroundRequest, requests.Response]:
        """Poll ``/api/requests/<rq_id>`` until it finishes; return ``(request, response)``.

        Polls quickly at first and backs off to ``status_check_period`` (default
        ``Config.status_check_period``), so a request that takes the server 0.1 s returns about
        0.1 s later. ``progress`` (a reporter, ``True`` for tqdm, a cvat-sdk reporter) receives
        the server's ``progress`` as a percentage. Raises ``BackgroundRequestException`` (with
        the server's message) if it fails and ``OperationTimeoutError`` if ``timeout`` seconds
        (default ``Config.background_timeout``) pass first.
        """
        reporter = resolve_progress(progress)

        def fetch(request_id: str) -> requests.Response:
            return self.request("GET", request_path(request_id))

        def report(request: BackgroundRequest) -> None:
            if request.progress is not None:
                reporter.update(round(request.progress * 100, 1))

        with reporting(reporter, 100, desc=log_prefix or "Waiting for the server", unit="%"):
            found = wait_for_request(
                fetch,
                rq_id,
                status_check_period=(
                    self.config.status_check_period
                    if status_check_period is None
                    else status_check_period
                ),
                timeout=self.config.background_timeout if timeout is None else timeout,
                log_prefix=log_prefix,
                logger=self.logger,
                on_poll=report,
            )
            reporter.update(100)
        return found

    # ------------------------------------------------------------------ low-level API

    @property
    def api_client(self) -> LowLevelApi:
        """The official SDK's low-level access: ``client.api_client.server_api.retrieve_about()``
        returns ``(about, response)``; see :mod:`cvatorm.connection.lowlevel`."""
        return LowLevelApi(self)

    # ------------------------------------------------------------------ capabilities

    def capabilities(self, list_path: str) -> ResourceCapabilities:
        """What the list at ``list_path`` (``/api/tasks``) can filter, sort and search on.

        Found without downloading the schema when possible
        (docs/internals/capabilities-cache.md): the table bundled for the server's version
        (2.64.x), else one this process or an earlier one (``Config.cache_dir``) read from the
        same server and version, else the server's
        schema, read once per server and version per process. The bundled 2.64 table answers a
        list the schema does not describe, or a schema that cannot be used.
        """
        entry = self._capability_entry
        if entry is None:
            entry = self._capability_entry = self._find_capabilities(complete=False)
        found = entry.table.get(list_path)
        if found is None and not entry.complete:
            # The bundled table does not know this list: the server's schema may.
            entry = self._capability_entry = self._find_capabilities(complete=True)
            found = entry.table.get(list_path)
        return found if found is not None else bundled_capabilities(list_path)

    @property
    def capability_source(self) -> str | None:
        """Where this client's capabilities came from: ``"bundled"``, ``"disk"``, ``"schema"``,
        ``"unusable schema"``, or None before the first query needed them."""
        entry = self._capability_entry
        return entry.source if entry is not None else None

    def _find_capabilities(self, *, complete: bool) -> CapabilityEntry:
        if not self._version_asked:
            # Not checked at construction (check_server_version=False): one small request
            # rather than the schema, which a bundled or cached table makes unnecessary.
            try:
                self.get_server_version()
            except (ApiException, IncompatibleVersionException, InvalidHostException) as exc:
                self._version_asked = True
                self.logger.debug("server version unknown (%s): reading its schema", exc)
        return STORE.get(
            self.server_id,
            self._server_version,
            read_schema=lambda: read_schema_capabilities(self),
            disk=DiskCache(self.config.cache_dir),
            complete=complete,
        )

    # ------------------------------------------------------------------ resources

    def __getattr__(self, name: str) -> Any:
        """``client.tasks``: the ``Task.objects`` manager bound to this client (cvat-sdk's
        repositories: ``retrieve``, ``list``, ``create``, ``create_from_data``...)."""
        accessor = _RESOURCE_ACCESSORS.get(name) if not name.startswith("_") else None
        if accessor is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        # Kept on the instance: later reads are plain attribute reads, and the same object.
        return self.__dict__.setdefault(name, accessor(self))


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def make_client(
    host: str,
    *,
    port: int | str | None = None,
    credentials: CredentialsLike | None = None,
    access_token: str | None = None,
    config: Config | None = None,
    logger: logging.Logger | None = None,
    check_server_version: bool = True,
) -> Client:
    """Create a client for ``host`` (optionally ``port``) and log in when credentials are given.

    ``credentials`` and ``access_token`` exclude each other, and so do a port in ``host`` and
    ``port``: both are a ``ConfigurationError`` raised before any request.
    """
    if credentials is not None and access_token is not None:
        raise ConfigurationError(
            "'credentials' and 'access_token' cannot be used together; pass only one"
        )
    if not isinstance(host, str) or not host.strip():  # typed, before any request
        raise InvalidArgumentError("host", host, "a server URL or host name (str)")
    # Credentials are checked before the client exists: its construction already talks to the
    # server (scheme detection, version check).
    token = AccessTokenCredentials(access_token) if access_token is not None else None
    creds = coerce_credentials(credentials) if credentials is not None else None
    host = host.strip()
    split_server_url(host)  # a malformed URL ("http://") fails here, before any request
    url = host.rstrip("/")
    if port is not None:
        split = split_server_url(url)
        netloc_port = split.netloc.rsplit("]", 1)[-1]
        if ":" in netloc_port:
            raise ConfigurationError(
                "the host already has a port and 'port' was given too; specify only one"
            )
        # The official SDK's own examples pass the port as a string ("8080").
        if isinstance(port, str) and port.strip().isdigit():
            port = int(port)
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise ConfigurationError(f"port must be a number in 1..65535, not {port!r}")
        prefix = f"{split.scheme}://" if split.scheme else ""
        url = f"{prefix}{split.netloc}:{port}{split.path}"
    client = Client(url, config=config, logger=logger, check_server_version=check_server_version)
    try:
        if token is not None:
            client.login(token)
        elif creds is not None:
            client.login(creds)
    except BaseException:
        client.close()
        raise
    return client
