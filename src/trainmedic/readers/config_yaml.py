"""YAML read safely and in bounded time: the safe loader only, and aliases that cannot expand past a budget.

A YAML alias (``*a``) repeats the node its anchor (``&a``) names. Nine lines whose lists each repeat the previous one
nine times are 350 bytes and 387 million values once expanded ("billion laughs"): any walk of the document as a tree
(a config reader, a flattening of hyperparameters, a ``dict`` printed) never finishes. :class:`BoundedLoader`
measures the expanded size of the composed document (each shared node measured once) and refuses it past
:data:`MAX_EXPANDED_NODES`, before anything walks it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import InputError
from ..i18n import t
from ..run import RunConfig
from . import config_keys
from .checks import fail

# Values a config document may hold once its aliases are expanded. Real configs (a Lightning hparams.yaml, a Hydra
# config, a DeepSpeed JSON) hold hundreds to a few thousand; anchors reused a few times stay far below this.
MAX_EXPANDED_NODES = 200_000


class ExpansionError(yaml.YAMLError):
    """The document's aliases expand past :data:`MAX_EXPANDED_NODES` values."""


def expanded_size(root: yaml.Node, limit: int = MAX_EXPANDED_NODES) -> int:
    """Nodes of the document with every alias expanded, saturated at ``limit + 1``; each shared node is measured
    once, so the cost is linear in the document as written."""
    sizes: dict = {}
    open_nodes: set = set()  # on the path from the root: meeting one again is a node that contains itself
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done or not children:
            total = 1 + sum(sizes.get(id(c), 0) for c in children)
            sizes[id(node)] = min(total, limit + 1)
            open_nodes.discard(id(node))
            continue
        if any(id(c) in open_nodes for c in children):
            return limit + 1  # a node that contains itself expands without end
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


class BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a document whose aliases expand past :data:`MAX_EXPANDED_NODES` values."""

    def compose_document(self) -> yaml.Node:
        """The document's node tree, refused (a ``yaml.YAMLError``) when its aliases expand too far."""
        node = super().compose_document()
        # A node that contains itself (``&a [*a]``) counts as endless: the composer allows it, walkers would loop.
        if node is not None and expanded_size(node) > MAX_EXPANDED_NODES:
            raise ExpansionError(f"aliases expand to more than {MAX_EXPANDED_NODES:,} values")
        return node


class PlainLoader(BoundedLoader):
    """A safe loader that reads ``!!python/...`` tags (written for argparse Namespaces, enums) as plain data."""


def _plain(loader: yaml.SafeLoader, suffix: str, node: yaml.Node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


PlainLoader.add_multi_constructor("tag:yaml.org,2002:python/", _plain)
PlainLoader.add_multi_constructor("!", _plain)


def load_plain(path: Path) -> dict:
    """A YAML mapping (a Lightning ``hparams.yaml``, a W&B ``config.yaml``) read without constructing objects;
    raises InputError when it is not one."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            data = yaml.load(fh, Loader=PlainLoader)  # noqa: S506 - PlainLoader is a SafeLoader
    except yaml.YAMLError as exc:
        raise fail(path, "readers.error.bad_yaml", detail=str(exc).splitlines()[0]) from None
    except (OSError, RecursionError) as exc:
        raise fail(path, "readers.error.unreadable", detail=str(exc)) from None
    return data if isinstance(data, dict) else {}


def _walk(root: yaml.Node, loader: yaml.Loader, config: RunConfig, source: str) -> None:
    """Apply every scalar ``key: value`` in document order (depth first), without recursion."""
    stack: list = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            key_node, value_node = item
            value = loader.construct_object(value_node, deep=True)
            config_keys.apply(config, str(key_node.value), value, source, key_node.start_mark.line + 1)
        elif isinstance(item, yaml.MappingNode):
            for key_node, value_node in reversed(item.value):
                scalar = isinstance(value_node, yaml.ScalarNode) and isinstance(key_node, yaml.ScalarNode)
                stack.append((key_node, value_node) if scalar else value_node)
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(reversed(item.value))


def read_yaml(text: str, config: RunConfig, source: str) -> None:
    """Every ``key: value`` at any depth of a YAML document, with its line (safe loader, bounded aliases)."""
    loader = None
    try:
        loader = BoundedLoader(text)
        node = loader.get_single_node()
        if node is not None:
            _walk(node, loader, config, source)
    except (yaml.YAMLError, RecursionError) as exc:
        why = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise InputError(source, t("readers.error.config_syntax", "en", detail=why)) from None
    finally:
        if loader is not None:
            loader.dispose()
