"""Decode the bytes of a log or script whatever its encoding, line by line, in bounded memory.

UTF-8 (with or without BOM), UTF-16 (BOM or the zero-byte pattern of ASCII text), GBK/GB18030 and other legacy
encodings (guessed by charset-normalizer, only when UTF-8 fails), and UTF-8 that was mis-decoded once as
Windows-1252 or Latin-1 and saved again (repaired by ``ftfy``, when its sample reads as such mojibake).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..i18n import t

# Enough text to recognise the encoding and the format; also what sniffers see.
SAMPLE_BYTES = 64 * 1024
# Read size while streaming: large enough to be fast, small enough to keep memory flat on a 1 GB log.
CHUNK_BYTES = 1 << 20
# A "line" longer than this without a newline is cut: a progress bar that never ended its line, or not text at all.
MAX_LINE_CHARS = 1 << 20
# Share of control characters above which a sample is binary rather than text.
BINARY_CONTROL_SHARE = 0.10
# Share of zero bytes at odd (or even) positions that marks BOM-less UTF-16 of mostly-ASCII text.
UTF16_ZERO_SHARE = 0.40

# Share of CJK characters among the non-ASCII ones above which a non-UTF-8 sample is taken as GB18030.
CHINESE_SHARE = 0.8

_CONTROL_OK = {9, 10, 12, 13, 27}  # tab, newline, form feed, carriage return, ANSI escape


def _utf16_guess(sample: bytes) -> str | None:
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) / max(1, len(odd)) > UTF16_ZERO_SHARE and even.count(0) < len(even) * 0.05:
        return "utf-16-le"
    if even.count(0) / max(1, len(even)) > UTF16_ZERO_SHARE and odd.count(0) < len(odd) * 0.05:
        return "utf-16-be"
    return None


def _decodes_as_utf8(sample: bytes, complete: bool) -> bool:
    dec = codecs.getincrementaldecoder("utf-8")()
    try:
        dec.decode(sample, final=complete)  # a cut-off character at the end of a sample is not an error
        return True
    except UnicodeDecodeError:
        return False


def _reads_as_chinese(sample: bytes, complete: bool) -> bool:
    """GB18030 first: the logs we meet that are not UTF-8 are mostly GBK, and short Chinese samples fool the
    statistical guess (it often answers with a Korean code page)."""
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if ord(c) > 0x7F]
    hanzi = sum(
        1 for c in wide if 0x4E00 <= ord(c) <= 0x9FFF or 0x3000 <= ord(c) <= 0x303F or 0xFF00 <= ord(c) <= 0xFFEF
    )
    return bool(wide) and hanzi >= CHINESE_SHARE * len(wide)


def detect(sample: bytes, *, complete: bool = False) -> str:
    """The codec name for a file that starts with ``sample`` (``complete`` when the sample is the whole file)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    guess = _utf16_guess(sample[:4096])
    if guess:
        return guess
    if _decodes_as_utf8(sample, complete):
        return "utf-8"
    if _reads_as_chinese(sample, complete):
        return "gb18030"
    from charset_normalizer import from_bytes  # only when UTF-8 fails: it is slow

    best = from_bytes(sample).best()
    if best is None:
        return "latin-1"
    name = best.encoding.lower().replace("-", "_")
    if name in ("gbk", "gb2312", "hz", "gb18030", "cp936"):
        return "gb18030"  # the superset: decodes whatever GBK or GB2312 wrote
    return best.encoding


def is_binary(sample: bytes) -> bool:
    """True when ``sample`` is not text in any encoding we read (NUL bytes outside UTF-16, many control bytes)."""
    if not sample:
        return False
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_guess(sample[:4096]):
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample[:8192] if b < 32 and b not in _CONTROL_OK)
    return controls / min(len(sample), 8192) > BINARY_CONTROL_SHARE


def decode(data: bytes) -> str:
    """Decode a whole byte string (a config file, a sample) and repair mojibake when it is clearly there."""
    codec = detect(data, complete=True)
    text = data.decode(codec, errors="replace")
    return repair(text) if looks_mojibake(text) else text


def looks_mojibake(text: str) -> bool:
    """True when the text reads as UTF-8 that was decoded once with a single-byte code page (``è®­ç»ƒ``). ASCII text
    holds none (and most logs are ASCII: ftfy, slow to import, is then not needed)."""
    if text.isascii():
        return False
    import ftfy
    from ftfy.badness import is_bad

    return is_bad(text) and ftfy.fix_encoding(text) != text


def repair(text: str) -> str:
    """The text with its mojibake undone (``è®­ç»ƒ`` -> ``训练``); text without any is returned as it is."""
    import ftfy

    return ftfy.fix_encoding(text)


def read_sample(path: Path, n: int = SAMPLE_BYTES) -> bytes:
    """The first ``n`` bytes of ``path`` (an :class:`InputError` when the file cannot be read)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except OSError as exc:
        raise InputError(path, t("readers.error.unreadable", "en", detail=exc.strerror or exc)) from None


def read_text(path: Path, limit: int) -> str:
    """A whole small text file, decoded; an :class:`InputError` when it is binary or larger than ``limit`` bytes."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(path, t("readers.error.config_too_large", "en", size=f"{size:,}"))
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, t("readers.error.unreadable", "en", detail=exc.strerror or exc)) from None
    if is_binary(data[:SAMPLE_BYTES]):
        raise InputError(path, t("readers.error.config_binary", "en"))
    return decode(data)


def iter_lines(path: Path) -> Iterator[str]:
    """Decoded lines of a text file, streamed with an incremental decoder (memory stays flat however big it is).

    Lines are split on ``\\n`` only: carriage returns stay inside a line, where they separate progress-bar refreshes.
    Raises :class:`InputError` when the file cannot be read or is binary.
    """
    sample = read_sample(path)
    if is_binary(sample):
        raise InputError(path, t("readers.error.binary_text", "en"))
    codec = detect(sample, complete=len(sample) < SAMPLE_BYTES)
    fix = looks_mojibake(sample.decode(codec, errors="replace"))
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    pending = ""
    try:
        with open(path, "rb") as fh:
            while True:
                chunk = fh.read(CHUNK_BYTES)
                text = decoder.decode(chunk, final=not chunk)
                if text:
                    pending += text
                    parts = pending.split("\n")
                    pending = parts.pop()
                    for line in parts:
                        yield repair(line) if fix else line
                    if len(pending) > MAX_LINE_CHARS:
                        cut = pending.rfind("\r")
                        if cut < 0:
                            yield pending
                            pending = ""
                        else:
                            pending = pending[cut:]  # keep only the latest refresh of a progress bar
                if not chunk:
                    break
    except OSError as exc:
        raise InputError(path, t("readers.error.unreadable", "en", detail=exc.strerror or exc)) from None
    if pending:
        yield repair(pending) if fix else pending
