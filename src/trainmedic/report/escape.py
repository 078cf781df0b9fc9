"""What an artifact wrote must not act on what the user reads.

A config value, a file name or a log line can hold terminal escape sequences (clear the screen, print a fake "ALL
CHECKS PASSED" in red), newlines (split a one-line error), or Markdown (close a code span, add a link, an image, a
heading, raw HTML). Every text from an artifact passes through :func:`clean` in every format, and through
:func:`md_text` or :func:`md_code` in Markdown. The templates' own words are ours and stay as they are.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (colours, cursor moves, clear screen), OSC (titles, hyperlinks), and two-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")
# Other control characters (C0 but tab/newline, DEL, C1) and the bidirectional overrides that reorder what is shown.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FOLD = re.compile(r"[\t\n\r\f\v\u2028\u2029]+")


def clean(text: str) -> str:
    """``text`` without escape sequences and control characters, on one line (line breaks become spaces)."""
    text = _ANSI.sub("", str(text))
    text = _FOLD.sub(" ", text)
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    """``text`` for a one-line error message: control characters shown as escapes (``\\n``, ``\\x1b``), never acted
    on, so a file name with a newline cannot split the line."""

    def show(m: re.Match) -> str:
        c = m.group(0)
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(
            c, f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
        )

    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", show, str(text))


# Markdown ---------------------------------------------------------------------------------------------------------
# Characters that start inline markup anywhere: code, emphasis, links/images, raw HTML, table cells, strikethrough.
_MD_INLINE = re.compile(r"([\\`*\[\]<>|~])")
# "_" only where it can open or close emphasis (at a word's edge): max_grad_norm stays as it is.
_MD_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# Entity references (&lt; &#60;) would be decoded into the characters escaped above.
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# Autolinks of GitHub-flavoured Markdown: scheme://, www., user@host.
_MD_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(?=//)")
_MD_WWW = re.compile(r"(?i)\b(www)\.")
# Block markers at the start of a line: heading, quote, list, thematic break, setext underline, ordered list.
_MD_BLOCK = re.compile(r"^([#>+=-])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")


def md_text(text: str) -> str:
    """Artifact text as literal Markdown prose: no link, image, heading, HTML, code span or emphasis can start
    from it, and it stays on one line."""
    s = clean(text)
    s = _MD_INLINE.sub(r"\\\1", s)
    s = _MD_UNDERSCORE.sub(r"\\_", s)
    s = _MD_ENTITY.sub(r"\\&", s)
    s = _MD_SCHEME.sub(r"\1\\:", s)
    s = _MD_WWW.sub(r"\1\\.", s)
    return s.replace("@", "\\@")


def md_line(markdown: str) -> str:
    """Markdown prose that starts a line (or a list item's text): a leading ``#``, ``>``, ``-``, ``+``, ``=`` or
    ``1.`` is made literal, so that text cannot open a heading, a quote or a list."""
    s = markdown.lstrip()
    s = _MD_BLOCK.sub(r"\\\1", s)
    return _MD_ORDERED.sub(r"\1\\\2", s)


def md_code(text: str) -> str:
    """Artifact text as one inline code span that no backtick in it can close."""
    s = clean(text).strip()
    if not s:
        return ""
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or longest else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def md_cell(markdown: str) -> str:
    """Markdown for a table cell: a ``|`` ends a cell even inside a code span unless it is escaped."""
    return re.sub(r"(?<!\\)\|", r"\\|", markdown)
