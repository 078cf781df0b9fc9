"""Message catalogs (English and Chinese). User-facing sentences live here, not in f-strings in rules.

A catalog is a package per language (``i18n/en``, ``i18n/zh``) whose modules each define ``MESSAGES``, a dict of
key -> template. A template names its placeholders and writes plural forms and choices out
(:mod:`trainmedic.i18n.template`)::

    "rule.TM402.message": "{series} spikes {count, plural, one {once} other {# times}} from {where} ..."

Modules are grouped by area (``core``, ``rules``, ``causes``, ``report``, ``live``, ``preflight``, ``checkpoints``,
``compare``) so that each layer owns its messages. Every key is written out in full where it is used (a lookup
table of full keys where a choice is made at run time), so that a search finds every use of a message.

Code carries a :class:`Msg` (key + parameters) and renders it late, in the report's language. Numbers are written
in one format (:mod:`trainmedic.i18n.numbers`) whatever the language.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import logging
import os
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .numbers import fmt_number, fmt_value
from .template import TemplateError, placeholders, plural_forms, render

__all__ = [
    "LANGS",
    "Msg",
    "msg",
    "t",
    "fill",
    "catalog",
    "add_messages",
    "remove_messages",
    "set_strict",
    "is_strict",
    "UnknownMessage",
    "MessageError",
    "fmt_value",
    "fmt_number",
    "format_value",
    "placeholders",
    "plural_forms",
    "text_for",
    "escaping",
    "escape_artifact",
    "Rendered",
]

LANGS = ("en", "zh")
log = logging.getLogger("trainmedic")
_CATALOGS: dict[str, dict[str, str]] = {}
# Messages added at run time by plugins (their rules' findings), by language.
_ADDED: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
# Strict mode: the tests turn it on (or TRAINMEDIC_STRICT_MESSAGES=1), so that a missing text fails a test instead
# of reaching a user as a bare key.
_strict = os.environ.get("TRAINMEDIC_STRICT_MESSAGES", "") not in ("", "0")
_warned: set = set()
# How words that come from artifacts (file names, config values, log lines) are made safe for the output being
# written: a renderer sets it while it renders (Markdown escapes, the terminal strips control characters).
_escape: contextvars.ContextVar = contextvars.ContextVar("trainmedic_escape", default=None)
CLAUSE_SEPARATOR = {"en": "; ", "zh": "；"}
LIST_SEPARATOR = {"en": ", ", "zh": "、"}


class Rendered(str):
    """Text that is ready for the output being written (a rendered message, an escaped artifact word): passed as a
    placeholder's value it is not escaped a second time."""

    __slots__ = ()


class UnknownMessage(KeyError):
    """A message key that no catalog holds."""


class MessageError(ValueError):
    """A catalog template that cannot be filled: malformed, a placeholder without a value, a plural of a word."""


def set_strict(on: bool = True) -> None:
    """Strict mode: an unknown key, a placeholder without a value or a malformed template raises instead of
    rendering the best it can (the key itself, ``?``)."""
    global _strict
    _strict = bool(on)


def is_strict() -> bool:
    """Whether strict mode is on."""
    return _strict


def add_messages(lang: str, messages: dict) -> None:
    """Add catalog entries (a plugin's rule messages, ``rule.XY100.message`` ...); a language without them falls back
    to English."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    _ADDED[lang].update(messages)
    _CATALOGS.pop(lang, None)


def remove_messages(keys: Iterable[str]) -> None:
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


def text_for(key: str, lang: str) -> Optional[str]:
    """The template of ``key`` in ``lang`` (English when the language lacks it), None when no catalog has it."""
    text = catalog(lang).get(key)
    if text is None and lang != "en":
        text = catalog("en").get(key)
    return text


def t(key: str, lang: str = "en", /, **params: Any) -> str:
    """Render message ``key`` in ``lang``. An unknown key raises :class:`UnknownMessage` in strict mode; otherwise it
    is logged once and shown as itself, so that the report still says which text is missing."""
    text = text_for(key, lang)
    if text is None:
        if _strict:
            raise UnknownMessage(key)
        if key not in _warned:
            _warned.add(key)
            log.warning("trainmedic: no message %r in the catalogs", key)
        return key

    def missing(name: str) -> str:
        if _strict:
            raise MessageError(f"{key}: no value for {{{name}}}")
        return "?"

    try:
        return Rendered(render(text, params, lang, _formatter(lang), missing))
    except (TemplateError, ValueError, TypeError) as exc:
        if _strict or isinstance(exc, MessageError):
            raise MessageError(f"{key} ({lang}): {exc}") from exc
        return Rendered(text)


def fill(template: str, lang: str = "en", /, **params: Any) -> str:
    """``template`` (a text that is not in a catalog, e.g. a rule's docstring) with ``params`` rendered as :func:`t`
    renders a catalog entry's; a text that is not a template (the braces of a code example) is returned as it is."""
    try:
        return render(template, params, lang, _formatter(lang), lambda name: "{" + name + "}")
    except (TemplateError, ValueError, TypeError):
        return template


@contextlib.contextmanager
def escaping(fn: Optional[Callable[[str], str]]) -> Iterator[None]:
    """Within the block, every text placeholder's value passes through ``fn`` before it enters a message (numbers and
    the templates' own words do not): what an artifact wrote cannot act as markup in the output."""
    token = _escape.set(fn)
    try:
        yield
    finally:
        _escape.reset(token)


def escape_artifact(text: str) -> str:
    """``text`` (from an artifact) as the current renderer needs it (unchanged outside :func:`escaping`); text that is
    already :class:`Rendered` passes as it is."""
    if isinstance(text, Rendered):
        return text
    fn = _escape.get()
    return Rendered(fn(text) if fn is not None else text)


def _formatter(lang: str):
    def fmt(name: str, v: Any, spec: str) -> str:
        if _strict and isinstance(v, (str, list, tuple)) and not v:
            # An empty place ("became NaN at  (loss)"): the caller must choose a message without it, or the template
            # must say what to write instead ({where, select, none {...} other {...}}). None is a value the run did
            # not give, written "?".
            raise MessageError(f"empty value for {{{name}}}")
        return format_value(name, v, spec, lang)

    return fmt


def format_value(name: str, v: Any, spec: str = "", lang: str = "en") -> str:
    """One placeholder's value as text: messages rendered in ``lang``, numbers in the one number format (or the
    template's explicit spec), lists joined in the language's way, a value the run did not give as ``?``."""
    if isinstance(v, Msg):
        return v.render(lang)
    if isinstance(v, (list, tuple)):
        sep = CLAUSE_SEPARATOR if v and all(isinstance(x, Msg) for x in v) else LIST_SEPARATOR
        return sep.get(lang, sep["en"]).join(format_value(name, x, "", lang) for x in v)
    if v is None:
        return "?"
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # a numpy scalar
        try:
            v = v.item()
        except (TypeError, ValueError):
            pass
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return format(v, spec) if spec else fmt_number(name, v)
    return escape_artifact(
        v if isinstance(v, Rendered) else str(v)
    )  # a spec is for numbers: a word given where a number was expected stays a word


@dataclass
class Msg:
    """A message to be rendered later in the report's language."""

    key: str
    params: dict = field(default_factory=dict)

    def render(self, lang: str = "en") -> str:
        """The message in ``lang``."""
        return t(self.key, lang, **self.params)


def msg(key: str, **params: Any) -> Msg:
    """``Msg(key, params)`` written with keyword arguments."""
    return Msg(key, params)
