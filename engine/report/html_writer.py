"""The report as one self-contained HTML file: inline CSS, the chart as inline SVG, no external
resources; printable on A4. Rendered from ``report/report.html`` (the user's templates folder
first, then the built-in one), with autoescaping and in Jinja's sandbox."""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from engine.render import RenderError, builtin_templates, dmy, plural, ru_date
from engine.report import chart, wording
from engine.report.model import Report

TEMPLATE = "report/report.html"


def environment(templates_dir: Path | None) -> ImmutableSandboxedEnvironment:
    dirs = [d for d in (templates_dir, builtin_templates()) if d is not None and d.is_dir()]
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(d) for d in dirs]),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(dmy=dmy, ru_date=ru_date, plural=plural)
    return env


def write_html(report: Report, templates_dir: Path | None = None) -> str:
    try:
        return (
            environment(templates_dir)
            .get_template(TEMPLATE)
            .render(
                report=report,
                w=wording,
                chart=Markup(chart.svg(report.clauses)),  # noqa: S704 - matplotlib's own SVG
            )
        )
    except TemplateError as exc:
        raise RenderError(f"Шаблон {TEMPLATE}: {exc}") from exc
