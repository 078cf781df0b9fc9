"""Configuration readers (format ``config``): launch scripts, YAML/JSON config files and Python training scripts.

They add no series, only :class:`~trainmedic.run.RunConfig` values, each with the file and line it came from, so
that a report can cite ``run_v17_batch48.sh:10`` for ``lr 7.5e-05``. Nothing is executed: shell is tokenised,
YAML goes through the safe loader with bounded aliases (:mod:`.config_yaml`), Python through :mod:`ast`.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from ..errors import InputError
from ..i18n import msg, t
from ..run import InputKind, Run, RunConfig, SourceInfo
from . import Reader, config_keys, encoding, register
from .config_python import read_python
from .config_shell import read_shell

FORMAT = "config"
# Config files and scripts are small; a larger file is something else.
MAX_CONFIG_BYTES = 8 * 1024 * 1024
SHELL_SUFFIXES = {".sh", ".bash", ".zsh", ".slurm", ".sbatch"}
YAML_SUFFIXES = {".yaml", ".yml"}
# Sniff scores: below the structured metric readers (an HF folder's config.json, Lightning's hparams.yaml).
SCORE_SCRIPT = 0.6
SCORE_YAML = 0.4
SCORE_JSON = 0.2
# A launch command saved as text is config, not a log: above the console-log reader's claim on `.txt`.
SCORE_COMMAND = 0.55
# A saved command is a few lines (continued with `\`); a longer text with a command on top is a log that printed it.
MAX_COMMAND_LINES = 40
_SHEBANG = re.compile(rb"^#!\s*/\S*(?:ba|z)?sh\b")
_JSON_METRIC_FILE = re.compile(rb'"(?:log_history|best_metric|global_step)"')


# Lines that belong to a shell command: flags, a line continued with a backslash, environment assignments, other
# shell commands of the script.
_CONTINUATION = re.compile(
    r"^(?:-{1,2}[\w.-]|[A-Za-z_][A-Za-z0-9_]*=|(?:export|cd|source|set|echo|CUDA_VISIBLE_DEVICES|"
    r"nohup|time|srun|mpirun)\b)|.*\\$"
)


def is_launch_command(head: bytes) -> bool:
    """A short text made of a command that launches training (`python train.py --lr ...`, `torchrun ...`) and its
    continuation lines, nothing else: a log pasted after its command line (`$ torchrun ...` then the output) is a
    log, whose first line the text reader takes as configuration."""
    from . import textlog_patterns as P  # the console-log patterns, compiled when a text is first looked at

    lines = [ln.strip() for ln in head.decode("utf-8", "replace").splitlines() if ln.strip()]
    commands = [ln for ln in lines if not ln.startswith("#")]
    if not commands or len(lines) > MAX_COMMAND_LINES or P.LAUNCH.match(commands[0]) is None:
        return False
    return all(_CONTINUATION.match(ln) or P.LAUNCH.match(ln) for ln in commands[1:])


def sniff(path: Path, head: bytes) -> float:
    """Scripts and config files by their suffix (or a shell shebang); a saved launch command (`cmd.txt`) by its
    content."""
    suffix = path.suffix.lower()
    if suffix in SHELL_SUFFIXES or (not suffix and _SHEBANG.match(head)):
        return SCORE_SCRIPT
    if suffix in (".txt", "") and is_launch_command(head):
        return SCORE_COMMAND
    if suffix == ".py":
        return SCORE_SCRIPT
    if suffix in YAML_SUFFIXES:
        return SCORE_YAML
    if suffix == ".json" and head.lstrip().startswith(b"{") and not _JSON_METRIC_FILE.search(head):
        return SCORE_JSON
    return 0.0


# A JSON string token (a valid document's strings are always closed), and whether a colon makes it a key.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?')


def json_key_lines(text: str) -> dict:
    """Key -> the line it first appears on, in one pass over a valid JSON document's string tokens."""
    lines: dict = {}
    line, pos = 1, 0
    for m in _JSON_STRING.finditer(text):
        if not m.group(1):
            continue
        line += text.count("\n", pos, m.start())
        pos = m.start()
        try:
            key = json.loads(m.group(0)[: m.group(0).rindex('"') + 1])
        except ValueError:
            continue
        lines.setdefault(key, line)
    return lines


def read_json(text: str, config: RunConfig, source: str) -> None:
    """Every ``"key": value`` at any depth of a JSON object, with the line the key first appears on."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(source, t("readers.error.config_syntax", "en", detail=str(exc))) from None
    lines = json_key_lines(text)
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, (dict, list)):
                    stack.append(value)
                    continue
                config_keys.apply(config, str(key), value, source, lines.get(key))
        elif isinstance(item, list):
            stack.extend(item)


def read_config(path: Path) -> RunConfig:
    """The configuration one script or config file holds."""
    text = encoding.read_text(path, MAX_CONFIG_BYTES)
    source = str(path)
    config = RunConfig()
    suffix = path.suffix.lower()
    if suffix == ".py":
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            why = getattr(exc, "msg", None) or type(exc).__name__
            raise InputError(path, t("readers.error.config_syntax", "en", detail=why)) from None
        read_python(tree, text, config, source)
    elif suffix in YAML_SUFFIXES:
        from .config_yaml import read_yaml  # YAML's parser loads only for a YAML file

        read_yaml(text, config, source)
    elif suffix == ".json":
        read_json(text, config, source)
    else:
        read_shell(text, config, source)
    return config


def read(path: Path) -> Run:
    """A Run holding only configuration, from a launch script, config file or training script."""
    run = Run(path=str(path))
    run.config = read_config(path)
    notes = [msg("readers.note.launch")] if path.suffix.lower() in (".txt", "") else []
    run.sources.append(SourceInfo(path=str(path), format=FORMAT, role=InputKind.CONFIG, notes=notes))
    return run


register(Reader(FORMAT, sniff, read, kind="config"))
