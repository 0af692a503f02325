"""A template folder that cannot reach outside itself through a symbolic link.

Jinja2's FileSystemLoader refuses ``..`` in a template name but follows symbolic links, so a
link in the user's templates folder (``templates/email/reminder.txt -> /etc/shadow``, or a
linked subfolder) would put any readable file into outgoing messages. Here a template is read
only when its real path (every link resolved) lies inside the real path of its folder; a folder
that is itself a link is fine (its target is the folder). A refused template is logged and
treated as absent, so the built-in one is used instead.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from jinja2 import BaseLoader, Environment, TemplateNotFound
from jinja2.loaders import split_template_path

log = logging.getLogger("resolute.templates")


class ConfinedFileSystemLoader(BaseLoader):
    """Templates from one folder, never from outside it."""

    def __init__(self, folder: Path, encoding: str = "utf-8") -> None:
        self.folder = folder
        self.encoding = encoding

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)  # refuses ".." like FileSystemLoader
        root = self.folder.resolve()
        path = root.joinpath(*pieces)
        real = path.resolve()
        if not real.is_relative_to(root):
            log.warning(
                "template_outside_folder template=%s folder=%s target=%s", template, root, real
            )
            raise TemplateNotFound(template)
        if not real.is_file():
            raise TemplateNotFound(template)
        with real.open(encoding=self.encoding) as stream:
            contents = stream.read()
        mtime = os.path.getmtime(real)

        def uptodate() -> bool:
            try:
                return path.resolve() == real and os.path.getmtime(real) == mtime
            except OSError:
                return False

        return contents, str(real), uptodate
