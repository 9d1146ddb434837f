"""What every command that loads settings says once at start: unknown ``SESSIONARY_*``
variables (warned in development, refused in production) and where a new SQLite database is
being created. Also how an operator key reaches its owner without landing in a server log."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..config import Settings
from ..config_env import check_environment
from ..dialects.registry import BUILTIN, DialectError, load

KEY_FILE = "operator-key"
_said: set[str] = set()  # one process may load settings several times: say each thing once


def _plugin_prefixes(cfg: Settings) -> list[str]:
    """A plug-in dialect's own variables are ``SESSIONARY_<NAME>_*``; it validates them."""
    prefixes = []
    for path in cfg.extra_dialects:
        if path in BUILTIN:
            continue
        try:
            prefixes.append(f"SESSIONARY_{load(path).name.upper()}_")
        except DialectError:
            continue  # reported, with its reason, when the dialects are mounted
    return prefixes


def check_start(cfg: Settings) -> None:
    """Raises ``SettingsError`` in production for an unknown variable; warns otherwise."""
    for line in check_environment(cfg, os.environ, _plugin_prefixes(cfg)):
        _say(f"warning: {line}")
    _announce_new_database(cfg)


def _announce_new_database(cfg: Settings) -> None:
    path = cfg.sqlite_path
    if path is None or path.exists():
        return
    if path.absolute().parent == cfg.data_dir:
        cfg.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _say(
        f"sessionary: creating a new database at {path.absolute()}"
        " (SESSIONARY_DATA_DIR, or SESSIONARY_DATABASE_URL to choose another)"
    )


def _say(message: str) -> None:
    if message in _said:
        return
    _said.add(message)
    sys.stderr.write(message + "\n")  # stdout stays the command's output (--json)
    sys.stderr.flush()


def write_key_file(data_dir: Path, secret: str, credential_id: str) -> Path:
    """Create a file only its owner can read; never overwrite one (an earlier key may still
    be unread there), so a second key gets its credential id in the name."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in (KEY_FILE, f"{KEY_FILE}-{credential_id}"):
        path = data_dir / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w") as out:
            out.write(secret + "\n")
        return path
    raise FileExistsError(f"{data_dir / KEY_FILE}-{credential_id} exists")


def deliver_key(cfg: Settings, secret: str, credential_id: str, what: str) -> None:
    """On a terminal, show it; otherwise (a service's log, a container's output) write it to
    a 0600 file in the data directory and print only its path."""
    if sys.stdout.isatty():
        print(f"{what} (shown once; it can create tenants and keys):\n  {secret}", flush=True)
        return
    path = write_key_file(cfg.data_dir, secret, credential_id)
    print(f"{what} written to {path} (readable by its owner only; delete it once kept)")
    sys.stdout.flush()
