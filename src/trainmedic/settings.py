"""User settings: which rules run (``select`` / ``ignore``) and rule thresholds overridden by name.

Read, like ruff's, from the nearest ``trainmedic.toml`` or ``pyproject.toml`` with a ``[tool.trainmedic]`` table,
looking from the current directory upwards (never from the artifacts' folder), or from a file named with
``--config``::

    [tool.trainmedic]                 # in trainmedic.toml the keys sit at the top level instead
    ignore = ["TM402"]                # codes or code prefixes ("TM4" ignores TM401 and TM402)
    [tool.trainmedic.rules.TM301]     # a rule by code or by name ("stuck-at-chance")
    loss_tol = 0.08

Unknown rules and unknown or ill-typed thresholds are errors a user can fix: one line, exit 2.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from .errors import InputError

CONFIG_FILES = ("trainmedic.toml", "pyproject.toml")
# Settings files are small: a larger one is not a settings file.
MAX_SETTINGS_BYTES = 1 << 20


def _toml_loads(text: str) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.9/3.10
        import tomli as tomllib
    return tomllib.loads(text)


def _codes(value: Any, where: str) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise InputError(where, 'select/ignore must be a list of rule codes, e.g. ["TM402"]')
    return tuple(v.strip().upper() for v in value if v.strip())


@dataclass(frozen=True)
class Settings:
    """Which rules run and with which thresholds. The default runs every rule with its own thresholds."""

    select: tuple = ()  # code prefixes to run (empty: all)
    ignore: tuple = ()  # code prefixes not to run
    thresholds: Mapping = field(default_factory=dict)  # rule code or name -> {threshold: value}
    source: str = ""  # the file they came from, for error messages

    def enabled(self, code: str) -> bool:
        """Whether rule ``code`` runs: selected (or no selection) and not ignored."""
        code = code.upper()
        if self.select and not any(code.startswith(p) for p in self.select):
            return False
        return not any(code.startswith(p) for p in self.ignore)

    def overrides_for(self, code: str, name: str) -> dict:
        """The threshold overrides for one rule, given under its name or its code (the code wins when both are)."""
        out: dict = {}
        for key in (name, code, code.lower()):
            out.update(self.thresholds.get(key, {}))
        return out

    def with_codes(self, select: Optional[list] = None, ignore: Optional[list] = None) -> Settings:
        """These settings with command-line ``--select`` / ``--ignore`` added (the command line wins on select)."""
        sel = _codes(select, "--select") if select else self.select
        ign = self.ignore + (_codes(ignore, "--ignore") if ignore else ())
        return Settings(select=sel, ignore=ign, thresholds=self.thresholds, source=self.source)

    @classmethod
    def from_mapping(cls, table: Mapping, source: str = "") -> Settings:
        """Settings from a ``[tool.trainmedic]`` table."""
        if not isinstance(table, Mapping):
            raise InputError(source, "[tool.trainmedic] must be a table")
        rules = table.get("rules", {})
        if not isinstance(rules, Mapping) or not all(isinstance(v, Mapping) for v in rules.values()):
            raise InputError(source, "[tool.trainmedic.rules.CODE] tables must map threshold names to values")
        unknown = set(table) - {"select", "ignore", "rules"}
        if unknown:
            raise InputError(
                source,
                f"unknown setting(s) {', '.join(sorted(unknown))} in [tool.trainmedic] (known: select, ignore, rules)",
            )
        return cls(
            select=_codes(table.get("select"), source),
            ignore=_codes(table.get("ignore"), source),
            thresholds={str(k): dict(v) for k, v in rules.items()},
            source=source,
        )

    @classmethod
    def load(cls, path: Optional[os.PathLike | str] = None, start: Optional[os.PathLike | str] = None) -> Settings:
        """Settings from ``path``, else from the nearest settings file above ``start`` (the current directory)."""
        if path is not None:
            return cls._read(Path(path), required=True)
        here = Path(start or os.getcwd()).resolve()
        for folder in (here, *here.parents):
            for name in CONFIG_FILES:
                candidate = folder / name
                if candidate.is_file():
                    found = cls._read(candidate, required=name == "trainmedic.toml")
                    if found is not None:
                        return found
        return cls()

    @classmethod
    def _read(cls, path: Path, required: bool) -> Optional[Settings]:
        try:
            if path.stat().st_size > MAX_SETTINGS_BYTES:
                raise InputError(path, "settings file larger than 1 MiB")
            text = path.read_text(encoding="utf-8")
            data = _toml_loads(text)
        except InputError:
            raise
        except OSError as exc:
            raise InputError(path, f"cannot read settings ({exc.strerror or exc})") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(path, f"not valid TOML ({exc})") from None
        if path.name == "pyproject.toml":
            table = data.get("tool", {}).get("trainmedic")
            if table is None:
                return None if not required else cls(source=str(path))
        else:
            table = data.get("tool", {}).get("trainmedic", data)
        return cls.from_mapping(table, str(path))


DEFAULT = Settings()
