"""Templates are read only from inside their folder: a symbolic link out of it is refused (and
the built-in template is used instead), a link that stays inside works."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.render import Renderer, RenderError

SECRET = "root:$6$not-for-your-eyes"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "elsewhere" / "shadow"
    secret.parent.mkdir()
    secret.write_text(SECRET, encoding="utf-8")
    return secret


def test_a_template_linked_to_a_file_outside_the_folder_is_not_read(
    tmp_path: Path, outside: Path
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "leak.txt").symlink_to(outside)
    with pytest.raises(RenderError) as caught:
        Renderer(folder).render_text("leak.txt")
    assert SECRET not in str(caught.value)


def test_a_linked_subfolder_outside_is_not_read(tmp_path: Path, outside: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "email").symlink_to(outside.parent, target_is_directory=True)
    with pytest.raises(RenderError):
        Renderer(folder).render_text("email/shadow")


def test_a_linked_builtin_name_falls_back_to_the_builtin_template(
    tmp_path: Path, outside: Path
) -> None:
    name = "telegram/reminder.html"
    folder = tmp_path / "templates"
    (folder / "telegram").mkdir(parents=True)
    (folder / name).symlink_to(outside)
    env = Renderer(folder)._env
    assert env.loader is not None
    source, filename, _ = env.loader.get_source(env, name)
    assert SECRET not in source
    assert str(tmp_path) not in filename  # the built-in one


def test_links_that_stay_inside_the_folder_work(tmp_path: Path) -> None:
    real = tmp_path / "real-templates"
    real.mkdir()
    (real / "hello.txt").write_text("Здравствуйте, {{ who }}!", encoding="utf-8")
    (real / "alias.txt").symlink_to(real / "hello.txt")
    folder = tmp_path / "templates"
    folder.symlink_to(real, target_is_directory=True)  # the folder itself may be a link
    assert Renderer(folder).render_text("alias.txt", who="Иванов") == "Здравствуйте, Иванов!"
