"""Which ``SESSIONARY_*`` variables exist: the unknown-variable check at start and the list
the configuration reference prints beside the settings."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from .config import PREFIX, Settings, SettingsError

# Variables read outside Settings, all known to the unknown-variable check and listed in the
# reference: (name, meaning).
OTHER_VARIABLES = (
    ("SESSIONARY_SERVER", "the CLI's `--server`: call this server instead of the database"),
    ("SESSIONARY_KEY", "the CLI's `--key`: the API key for `--server`"),
    ("SESSIONARY_SCHEMA_NOTE", "internal: set by `serve` for its workers; do not set it"),
    ("SESSIONARY_PGBOUNCER", "tests: the PgBouncer binary (default `/usr/sbin/pgbouncer`)"),
    ("SESSIONARY_CHROMIUM", "tests: the Chromium binary (default `/usr/bin/chromium`)"),
)


def known_variables() -> frozenset[str]:
    settings = (PREFIX + name.upper() for name in Settings.model_fields)
    return frozenset((*settings, *(name for name, _ in OTHER_VARIABLES)))


def unknown_variables(environ: Mapping[str, str], plugin_prefixes: Iterable[str] = ()) -> list[str]:
    """One line per ``SESSIONARY_*`` variable nothing reads, with the closest known name.
    ``plugin_prefixes``: the ``SESSIONARY_<NAME>_`` of installed plug-in dialects, whose
    variables the plug-in itself validates."""
    known = known_variables()
    prefixes = tuple(plugin_prefixes)
    lines = []
    for name in sorted(environ):
        if not name.startswith(PREFIX) or name in known or name.startswith(prefixes):
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        lines.append(f"{name}: not a sessionary setting{hint}")
    return lines


def check_environment(
    settings: Settings, environ: Mapping[str, str], plugin_prefixes: Iterable[str] = ()
) -> list[str]:
    """The unknown variables, as warnings; in production a refusal: a mistyped name there
    silently leaves a default (an open /metrics, a short pool) in charge."""
    lines = unknown_variables(environ, plugin_prefixes)
    if lines and settings.environment == "production":
        raise SettingsError(
            "unknown configuration (production refuses it):\n  " + "\n  ".join(lines)
        )
    return lines
