"""Messages from Jinja2 templates: the user's ``templates/`` first, the built-in set after.

Telegram HTML and e-mail HTML are rendered with autoescaping, so a clause text or a name with
``<`` or ``&`` cannot break the markup; the sandbox keeps a template from reaching Python, and the
output is capped, since the sandbox does not bound its size.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from jinja2 import ChoiceLoader, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.errors import ResoluteError
from engine.settings import Settings
from engine.template_loader import ConfinedFileSystemLoader

MAX_OUTPUT_CHARS = 64_000
_RU = Locale("ru")


class RenderError(ResoluteError):
    """A template failed to render: a message for whoever maintains the templates."""


def builtin_templates() -> Path:
    """The shipped templates: inside the package when installed, beside it in a checkout."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


def dmy(value: date) -> str:
    """20.10.2023"""
    return value.strftime("%d.%m.%Y")


def ru_date(value: date) -> str:
    """20 октября 2023 г."""
    return f"{format_date(value, 'd MMMM y', locale=_RU)} г."


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian plural form for ``n``: 1 день, 2 дня, 5 дней."""
    form = _RU.plural_form(abs(n))
    return {"one": one, "few": few}.get(form, many)


class Renderer:
    def __init__(self, user_dir: Path | None = None) -> None:
        self.user_dir = user_dir  # the organisation's folder (its texts.yaml: engine.texts)
        dirs = [d for d in (user_dir, builtin_templates()) if d is not None and d.is_dir()]
        self._env = ImmutableSandboxedEnvironment(
            loader=ChoiceLoader([ConfinedFileSystemLoader(d) for d in dirs]),
            undefined=StrictUndefined,
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        # Plain text (e-mail's text part) must not be HTML-escaped: a second environment.
        self._text_env = ImmutableSandboxedEnvironment(
            loader=self._env.loader,
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        for env in (self._env, self._text_env):
            env.filters["ru_date"] = ru_date
            env.filters["plural"] = plural
            env.filters["dmy"] = dmy

    @classmethod
    def for_settings(cls, settings: Settings) -> Renderer:
        """The user's templates (RESOLUTE_TEMPLATES_DIR, else ./templates) over the built-in."""
        return cls(Path(settings.templates_dir or "templates"))

    def render(self, name: str, *, max_chars: int = MAX_OUTPUT_CHARS, **context: Any) -> str:
        """HTML (Telegram, e-mail): every value is escaped. ``max_chars``: the output cap (a
        digest's grows with its items: it is split into messages afterwards)."""
        return self._render(self._env, name, context, max_chars)

    def render_text(self, name: str, *, max_chars: int = MAX_OUTPUT_CHARS, **context: Any) -> str:
        """Plain text: values as they are."""
        return self._render(self._text_env, name, context, max_chars)

    @staticmethod
    def _render(
        env: ImmutableSandboxedEnvironment, name: str, context: dict[str, Any], max_chars: int
    ) -> str:
        try:
            text = env.get_template(name).render(**context)
        except TemplateError as exc:
            raise RenderError(f"Шаблон {name}: {exc}") from exc
        if len(text) > max_chars:
            raise RenderError(f"Шаблон {name} дал {len(text)} символов (предел {max_chars})")
        return text.strip()
