"""The ``draft`` command's work: load the roster, draft, write, and summarise in Russian."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from engine.draft.addressees import Roster
from engine.draft.compose import draft_file
from engine.draft.model import Draft
from engine.draft.writer import count_checks, write_draft
from engine.errors import ConfigError, WorkflowError
from engine.workflow.loader import load_documents

log = logging.getLogger("resolute.draft")


@dataclass(frozen=True)
class Drafted:
    draft: Draft
    yaml: str
    checks: int

    def summary(self) -> list[str]:
        clauses = self.draft.clauses
        dated = sum(1 for c in clauses if c.timing.deadline is not None)
        recurring = sum(1 for c in clauses if c.timing.every is not None)
        informational = sum(1 for c in clauses if c.timing.informational)
        unmatched = sorted(
            {o.id for c in clauses for o in c.owners if not o.matched}
            | ({self.draft.controller.id} if not self.draft.controller.matched else set())
        )
        lines = [
            f"Пунктов: {len(clauses)}; со сроком: {dated}; периодических: {recurring}; "
            f"информационных: {informational}.",
            f"Проверить («ПРОВЕРЬТЕ»): {self.checks}.",
        ]
        if unmatched:
            lines.append(
                "Не найдены в списке людей и групп: "
                + "; ".join(u.removeprefix("НЕ НАЙДЕН: ") for u in unmatched)
                + " — validate не примет черновик, пока они не заменены."
            )
        return [*lines, *self.draft.notes]


def load_roster(paths: list[Path]) -> Roster:
    """People and groups from the given files or folders (resolutions in them are ignored)."""
    located, problems = load_documents(paths)
    if problems:
        raise WorkflowError(problems)
    return Roster(
        [p for d in located for p in d.document.people],
        [g for d in located for g in d.document.groups],
    )


def default_roster(cwd: Path) -> list[Path]:
    folder = cwd / "workflows"
    return [folder] if folder.is_dir() else []


def draft(decree: Path, roster_paths: list[Path], output: Path | None, *, force: bool) -> Drafted:
    if output is not None and output.exists() and not force:
        raise ConfigError(
            f"{output}: файл уже есть — черновик не записан, чтобы не потерять правки. "
            "Укажите другой файл или добавьте --force."
        )
    roster = load_roster(roster_paths) if roster_paths else Roster([], [])
    result = draft_file(decree, roster)
    text = write_draft(result)
    drafted = Drafted(result, text, count_checks(text))
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"{output}: не удалось записать черновик: {exc.strerror or exc}"
            ) from None
    log.info(
        "draft.written clauses=%d checks=%d output=%s",
        len(result.clauses),
        drafted.checks,
        output or "-",
    )
    return drafted
