"""One self-contained HTML file: the headline, the fixes, the evidence with the curves as inline SVG, then the rest;
what was read and the configuration folded in ``<details>``.

No network: no CDN, no external fonts, scripts or images. jinja2 (with autoescape) and matplotlib are imported
here only, so ``import trainmedic`` stays light; without them this raises the one-line error that names the extra.
"""

from __future__ import annotations

import re

from ..errors import require
from ..i18n import escaping, t
from .escape import clean
from .model import Report
from .plots import render_plots
from .sections import build_document

_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?(e[-+]?\d+)?%?$|^-?inf$|^nan$")


def _number_like(value: object) -> bool:
    """Table cells that read as numbers are right-aligned."""
    return isinstance(value, str) and bool(_NUMBER.match(value))


_CODE_SPAN = re.compile(r"`([^`]+)`")


def _code_spans(text: str):
    """Text with its `backticked` words set as code: escaped first, so no text can become markup."""
    from markupsafe import Markup, escape

    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", str(escape(text))))


def _environment():
    jinja2 = require("jinja2", "html", "--format html")
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("trainmedic.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.tests["number_like"] = _number_like
    env.filters["code_spans"] = _code_spans
    return env


def render_html(report: Report, lang: str = "en") -> str:
    """The report as one HTML document in ``lang`` (``<html lang>``, headings, labels)."""
    require("markupsafe", "html", "--format html")
    require("matplotlib", "html", "--format html")
    from markupsafe import Markup

    from ..version import __version__

    env = _environment()
    with escaping(clean):
        doc = build_document(report, lang)
        plots = [dict(key=p.key, title=p.title, svg=Markup(p.svg)) for p in render_plots(report, lang)]
    labels = {
        "setting": t("report.col.setting", lang),
        "value": t("report.col.value", lang),
        "source": t("report.col.source", lang),
        "generated": t("report.label.generated", lang, version=__version__),
    }
    return env.get_template("report.html.j2").render(doc=doc, plots=plots, labels=labels, version=__version__)
