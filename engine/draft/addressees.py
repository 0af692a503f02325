"""Addressees of the decree («Комитету Межрегиональной организации», «Смагину Ю.В.») matched to
roster ids, through Russian morphology (pymorphy3 with its bundled dictionaries: no network, no
model download; pymorphy2 is abandoned and breaks on Python 3.11+).

* A name (surname + initials, either order) matches a person whose surname has a common
  dictionary form with it and whose initials are the same: «Смагину Ю.В.» → «Смагина Ю.В.»,
  «Кузнецова П.А.» → «Кузнецов П.А.» and not «Кузнецова Е.В.». A surname without initials
  matches when only one person has it, marked for review.
* Otherwise the phrase is split at «и» and commas, each part keeping the head noun of the first
  («Председателям территориальных и первичных организаций» → two parts), and each part is compared
  by the dictionary forms of its words with group names and ids, then with people's positions
  (and organisations). Equal word sets match; one set inside the other (sharing the head noun)
  matches too, marked for review. What matches nothing becomes a placeholder that ``validate``
  rejects, naming the addressee.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pymorphy3

from engine.draft.model import Owner
from engine.workflow.schema import Group, Person

UNMATCHED = "НЕ НАЙДЕН: "  # a placeholder prefix: not an identifier, so validate rejects it
_NAME = re.compile(
    r"(?P<surname>[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)\s*(?P<initials>[А-ЯЁ]\.\s?(?:[А-ЯЁ]\.|[А-ЯЁ](?![а-яё]))?)"
    r"|(?P<initials2>[А-ЯЁ]\.\s?(?:[А-ЯЁ]\.)?)\s*(?P<surname2>[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)"
)
_WORD = re.compile(r"[А-Яа-яЁёA-Za-z]+(?:-[А-Яа-яЁёA-Za-z]+)*")
_SKIP_POS = {"PREP", "CONJ", "PRCL", "INTJ", "NPRO"}
_SPLIT = re.compile(r"\s*(?:,|;|\bи\b|\bа также\b)\s*")


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The most likely dictionary form of ``word``, lowercase, ё as е."""
    word = word.casefold().replace("ё", "е")
    if not re.search("[а-я]", word):
        return word
    return str(_morph().parse(word)[0].normal_form).replace("ё", "е")


@lru_cache(maxsize=65536)
def _surname_forms(word: str) -> frozenset[str]:
    parses = _morph().parse(word.casefold().replace("ё", "е"))
    surnames = {str(p.normal_form) for p in parses if "Surn" in p.tag}
    every = {str(p.normal_form) for p in parses}
    return frozenset((surnames or every) | {word.casefold().replace("ё", "е")})


@lru_cache(maxsize=65536)
def _pos(word: str) -> tuple[str, frozenset[str]]:
    """Part of speech and cases of the most likely parse."""
    parse = _morph().parse(word.casefold())[0]
    cases = {str(p.tag.case) for p in _morph().parse(word.casefold()) if p.tag.case}
    return str(parse.tag.POS or ""), frozenset(cases)


def is_infinitive(word: str) -> bool:
    return any("INFN" in p.tag for p in _morph().parse(word.casefold())[:2])


def is_addressee_start(word: str) -> bool:
    """Whether a phrase starting with ``word`` can name whom a clause is addressed to (dative)."""
    pos, cases = _pos(word)
    return pos in ("NOUN", "ADJF", "PRTF") and "datv" in cases


def content_lemmas(text: str) -> tuple[str, ...]:
    words = _WORD.findall(text)
    return tuple(lemma(w) for w in words if len(w) > 1 and _pos(w)[0] not in _SKIP_POS)


@dataclass(frozen=True)
class _Candidate:
    id: str
    label: str
    lemmas: frozenset[str]
    head: str
    kind: str  # «группа» | «должность»


class Roster:
    """The people and groups an addressee is matched against."""

    def __init__(self, people: Iterable[Person], groups: Iterable[Group]) -> None:
        self.people = list(people)
        self.groups = list(groups)
        self._group_candidates = [
            _candidate(g.id, g.name or g.id, "группа") for g in self.groups
        ] + [_Candidate(g.id, g.id, frozenset({g.id}), g.id, "группа") for g in self.groups]
        self._position_candidates = [
            _candidate(p.id, " ".join(filter(None, (p.position, p.organisation))), "должность")
            for p in self.people
            if p.position
        ]

    @property
    def empty(self) -> bool:
        return not self.people and not self.groups

    def match(self, phrase: str) -> tuple[Owner, ...]:
        """Owners for an addressee phrase; placeholders for the parts that match nothing."""
        names = list(_NAME.finditer(phrase))
        if names:
            return tuple(self._by_name(m) for m in names)
        if (alone := self._by_surname(phrase)) is not None:
            return (alone,)
        owners = [self._by_words(part) for part in split_addressee(phrase)]
        return tuple(dict((o.id, o) for o in owners).values())

    def person(self, phrase: str) -> Owner:
        """The one person a phrase names (the controller): by name, else by position."""
        names = list(_NAME.finditer(phrase))
        if names:
            return self._by_name(names[-1])
        owner = self._by_words(phrase, people_only=True)
        return owner

    def _by_name(self, m: re.Match[str]) -> Owner:
        surname = m["surname"] or m["surname2"]
        initials = _initials(m["initials"] or m["initials2"] or "")
        written = m[0].strip()
        forms = _surname_forms(surname)
        same_surname = [
            (p, pi)
            for p in self.people
            for ps, pi in [_split_name(p.name)]
            if ps and forms & _surname_forms(ps)
        ]
        exact = [p for p, pi in same_surname if pi == initials]
        if len(exact) == 1:
            return Owner(exact[0].id, True, note=f"«{written}» → {exact[0].name}")
        loose = [p for p, pi in same_surname if not pi or not initials or pi.startswith(initials)]
        if len(loose) == 1:
            return Owner(
                loose[0].id,
                True,
                note=f"«{written}» → {loose[0].name}",
                check=f"«{written}» сопоставлено с {loose[0].name} ({loose[0].id}) "
                "без полного совпадения инициалов",
            )
        others = ", ".join(f"{p.name} ({p.id})" for p, _ in same_surname)
        why = f"подходят несколько: {others}" if len(same_surname) > 1 else "нет в списке людей"
        return _placeholder(written, why)

    def _by_surname(self, phrase: str) -> Owner | None:
        """«Орловой»: one capitalised word that is the surname of exactly one person."""
        words = phrase.strip(" .,:").split()
        if len(words) != 1 or not re.fullmatch(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?", words[0]):
            return None
        forms = _surname_forms(words[0])
        same = [p for p in self.people if forms & _surname_forms(_split_name(p.name)[0] or "-")]
        if len(same) != 1:
            return None
        return Owner(
            same[0].id,
            True,
            note=f"«{words[0]}» → {same[0].name}",
            check=f"«{words[0]}» сопоставлено с {same[0].name} ({same[0].id}) только по фамилии",
        )

    def _by_words(self, phrase: str, *, people_only: bool = False) -> Owner:
        words = content_lemmas(phrase)
        if not words:
            return _placeholder(phrase.strip() or "?", "не понятно, кому адресован пункт")
        wanted = frozenset(words)
        pools = (
            [self._position_candidates]
            if people_only
            else [
                self._group_candidates,
                self._position_candidates,
            ]
        )
        for pool in pools:
            exact = [c for c in pool if c.lemmas == wanted]
            if len(exact) == 1:
                return Owner(exact[0].id, True, note=f"«{phrase.strip()}» → {exact[0].label}")
            close = [
                c
                for c in pool
                if c.head == words[0]
                and len(wanted & c.lemmas) >= min(2, len(wanted))
                and (wanted <= c.lemmas or c.lemmas <= wanted)
            ]
            if len(close) == 1:
                c = close[0]
                return Owner(
                    c.id,
                    True,
                    note=f"«{phrase.strip()}» → {c.label}",
                    check=f"«{phrase.strip()}» сопоставлено по сходству слов: {c.kind} {c.id} "
                    f"(«{c.label}»)",
                )
            if len(close) > 1 or len(exact) > 1:
                ids = ", ".join(c.id for c in (exact or close))
                return _placeholder(phrase.strip(), f"подходят несколько: {ids}")
        return _placeholder(phrase.strip(), "нет в списке людей и групп")


def split_addressee(phrase: str) -> list[str]:
    """«Председателям территориальных и первичных организаций» → both, each with its head."""
    phrase = re.sub(r"\([^)]*\)", " ", phrase).strip().rstrip(":").strip()
    parts = [p for p in _SPLIT.split(phrase) if p.strip()]
    if not parts:
        return []
    head = _WORD.findall(parts[0])[:1]
    result = [parts[0]]
    for part in parts[1:]:
        first = _WORD.findall(part)[:1]
        if head and first and _pos(first[0])[0] != "NOUN":
            part = f"{head[0]} {part}"  # the head noun is shared: «… и первичных организаций»
        result.append(part)
    return result


def _candidate(ident: str, label: str, kind: str) -> _Candidate:
    words = content_lemmas(label)
    return _Candidate(ident, label, frozenset(words), words[0] if words else "", kind)


def _placeholder(written: str, why: str) -> Owner:
    written = " ".join(written.split())[:120]
    return Owner(
        UNMATCHED + written,
        False,
        check=f"«{written}»: {why} — укажите id человека или группы из списка",
    )


def _split_name(name: str) -> tuple[str, str]:
    m = _NAME.search(name)
    if m is None:
        words = name.split()
        return (words[0] if words else "", "")
    return m["surname"] or m["surname2"], _initials(m["initials"] or m["initials2"] or "")


def _initials(text: str) -> str:
    return "".join(c for c in text if c.isalpha()).upper()
