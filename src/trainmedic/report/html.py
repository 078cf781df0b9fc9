"""One self-contained HTML file: curves as inline SVG with the anomalies marked, then the report's sections.

No network: no CDN, no external fonts, scripts or images. jinja2 (with autoescape) and matplotlib are imported
here only, so ``import trainmedic`` stays light.
"""

from __future__ import annotations

import re

from ..i18n import t
from .model import Report
from .plots import render_plots
from .sections import build_document

_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?(e[-+]?\d+)?%?$|^-?inf$|^nan$")


def _number_like(value: object) -> bool:
    """Table cells that read as numbers are right-aligned."""
    return isinstance(value, str) and bool(_NUMBER.match(value))


def _environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("trainmedic.report", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.tests["number_like"] = _number_like
    return env


def render_html(report: Report, lang: str = "en") -> str:
    """The report as one HTML document in ``lang`` (``<html lang>``, headings, labels)."""
    from markupsafe import Markup

    from ..version import __version__

    doc = build_document(report, lang)
    plots = [(p.key, p.title, Markup(p.svg)) for p in render_plots(report, lang)]  # matplotlib escapes its text
    labels = {
        "conclusion": t("report.section.conclusion", lang), "plots": t("report.section.plots", lang),
        "setting": t("report.col.setting", lang), "value": t("report.col.value", lang),
        "source": t("report.col.source", lang), "generated": t("report.label.generated", lang, version=__version__),
    }
    template = _environment().get_template("report.html.j2")
    return template.render(doc=doc, plots=[dict(key=k, title=ti, svg=s) for k, ti, s in plots], labels=labels,
                           version=__version__)
