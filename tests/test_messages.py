"""Every message of both catalogs, rendered with sample values: written sentences, not concatenations.

Sample values: numbers (1 and 2 for the plural forms, an epoch of 0.6731, an lr of 7.5e-05), words, a value the run
did not give (None), and an empty string (which must either be refused in strict mode, so that no caller can leave
an empty place, or be handled by the template itself).
"""

from __future__ import annotations

import re

import pytest

from trainmedic.i18n import LANGS, MessageError, Msg, catalog, placeholders, plural_forms, t
from trainmedic.i18n.template import compile_template

# Words a Chinese sentence keeps in English: code, formats, units and the names practitioners use untranslated.
ZH_TERMS = {
    "NaN",
    "nan",
    "inf",
    "lr",
    "batch",
    "loss",
    "epoch",
    "step",
    "logits",
    "softmax",
    "sigmoid",
    "tanh",
    "dropout",
    "warmup",
    "patience",
    "token",
    "CrossEntropyLoss",
    "BCEWithLogitsLoss",
    "BCELoss",
    "NLLLoss",
    "LogSoftmax",
    "Softmax",
    "ReduceLROnPlateau",
    "BatchNorm",
    "SyncBatchNorm",
    "GroupNorm",
    "LayerNorm",
    "ReLU",
    "LeakyReLU",
    "GELU",
    "RNN",
    "LSTM",
    "GRU",
    "CNN",
    "BERT",
    "Adam",
    "AdamW",
    "SGD",
    "GPU",
    "CUDA",
    "Ampere",
    "Python",
    "JSON",
    "YAML",
    "CSV",
    "MLflow",
    "TensorBoard",
    "Trainer",
    "Lightning",
    "Accelerate",
    "Keras",
    "PyTorch",
    "Hugging",
    "Face",
    "Monitor",
    "GradScaler",
    "AUC",
    "F1",
    "trainmedic",
    "MAX",
    "ln",
    "True",
    "False",
    "pip",
    "install",
    "autocast",
    "safetensors",
    "pickle",
    "unpickle",
    "Apex",
    "DeepSpeed",
    "Megatron",
    "fairseq",
    "FloatingPointError",
    "Caffe",
    "gamma",
    "epsilon",
    "ID",
    "id",
    "argmax",
    "checkpoint",
    "rank",
    "tensorboard",
    "detach",
    "forward",
    "backward",
    "assert",
    "lambda",
    "stratify",
    "labels",
    "shuffle",
    "dataset",
    "cuda",
    "mean",
    "sum",
    "preflight",
    "checkpoints",
    "compare",
    "model",
    "classifier",
    "policy",
    "skip",
    "stop",
    "rollback",
    "observe",
    "params",
    "for",
    "in",
    "if",
    "wandb",
    "W",
    "Acc",
    "Loss",
    "Val",
    "trainer",
    "state",
    "TrainingArguments",
    "enabled",
    "factor",
    "dtype",
    "fp16",
    "bf16",
    "fp32",
    "float32",
    "MSE",
    "DDP",
    "torchrun",
    "deepspeed",
    "Accuracy",
    "ep",
}
EN_PLURAL_NOUNS = (
    "steps",
    "epochs",
    "evaluations",
    "points",
    "checkpoints",
    "times",
    "layers",
    "processes",
    "batches",
    "values",
    "reversals",
    "tensors",
    "parameters",
    "modules",
    "classes",
    "runs",
    "files",
    "sets",
    "spikes",
    "swings",
    "records",
    "lines",
    "ranks",
    "groups",
)
CJK = "\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"
# "{steps} steps" written without a plural form (placeholders that hold names, not counts, excepted).
COUNTED = r"\{(?!(?:series|kind|name|module|label)\b)(\w+)(:[^}]*)?\} (" + "|".join(EN_PLURAL_NOUNS) + r")\b"


def _keys(lang: str) -> list:
    return sorted(catalog(lang))


IDEO = "\u4e00-\u9fff"


def _defects(text: str, lang: str) -> list:
    """What a reader would stumble on. Code in backticks is left alone; calls like ``model.parameters()`` too."""
    prose = re.sub(r"`[^`]*`", "`code`", text)
    found = []
    checks = [
        (r"\bNone\b", "None"),
        (r"(?<![\w)\]])\(\)|(?<![\w\]])\[\]", "empty brackets"),
        (r"\{[A-Za-z_]\w*\}", "unfilled placeholder"),
        (r"\w\(s\)", "(s) instead of a plural form"),
        (r"\S  +\S", "doubled space"),
        (r" [,;:)](?=\s|$)| \.(?=\s|$)", "space before punctuation"),
        (r"\( ", "space after a bracket"),
        (r"(?<!\()\) \(", "two brackets in a row"),
        (r"\bat {1,2}[(,.;]", "empty place"),
    ]
    if lang == "en":
        checks += [
            (r"\b(with|and|or|of|to|by|from|on) (?!I\b|NaN\b|[A-Z]{2})[A-Z][a-z]+ [a-z]", "capital inside a sentence"),
            (r", (?!I\b|NaN\b|[A-Z]{2}|[A-Z]\w*[A-Z])[A-Z][a-z]", "capital after a comma"),
            (f"[{CJK}]", "Chinese in English"),
        ]
    else:
        checks += [
            (f"[{IDEO}][,;:!?](?!\\d)", "ASCII punctuation after Chinese"),
            (f"[,;](?=\\s*[{IDEO}])", "ASCII punctuation before Chinese"),
            (f"[{IDEO}]\\.(\\s|$)", "ASCII full stop after Chinese"),
            (f"[{IDEO}]\\(|\\)[{IDEO}]|\\([{IDEO}]|[{IDEO}]\\)", "ASCII bracket beside Chinese"),
        ]
    for pattern, what in checks:
        m = re.search(pattern, prose)
        if m:
            found.append(f"{what}: ...{prose[max(0, m.start() - 30) : m.end() + 30]}...")
    return found


def _words_of(text: str) -> str:
    """The template's own words: its text, in every branch, without placeholders and plural/select syntax."""
    from trainmedic.i18n.template import Choice

    def walk(nodes) -> str:
        out = []
        for n in nodes:
            if isinstance(n, str):
                out.append(n)
            elif isinstance(n, Choice):
                out += [walk(sub) for _, sub in n.branches]
            else:
                out.append(" ")
        return " ".join(out)

    return walk(compile_template(text))


def _words_with_fields(text: str) -> str:
    """The template's text with simple fields kept as ``{name}`` (plural and select branches flattened)."""
    from trainmedic.i18n.template import Choice, Field

    def walk(nodes) -> str:
        out = []
        for n in nodes:
            if isinstance(n, str):
                out.append(n)
            elif isinstance(n, Field):
                out.append("{" + n.name + "}")
            elif isinstance(n, Choice):
                out += [walk(sub) for _, sub in n.branches]
            else:
                out.append("#")
        return "".join(out)

    return walk(compile_template(text))


def _values(text: str, value) -> dict:
    plural = set(plural_forms(text))
    return {name: (value if not isinstance(value, str) or name not in plural else 2) for name in placeholders(text)}


@pytest.mark.parametrize("lang", LANGS)
def test_every_template_compiles_and_keys_are_written_out(lang):
    for key, text in catalog(lang).items():
        compile_template(text)
        assert re.fullmatch(r"[A-Za-z0-9_.]+", key), key


def test_counted_nouns_use_plural_forms():
    """ "{n} steps" reads "1 steps" when n is 1: a counted noun is written with its plural forms."""
    bad = []
    for key, text in catalog("en").items():
        for m in re.finditer(COUNTED, _words_with_fields(text)):
            bad.append(f"{key}: {m.group(0)}")
    assert not bad, "\n".join(bad)


def test_both_languages_have_the_same_placeholders_and_plurals():
    en, zh = catalog("en"), catalog("zh")
    for key in sorted(set(en) & set(zh)):
        assert placeholders(en[key]) == placeholders(zh[key]), key
        assert set(plural_forms(en[key])) == set(plural_forms(zh[key])), key


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("value", [1, 2, 0.6731, 7.5e-05, 2360.0, "word", None], ids=repr)
def test_every_message_renders_without_defects(lang, value):
    bad = []
    for key in _keys(lang):
        text = catalog(lang)[key]
        try:
            out = t(key, lang, **_values(text, value))
        except MessageError as exc:
            bad.append(f"{key}: {exc}")
            continue
        if value is None:
            out = out.replace("?", "x")  # a value the run did not give reads "?"; its punctuation is the template's
        bad += [f"{key}: {d}" for d in _defects(out, lang)]
    assert not bad, "\n".join(bad[:60]) + f"\n({len(bad)} in all)"


@pytest.mark.parametrize("lang", LANGS)
def test_an_empty_value_is_refused_or_handled(lang):
    bad = []
    for key in _keys(lang):
        text = catalog(lang)[key]
        for name in placeholders(text) - set(plural_forms(text)):
            values = {n: "word" for n in placeholders(text)}
            values.update({n: 2 for n in plural_forms(text)})
            values[name] = ""
            try:
                out = t(key, lang, **values)
            except MessageError:
                continue  # strict mode refuses it: no caller can leave this place empty
            bad += [f"{key} ({name} empty): {d}" for d in _defects(out, lang)]
    assert not bad, "\n".join(bad[:40])


@pytest.mark.parametrize("lang", LANGS)
def test_chinese_has_no_untranslated_english(lang):
    if lang != "zh":
        pytest.skip("English is English")
    bad = []
    for key, text in catalog("zh").items():
        if key.startswith("rule.") and key.endswith((".example",)):
            continue  # examples quote logs as they are written (and quotes “...” are left as written)
        prose = re.sub(r"`[^`]*`|“[^”]*”|\b\w+[._(/=]\S*|\S*[._(/=]\w+\b", " ", _words_of(text))
        words = set(re.findall(r"(?<![\w-])[A-Za-z]{2,}(?![\w-])", prose)) - ZH_TERMS
        if words:
            bad.append(f"{key}: {sorted(words)}")
    assert not bad, "\n".join(bad)


def test_unknown_keys_are_errors_in_strict_mode():
    with pytest.raises(KeyError):
        t("no.such.message")
    with pytest.raises(KeyError):
        Msg("no.such.message").render("zh")


def test_plural_forms_in_both_languages():
    text = "{n, plural, one {# step} other {# steps}}"
    from trainmedic.i18n.template import render

    def fmt(name, v, spec):
        return str(v)

    assert render(text, {"n": 1}, "en", fmt, str) == "1 step"
    assert render(text, {"n": 2}, "en", fmt, str) == "2 steps"
    assert render("{n, plural, =0 {none} other {# x}}", {"n": 0}, "zh", fmt, str) == "none"
    assert render("{w, select, none {} other { at {w}}}", {"w": ""}, "en", fmt, str) == ""
