"""One console-log line taken apart: prefixes (time, level, rank), fields (``key: value``), the split each field
belongs to, settings, and events. Pure functions; the state that spans lines lives in :mod:`.textlog`.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Optional

from ..names import METRIC_WORDS, SPLIT_WORDS, is_bookkeeping, normalise, parse_metric_name
from . import textlog_patterns as P
from .config_keys import spelling

# Field keys repeat on every line of a log: their roles and names are computed once.
_CACHE_SIZE = 4096
EPOCH_KEYS = {"epoch", "ep"}
STEP_KEYS = {"step", "globalstep", "iteration", "iter", "it", "steps", "numupdates", "updates", "update", "iters"}
BATCH_KEYS = {"batch", "iter", "it", "iteration", "step"}
_KNOWN = set(METRIC_WORDS.values()) | set(METRIC_WORDS)
# Megatron's language-model loss is its training loss.
_METRIC_RENAMES = {"lm_loss": "loss"}
# Optimisation quantities: on a line with no step or epoch they read as settings (`lr=2e-05`), not as a curve.
_SETTING_LIKE = {"lr", "grad_norm", "loss_scale", "weight_decay"}
# Verbs of a sentence that stand between a metric's name and its value (`Loss is 1.26.`).
_COPULAS = (" is", " was", " are", " were", "\tis")
# Metrics only ever measured on held-out data: a detector's mean average precision is computed by its evaluation
# (`Epoch: 50 | mAP@0.5: 0.62`), never on training batches, so a line that names no split means the eval split.
EVALUATION_METRICS = {"map", "map50", "map50_95", "map75"}


@dataclass
class Field:
    """A ``key value`` pair on a line, with the split (section) in force where it stands."""

    key: str
    raw: str
    total: Optional[int]
    split: Optional[str]
    span: tuple = (0, 0)  # where ``raw`` stands on the line read
    total_span: Optional[tuple] = None  # where ``total`` stands, when there is one
    key_span: tuple = (0, 0)  # where ``key`` stands

    @property
    def value(self) -> float:
        """The number the field holds (``nan``, ``-Infinity``, ``1,234`` and ``12.5%`` included)."""
        return parse_number(self.raw)


def parse_number(raw: str) -> float:
    """``1,234`` -> 1234.0, ``nan``/``NaN`` -> nan, ``-Infinity`` -> -inf, ``12.5%`` -> 12.5, ``-1.#INF`` -> -inf."""
    if "#" in raw:  # the Microsoft C runtime's non-finite numbers: 1.#INF, 1.#QNAN, -1.#IND (an indefinite NaN)
        return float(raw.partition("1.#")[0] + ("inf" if "#INF" in raw else "nan"))
    return float(raw.replace(",", "").rstrip("%"))


class Stripped(NamedTuple):
    """A line without its ANSI colours and log prefixes, and what the prefixes said."""

    rank: Optional[int]
    text: str
    warning: bool


def strip_prefixes(line: str) -> Stripped:
    """The line without ANSI colours and log prefixes (time, level, logger, ``[rank1]:``), with the rank a prefix
    named and whether a prefix said WARNING."""
    if "\x1b" in line:
        line = P.ANSI.sub("", line)
    rank = None
    warning = False
    for _ in range(6):  # prefixes stack: `[rank1]: 2025-.. | WARNING | ...`
        before = line
        m = P.RANK.match(line)
        if m:
            rank = int(next(g for g in m.groups() if g is not None))
            line = line[m.end() :]
        if P.LEVEL_WARNING.match(line):
            warning = True
        if line[:1].isalpha() and not P.MAYBE_PREFIX.match(line):
            break  # the common case: the message itself
        for rx in P.PREFIXES:
            m = rx.match(line)
            if m and m.end() < len(line):
                line = line[m.end() :]
        if line == before:
            break
    return Stripped(rank, line.strip(), warning)


@lru_cache(maxsize=_CACHE_SIZE)
def split_of(word: str) -> Optional[str]:
    """The split a word names (``val`` -> ``eval``, ``Training`` -> ``train``), or None."""
    return SPLIT_WORDS.get(word.lower())


def line_split(text: str) -> Optional[str]:
    """The split a line is about, from the first split word on it (`Eval`, `valid on 'valid' subset`)."""
    m = P.SPLIT_WORD.search(text)
    return split_of(m.group(1)) if m else None


def fields(text: str, default_split: Optional[str] = None) -> list:
    """Every ``key value`` pair on a line, in order, each with the split its section or key set."""
    sections = [(m.start(), split_of(m.group("split"))) for m in P.SECTION.finditer(text)]
    # The line's split word counts from where it stands: in `Loss: 2.33, Accuracy: 10.2, Test Loss: 2.31` the fields
    # before `Test` are the training ones.
    first = P.SPLIT_WORD.search(text)
    if first is not None and split_of(first.group(1)):
        sections = sorted([(first.start(), split_of(first.group(1))), *sections])
    current = default_split
    out = []
    si = 0
    for m in P.FIELD.finditer(text):
        while si < len(sections) and sections[si][0] <= m.start():
            current = sections[si][1]
            si += 1
        key, key_span, raw, span = m.group("key"), m.span("key"), m.group("val"), m.span("val")
        if ". " in key:  # a key never runs on past a full stop: `... records/second. Loss is 1.26`
            cut = key.rindex(". ") + 2
            key, key_span = key[cut:], (key_span[0] + cut, key_span[1])
        if key.endswith(_COPULAS):  # a sentence's verb stands where a colon would: `Current learning rate is 0.046.`
            key = key.rsplit(None, 1)[0]
        elif key[-1].isdigit() and text.startswith(":", span[1]) and m.group("total") is None:
            r = P.RANGE_VALUE.match(text, span[1])  # `mAP@0.50:0.95: 0.41`: the key ends in a range
            if r is not None:
                key, key_span = f"{key}:{raw}", (key_span[0], span[1])
                raw, span = r.group("val"), r.span("val")
        for word in key.replace("_", " ").split():
            s = split_of(word)
            if s:
                current = s  # `Val Loss: 2.1 | Acc: 0.9`: the bare field after a val field is a val field too
                break
        total = m.group("total")
        out.append(
            Field(key, raw, int(total) if total else None, current, span, m.span("total") if total else None, key_span)
        )
    return out


@lru_cache(maxsize=_CACHE_SIZE)
def key_role(key: str) -> str:
    """``epoch``, ``step``, ``batch`` or ``metric`` for a field key (its last word decides: `Train Epoch`)."""
    words = key.split()  # `Train Epoch` is an epoch; `warmup_steps` is not a step
    last = spelling(words[-1]) if words else ""
    whole = spelling(key)
    if whole in EPOCH_KEYS or last in EPOCH_KEYS:
        return "epoch"
    if whole == "batch" or last == "batch":
        return "batch"
    if whole in STEP_KEYS or last in STEP_KEYS or whole == "globalstep":
        return "step"
    return "metric"


@lru_cache(maxsize=_CACHE_SIZE)
def metric_name(key: str, split: Optional[str]) -> Optional[str]:
    """The series name for a metric key, or None when the key is not a learning signal we keep."""
    key = key.replace("@", "")
    words = key.replace("_", " ").split()
    if words and words[0].lower() == "best":
        return None  # `best F1=0.93` restates an old point
    if split is None and parse_metric_name(key).metric in EVALUATION_METRICS:
        split = "eval"
    name = normalise(key, default_split=split)
    parts = name.split("/")
    metric = parts[-1]
    metric = _METRIC_RENAMES.get(metric, metric)
    parts[-1] = metric
    tokens = metric.split("_")
    if is_bookkeeping(metric):
        return None
    known = metric in _KNOWN or tokens[-1] in _KNOWN or tokens[0] in ("loss", "acc")
    known = known or (len(tokens) == 1 and metric[:3] in ("acc", "top") and metric[3:].isdigit())
    return "/".join(parts) if known else None


def is_training(name: str) -> bool:
    """A training metric's series name (``train/loss``, ``rnn/train/acc``): the logging events a step count follows."""
    return name.startswith("train/") or "/train/" in name


def is_learning_signal(name: str) -> bool:
    """A loss or quality metric (not lr, grad norm or loss scale): its presence makes a line a metrics line."""
    return name.split("/")[-1] not in _SETTING_LIKE


class Setting(NamedTuple):
    """A setting printed on a line: its key and its value (text, or a literal read from a ``Namespace(...)``)."""

    key: str
    raw: object


def settings(text: str) -> list:
    """The :class:`Setting` pairs of a settings line, including those inside ``Name(k=v, ...)`` parentheses."""
    out = []
    m = P.NAMESPACE.search(text)
    if m:
        return namespace_pairs(m.group("body"))
    for m in P.SETTING.finditer(text):
        out.append(Setting(m.group("key"), m.group("val")))
    for m in P.CALL_ARGS.finditer(text):
        for inner in P.SETTING.finditer(m.group("body")):
            out.append(Setting(inner.group("key"), inner.group("val")))
    return out


def namespace_pairs(body: str) -> list:
    """Keyword arguments of a printed ``Namespace(...)`` as :class:`Setting` pairs, read with ``ast`` (literals only,
    nothing executed)."""
    try:
        with warnings.catch_warnings():  # `lr=1if ...` parses with a SyntaxWarning: no noise on the user's terminal
            warnings.simplefilter("ignore", SyntaxWarning)
            call = ast.parse(f"f({body})", mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return []
    out = []
    for kw in getattr(call, "keywords", []):
        if kw.arg is None:
            continue
        try:
            value = ast.literal_eval(kw.value)
        except (ValueError, SyntaxError, TypeError, RecursionError):
            continue
        out.append(Setting(kw.arg, value))
    return out


_WIDE_GAP = re.compile(r"\s{2,}")
_HEADER_CELL = re.compile(r"^(?:#|[A-Za-z][\w./@()\-]*(?: [A-Za-z][\w./@()\-]*)*)$")


def table_cells(text: str) -> Optional[list]:
    """Cells of a Markdown table row (with or without its outer bars, spaced or compact: `epoch|mem|loss`), a CSV/TSV
    row, or a row of a table aligned with spaces (spaCy's training table); None when the line is none of these."""
    s = text.strip()
    if "|" in s:
        inner = s[1:] if s.startswith("|") else s
        inner = inner[:-1] if inner.endswith("|") else inner
        cells = [c.strip() for c in inner.split("|")]
        if len(cells) >= 2 and (s.startswith("|") and s.endswith("|") or " | " in s or all(cells)):
            return cells
    for sep in (",", "\t"):
        if sep in s and " " not in s.replace(", ", ",").strip():
            cells = [c.strip() for c in s.split(sep)]
            if len(cells) >= 2 and all(cells):
                return cells
    if "  " in s:
        cells = _WIDE_GAP.split(s)
        if len(cells) >= 3:
            return cells
    return None


# What a rule under a table header is made of: anything else on a line rejects it without a regex.
_RULE_CHARS = " \t\r\n|:+-"


def is_table_rule(text: str) -> bool:
    """Whether ``text`` is the rule under a table's header (`|---|---|`, `-- | --`, `-|-|-`, `---  ------`)."""
    return not text.strip(_RULE_CHARS) and "-" in text and P.TABLE_RULE.match(text) is not None


def is_name_cell(cell: str) -> bool:
    """A table cell that names something (a column, a metric) rather than holding a value."""
    return _HEADER_CELL.match(cell) is not None


def table_header(text: str) -> Optional[list]:
    """The column names when ``text`` is a table's header row (every cell a name, not a `key value` pair)."""
    cells = table_cells(text)
    if cells is None or not all(_HEADER_CELL.match(c) for c in cells):
        return None
    if all(c.lower() in ("", "-") for c in cells):
        return None
    return cells


def checkpoint_path(text: str) -> Optional[str]:
    """The path a `saved ...` / `Saving model checkpoint to ...` line names, or None."""
    m = P.SAVE_WORD.search(text)
    if not m:
        return None
    for cand in P.PATHLIKE.finditer(text, m.end()):
        path = cand.group(0).rstrip(".,;:")
        if any(c.isalpha() for c in path) and not P.CELL_NUM.match(path):
            return path
    for cand in P.PATHLIKE.finditer(text[: m.start()]):
        path = cand.group(0).rstrip(".,;:")
        if any(c.isalpha() for c in path) and ("/" in path or "\\" in path):
            return path
    return None
