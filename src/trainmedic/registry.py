"""One registration mechanism for rules, checks, readers and causes, open to other packages.

Each kind keeps a :class:`Registry`: the built-in modules that register items when imported, and the items
themselves by key (a rule's code, a reader's format name, a cause provider's name). Other packages add their own
through the ``trainmedic.plugins`` entry-point group: each entry point names a module that registers what it brings
when imported (a team's rule is a decorated function in its own package; no fork needed)::

    # pyproject.toml of a plugin package
    [project.entry-points."trainmedic.plugins"]
    myteam = "myteam_trainmedic.rules"
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from importlib.machinery import PathFinder
from typing import Callable, Generic, Optional, TypeVar

T = TypeVar("T")
ENTRY_POINT_GROUP = "trainmedic.plugins"
log = logging.getLogger("trainmedic")
# Where installed distributions keep their metadata, as importlib.metadata looks for it in each sys.path entry: a
# folder per distribution, or an egg that is itself the entry.
_METADATA_SUFFIXES = (".dist-info", ".egg-info")
_EGG_SUFFIX = ".egg"
_EGG_METADATA = "egg-info"

_plugins_loaded = False
# What went wrong loading plugins, for the report's notes (a broken plugin must not break a diagnosis).
PLUGIN_ERRORS: list = []


def load_plugins() -> None:
    """Import every module named in the ``trainmedic.plugins`` entry-point group, once."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    if not _may_declare_plugins():
        return  # importlib.metadata and its parsing of every distribution cost more than the rest of `explain`
    from importlib.metadata import entry_points

    try:
        eps = (
            entry_points(group=ENTRY_POINT_GROUP)
            if sys.version_info >= (3, 10)
            else entry_points().get(ENTRY_POINT_GROUP, [])
        )  # type: ignore[attr-defined]
    except Exception as exc:  # a broken installation's metadata must not break trainmedic
        PLUGIN_ERRORS.append(f"entry points unreadable: {exc}")
        return
    for ep in eps:
        try:
            ep.load()
        except Exception as exc:
            PLUGIN_ERRORS.append(f"plugin {ep.name} ({ep.value}): {type(exc).__name__}: {exc}")
            log.warning("trainmedic: plugin %s could not be loaded: %s", ep.name, exc)


def _may_declare_plugins() -> bool:
    """Whether an installed distribution may declare the plugin group: the group's name is in one of the
    ``entry_points.txt`` files that importlib.metadata would read. Anything this look cannot see through (a zip or
    another kind of entry on ``sys.path``, another finder of distributions) counts as a yes, and importlib.metadata
    decides; so does every file that names the group, whose parsing stays importlib.metadata's."""
    if any(hasattr(f, "find_distributions") and f is not PathFinder for f in sys.meta_path):
        return True
    group = ENTRY_POINT_GROUP.encode()
    for entry in sys.path:
        if not isinstance(entry, str):
            return True
        try:
            children = os.scandir(entry or ".")
        except FileNotFoundError:
            continue
        except OSError:  # a zip file or something else that is not a folder
            return True
        is_egg = os.path.basename(entry).lower().endswith(_EGG_SUFFIX)
        with children:
            for child in children:
                name = child.name.lower()
                if not (name.endswith(_METADATA_SUFFIXES) or (is_egg and name == _EGG_METADATA)):
                    continue
                path = os.path.join(child.path, "entry_points.txt")
                try:
                    with open(path, "rb") as fh:
                        if group in fh.read():
                            return True
                except OSError:
                    continue  # no entry points: the usual case
    return False


def reset_plugins() -> None:
    """Forget that plugins were loaded (tests install a plugin and load again)."""
    global _plugins_loaded
    _plugins_loaded = False
    PLUGIN_ERRORS.clear()


class Registry(Generic[T]):
    """Items of one kind by key; the built-in modules are imported on first use, then the plugins."""

    def __init__(self, kind: str, package: str, modules: tuple, key: Callable[[T], str]) -> None:
        self.kind = kind
        self._package = package
        self._modules = modules
        self._key = key
        self._items: dict = {}
        self._loaded = False

    def add(self, item: T) -> T:
        """Register ``item``, replacing an earlier one with the same key."""
        self._items[self._key(item)] = item
        return item

    def remove(self, key: str) -> None:
        """Unregister ``key`` (nothing happens when it is not registered)."""
        self._items.pop(key, None)

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            for mod in self._modules:
                importlib.import_module(f"{self._package}.{mod}")
        load_plugins()  # once per process (again after reset_plugins)

    def registered(self) -> list:
        """The items registered so far, without importing the built-in modules (plugins, and the built-in items
        when something already imported them)."""
        return list(self._items.values())

    def items(self) -> list:
        """Every registered item, in registration order."""
        self._load()
        return list(self._items.values())

    def get(self, key: str) -> Optional[T]:
        """The item registered as ``key``, or None."""
        self._load()
        return self._items.get(key)

    def __contains__(self, key: str) -> bool:
        self._load()
        return key in self._items
