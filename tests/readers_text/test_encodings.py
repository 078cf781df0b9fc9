"""Logs in any encoding read the same; a mis-decoded UTF-8 report is repaired."""

from __future__ import annotations

import codecs

import pytest
from readers_text_helpers import points

from trainmedic.readers import encoding
from trainmedic.readers.textlog import read

LOG = "训练开始 模型=bert\nEpoch 1/2 | 训练 Train Loss: 0.50 | Val Acc: 0.80\nEpoch 2/2 | 训练 Train Loss: 0.40 | Val Acc: 0.85\n"


@pytest.mark.parametrize(
    "codec,bom",
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-16-le", b""),
        ("gbk", b""),
        ("gb18030", b""),
    ],
)
def test_same_series_whatever_the_encoding(tmp_path, codec, bom):
    p = tmp_path / "train.log"
    p.write_bytes(bom + LOG.encode(codec))
    run = read(p)
    assert points(run.series["train/loss"]) == [(None, 1.0, 0.5), (None, 2.0, 0.4)]
    assert list(run.series["eval/acc"].values) == [0.8, 0.85]


def test_gbk_text_is_decoded_not_replaced(tmp_path):
    p = tmp_path / "train.log"
    p.write_bytes(LOG.encode("gbk"))
    assert "训练开始" in "\n".join(encoding.iter_lines(p))


def test_mojibake_log_is_repaired(tmp_path):
    broken = LOG.encode("utf-8").decode("latin-1")  # what an editor did to the file
    assert "è®" in broken
    p = tmp_path / "train.log"
    p.write_text(broken, encoding="utf-8")
    lines = list(encoding.iter_lines(p))
    assert "模型=bert" in lines[0]
    assert list(read(p).series["train/loss"].values) == [0.5, 0.4]


def test_windows_1252_mojibake_is_repaired():
    text = "训练过程 梯度爆炸 数值溢出 loss=nan".encode().decode("cp1252", errors="replace")
    assert encoding.looks_mojibake(text)
    assert encoding.repair(text).startswith("训练过程 梯度爆炸 数值溢出")


def test_clean_text_is_left_alone():
    for text in ("Café naïve — ok", "loss 0.5 Ã", "训练 loss=0.5"):
        assert not encoding.looks_mojibake(text) and encoding.repair(text) == text


def test_streaming_splits_only_on_newlines_and_bounds_long_lines(tmp_path):
    p = tmp_path / "bar.log"
    refreshes = "".join(f"\r{i}/100000 [00:01<00:01, 9it/s, loss={i}]" for i in range(60000))
    p.write_text("first\n" + refreshes + "\nlast\n")
    lines = list(encoding.iter_lines(p))
    assert lines[0] == "first" and lines[-1] == "last"
    assert all(len(line) <= encoding.MAX_LINE_CHARS + encoding.CHUNK_BYTES for line in lines)
    assert read(p).series["train/loss"].values[-1] == 59999
