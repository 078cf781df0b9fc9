"""Message catalogs (English and Chinese). User-facing sentences live here, not in f-strings in rules.

A catalog is a package per language (``i18n/en``, ``i18n/zh``) whose modules each define ``MESSAGES``, a dict of
key -> format string (``str.format`` syntax with named fields, e.g. ``"loss became {value} at step {step}"``).
Modules are grouped by area (``core``, ``rules``, ``causes``, ``report``, ``live``, ``preflight``, ``checkpoints``,
``compare``) so that each layer owns its messages.

Code carries a :class:`Msg` (key + parameters) and renders it late, in the report's language.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

LANGS = ("en", "zh")
_CATALOGS: dict[str, dict[str, str]] = {}
# Messages added at run time by plugins (their rules' findings), by language.
_ADDED: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}


def add_messages(lang: str, messages: dict) -> None:
    """Add catalog entries (a plugin's rule messages, ``rule.XY100.message`` ...); a language without them falls back
    to English."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    _ADDED[lang].update(messages)
    _CATALOGS.pop(lang, None)


def remove_messages(keys) -> None:
    """Forget added entries (tests that install a plugin clean up after themselves)."""
    for lang in LANGS:
        for k in keys:
            _ADDED[lang].pop(k, None)
        _CATALOGS.pop(lang, None)


def catalog(lang: str) -> dict[str, str]:
    """All messages of one language, merged from the modules of its package."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    if lang not in _CATALOGS:
        merged: dict[str, str] = {}
        pkg = importlib.import_module(f"{__name__}.{lang}")
        for info in pkgutil.iter_modules(pkg.__path__):
            mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
            merged.update(getattr(mod, "MESSAGES", {}))
        merged.update(_ADDED[lang])
        _CATALOGS[lang] = merged
    return _CATALOGS[lang]


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fmt_value(v: Any) -> str:
    """Numbers as people write them in a report: 7.5e-05, 0.9322, 2100, nan."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 100000 else str(v)
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        if v == int(v) and abs(v) < 1e6:
            return str(int(v))
        if abs(v) < 1e-3 or abs(v) >= 1e6:
            return f"{v:.3g}"
        return f"{v:.4g}"
    return str(v)


def t(key: str, lang: str = "en", /, **params: Any) -> str:
    """Render message ``key`` in ``lang`` (falling back to English, then to the key itself)."""
    text = catalog(lang).get(key)
    if text is None and lang != "en":
        text = catalog("en").get(key)
    if text is None:
        return key
    values = _Lenient({k: _param(v, lang) for k, v in params.items()})
    try:
        return text.format_map(values)
    except (ValueError, IndexError, KeyError, AttributeError):
        return text


def fill(template: str, lang: str = "en", /, **params: Any) -> str:
    """``template`` (a ``str.format`` text that is not in a catalog, e.g. a rule's docstring) with ``params``
    rendered as :func:`t` renders a catalog entry's."""
    values = _Lenient({k: _param(v, lang) for k, v in params.items()})
    try:
        return template.format_map(values)
    except (ValueError, IndexError, KeyError, AttributeError):
        return template


def _param(v: Any, lang: str) -> Any:
    """A message parameter ready for ``str.format``: numbers as :func:`fmt_value`, nested messages rendered."""
    if isinstance(v, Msg):
        return v.render(lang)
    if isinstance(v, (list, tuple)) and v and all(isinstance(x, Msg) for x in v):
        return "; ".join(x.render(lang) for x in v)  # a list of clauses
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _Num(v)
    if v is None:
        return _Unknown()
    return v


class _Unknown:
    """A value the run did not give: ``?`` whatever the format spec (``{max_abs:.3g}`` of None)."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return "?"

    def __str__(self) -> str:
        return "?"


class _Num:
    """A number that formats as :func:`fmt_value` with no spec and as itself with one (``{lr:.1e}``)."""

    __slots__ = ("v",)

    def __init__(self, v: float):
        self.v = v

    def __format__(self, spec: str) -> str:
        return format(self.v, spec) if spec else fmt_value(self.v)

    def __str__(self) -> str:
        return fmt_value(self.v)


@dataclass
class Msg:
    """A message to be rendered later in the report's language."""

    key: str
    params: dict = field(default_factory=dict)

    def render(self, lang: str = "en") -> str:
        return t(self.key, lang, **self.params)


def msg(key: str, **params: Any) -> Msg:
    return Msg(key, params)
