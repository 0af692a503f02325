"""Signed button data: bound to the action and the task, short enough for Telegram; buttons
kept as intents and signed when they go out."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.callbacks import Action, Press, Signer, sign, verify
from engine.channels.base import Button

SECRET = b"unit-test-secret-0123456789"


def test_signed_data_verifies_and_fits_telegram() -> None:
    data = sign(SECRET, Action.DONE, 9_223_372_036_854_775_807)
    assert len(data.encode()) <= 64
    assert verify(SECRET, data) == Press(Action.DONE, 9_223_372_036_854_775_807)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda d: d.replace("d:41:", "d:42:"), id="other-task"),
        pytest.param(lambda d: "x" + d[1:], id="other-action"),
        pytest.param(lambda d: d[:-1] + ("A" if d[-1] != "A" else "B"), id="mac-changed"),
        pytest.param(lambda d: d.rsplit(":", 1)[0], id="mac-missing"),
        pytest.param(lambda d: d + ":extra", id="extra-part"),
        pytest.param(lambda d: "", id="empty"),
        pytest.param(lambda d: d + "x" * 64, id="too-long"),
    ],
)
def test_tampered_data_is_rejected(tamper: object) -> None:
    data = sign(SECRET, Action.DONE, 41)
    assert verify(SECRET, tamper(data)) is None  # type: ignore[operator]


def test_another_secret_does_not_verify() -> None:
    assert verify(b"another-secret-0123456789", sign(SECRET, Action.DONE, 41)) is None


def test_none_is_rejected() -> None:
    assert verify(SECRET, None) is None


@pytest.mark.parametrize("action", list(Action))
def test_every_action_round_trips_at_the_largest_ids(action: Action) -> None:
    top = 9_223_372_036_854_775_807
    round_ = 2_147_483_647 if action in (Action.ACCEPT, Action.RETURN) else None
    data = sign(SECRET, action, top, round_)
    assert len(data.encode()) <= 64
    assert verify(SECRET, data) == Press(action, top, round_)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda d: d.replace(".2:", ".3:"), id="other-round"),
        pytest.param(lambda d: d.replace(".2:", ":"), id="round-dropped"),
        pytest.param(lambda d: "y" + d[1:], id="accept-becomes-approve"),
    ],
)
def test_a_report_round_is_bound_by_the_mac(tamper: object) -> None:
    data = sign(SECRET, Action.ACCEPT, 41, 2)
    assert verify(SECRET, tamper(data)) is None  # type: ignore[operator]


def test_only_the_controllers_actions_are_marked_so() -> None:
    assert {a for a in Action if a.by_controller} == {
        Action.ACCEPT, Action.RETURN, Action.APPROVE, Action.REJECT,
    }  # fmt: skip


# --- buttons as intents: signed by the adapter as they go out ----------------------------------


def test_a_signer_signs_what_it_verifies_and_hides_its_secret() -> None:
    signer = Signer(SECRET)
    press = Press(Action.ACCEPT, 41, 2)
    assert signer.verify(signer.sign(press)) == press
    assert signer.sign(press) == sign(SECRET, Action.ACCEPT, 41, 2)
    assert Signer(b"another-secret-0123456789").verify(signer.sign(press)) is None
    assert SECRET.decode() not in repr(signer)


@pytest.mark.parametrize(
    "press", [Press(Action.DONE, 41), Press(Action.ACCEPT, 41, 2), Press(Action.REPORTS, 0)]
)
def test_a_stored_button_reads_back_as_the_same_intent(press: Press) -> None:
    button = Button("✅ Выполнено", press)
    stored = json.loads(json.dumps(button.stored()))  # as an outbox payload keeps it
    assert stored == ["✅ Выполнено", press.action.value, press.target, press.round]
    assert Button.from_stored(stored) == button


def test_a_button_stored_signed_before_intents_goes_out_signed_the_same() -> None:
    old = ["✔️ Принять", sign(SECRET, Action.ACCEPT, 41, 2)]
    button = Button.from_stored(old)
    assert button == Button("✔️ Принять", Press(Action.ACCEPT, 41, 2))
    assert Signer(SECRET).sign(button.press) == old[1]  # the press verifies as before


@pytest.mark.parametrize(
    "row",
    [
        [],
        ["text"],
        ["text", "not signed data"],
        ["text", "z:41:mac"],
        ["text", "q", 41, None],
        ["text", "d", "41", None],
        ["text", "d", True, None],
        ["text", "a", 41, "2"],
        [None, "d", 41, None],
        "text",
    ],
)
def test_a_stored_button_that_cannot_be_read_is_left_out(row: list[object]) -> None:
    assert Button.from_stored(row) is None


@given(st.lists(st.none() | st.booleans() | st.integers() | st.text(max_size=70), max_size=5))
def test_reading_any_stored_button_never_raises(row: list[object]) -> None:
    Button.from_stored(row)
