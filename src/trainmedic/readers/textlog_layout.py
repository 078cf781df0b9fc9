"""The line-shape cache of the console-log parser: a layout is worked out once per line shape (the line with its
number tokens blanked) and then applied to the numbers of every line of that shape.

A layout refers to a number either by the index of its token on the line or, when the number is part of the shape
itself (`EP1`, `180/400`, `nan`), by its value. :class:`~.textlog_parser.LogParser` applies layouts.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Optional

from ..names import is_bookkeeping, normalise
from . import config_keys
from . import textlog_line as L
from . import textlog_patterns as P

# What a remembered layout does with a line, and the steps of a layout.
FIELDS, DICT, BAR, SKIP = "fields", "dict", "bar", "skip"
POINT, STEP, EPOCH, EPOCH_INDEX, TOTAL, BATCH, APPLY = "point", "step", "epoch", "epoch#", "total", "batch", "apply"
# A point printed as the mean of its epoch so far (flair's per-iteration loss): the parser recovers the batches' own.
MEAN = "mean"
# Lines whose layout depends on more than their shape (events, tables, bars, settings): read in full every time.
SLOW = ("slow", None, None)
BLANK = (SKIP, None, None)
# `rank 1` with a space: the rank's digits are a token, so the shape cannot carry the rank.
_RANK_SPACED = re.compile(r"(?:rank|RANK|Rank)\s+\d")
# Token digits written as 0: the shape keeps how many digits an integer part has (timestamps, `\d{1,3}%`), not which.
_AS_ZEROS = str.maketrans("123456789", "000000000")
# Keys of the Trainer's final summary dict (whole-run averages and timings): not a point of any curve.
SUMMARY_KEYS = {"train_runtime", "train_samples_per_second", "train_steps_per_second", "total_flos"}


def shape_key(line: str) -> tuple:
    """(the line's shape, its number tokens): lines of one shape differ only in the digits of their tokens."""
    parts = P.TOKEN.split(line)
    toks = parts[1::2]
    key = "\x00".join(parts[0::2])
    if toks:
        key += "\x01" + P.LONG_FRACTION.sub(".0", "\x00".join(toks).translate(_AS_ZEROS))
    return key, parts, toks


class Uncacheable(Exception):
    """A line whose layout would depend on the digits of its tokens, not only on its shape."""


class Refs:
    """Where a number a layout uses stands: a token of the line (an index) or fixed text (a literal).

    Built without ``parts`` it knows no tokens: every number is a literal, for a layout used on one line only.
    """

    __slots__ = ("offset", "tokens", "starts", "ends")

    def __init__(self, parts: Optional[list] = None, offset: int = 0):
        self.offset = offset
        self.tokens: dict = {}
        self.starts: list = []  # token spans in order: looked up by bisection, so a long line stays linear
        self.ends: list = []
        pos = 0
        for i, part in enumerate(parts or ()):
            if i & 1:
                self.tokens[pos] = (i >> 1, pos + len(part), part)
                self.starts.append(pos)
                self.ends.append(pos + len(part))
            pos += len(part)

    def _token(self, span: tuple) -> Optional[tuple]:
        a, b = span[0] + self.offset, span[1] + self.offset
        hit = self.tokens.get(a)
        if hit is not None and hit[1] == b:
            return hit
        i = bisect_left(self.ends, a + 1)  # the first token ending after a
        if i < len(self.starts) and self.starts[i] < b:
            raise Uncacheable  # part of a token: its meaning could change with the token's digits
        return None

    def raw(self, span: tuple, literal: str):
        """The text of a number: a token index, or the literal text."""
        hit = self._token(span)
        return literal if hit is None else hit[0]

    def value(self, span: tuple, literal: str):
        """A number's value: a token index (plain float), ``("p", index)`` (needs :func:`~.textlog_line.parse_number`),
        or the literal's value."""
        hit = self._token(span)
        if hit is None:
            return L.parse_number(literal)
        i, _, tok = hit
        return ("p", i) if ("," in tok or "%" in tok) else i

    def whole(self, span: tuple) -> None:
        """A number the layout leaves out must be a whole token or fixed text, never part of a token."""
        self._token(span)

    def check(self, span: tuple) -> None:
        """Text that names something (a key) must not hold a token."""
        if self._token(span) is not None:
            raise Uncacheable


LITERAL = Refs()


def value_of(r, toks: list) -> float:
    """The number a layout reference stands for on a line with number tokens ``toks``."""
    if r.__class__ is int:
        return float(toks[r])
    if r.__class__ is float:
        return r
    return L.parse_number(toks[r[1]])


def raw_of(r, toks: list) -> str:
    """The text a layout reference stands for on a line with number tokens ``toks``."""
    return toks[r] if r.__class__ is int else r


def line_kind(text: str) -> Optional[str]:
    """What the parser does with ``text`` when no table is open, without doing it: ``None`` for the lines read in
    full every time (tracebacks, banners, events, tables, settings)."""
    if (
        P.TRACEBACK_START.match(text)
        or P.CUDA_ASSERT.search(text)
        or P.HF_RUNNING.search(text)
        or P.HF_BANNER.match(text)
        or P.LAUNCH.match(text)
    ):
        return None
    if P.EVENT_HINT.search(text) and (
        P.EARLY_STOP.search(text)
        or P.WARNINGS.search(text)
        or P.RESUME.search(text)
        or P.SAVE_WORD.search(text)
        or P.LR_REDUCED.search(text)
    ):
        return None
    if "|" in text or "," in text or "\t" in text or "  " in text:
        if not L.is_table_rule(text) and L.table_header(text) is not None or P.YOLO_RESULTS.match(text):
            return None  # a table header, or a row of a table whose columns are known
    if "/" in text and "[" in text:
        m = P.KERAS.match(text) or P.TQDM.search(text)
        if m and not P.FRAMEWORK_PROGRESS.search(text) and not P.PARTIAL_EVAL.match(text):
            return BAR
    if P.NAMESPACE.search(text) or P.CAFFE_OUTPUT.search(text) or P.DOTTED_SETTING.match(text):
        return None
    if P.DICT_LINE.match(text):
        return DICT
    if P.EPOCH_HEADER.match(text):
        return None
    if P.PARTIAL_EVAL.match(text) or P.FRAGMENT.match(text):
        return SKIP
    return FIELDS


def plan(line: str, parts: list) -> tuple:
    """The layout of ``line`` (split into literal text and tokens by ``parts``), or ``SLOW``."""
    stripped = L.strip_prefixes(line)
    rank, text = stripped.rank, stripped.text
    if not text:
        return BLANK
    if rank is not None and _RANK_SPACED.search(line):
        return SLOW
    offset = len(line.rstrip()) - len(text)
    if offset < 0 or line[offset : offset + len(text)] != text:
        return SLOW
    kind = line_kind(text)
    if kind is None:
        return SLOW
    if kind is SKIP:
        return (SKIP, rank, P.FRAGMENT.match(text) is not None)
    refs = Refs(parts, offset)
    try:
        if kind is BAR:
            body = bar_layout(text, refs)
            return (SKIP, rank, False) if body is None else (BAR, rank, body)
        body = dict_layout(text, refs) if kind is DICT else fields_layout(text, refs)[0]
    except Uncacheable:
        return SLOW
    return (kind, rank, body)


def bar_layout(text: str, refs: Refs) -> Optional[tuple]:
    """The layout of a progress bar: ``(b, n, keras, epoch counter, bar key, split, points)``; None for a bar that
    records nothing (no metric in its postfix: most refreshes). A bar with text glued after it is read in full."""
    m = P.KERAS.match(text) or P.TQDM.search(text)
    keras = m.re is P.KERAS
    tail = "" if keras else text[m.end() :]
    if tail.strip() and not tail.lstrip().startswith(("-", ",")):
        raise Uncacheable  # the glued text is a line of its own, read at the bar's position
    head = text[: m.start()]
    post_at = m.end() if keras else m.start("post")
    split = L.line_split(head) or "train"
    points = []
    for f in L.fields(text[post_at:] if keras else m.group("post")):
        if L.key_role(f.key) == "metric":
            name = L.metric_name(f.key, f.split or split)
            if name:
                points.append((name, f.key, refs.value((f.span[0] + post_at, f.span[1] + post_at), f.raw)))
    if not points:
        return None
    em = P.AT_EPOCH.search(head)
    counter = None if em is None else refs.raw(em.span(1), em.group(1))
    key = ""
    if em is None:
        for n in P.NUM_RE.finditer(head):
            refs.whole(n.span())  # the key leaves out numbers: each must be a whole token or fixed text
        key = P.NUM_RE.sub("", head).strip()
    return (
        refs.raw(m.span("b"), m.group("b")),
        refs.raw(m.span("n"), m.group("n")),
        keras,
        counter,
        key,
        split,
        tuple(points),
    )


def dict_layout(text: str, refs: Refs) -> Optional[tuple]:
    """The layout of a dict line: ``(steps, names, train)`` with ``(kind, ..., value)`` steps in the order the keys
    stand, the names of its points and whether one is a training metric; None for the Trainer's final summary
    (``train_runtime``, the mean ``train_loss`` of the whole run)."""
    ops = []
    keys = []
    for m in P.DICT_PAIR.finditer(text):
        key = m.group("key")
        keys.append(key)
        refs.check(m.span("key"))
        value = refs.value(m.span("val"), m.group("val"))
        total = m.group("total")
        role = L.key_role(key.split("/")[0])
        if role == "epoch":
            ops.append((EPOCH, value))
        elif role == "step":
            ops.append((STEP, value))
            if total is not None:
                ops.append((TOTAL, "max_steps", refs.raw(m.span("total"), total)))
        else:
            name = normalise(key)
            if not is_bookkeeping(name.split("/")[-1]) and total is None:
                ops.append((POINT, name, key, value))
    if SUMMARY_KEYS.intersection(keys):
        return None
    names = frozenset(op[1] for op in ops if op[0] is POINT)
    return tuple(ops), names, any(L.is_training(n) for n in names)


def _framework_prefix(text: str, refs: Refs) -> tuple:
    """(the position a framework's progress prefix gives, the text without it, its span): mmcv/mmengine
    `Epoch [1][50/500]`, `Iter(train) [50/1000]`, torchvision `Epoch: [0] [10/391]`, MXNet `Epoch[0] Batch [20]`,
    fairseq `epoch 001:  50 / 400`, `EP2`, the PyTorch example's `Epoch: 1 [1280/60000 (2%)]`, BigDL's
    `[Epoch 64 736512/1281167]`."""
    for rx in (P.MMCV, P.TORCHVISION, P.MMENGINE_ITER, P.MXNET):
        m = rx.search(text)
        if not m:
            continue
        mode = m.groupdict().get("mode")
        if rx is P.MMENGINE_ITER:
            pre = (
                "iter",
                refs.raw(m.span("b"), m.group("b")),
                refs.raw(m.span("n"), m.group("n")),
                mode in ("val", "test"),
            )
        elif rx is P.MXNET:
            pre = ("mxnet", refs.raw(m.span("ep"), m.group("ep")), refs.raw(m.span("b"), m.group("b")))
        elif mode in ("val", "test"):
            pre = ("mmcv", refs.raw(m.span("ep"), m.group("ep")), 1 if rx is P.TORCHVISION else 0, True, None, None)
        else:
            pre = (
                "mmcv",
                refs.raw(m.span("ep"), m.group("ep")),
                1 if rx is P.TORCHVISION else 0,
                False,
                refs.raw(m.span("b"), m.group("b")),
                refs.raw(m.span("n"), m.group("n")),
            )
        return pre, text[: m.start()] + " " + text[m.end() :], m.span()
    m = (
        P.FAIRSEQ_PROGRESS.search(text)
        or P.EXAMPLE_PROGRESS.search(text)
        or P.EPOCH_RECORDS.search(text)
        or P.EPOCH_GLUED.search(text)
        or P.EPOCH_OF.search(text)
    )
    if not m:
        return None, text, None
    if m.re is P.EPOCH_OF:
        pre = ("epoch_of", refs.raw(m.span("ep"), m.group("ep")), refs.raw(m.span("n"), m.group("n")))
    elif m.re is P.EPOCH_GLUED:
        g = 1 if m.group(1) is not None else 2
        pre = ("epoch", refs.raw(m.span(g), m.group(g)), None, None)
    elif m.re is P.EXAMPLE_PROGRESS or m.re is P.EPOCH_RECORDS:
        pre = (
            "example",
            refs.raw(m.span(1), m.group(1)),
            refs.raw(m.span(2), m.group(2)),
            refs.raw(m.span(3), m.group(3)),
        )
    else:
        pre = (
            "epoch",
            refs.raw(m.span(1), m.group(1)),
            refs.raw(m.span(2), m.group(2)),
            refs.raw(m.span(3), m.group(3)),
        )
    return pre, text[: m.start()] + " " + text[m.end() :], m.span()


def fields_layout(text: str, refs: Refs) -> tuple:
    """The layout of a ``key value`` line: ``((framework prefix, steps, has a learning signal, has a training metric),
    text without the framework prefix)``. ``LogParser._run_fields`` applies it."""
    whole = text
    running = P.EPOCH_MEAN_PROGRESS.match(text) is not None
    pre, text, cut = _framework_prefix(text, refs)
    # A split word inside the framework prefix (`Epoch(val) [1][100/100]`) applies to every field after it.
    split = L.line_split(whole[cut[0] : cut[1]]) if cut is not None else None

    def at(span: tuple) -> tuple:  # a span of the text after the cut, on the text before it
        if cut is None:
            return span
        shift = cut[1] - cut[0] - 1
        return tuple(p if p <= cut[0] else p + shift for p in span)

    ops = []
    names = []
    for f in L.fields(text, split):  # a split word applies to the fields after it (see textlog_line.fields)
        if ":" in f.key:
            refs.check(at(f.key_span))  # `mAP@0.50:0.95`: a number inside the key is part of the name
        role = L.key_role(f.key)
        total = None if f.total_span is None else refs.raw(at(f.total_span), text[f.total_span[0] : f.total_span[1]])
        if role == "epoch":
            ops.append((EPOCH if "." in f.raw else EPOCH_INDEX, refs.value(at(f.span), f.raw)))
            if total is not None:
                ops.append((TOTAL, "num_epochs", total))
        elif (
            role in ("batch", "step")
            and total is not None
            and (role == "batch" or any(op[0] is EPOCH_INDEX for op in ops) or pre is not None)
        ):
            if total.__class__ is int:
                raise Uncacheable  # whether `batch 5 / 0` is a batch depends on the token's digits
            ops.append((BATCH, refs.value(at(f.span), f.raw), f.total))  # `iter 3/15` inside an epoch
        elif role == "step":
            ops.append((STEP, refs.value(at(f.span), f.raw)))
            if total is not None:
                ops.append((TOTAL, "max_steps", total))
        else:
            name = L.metric_name(f.key, f.split)
            if name and total is not None:
                if total.__class__ is int:
                    raise Uncacheable
                if f.total:  # `Accuracy: 1000/10000`: a count out of a total is the fraction
                    ops.append((POINT, name, _label(f), refs.value(at(f.span), f.raw), f.total))
                    names.append(name)
            elif name:
                kind = MEAN if running and f.key == "loss" else POINT
                ops.append((kind, name, _label(f), refs.value(at(f.span), f.raw)))
                names.append(name)
            elif config_keys.config_key(f.key) in ("effective_batch", "per_device_batch", "world_size"):
                ops.append((APPLY, f.key, refs.raw(at(f.span), f.raw)))
    return (pre, tuple(ops), any(L.is_learning_signal(n) for n in names), any(L.is_training(n) for n in names)), text


def _label(f) -> str:
    section = bool(f.split) and L.split_of(f.key.replace("_", " ").split()[0]) is None and f.split != "train"
    return f"{f.split} {f.key}" if section else f.key


def cut_text(line: str) -> str:
    """The text a settings line is read from: ``line`` without prefixes and framework progress."""
    return fields_layout(L.strip_prefixes(line).text, LITERAL)[1]
