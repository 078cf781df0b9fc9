"""The catalog's message format: named placeholders, real plural forms and choices, compiled once per template.

A template is text with placeholders in braces, a small subset of ICU MessageFormat that keeps ``str.format``'s
simple fields::

    {series}                                   a value (numbers in the one number format, messages rendered)
    {ratio:.2f}                                a number with an explicit format spec
    {count, plural, one {# step} other {# steps}}      the language's plural form; ``#`` is the number
    {count, plural, =0 {no evaluation} other {...}}    an exact value first
    {axis, select, step {steps} epoch {epochs} other {points}}      a choice by value
    {where, select, none {} other { at {where}}}       ``none`` is chosen for a missing or empty value
    {{ and }}                                  literal braces

English has the plural forms ``one`` (exactly 1) and ``other``; Chinese has ``other`` only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEY = re.compile(r"=-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*")
# Plural categories per language (CLDR): English one/other; Chinese has no grammatical plural.
PLURAL_RULES: dict = {
    "en": lambda n: "one" if n == 1 else "other",
    "zh": lambda n: "other",
}


class TemplateError(ValueError):
    """A template that cannot be parsed, or a value that does not fit it (a plural of a word)."""


@dataclass(frozen=True)
class Field:
    """``{name}`` or ``{name:spec}``."""

    name: str
    spec: str = ""


@dataclass(frozen=True)
class Choice:
    """``{name, plural, ...}`` or ``{name, select, ...}``: branches by key, each a compiled message."""

    name: str
    kind: str  # plural | select
    branches: tuple  # ((key, nodes), ...)


@dataclass(frozen=True)
class Hash:
    """``#`` inside a plural branch: the number being counted."""


Node = Union[str, Field, Choice, Hash]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def error(self, why: str) -> TemplateError:
        return TemplateError(f"{why} at character {self.i} of {self.text!r}")

    def message(self, in_plural: bool, nested: bool) -> list:
        out: list = []
        buf: list = []
        text, n = self.text, len(self.text)
        while self.i < n:
            c = text[self.i]
            if c == "{":
                if text.startswith("{{", self.i) and not nested:
                    buf.append("{")
                    self.i += 2
                    continue
                if buf:
                    out.append("".join(buf))
                    buf = []
                self.i += 1
                out.append(self.argument())
                continue
            if c == "}":
                if nested:
                    break
                if text.startswith("}}", self.i):
                    buf.append("}")
                    self.i += 2
                    continue
                raise self.error("unmatched '}'")
            if c == "#" and in_plural:
                if buf:
                    out.append("".join(buf))
                    buf = []
                out.append(Hash())
                self.i += 1
                continue
            buf.append(c)
            self.i += 1
        if buf:
            out.append("".join(buf))
        return out

    def skip_space(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def argument(self) -> Node:
        self.skip_space()
        m = _NAME.match(self.text, self.i)
        if not m:
            raise self.error("placeholder without a name")
        name = m.group(0)
        self.i = m.end()
        self.skip_space()
        if self.i >= len(self.text):
            raise self.error("unclosed placeholder")
        c = self.text[self.i]
        if c == "}":
            self.i += 1
            return Field(name)
        if c == ":":
            end = self.text.find("}", self.i)
            if end < 0:
                raise self.error("unclosed placeholder")
            spec = self.text[self.i + 1 : end]
            self.i = end + 1
            return Field(name, spec)
        if c != ",":
            raise self.error(f"unexpected {c!r} in placeholder {name!r}")
        self.i += 1
        self.skip_space()
        m = _NAME.match(self.text, self.i)
        kind = m.group(0) if m else ""
        if kind not in ("plural", "select"):
            raise self.error(f"unknown argument type {kind!r}")
        self.i = m.end()
        self.skip_space()
        if not self.text.startswith(",", self.i):
            raise self.error("',' expected before the branches")
        self.i += 1
        branches = []
        while True:
            self.skip_space()
            if self.text.startswith("}", self.i):
                self.i += 1
                break
            km = _KEY.match(self.text, self.i)
            if not km:
                raise self.error("branch key expected")
            key = km.group(0)
            self.i = km.end()
            self.skip_space()
            if not self.text.startswith("{", self.i):
                raise self.error(f"'{{' expected after branch {key!r}")
            self.i += 1
            nodes = self.message(in_plural=kind == "plural", nested=True)
            if not self.text.startswith("}", self.i):
                raise self.error(f"unclosed branch {key!r}")
            self.i += 1
            branches.append((key, tuple(nodes)))
        if not any(k == "other" for k, _ in branches):
            raise self.error(f"{kind} of {name!r} has no 'other' branch")
        return Choice(name, kind, tuple(branches))


_COMPILED: dict = {}


def compile_template(text: str) -> tuple:
    """The template as nodes (cached): TemplateError when it is malformed."""
    nodes = _COMPILED.get(text)
    if nodes is None:
        p = _Parser(text)
        nodes = tuple(p.message(in_plural=False, nested=False))
        _COMPILED[text] = nodes
    return nodes


def placeholders(text: str) -> set:
    """The names a template uses (in fields, plurals and selects, at any depth)."""
    out: set = set()

    def walk(nodes: tuple) -> None:
        for n in nodes:
            if isinstance(n, Field):
                out.add(n.name)
            elif isinstance(n, Choice):
                out.add(n.name)
                for _, sub in n.branches:
                    walk(sub)

    walk(compile_template(text))
    return out


def plural_forms(text: str) -> dict:
    """``{name: {branch keys}}`` of the plurals in a template (to compare languages' forms)."""
    out: dict = {}

    def walk(nodes: tuple) -> None:
        for n in nodes:
            if isinstance(n, Choice):
                if n.kind == "plural":
                    out.setdefault(n.name, set()).update(k for k, _ in n.branches)
                for _, sub in n.branches:
                    walk(sub)

    walk(compile_template(text))
    return out


def render(
    text: str, values: dict, lang: str, fmt: Callable[[str, Any, str], str], missing: Callable[[str], str]
) -> str:
    """Fill a template. ``fmt(name, value, spec)`` writes one value; ``missing(name)`` is what an absent one becomes
    (or raises)."""
    plural_rule = PLURAL_RULES.get(lang, PLURAL_RULES["en"])

    def number(name: str) -> Optional[float]:
        v = values.get(name)
        if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # a numpy scalar
            v = v.item()
        if v is None:
            return None  # a count the run did not give: the "other" form, "#" written "?"
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TemplateError(f"plural of {name!r} needs a number, got {v!r}")
        return v

    def walk(nodes: tuple, count_name: str = "") -> str:
        parts = []
        for n in nodes:
            if isinstance(n, str):
                parts.append(n)
            elif isinstance(n, Field):
                parts.append(fmt(n.name, values[n.name], n.spec) if n.name in values else missing(n.name))
            elif isinstance(n, Hash):
                parts.append(fmt(count_name, values[count_name], "") if count_name else "#")
            elif n.kind == "plural":
                if n.name not in values:
                    parts.append(missing(n.name))
                    continue
                v = number(n.name)
                branch = dict(n.branches)
                exact = next((b for k, b in n.branches if k.startswith("=") and float(k[1:]) == v), None)
                category = "other" if v is None else plural_rule(v)
                chosen = exact if exact is not None else branch.get(category, branch["other"])
                parts.append(walk(chosen, n.name))
            else:
                v = values.get(n.name)
                key = "none" if v is None or v == "" or v == () or v == [] else str(v)
                branch = dict(n.branches)
                parts.append(walk(branch.get(key, branch["other"]), count_name))
        return "".join(parts)

    return walk(compile_template(text))
