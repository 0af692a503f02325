"""MaxMessenger: the engine's Messenger on MAX — who is addressed how, and the delivered id a
reply to the message carries."""

from __future__ import annotations

from engine.callbacks import Action, Press, Signer
from engine.channels.base import Button
from engine.channels.events import MessageRef
from engine.channels.max import MaxChannel
from engine.channels.max.messenger import MaxMessenger, recipient
from tests.fakes.max_api import FakeMaxAPI


def test_a_positive_address_is_a_user_any_other_a_chat() -> None:
    assert recipient(7001).query() == {"user_id": 7001}
    assert recipient(-7_000_007_001).query() == {"chat_id": -7_000_007_001}


async def test_sends_by_user_or_dialog_give_the_id_a_reply_carries() -> None:
    async with FakeMaxAPI() as api:
        dialog = api.add_user(7001)
        async with MaxChannel(api.token, api.url, signer=Signer(b"k" * 32)) as channel:
            messenger = MaxMessenger(channel)
            by_user = await messenger.send(
                7001, "Напоминание", [Button("✅", Press(Action.DONE, 1))]
            )
            by_dialog = await messenger.send(dialog, "Ещё")
            [first, second] = api.sent
            assert (first.user_id, first.chat_id) == (7001, dialog)
            assert (second.user_id, second.chat_id) == (None, dialog)
            assert by_user.external_id == f"{dialog}:{first.mid}"
            assert by_dialog.external_id == f"{dialog}:{second.mid}"
            api.send_text(7001, "фото ниже", reply_to=first.mid)
            [received], _ = await messenger.updates(None)
            assert received.event.reply_to == MessageRef(dialog, first.mid)  # type: ignore[union-attr]
            copied = await messenger.copy(-1 * abs(dialog), dialog, second.mid)
            assert copied.external_id.startswith(f"{dialog}:")
            await messenger.drop_buttons(MessageRef(dialog, first.mid))
            assert api.message(first.mid)["body"]["attachments"] == []
            await messenger.set_commands([("tasks", "Мои пункты")], chat_id=dialog)  # no scope
            assert api.commands is None
            await messenger.set_commands([("tasks", "Мои пункты")])
            assert api.commands == [{"name": "tasks", "description": "Мои пункты"}]
