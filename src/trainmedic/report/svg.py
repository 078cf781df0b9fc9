"""matplotlib's SVG made ready for the page: no XML prologue, sized by the page, hover values as SVG ``<title>``.

Artists that should say something on hover carry a ``gid``: a group (a finding's line) gets one ``<title>`` as its
first child; a hover layer (invisible markers, one per point) gets one ``<title>`` per ``<use>`` marker, in order.
"""

from __future__ import annotations

import html
import io
import re

_USE = re.compile(r"<use [^>]*?/>")


def svg_of(fig, hover: dict, titles: dict) -> str:
    """The figure as inline SVG: ``hover`` maps a hover layer's gid to the title of each of its points, ``titles`` a
    group's gid to its title."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration and DOCTYPE: the SVG sits inside HTML
    # Scale with the page: keep the viewBox, drop the fixed size.
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="plot"', svg, count=1)
    for gid, text in titles.items():
        svg = svg.replace(f'<g id="{gid}">', f'<g id="{gid}"><title>{html.escape(text)}</title>', 1)
    for gid, texts in hover.items():
        svg = _title_points(svg, gid, texts)
    return svg


def _title_points(svg: str, gid: str, texts: list) -> str:
    start = svg.find(f'<g id="{gid}">')
    if start < 0:
        return svg
    end = _group_end(svg, start)
    group = svg[start:end]
    it = iter(texts)

    def add(m: re.Match) -> str:
        text = next(it, None)
        if text is None:
            return m.group(0)
        return m.group(0)[:-2] + f"><title>{html.escape(text)}</title></use>"

    return svg[:start] + _USE.sub(add, group) + svg[end:]


def _group_end(svg: str, start: int) -> int:
    """The index just after the ``</g>`` that closes the group opened at ``start``."""
    depth, i = 0, start
    tags = re.compile(r"<g[\s>]|</g>")
    for m in tags.finditer(svg, start):
        depth += -1 if m.group(0) == "</g>" else 1
        if depth == 0:
            return m.end()
        i = m.end()
    return len(svg) if i == start else i
