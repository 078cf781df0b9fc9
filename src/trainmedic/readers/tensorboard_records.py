"""The record framing of TensorBoard event files, read with ``struct`` and checked with CRC32C.

Each record is ``uint64 length | uint32 masked crc32c(length) | data[length] | uint32 masked crc32c(data)``, all
little-endian. The framing is read here instead of through tensorboard's loader, which computes CRC32C in pure
Python and reads each record through ``gfile`` four times (83 % of the reading time), and which stops silently at
the first damaged record, so that a NaN written after the damage is lost.

Damage is skipped where the format allows: a record whose data CRC fails but whose length CRC holds is skipped whole
(its framing is trustworthy); a length whose CRC fails means the framing is lost, and reading resumes at the next
offset where a complete record header checks out. :class:`RecordScan` counts what was skipped, so the report can say
that data was lost. An incomplete last record is a file still being written, not damage.

CRC32C comes from ``google-crc32c`` (Google's C library) when it is installed; without it, tensorboard's own
pure-Python CRC32C still verifies every record, about ten times slower overall (:data:`CRC_IMPLEMENTATION` says
which).
"""

from __future__ import annotations

import mmap
import re
import struct
from collections.abc import Iterator
from typing import Callable

_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
_MASK_DELTA = 0xA282EAD8
# Records handed over at a time: large enough that the hand-over costs nothing per record, small enough to stay in
# cache (a few hundred KB of event data).
BATCH = 4096
_NONZERO = re.compile(rb"[^\x00]")


def _native_crc() -> tuple:
    try:
        import google_crc32c

        if getattr(google_crc32c, "implementation", "c") == "c":
            return google_crc32c.value, "google-crc32c (native)"
    except ImportError:
        pass
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import crc32c

    return crc32c, "tensorboard (pure Python)"


crc32c: Callable[[bytes], int]
crc32c, CRC_IMPLEMENTATION = _native_crc()


def masked_crc(data: bytes) -> int:
    """The masked CRC32C that TFRecord framing stores."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


class RecordScan:
    """The payloads of one event file's records, in order; counts what damage made it skip."""

    def __init__(self) -> None:
        self.bad_records = 0  # framing intact, data CRC wrong: the record was skipped
        self.skipped_bytes = 0  # framing lost: bytes passed over to reach the next valid record header
        self.records = 0
        self.end = 0  # the offset after the last complete record read: where a later scan goes on

    @property
    def damaged(self) -> bool:
        """True when some data of the file could not be read."""
        return bool(self.bad_records or self.skipped_bytes)

    def batches(self, path: str, start: int = 0) -> Iterator[list]:
        """Lists of record data, each record's CRC verified, in file order from offset ``start`` (a record boundary:
        0, or the :attr:`end` of an earlier scan of a file still being written); see the module docstring for what
        is skipped. Batches, not single records: a generator step per record would cost as much as the CRC."""
        self.end = start
        with open(path, "rb") as fh:
            try:
                buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                return
        with buf:
            yield from self._scan(buf, len(buf), start)

    def _scan(self, buf: mmap.mmap, n: int, start: int = 0) -> Iterator[list]:
        # Fast path: the data CRC alone. A length damaged into another plausible value makes the data CRC fail
        # (all but 1 in 2^32), and only then is the length's own CRC checked, to tell a bad record from lost framing.
        pos = start
        crc, unpack_q, unpack_i = crc32c, _U64.unpack_from, _U32.unpack_from
        batch: list = []
        append = batch.append
        try:
            while pos + 12 <= n:
                end = pos + 12 + unpack_q(buf, pos)[0]
                if end + 4 <= n:
                    data = buf[pos + 12 : end]
                    c = crc(data)
                    if (((c >> 15) | (c << 17)) + _MASK_DELTA) & 0xFFFFFFFF == unpack_i(buf, end)[0]:
                        append(data)
                        pos = self.end = end + 4
                        if len(batch) >= BATCH:
                            self.records += len(batch)
                            yield batch
                            batch = []
                            append = batch.append
                        continue
                if masked_crc(buf[pos : pos + 8]) != unpack_i(buf, pos + 8)[0]:
                    found = self._resync(buf, pos + 1, n)
                    self.skipped_bytes += (n if found is None else found) - pos
                    if found is None:
                        break  # the records read before the damage are still handed over
                    pos = self.end = found
                elif end + 4 > n:
                    break  # the last record is still being written (or the file was cut): not counted as damage
                else:
                    self.bad_records += 1
                    pos = self.end = end + 4
        finally:
            if batch:
                self.records += len(batch)
        if batch:
            yield batch

    @staticmethod
    def _resync(buf: mmap.mmap, start: int, n: int):
        """The next offset at or after ``start`` where a record header (length and its CRC) checks out, or None.

        Event records are far shorter than 4 GB, so the length's four high bytes are zero: candidates are found with
        a byte search (C speed), and a run of zeros is passed over in one step.
        """
        at = start
        while True:
            z = buf.find(b"\x00\x00\x00\x00", at + 4)
            if z < 0 or z + 8 > n:
                return None
            cand = z - 4
            low = buf[cand:z]
            if low == b"\x00\x00\x00\x00":  # inside a run of zeros: jump to its end
                m = _NONZERO.search(buf, z)
                if m is None:
                    return None
                at = max(m.start() - 4, at + 1)
                continue
            length = int.from_bytes(low, "little")
            if cand + 16 + length <= n and masked_crc(buf[cand : z + 4]) == _U32.unpack_from(buf, z + 4)[0]:
                return cand
            at = cand + 1
