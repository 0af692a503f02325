"""The author of a mail is the one addr-spec of its From, and nothing else that names an address."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.mail_address import Author, Refused, author, author_of, normalise

REFUSED = [
    ("titov@example.org <attacker@evil.example>", "malformed-from"),  # parseaddr said titov
    ("<attacker@evil.example> titov@example.org", "malformed-from"),
    ('"titov@example.org" <attacker@evil.example>', "name-is-address"),
    ("=?utf-8?b?dGl0b3ZAZXhhbXBsZS5vcmc=?= <attacker@evil.example>", "name-is-address"),
    ("Титов (titov@example.org) <attacker@evil.example>", "name-is-address"),
    ("attacker@evil.example (titov@example.org)", "name-is-address"),
    ("titov@example.org, attacker@evil.example", "several-from"),
    ("Все: titov@example.org;", "group-from"),
    ("undisclosed-recipients:;", "group-from"),
    ("titov@example.org@evil.example", "malformed-from"),
    ("<>", "malformed-from"),
    ("", "no-from"),
]
ACCEPTED = [
    ("Титов Т.Т. <Titov@Example.ORG>", "titov@example.org"),
    ("=?utf-8?b?0KLQuNGC0L7Qsg==?= <titov@example.org>", "titov@example.org"),
    ('"titov@example.org" <TITOV@example.org>', "titov@example.org"),  # the same address
    ("titov@example.org (Титов)", "titov@example.org"),
    ("titov@пример.рф", "titov@xn--e1afmkfd.xn--p1ai"),
]


@pytest.mark.parametrize(("value", "reason"), REFUSED)
def test_a_from_that_names_another_address_or_several_is_refused(value: str, reason: str) -> None:
    assert author_of(value) == Refused(reason)


@pytest.mark.parametrize(("value", "address"), ACCEPTED)
def test_the_author_is_the_normalised_addr_spec(value: str, address: str) -> None:
    found = author_of(value)
    assert isinstance(found, Author)
    assert found.address == address


def test_two_from_headers_are_refused_and_raw_8bit_names_are_read_as_utf8() -> None:
    two = b"From: titov@example.org\nFrom: attacker@evil.example\n\nx\n"
    assert author(message_from_bytes(two, policy=policy.default)) == Refused("several-from")
    raw = "From: Титов Т.Т. <titov@example.org>\n\nx\n".encode()
    found = author(message_from_bytes(raw, policy=policy.default))
    assert found == Author("titov@example.org", "Титов Т.Т.")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Titov@Example.ORG", "titov@example.org"),
        ("titov@ПРИМЕР.РФ", "titov@xn--e1afmkfd.xn--p1ai"),
        ("titov@example.org.", "titov@example.org"),
        ("<titov@example.org>", "titov@example.org"),
        ("jose\u0301@example.org", "jos\u00e9@example.org"),  # NFC
    ],
)
def test_normalise_compares_case_idna_and_nfc(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


@given(st.text(max_size=300))
def test_any_from_gives_an_author_or_a_reason_and_an_author_is_the_only_address(v: str) -> None:
    found = author_of(v)
    assert isinstance(found, Author | Refused)
    if isinstance(found, Author):
        assert "@" in found.address
        assert found.address == normalise(found.address)


@given(
    st.from_regex(r"[a-z0-9]{1,10}@[a-z0-9]{1,10}\.[a-z]{2,5}", fullmatch=True),
    st.from_regex(r"[a-z0-9]{1,10}@[a-z0-9]{1,10}\.[a-z]{2,5}", fullmatch=True),
    st.sampled_from(['"{n}" <{a}>', "{n} <{a}>", "{a} ({n})", "<{a}> {n}", "{n}, {a}"]),
)
def test_a_second_address_anywhere_in_from_is_never_taken_for_another(
    shown: str, real: str, form: str
) -> None:
    found = author_of(form.format(n=shown, a=real))
    if isinstance(found, Author):
        assert found.address == normalise(real) == normalise(shown)
