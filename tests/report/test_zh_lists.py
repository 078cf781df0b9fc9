"""A list of names inside a sentence is joined the way the report's language writes lists."""

import trainmedic
from trainmedic.report.model import finding_dict


def _run(tmp_path):
    rows = ["step,train_loss,val_loss"]
    for s in range(1, 41):
        loss = "nan" if s >= 30 else f"{2.0 - s * 0.02:.3f}"
        val = ("nan" if s >= 30 else f"{2.1 - s * 0.02:.3f}") if s % 5 == 0 else ""
        rows.append(f"{s},{loss},{val}")
    path = tmp_path / "metrics.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_series_named_in_a_chinese_sentence_are_joined_with_the_chinese_list_comma(tmp_path):
    path = _run(tmp_path)
    zh = [finding_dict(f, "zh") for f in trainmedic.diagnose(path, lang="zh").findings]
    message = next(d["message"] for d in zh if d["code"] == "TM101")
    assert "train_loss、val_loss" in message or "val_loss、train_loss" in message
    assert ", " not in message


def test_english_keeps_its_comma(tmp_path):
    path = _run(tmp_path)
    en = [finding_dict(f, "en") for f in trainmedic.diagnose(path).findings]
    message = next(d["message"] for d in en if d["code"] == "TM101")
    assert "train_loss, val_loss" in message or "val_loss, train_loss" in message


def test_the_model_groups_of_a_run_are_listed_the_chinese_way(tmp_path):
    rows = ["epoch,cnn_train_loss,mlp_train_loss,rnn_train_loss"]
    rows += [f"{e},{2.0 / e:.3f},{1.9 / e:.3f},{'nan' if e > 6 else f'{2.1 / e:.3f}'}" for e in range(1, 11)]
    path = tmp_path / "metrics.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = trainmedic.diagnose(path, lang="zh")
    notes = [n.render("zh") if hasattr(n, "render") else str(n) for n in report.notes]
    assert any("cnn、mlp" in n and "rnn" in n for n in notes), notes  # the two stable ones, listed with 、
