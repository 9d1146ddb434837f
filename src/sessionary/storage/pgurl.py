"""A libpq-style PostgreSQL URL turned into ``asyncpg.connect`` keyword arguments.

SQLAlchemy's asyncpg dialect hands a URL's query options to ``asyncpg.connect`` as keyword
arguments, which asyncpg does not take for ``sslmode``, ``sslrootcert`` and the other libpq
options (it takes one ``ssl=``): ``?sslmode=require`` failed with a ``TypeError``. Every place
that connects (the app's engine, the readiness probe, Alembic) goes through ``connect_kwargs``
instead, so one URL means one thing everywhere. Standard library only: the settings check a URL
with it at start without importing SQLAlchemy.
"""

from __future__ import annotations

import math
import re
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
SESSION_ATTRS = ("any", "primary", "standby", "prefer-standby", "read-write", "read-only")
TLS_VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
# Files that only mean something on an encrypted, verified or client-authenticated connection.
SSL_FILES = ("sslrootcert", "sslcert", "sslkey", "sslcrl", "sslpassword")
SSL_OPTIONS = ("sslmode", *SSL_FILES, "ssl_min_protocol_version", "ssl_max_protocol_version")
CHOICES = {
    "target_session_attrs": SESSION_ATTRS,
    "gsslib": ("gssapi", "sspi"),
    "sslnegotiation": ("postgres", "direct"),
    # Accepted because what they ask for is what asyncpg does anyway; other values are refused.
    "gssencmode": ("disable", "prefer"),
    "channel_binding": ("disable", "prefer"),
}
PASSED_AS_IS = ("target_session_attrs", "gsslib", "krbsrvname", "passfile")
PLAIN = ("connect_timeout", "application_name", "fallback_application_name", "options")
LOCATION = ("host", "port", "user", "password", "dbname")
SUPPORTED = (*LOCATION, *SSL_OPTIONS, *PLAIN, *CHOICES, "krbsrvname", "passfile")


class PgUrlError(ValueError):
    """A URL this service cannot connect with; the message names the option, never a password."""


@dataclass
class PgUrl:
    """The parts of a URL: hosts and ports in order (a multi-host URL has several)."""

    hosts: list[str] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    user: str | None = None
    password: str | None = None
    database: str | None = None
    options: dict[str, str] = field(default_factory=dict)


def mask_url(url: str) -> str:
    """The URL with its password and ``sslpassword`` replaced by ``***``: for messages."""
    # Up to the last "@" before the path, as parse_pg_url reads it: a raw "@" in a password
    # must not leave its tail showing.
    masked = re.sub(r"(://[^/?#:@]*:)[^/?#]*@", r"\1***@", url, count=1)
    return re.sub(r"([?&](?:ssl)?password=)[^&#]*", r"\1***", masked)


def parse_pg_url(url: str) -> PgUrl:
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise PgUrlError(f"not a PostgreSQL URL (postgresql://...): {mask_url(url)}")
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    auth, at, hostspec = netloc.rpartition("@")
    parts = PgUrl(database=unquote(path) or None)
    if at:
        user, colon, password = auth.partition(":")
        parts.user = unquote(user) or None
        parts.password = unquote(password) if colon else None
    _set_hosts(parts, hostspec, url)
    parts.options = _query(query, url)
    _apply_location(parts, url)
    return parts


def _set_hosts(parts: PgUrl, hostspec: str, url: str) -> None:
    """``h1:5432,h2:5433``; an IPv6 address in brackets; a socket directory percent-encoded."""
    hosts: list[str] = []
    ports: list[int] = []
    for item in filter(None, hostspec.split(",")):
        match = re.fullmatch(r"(\[[^\]]*\]|[^:]*)(?::(.*))?", item)
        assert match is not None  # the pattern matches any string
        host, port = match.group(1).strip("[]"), match.group(2)
        hosts.append(unquote(host) or "localhost")
        ports.append(_port(port, url) if port else 5432)
    parts.hosts, parts.ports = hosts, ports


def _port(value: str, url: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise PgUrlError(f"port {value!r} is not a port number in {mask_url(url)}")
    return int(value)


def _query(query: str, url: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in SUPPORTED:
            raise PgUrlError(
                f"unsupported option {name!r} in the database URL {mask_url(url)}; "
                f"supported: {', '.join(SUPPORTED)}"
            )
        if name in options:
            raise PgUrlError(f"option {name!r} is given twice in {mask_url(url)}")
        options[name] = value
    return options


def _apply_location(parts: PgUrl, url: str) -> None:
    """libpq lets the query name the host (a socket directory), port, user and database too."""
    options = parts.options
    if "host" in options:
        hosts = [unquote(h) for h in options.pop("host").split(",")]
        ports = parts.ports or [5432]
        parts.hosts = hosts
        parts.ports = ports if len(ports) == len(hosts) else [ports[0]] * len(hosts)
    if "port" in options:
        ports = [_port(p, url) for p in options.pop("port").split(",")]
        count = max(len(parts.hosts), 1)
        if len(ports) not in (1, count):
            raise PgUrlError(f"{len(ports)} ports for {count} hosts in {mask_url(url)}")
        parts.ports = ports * count if len(ports) == 1 else ports
    parts.user = options.pop("user", parts.user)
    parts.password = options.pop("password", parts.password)
    parts.database = options.pop("dbname", parts.database)


def connect_kwargs(url: str) -> dict[str, Any]:
    """``asyncpg.connect`` keyword arguments for ``url``. Only what the URL says is passed:
    asyncpg fills in the rest as libpq does (``PGHOST``, ``PGUSER``, ``PGSSLMODE``, ...)."""
    parts = parse_pg_url(url)
    kwargs: dict[str, Any] = {}
    if parts.hosts:
        single = len(parts.hosts) == 1
        kwargs["host"] = parts.hosts[0] if single else parts.hosts
        kwargs["port"] = parts.ports[0] if single else parts.ports
    for name, value in (("user", parts.user), ("password", parts.password)):
        if value is not None:
            kwargs[name] = value
    if parts.database is not None:
        kwargs["database"] = parts.database
    try:
        kwargs.update(_plain_options(parts.options))
        context = ssl_for(parts.options)
    except PgUrlError as exc:
        raise PgUrlError(f"{exc} (in {mask_url(url)})") from None
    if context is not None:
        kwargs["ssl"] = context
    return kwargs


def _plain_options(options: dict[str, str]) -> dict[str, Any]:
    for name, allowed in CHOICES.items():
        if name in options:
            _one_of(name, options[name], allowed)
    out: dict[str, Any] = {name: options[name] for name in PASSED_AS_IS if name in options}
    if "sslnegotiation" in options:
        out["direct_tls"] = options["sslnegotiation"] == "direct"
    server = {}
    if "options" in options:  # PostgreSQL reads it from the startup packet, as from libpq
        server["options"] = options["options"]
    app_name = options.get("application_name", options.get("fallback_application_name"))
    if app_name is not None:
        server["application_name"] = app_name
    if server:
        out["server_settings"] = server
    timeout = _seconds(options.get("connect_timeout", "0"))
    if timeout > 0:  # libpq: 0 waits forever; here the service's own timeout stays
        out["timeout"] = max(timeout, 2.0)  # libpq counts 1 as 2 seconds
    return out


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not math.isfinite(number) or number < 0:
        raise PgUrlError(f"connect_timeout={value!r} is not a number of seconds")
    return number


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise PgUrlError(f"{name}={value!r} is not supported; use one of: {', '.join(allowed)}")
    return value


def ssl_for(options: dict[str, str]) -> ssl.SSLContext | str | bool | None:
    """What asyncpg's ``ssl=`` gets for the URL's ``sslmode``: None when the URL says nothing
    (asyncpg's default, ``prefer`` or ``PGSSLMODE``); False, ``"allow"`` or ``"prefer"`` for
    the modes that never verify; an SSLContext that refuses a plain connection otherwise."""
    root = options.get("sslrootcert")
    mode = options.get("sslmode")
    if root == "system":  # as libpq 16: the system's CAs, and nothing weaker than verify-full
        if mode not in (None, "verify-full"):
            raise PgUrlError(f"sslrootcert=system needs sslmode=verify-full, not {mode}")
        mode = "verify-full"
    present = [name for name in SSL_OPTIONS if name in options and name != "sslmode"]
    if mode is None and not present:
        return None
    mode = _one_of("sslmode", mode or "prefer", SSL_MODES)
    if mode in ("disable", "allow", "prefer"):
        if present:
            raise PgUrlError(
                f"{present[0]} needs sslmode=require, verify-ca or verify-full (sslmode={mode}"
                " would not use it)"
            )
        return False if mode == "disable" else mode
    return _context(mode, options)


def _context(mode: str, options: dict[str, str]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = _tls(options, "ssl_min_protocol_version", "TLSv1.2")
    if "ssl_max_protocol_version" in options:
        context.maximum_version = _tls(options, "ssl_max_protocol_version", "")
    root = options.get("sslrootcert")
    # libpq: require with a root certificate given checks the chain, as verify-ca does.
    if mode == "require" and root is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        if root is None:
            raise PgUrlError(
                f"sslmode={mode} needs sslrootcert=FILE (the CA that signed the server's"
                " certificate) or sslrootcert=system (the system's trusted CAs)"
            )
        if root == "system":
            context.load_default_certs()
        else:
            _load(context.load_verify_locations, "sslrootcert", root)
        context.check_hostname = mode == "verify-full"
        context.verify_mode = ssl.CERT_REQUIRED
    _client_files(context, options)
    context.set_alpn_protocols(["postgresql"])  # what asyncpg sets on its own contexts
    return context


def _client_files(context: ssl.SSLContext, options: dict[str, str]) -> None:
    if "sslcrl" in options:
        _load(context.load_verify_locations, "sslcrl", options["sslcrl"])
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_CHAIN  # as libpq: every CA's list
    cert, key = options.get("sslcert"), options.get("sslkey")
    if cert is None:
        if key is not None or "sslpassword" in options:
            raise PgUrlError("sslkey and sslpassword need sslcert (the client certificate)")
        return
    password = options.get("sslpassword")

    def load_chain(path: str) -> None:
        context.load_cert_chain(path, keyfile=key, password=password)

    _load(load_chain, "sslcert/sslkey", cert)


def _load(loader: Any, name: str, path: str) -> None:
    try:
        loader(path)
    except FileNotFoundError:
        raise PgUrlError(f"{name}: no such file {path!r}") from None
    except (ssl.SSLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc.strerror or type(exc).__name__
        raise PgUrlError(f"{name}: cannot use {path!r} ({reason})") from None


def _tls(options: dict[str, str], name: str, default: str) -> ssl.TLSVersion:
    value = options.get(name, default)
    if value not in TLS_VERSIONS:
        raise PgUrlError(f"{name}={value!r} is not one of {', '.join(TLS_VERSIONS)}")
    return TLS_VERSIONS[value]
