"""Whole reports read as written sentences, in both languages: the acceptance runs (when they are beside this
checkout) and the bundled examples, in text, Markdown and JSON, checked for the defects concatenated text produces."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ACCEPTANCE = ROOT.parent / "shared" / "acceptance"


def runs() -> list:
    out = [
        pytest.param([ROOT / "examples" / "hf_nan_lr"], id="hf_nan_lr"),
        pytest.param([ROOT / "examples" / "healthy_lightning"], id="healthy_lightning"),
    ]
    if ACCEPTANCE.is_dir():
        for case in sorted(p.parent for p in ACCEPTANCE.glob("*/expected.json")):
            inputs = json.loads((case / "expected.json").read_text())["inputs"]
            out.append(pytest.param([case / p for p in inputs], id=case.name))
    return out


DEFECTS = {
    "en": [
        (r"\w\(s\)", "a plural written (s)"),
        (
            r"\b1 (steps|epochs|evaluations|points|checkpoints|times|classes|layers|processes|lines)\b",
            "1 with a plural",
        ),
        (r"\b(with|and|because) [A-Z][a-z]+ [a-z]", "a title's capital inside a sentence"),
        (r"\) \((?!\d)", "two brackets in a row"),
        (r"\bat {2}|\bat [(,.;]", "an empty place"),
        (r"\b(\d+(?:\.\d+)?) to \1\b(?! x)", "a range from a value to itself"),
        (r"\bNone\b|\[\]", "a leaked None or []"),
        (r"epoch \d+\.\d{3,}", "an epoch with more than two decimals"),
    ],
    "zh": [
        (r"\w\(s\)", "a plural written (s)"),
        (r"\bNone\b|\[\]", "a leaked None or []"),
        (r"第 \d+\.\d{3,} 轮", "an epoch with more than two decimals"),
        (r"[\u4e00-\u9fff][,;:](?!\d)", "ASCII punctuation after Chinese"),
        (r"\b(warning|error|info|healthy|failed|step|epoch)\b(?![/_.=(])", "an English word the catalogs translate"),
    ],
}


def _prose(text: str) -> str:
    """What a reader reads as sentences: code spans, paths, identifiers and table rows are left out."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith(("|", "- `", "<", "─")) and " = " not in line
    )
    return re.sub(r"\S*[/_]\S*", "X", text)  # paths and series names (eval/loss, max_grad_norm)


@pytest.mark.parametrize("paths", runs())
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reports_have_no_concatenation_defects(paths, lang):
    from trainmedic import diagnose

    report = diagnose(*paths, lang=lang)
    texts = {
        "text": report.to_text(lang, width=200),
        "md": report.to_markdown(lang),
        "json": " ".join(str(v) for v in _strings(report.to_dict(lang))),
    }
    bad = []
    for fmt, text in texts.items():
        prose = _prose(text)
        for line in prose.splitlines():
            body = line.strip()
            for pattern, what in DEFECTS[lang]:
                m = re.search(pattern, body)
                if m:
                    bad.append(f"{fmt}: {what}: ...{body[max(0, m.start() - 40) : m.end() + 40]}...")
    for sentence in _strings(report.to_dict(lang)):  # the sentences themselves, without any layout
        if re.search(r"\S {2,}\S", re.sub(r"`[^`]*`", "x", sentence)):
            bad.append(f"json: a doubled space: {sentence}")
    assert not bad, "\n".join(bad[:30])


def _strings(data) -> list:
    if isinstance(data, dict):
        machine = (
            "runs",
            "series",
            "config",
            "config_sources",
            "schema",
            "kind",
            "verdict",
            "symptom",
            "code",
            "rule",
            "cause",
            "causes",
            "findings",
            "framework",
            "param",
            "format",
            "role",
            "series_label",
        )
        return [s for k, v in data.items() if k not in machine for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return [data] if isinstance(data, str) else []


def test_a_run_outside_the_hugging_face_trainer_is_never_told_its_defaults():
    from trainmedic import diagnose

    if not ACCEPTANCE.is_dir():
        pytest.skip("no acceptance runs beside this checkout")
    for case in sorted(p.parent for p in ACCEPTANCE.glob("*/expected.json")):
        inputs = json.loads((case / "expected.json").read_text())["inputs"]
        report = diagnose(*[case / p for p in inputs])
        if report.prescription.framework != "hf":
            text = report.to_text(width=200) + report.to_markdown()
            assert "Hugging Face" not in text and "TrainingArguments" not in text, case.name
