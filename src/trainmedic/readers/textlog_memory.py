"""What the console-log parser remembers of the lines it read, so that a log's thousand-fold repeated lines cost
little more than reading them.

Two memories, each bounded (a log of ever-new lines starts them again when full):

- by *shape* (the line with its number tokens blanked, see :func:`~.textlog_layout.shape_key`): the line's layout,
  worked out once (:func:`~.textlog_layout.plan`), applied to the numbers of every line of that shape;
- by the line with all its digits written as 0 (:func:`zeroed`): the layout and the places of the
  line's numbers, so that a line met before with other digits is read by slicing, without a regex. Lines equal once so
  written split into number tokens at the same places (every pattern that decides a layout tells digits apart by
  class, never by value); digits outside the tokens (`EP3`, `top5`) are part of the shape and are compared.
"""

from __future__ import annotations

from . import textlog_layout as Y

# Line shapes whose layout is remembered at once. A log prints a handful of shapes over and over (a few dozen with
# its timestamps' and steps' digit counts); one that prints ever-new shapes starts the memory again when it is full,
# so memory stays bounded whatever the log.
MAX_SHAPES = 4096
# Lines remembered with their layout and the places of their numbers, bounded the same way.
MAX_TEMPLATES = 4096
# The layout of a line that holds nothing to read (a progress bar without metrics, a blank line).
NOTHING = ("nothing", None, None)
# Digits written as 0 (see :func:`zeroed`).
_ZEROED = bytes.maketrans(b"123456789", b"000000000")


def zeroed(line: str) -> bytes:
    """``line`` with its digits written as 0, as UTF-8 bytes (translating bytes is ten times faster than text). Lines
    equal once so written split into number tokens at the same places, and those with the same text outside their
    tokens have the same layout: every pattern that decides a layout tells digits apart by class, never by value."""
    return line.encode("utf-8", "surrogatepass").translate(_ZEROED)


def part_spans(parts: list) -> list:
    """Where each of the ``parts`` of a line (see :func:`~.textlog_layout.shape_key`) stands: ``(start, end)`` each."""
    spans = []
    pos = 0
    for part in parts:
        spans.append((pos, pos + len(part)))
        pos += len(part)
    return spans


class LineMemory:
    """The layouts of the line shapes and the lines a parser met."""

    def __init__(self) -> None:
        self.plans: dict = {}  # shape -> layout
        # zeroed line -> (token places, places of digits outside tokens, {their text: layout}); the parser looks a line
        # up by its zeroed text, then by the text at those places, and slices its tokens at the token places.
        self.templates: dict = {}

    def layout(self, line: str) -> tuple:
        """(layout, number tokens, parts) of ``line`` by its shape: see :func:`~.textlog_layout.plan`."""
        key, parts, toks = Y.shape_key(line)
        plan = self.plans.get(key)
        if plan is None:
            plan = Y.plan(line, parts)
            if len(self.plans) >= MAX_SHAPES:
                self.plans.clear()  # a log of ever-new shapes: start again rather than grow
            self.plans[key] = plan
        return plan, toks, parts

    def remember(self, zeroed: bytes, plan: tuple, line: str, parts: list) -> None:
        """Remember ``plan`` for the lines written as ``zeroed`` once their digits are 0 whose text outside their
        number tokens (``parts``) is that of ``line``."""
        if plan[0] is Y.SKIP and plan[1] is None and not plan[2]:
            plan = NOTHING
        template = self.templates.get(zeroed)
        if template is None:
            if len(self.templates) >= MAX_TEMPLATES:
                self.templates.clear()  # a log of ever-new lines: start again rather than grow
            spans = part_spans(parts)
            fixed = tuple(span for i, span in enumerate(spans) if not i & 1 and any(c.isdigit() for c in parts[i]))
            template = self.templates[zeroed] = (tuple(spans[1::2]), fixed, {})
        plans = template[2]
        if len(plans) >= MAX_TEMPLATES:
            plans.clear()
        plans[tuple([line[a:b] for a, b in template[1]])] = plan
