"""Every message key is written out in full where it is used, and exists: a search for a key finds its every use."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from trainmedic.i18n import catalog

SRC = Path(__file__).resolve().parents[1] / "src" / "trainmedic"
# A key made from a name on purpose: a rule's or check's documentation lives under its own code (plugins too).
ALLOWED_COMPOSITION = {("rules/docs.py", "doc_key"), ("rules/curves.py", "make_finding")}
KEY_LIKE = re.compile(r"^[a-z_]+(\.[A-Za-z0-9_]+)+$")


def _sources():
    for path in sorted(SRC.rglob("*.py")):
        if "i18n" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _function_of(tree: ast.AST, node: ast.AST) -> str:
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and fn.lineno <= node.lineno <= fn.end_lineno:
            return fn.name
    return ""


def test_no_message_key_is_assembled_at_run_time():
    bad = []
    for path, tree in _sources():
        rel = path.relative_to(SRC).as_posix()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            first = node.args[0]
            if name in ("Msg", "msg", "t") and isinstance(first, (ast.JoinedStr, ast.BinOp)):
                if (rel, _function_of(tree, node)) not in ALLOWED_COMPOSITION:
                    bad.append(f"{rel}:{node.lineno}: {ast.unparse(first)}")
    assert not bad, "\n".join(bad)


def _named_keys(tree: ast.AST) -> list:
    """Literal keys: first arguments of Msg/msg/t, and the values of lookup tables of full keys (module-level dicts
    whose values all look like keys)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in ("Msg", "msg", "t") and isinstance(node.args[0].value, str):
                out.append((node.lineno, node.args[0].value))
    for node in getattr(tree, "body", []):
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if (
            isinstance(value, ast.Dict)
            and value.values
            and all(
                isinstance(v, ast.Constant) and isinstance(v.value, str) and KEY_LIKE.match(v.value)
                for v in value.values
            )
        ):
            out += [(v.lineno, v.value) for v in value.values]
    return out


def test_every_key_the_code_names_is_in_both_catalogs():
    en, zh = catalog("en"), catalog("zh")
    prefixes = {k.split(".")[0] for k in en}
    missing = []
    for path, tree in _sources():
        for line, key in _named_keys(tree):
            if key.split(".")[0] not in prefixes:
                continue
            if key not in en or key not in zh:
                missing.append(f"{path.relative_to(SRC)}:{line}: {key}")
    assert not missing, "\n".join(missing)
