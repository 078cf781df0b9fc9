"""Configuration from shell launch scripts: ``--lr 7.5e-5`` flags (continued lines included), the launcher
(``torchrun``, ``accelerate launch``, ``python -m torch.distributed.launch``, ``deepspeed``) and its process count
and precision, and ``CUDA_VISIBLE_DEVICES`` as a hint for the number of processes. Nothing is executed.
"""

from __future__ import annotations

import re
import shlex
from typing import Optional

from ..run import RunConfig
from . import config_keys

_ASSIGN = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_FLAG = re.compile(r"^--?[A-Za-z][\w.\-]*(?:=.*)?$")
_LAUNCHERS = (
    ("torchrun", ("torchrun",)),
    ("torch.distributed.launch", ("torch.distributed.launch", "torch.distributed.run")),
    ("accelerate", ("accelerate",)),
    ("deepspeed", ("deepspeed",)),
)
# Flags that count machines, not processes per machine: the world size is their product.
_NODE_FLAGS = {"nnodes", "nummachines"}


def logical_lines(text: str) -> list:
    """Commands with ``\\`` continuations joined: a list of [(line number, physical text), ...] per command."""
    out, current = [], []
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            current.append((n, stripped[:-1]))
            continue
        current.append((n, stripped))
        out.append(current)
        current = []
    if current:
        out.append(current)
    return out


def _tokens(parts: list) -> list:
    """(token, line number) for every word of a command, comments dropped."""
    out = []
    for n, text in parts:
        try:
            words = shlex.split(text, comments=True, posix=True)
        except ValueError:  # unbalanced quotes: fall back to plain words
            words = text.split("#", 1)[0].split()
        out.extend((w, n) for w in words)
    return out


def shell_tokens(text: str) -> list:
    """The words of one command line as the shell splits them (comments dropped; plain words when quotes do not
    balance)."""
    return [w for w, _ in _tokens([(0, text)])]


def _launcher(words: list) -> Optional[str]:
    for name, marks in _LAUNCHERS:
        if any(w in marks or w.endswith("/" + marks[0]) for w in words):
            if name == "accelerate" and "launch" not in words:
                continue
            return name
    return None


def read_command(tokens: list, config: RunConfig, source: str, hints: dict) -> None:
    """Read the flags of one command (``tokens`` as (word, line)) into ``config``; device hints go into ``hints``."""
    words = [w for w, _ in tokens]
    launcher = _launcher(words)
    if launcher:
        config.set(
            "launcher",
            launcher,
            source,
            tokens[words.index(next(w for w in words if any(m in w for _, ms in _LAUNCHERS for m in ms)))][1],
        )
    nodes = 1
    i = 0
    while i < len(tokens):
        word, line = tokens[i]
        m = _ASSIGN.match(word)
        if m and i == 0 or (m and all(_ASSIGN.match(w) for w in words[:i])):
            if m.group(1) == "CUDA_VISIBLE_DEVICES":
                devices = [d for d in m.group(2).strip("'\"").split(",") if d.strip()]
                hints["devices"] = (len(devices), line)
            i += 1
            continue
        if not _FLAG.match(word) or config_keys.to_number(word) is not None:
            i += 1
            continue
        name = word.lstrip("-")
        if "=" in name:
            name, value = name.split("=", 1)
            i += 1
        elif (
            i + 1 < len(tokens)
            and not _FLAG.match(tokens[i + 1][0])
            or (i + 1 < len(tokens) and config_keys.to_number(tokens[i + 1][0]) is not None)
        ):
            value = tokens[i + 1][0]
            i += 2
        else:
            value = "true"  # a switch: --bf16, --multi_gpu
            i += 1
        if config_keys.spelling(name) in _NODE_FLAGS:
            nodes = int(config_keys.to_number(value) or 1)
            continue
        if config_keys.spelling(name) in ("multigpu",):
            hints["multi_gpu"] = line
            continue
        config_keys.apply(config, name, value, source, line)
    if nodes > 1 and config.get("world_size") is not None:
        entry = config.entry("world_size")
        config.set("world_size", int(entry.value) * nodes, entry.source, entry.line, override=True)


def read_shell(text: str, config: RunConfig, source: str) -> None:
    """Read every command of a shell script into ``config`` (file and line kept for each value)."""
    hints: dict = {}
    for parts in logical_lines(text):
        tokens = _tokens(parts)
        if tokens:
            read_command(tokens, config, source, hints)
    apply_hints(config, hints, source)


def apply_hints(config: RunConfig, hints: dict, source: str) -> None:
    """``CUDA_VISIBLE_DEVICES=0,1`` names the process count when nothing said it outright."""
    if "devices" in hints and "world_size" not in config and (config.get("launcher") or "multi_gpu" in hints):
        count, line = hints["devices"]
        config.set("world_size", count, source, line)
