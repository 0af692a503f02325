"""The short texts people read (replies, refusals, notices, button labels, subjects), by key.

``templates/texts.yaml`` maps a dotted key (``conversation.stranger``, ``presses.forged``) to a
Jinja snippet. An organisation rewords one text with one line in its own ``texts.yaml``
(RESOLUTE_TEMPLATES_DIR, else ./templates); a messenger whose markup differs gets its own form
in ``<channel>/texts.yaml``, built-in or the organisation's. Layers merge by key, later wins:
built-in, the organisation's, the built-in channel form, the organisation's channel form.

An override that cannot be used (malformed YAML, an unknown key, a value that is not text, a
snippet that does not compile or names a value the built-in text is not given) is logged once
with file:line and that key keeps the text of the layer below; the rest of the file applies.
A snippet that fails when rendered falls back the same way: a reply is never lost to a typo.

``say`` renders HTML (Telegram HTML, mail HTML): each value is escaped as text, as everywhere
else in messenger HTML (``&``, ``<``, ``>``), unless it is ``Markup`` already. ``plain``
renders the same snippet without escaping: button pop-ups, button labels, mail subjects, and
sentences that are escaped later where they are put into HTML.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, Template, TemplateError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup
from yaml.nodes import MappingNode, ScalarNode

from engine.audit import event_line
from engine.render import Renderer, builtin_templates, dmy, plural, ru_date
from engine.settings import Settings
from engine.workflow.yaml_limits import MAX_FILE_BYTES, LimitedLoader

log = logging.getLogger("resolute.texts")
FILE = "texts.yaml"
_STR = "tag:yaml.org,2002:str"


MAX_TEXT_CHARS = 8_000  # an organisation's text longer than this is refused (a runaway loop)


@dataclass(frozen=True)
class Snippet:
    source: str
    origin: str  # file:line, for a warning about it


def _env(autoescape: bool) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=autoescape, keep_trailing_newline=True
    )
    env.filters.update(ru_date=ru_date, plural=plural, dmy=dmy)
    return env


class Texts:
    """The catalog for one templates folder (``user_dir``: the organisation's, or None)."""

    def __init__(self, user_dir: Path | None = None, builtin_dir: Path | None = None) -> None:
        self._builtin_dir = builtin_dir or builtin_templates()
        own = user_dir is not None and user_dir.is_dir()
        # a checkout's ./templates is the built-in folder itself: nothing to override
        same = own and user_dir is not None and user_dir.resolve() == self._builtin_dir.resolve()
        self._user_dir = user_dir if own and not same else None
        self._html, self._text = _env(True), _env(False)
        self._compiled: dict[tuple[str, bool], Template] = {}
        self._forms: dict[str, list[dict[str, Snippet]]] = {}
        self.problems: list[str] = []  # what was refused, file:line first
        self.builtin = dict(_read(self._builtin_dir / FILE, self.problems))
        self._names = {key: self._names_of(s.source) for key, s in self.builtin.items()}
        self._base = self._layers([self._user_dir / FILE] if self._user_dir else [])

    @classmethod
    def for_settings(cls, settings: Settings) -> Texts:
        """The user's texts (RESOLUTE_TEMPLATES_DIR, else ./templates) over the built-in."""
        return texts_for(Path(settings.templates_dir or "templates"))

    @classmethod
    def for_renderer(cls, renderer: Renderer) -> Texts:
        """The texts of the templates folder ``renderer`` reads."""
        return texts_for(renderer.user_dir)

    def say(self, key: str, channel: str | None = None, **context: Any) -> str:
        """The text as HTML; values are escaped unless they are HTML already (``markup``, or
        what ``say`` returned: it can go into another text as it is)."""
        escaped = {k: _escaped(v) for k, v in context.items()}
        return markup(self._render(key, channel, escaped, autoescape=True))

    def plain(self, key: str, channel: str | None = None, **context: Any) -> str:
        """The text as it is, values as they are."""
        return self._render(key, channel, context, autoescape=False)

    def _render(
        self, key: str, channel: str | None, context: dict[str, Any], *, autoescape: bool
    ) -> str:
        if key not in self.builtin:
            raise KeyError(f"no text {key!r} in the built-in {FILE}")
        for snippet in self._candidates(key, channel):
            try:
                text = self._template(snippet, autoescape).render(**context)
            except Exception as exc:  # an organisation's snippet must never lose the reply
                if snippet is self.builtin[key]:
                    raise
                self._refuse(snippet.origin, f"{key}: не удалось подставить значения ({exc})")
                self._drop(key, snippet)
                continue
            if len(text) > MAX_TEXT_CHARS and snippet is not self.builtin[key]:
                # A loop in a reworded text must not flood every chat it goes to.
                self._refuse(snippet.origin, f"{key}: текст длиннее {MAX_TEXT_CHARS} символов")
                self._drop(key, snippet)
                continue
            return text
        raise AssertionError("unreachable: the built-in snippet renders or raises")

    def _candidates(self, key: str, channel: str | None) -> Iterator[Snippet]:
        layers = [*self._base, *(self._form(channel) if channel else [])]
        for layer in reversed(layers):
            if key in layer:
                yield layer[key]
        yield self.builtin[key]

    def _form(self, channel: str) -> list[dict[str, Snippet]]:
        if channel not in self._forms:
            folders = [self._builtin_dir, *([self._user_dir] if self._user_dir else [])]
            paths = [d / channel / FILE for d in folders if _plain_name(channel)]
            self._forms[channel] = self._layers(paths)
        return self._forms[channel]

    def _layers(self, paths: list[Path]) -> list[dict[str, Snippet]]:
        return [self._checked(path) for path in paths if path.is_file()]

    def _checked(self, path: Path) -> dict[str, Snippet]:
        """An override file's usable snippets; each refused one is logged."""
        kept: dict[str, Snippet] = {}
        for key, snippet in _read(path, self.problems):
            if key not in self.builtin:
                self._refuse(snippet.origin, f"неизвестный ключ «{key}»: такого текста нет")
                continue
            try:
                names = self._names_of(snippet.source)
                self._template(snippet, True)
            except TemplateError as exc:
                self._refuse(snippet.origin, f"{key}: ошибка в шаблоне ({exc})")
                continue
            unknown = sorted(names - self._names[key])
            if unknown:
                self._refuse(snippet.origin, f"{key}: неизвестное значение {{{{ {unknown[0]} }}}}")
                continue
            kept[key] = snippet
        return kept

    def _names_of(self, source: str) -> set[str]:
        return set(meta.find_undeclared_variables(self._text.parse(source)))

    def _template(self, snippet: Snippet, autoescape: bool) -> Template:
        cache = (snippet.origin, autoescape)
        if cache not in self._compiled:
            env = self._html if autoescape else self._text
            self._compiled[cache] = env.from_string(snippet.source)
        return self._compiled[cache]

    def _drop(self, key: str, snippet: Snippet) -> None:
        for layer in [*self._base, *(s for form in self._forms.values() for s in form)]:
            if layer.get(key) is snippet:
                del layer[key]

    def _refuse(self, origin: str, reason: str) -> None:
        self.problems.append(f"{origin}: {reason}")
        log.warning(event_line("texts.refused", at=origin, reason=reason))


@lru_cache(maxsize=16)
def texts_for(user_dir: Path | None) -> Texts:
    """One catalog per templates folder, read once (a refused line is logged once)."""
    return Texts(user_dir)


def builtin_texts() -> Texts:
    return texts_for(None)


def markup(html_text: str) -> Markup:
    """Messenger HTML made elsewhere (``say``, ``notices.clause_line``): not escaped again."""
    return Markup(html_text)  # noqa: S704 - only for HTML this code made, values escaped


def _escaped(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Markup):
        return markup(html.escape(value, quote=False))
    return value


def _plain_name(channel: str) -> bool:
    return channel.isascii() and channel.isidentifier()


def _read(path: Path, problems: list[str]) -> Iterator[tuple[str, Snippet]]:
    """The file's ``key: text`` pairs with their lines; a file that is not such a mapping is
    reported (file:line) and gives nothing."""

    def refuse(line: int, reason: str) -> None:
        problems.append(f"{path}:{line}: {reason}")
        log.warning(event_line("texts.refused", at=f"{path}:{line}", reason=reason))

    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            refuse(1, f"файл больше {MAX_FILE_BYTES} байт")
            return
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        refuse(1, f"файл не прочитан ({exc})")
        return
    loader = LimitedLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        refuse(mark.line + 1 if mark else 1, f"некорректный YAML: {exc.problem or exc}")
        return
    except yaml.YAMLError as exc:
        refuse(1, f"некорректный YAML: {exc}")
        return
    finally:
        loader.dispose()
    if node is None:
        return
    if not isinstance(node, MappingNode):
        refuse(node.start_mark.line + 1, "ожидался список «ключ: текст»")
        return
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, ScalarNode) or not isinstance(value_node, ScalarNode):
            refuse(line, "ожидалось «ключ: текст»")
        elif value_node.tag != _STR:
            refuse(line, f"{key_node.value}: значение должно быть текстом (возьмите его в кавычки)")
        else:
            yield str(key_node.value), Snippet(str(value_node.value), f"{path}:{line}")
