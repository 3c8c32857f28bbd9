"""Which database a process uses, and the settings of the host's config files.

Every aims process reads the same places, login shell or not (``ssh host aims``,
cron, ``ssh -t host aims``), so nothing depends on /etc/profile.d:

1. ``--db`` on the command line;
2. ``AIMS_DB`` in the environment;
3. the user's file: ``$XDG_CONFIG_HOME/aims/config.toml``, else ``~/.config/aims/config.toml``;
4. the host's file: ``/etc/aims/config.toml`` (``AIMS_SYSTEM_CONFIG`` names another
   file, for tests and unusual hosts; it moves the file, nothing else);
5. ``data/aims.db`` next to the installed package.

A config file is TOML::

    db = "/srv/aims/aims.db"   # a path (relative to the file's folder) or a SQLAlchemy URL
    umask = "007"              # optional: the umask of aims processes (group-shared files)
    colorterm = "truecolor"    # optional: COLORTERM for the app when the session sets none

Identity never comes from here: who is acting is the OS login of the process.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .db import default_db_path
from .errors import AimsError

SYSTEM_CONFIG = Path("/etc/aims/config.toml")
SYSTEM_CONFIG_VAR = "AIMS_SYSTEM_CONFIG"
KEYS = ("db", "umask", "colorterm")


class ConfigError(AimsError):
    """A config file that cannot be read or is not valid: one line, the path and the fix."""


def user_config_path() -> Path:
    xdg = os.environ.get("XDG_CONFIG_HOME", "").strip()
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "aims" / "config.toml"
    return Path(os.path.expanduser("~")) / ".config" / "aims" / "config.toml"


def system_config_path() -> Path:
    value = os.environ.get(SYSTEM_CONFIG_VAR, "").strip()
    return Path(value) if value else SYSTEM_CONFIG


def read_config(path: Path) -> dict[str, Any] | None:
    """The settings of one file; None when there is no such file."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    except PermissionError:
        raise ConfigError(f"cannot read {path}: permission denied; make it readable "
                          f"(run: chmod 644 {path}) or remove it") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder, not a config file; remove it or put config.toml in it") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix it, e.g. db = \"/srv/aims/aims.db\"") from None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown setting {', '.join(unknown)} (known: {', '.join(KEYS)})")
    for key in KEYS:
        if key in data and not isinstance(data[key], str):
            raise ConfigError(f"{path}: {key} must be a string in quotes, e.g. {key} = \"...\"")
    if "umask" in data:
        try:
            umask = int(data["umask"], 8)
            if not 0 <= umask <= 0o777:
                raise ValueError
        except ValueError:
            raise ConfigError(f"{path}: umask must be octal such as \"007\", got {data['umask']!r}") from None
    return data


@dataclass
class Choice:
    """The database to use and what chose it."""

    value: str
    source: str  # "--db", "AIMS_DB", "user config", "system config", "default"
    path: Path | None = None  # the config file, when one chose it
    settings: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        if self.path is not None:
            return f"{self.source} {self.path}"
        if self.source == "default":
            return "default (no --db, AIMS_DB or config file)"
        return self.source


def _from_file(path: Path, source: str) -> Choice | None:
    data = read_config(path)
    if not data or not data.get("db", "").strip():
        return None
    value = data["db"].strip()
    if "://" not in value:
        value = str((path.parent / os.path.expanduser(value)).resolve())
    return Choice(value, source, path, data)


def choose_db(option: str | None) -> Choice:
    """``--db``, ``AIMS_DB``, the user's file, the host's file, data/aims.db, in that order."""
    settings = _settings()
    if option:
        return Choice(option, "--db", settings=settings)
    env = os.environ.get("AIMS_DB", "").strip()
    if env:
        return Choice(env, "AIMS_DB", settings=settings)
    for path, source in ((user_config_path(), "user config"), (system_config_path(), "system config")):
        found = _from_file(path, source)
        if found is not None:
            found.settings = {**settings, **{k: v for k, v in found.settings.items() if k != "db"}}
            return found
    return Choice(str(default_db_path()), "default", settings=settings)


def _settings() -> dict[str, Any]:
    """umask and colorterm: the user's file over the host's."""
    out: dict[str, Any] = {}
    for path in (system_config_path(), user_config_path()):
        data = read_config(path) or {}
        out.update({k: v for k, v in data.items() if k != "db"})
    return out


def apply(choice: Choice) -> None:
    """Apply a file's umask and colorterm to this process (a non-login session has neither)."""
    umask = choice.settings.get("umask")
    if umask:
        os.umask(int(umask, 8))
    colorterm = choice.settings.get("colorterm")
    if colorterm and not os.environ.get("COLORTERM"):
        os.environ["COLORTERM"] = colorterm
