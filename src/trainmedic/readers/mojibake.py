"""Repair UTF-8 text that was once decoded as Windows-1252 (or its Turkish sibling 1254) and saved again.

``训练`` becomes ``è®­ç»ƒ`` that way, ``é`` becomes ``Ã©``. The repair maps every such character back to the byte it
came from and decodes the bytes as UTF-8 again. Editors that did the damage usually dropped the bytes that the code
page leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) and the invisible soft hyphen (0xAD); a multi-byte character
that lost one byte that way is rebuilt by trying each of those bytes and keeping the most common character it gives.
"""

from __future__ import annotations

import re
import unicodedata

# Code pages whose mis-decoding we undo; 1254 differs from 1252 in six letters (ğ for 0xF0 and so on).
_CODEPAGES = ("cp1252", "cp1254")

# Bytes an editor drops when it mis-decodes: undefined in the code page, or the invisible soft hyphen.
LOST_BYTES = (0xAD, 0x81, 0x8D, 0x8F, 0x90, 0x9D, 0x8E, 0x9E)

# The most frequent Chinese characters (roughly by corpus frequency): the first tie-breaker when a lost byte could
# have been several bytes. Ranking them beats picking arbitrarily among valid but rare characters.
_COMMON_HANZI = (
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天"
    "而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些"
    "与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相"
    "次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立"
    "马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共"
    "风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快"
    "条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李"
    "息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯"
    "专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴切须随错训练验证损失梯率批次精混模型参数层冻结准确召回值溢"
)
_COMMON_RANK: dict = {}
for _i, _ch in enumerate(_COMMON_HANZI):
    _COMMON_RANK.setdefault(_ch, _i)


def _byte_table() -> dict:
    table: dict = {}
    for b in range(0x80, 0x100):
        table.setdefault(chr(b), b)  # Latin-1 identity (also C1 controls kept by some tools)
        for cp in _CODEPAGES:
            try:
                table.setdefault(bytes([b]).decode(cp), b)
            except UnicodeDecodeError:
                pass
    return table


_TO_BYTE = _byte_table()

# A UTF-8 lead byte as the code page shows it, followed by a character that was a continuation byte (0x80-0xBF).
_CONT_CHARS = "".join(re.escape(ch) for ch, b in _TO_BYTE.items() if 0x80 <= b <= 0xBF)
_LEAD_CHARS = "".join(re.escape(ch) for ch, b in _TO_BYTE.items() if 0xC2 <= b <= 0xF4)
MARKER = re.compile(f"[{_LEAD_CHARS}][{_CONT_CHARS}]")


def suspicious(text: str) -> int:
    """How many mojibake-looking pairs (``Ã©``, ``è®``) the text holds."""
    return len(MARKER.findall(text))


def _seq_len(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _rank(ch: str) -> int:
    if ch in _COMMON_RANK:
        return _COMMON_RANK[ch]
    try:
        ch.encode("gb2312")
        return 10_000
    except UnicodeEncodeError:
        pass
    if EMOJI_FIRST <= ord(ch) <= EMOJI_LAST:  # Markdown reports are full of emoji
        return 14_000
    cat = unicodedata.category(ch)
    if cat == "So":
        return 15_000
    if cat == "Mn":  # variation selectors that follow an emoji
        return 18_000
    if cat.startswith(("L", "S", "P", "N")):
        return 20_000
    return -1  # unassigned, control, surrogate: not a candidate


# The emoji blocks (pictographs, emoticons, transport, supplemental symbols).
EMOJI_FIRST, EMOJI_LAST = 0x1F300, 0x1FAFF

# At most this many bytes of one character may be rebuilt; beyond that the guess is no better than noise.
MAX_LOST_PER_CHAR = 2


def _insertions(body: bytes, missing: int):
    """Every way of putting ``missing`` lost bytes into ``body``."""
    if missing == 0:
        yield body
        return
    for pos in range(len(body), -1, -1):  # the end first: ties go to a byte lost at the end
        for lost in LOST_BYTES:
            yield from _insertions(body[:pos] + bytes([lost]) + body[pos:], missing - 1)


def _rebuild(data: bytes, start: int) -> tuple:
    """Decode one damaged sequence at ``start``: (text, bytes consumed)."""
    lead = data[start]
    need = _seq_len(lead)
    k = 0
    while k < need - 1 and start + 1 + k < len(data) and 0x80 <= data[start + 1 + k] <= 0xBF:
        k += 1
    missing = need - 1 - k
    if need and 0 < missing <= MAX_LOST_PER_CHAR:
        body = data[start + 1:start + 1 + k]
        best, best_rank = None, None
        for cand in _insertions(body, missing):
            try:
                ch = (bytes([lead]) + cand).decode("utf-8")
            except UnicodeDecodeError:
                continue
            r = _rank(ch)
            if r >= 0 and (best_rank is None or r < best_rank):
                best, best_rank = ch, r
        if best is not None:
            return best, 1 + k
    return "\ufffd", 1


def _decode_lenient(data: bytes) -> str:
    out = []
    i = 0
    while i < len(data):
        try:
            out.append(data[i:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            out.append(data[i:i + exc.start].decode("utf-8"))
            text, used = _rebuild(data, i + exc.start)
            out.append(text)
            i += exc.start + used
    return "".join(out)


def undo(text: str) -> str:
    """Map the text back to the bytes it was decoded from and decode them as UTF-8 (no judgement)."""
    buf = bytearray()
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            buf.append(o)
        else:
            b = _TO_BYTE.get(ch)
            if b is None:
                buf += ch.encode("utf-8", "surrogatepass")
            else:
                buf.append(b)
    return _decode_lenient(bytes(buf))


def repair(text: str) -> str:
    """The repaired text when the repair clearly helps (fewer mojibake pairs, no new damage), else ``text``."""
    before = suspicious(text)
    if not before:
        return text
    fixed = undo(text)
    after = suspicious(fixed)
    new_damage = fixed.count("\ufffd") - text.count("\ufffd")
    if after < before and new_damage <= max(1, before // 4):
        return fixed
    return text


def looks_mojibake(text: str) -> bool:
    """True when a sample reads as UTF-8 mis-decoded once: many marker pairs, and undoing removes most of them."""
    before = suspicious(text)
    if before < 2:
        return False
    return suspicious(undo(text)) * 4 < before
