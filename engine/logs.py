"""Log lines for a person or for a program: ``RESOLUTE_LOG_FORMAT`` = ``text`` | ``json``.

``text`` is Russian words at a terminal and the plain event lines elsewhere (a log file, a pipe);
``json`` is for log collectors.

Events are logged under stable names with ``key=value`` fields (``engine.audit.event_line``):
``callback.foreign user=9999 task=12 owner=ivanov``. In the ``text`` form (the default) a line
says it in Russian — «Отказ: кнопку чужого пункта нажал не исполнитель (пользователь=9999,
задача=12, исполнитель=ivanov) [callback.foreign]» — with the event's name kept at the end, so
«why did Ivanov get two reminders?» can still be grepped. ``json`` is one object per line with
``event`` and the fields as they are, for log collectors.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime

from engine.ops.logjson import JsonFormatter

LEVELS = {"DEBUG": "отладка", "INFO": "", "WARNING": "внимание", "ERROR": "ошибка",
          "CRITICAL": "сбой"}  # fmt: skip
EVENTS = {
    "answer.dropped": "Ответ не отправлен: очередь чата переполнена",
    "answer.failed": "Не удалось отправить ответ",
    "apply.change": "Изменение при загрузке описаний",
    "callback.foreign": "Отказ: кнопку чужого пункта нажал не исполнитель",
    "callback.forged": "Отказ: кнопка с недействительной подписью",
    "callback.not_controller": "Отказ: решение пытался принять не контролёр",
    "callback.unknown_extension": "Отказ: кнопка о просьбе, которой нет",
    "callback.unknown_task": "Отказ: кнопка о задаче, которой нет",
    "channel.unavailable": "Канал связи недоступен",
    "confirm.stale": "Отметка о закрытом пункте: ничего не изменено",
    "control.stale": "Решение по уже рассмотренному: ничего не изменено",
    "digest.enqueued": "Сводка поставлена в очередь",
    "draft.written": "Черновик постановления составлен",
    "inbound.failed": "Не удалось обработать обновление Telegram",
    "inbound.flood": "Слишком много сообщений из одного чата",
    "inbound.ignored": "Обновление Telegram пропущено",
    "inbound.unreadable": "Обновление Telegram не удалось прочитать",
    "invite.chat_taken": "Приглашение: этот Telegram уже подключён к другому человеку",
    "invite.expired": "Приглашение: срок ссылки истёк",
    "invite.reused": "Приглашение: ссылка уже использована",
    "invite.unknown": "Приглашение: неизвестная ссылка",
    "item.failed": "Не удалось обработать элемент; остальные обработаны",
    "mail.answered": "Ответ на письмо поставлен в очередь",
    "mail.attachments_skipped": "Письмо: часть вложений не принята",
    "mail.bounce_refused": "Отказ: отчёт о недоставке не относится к нашему письму",
    "mail.bounced": "Письма не доходят: адрес отклонён",
    "mail.dmarc_failed": "Письмо не прошло проверку DMARC",
    "mail.evidence_refused": "Письмо: материал не принят",
    "mail.failed": "Не удалось обработать письмо",
    "mail.foreign": "Отказ: письмо не от исполнителя пункта",
    "mail.ignored": "Письмо пропущено",
    "mail.kept_partly": "Письмо принято не полностью",
    "mail.sender_refused": "Отказ: отправитель письма указан недостоверно",
    "mail.unmatched": "Письмо не относится ни к одному нашему сообщению",
    "mail.unparsable": "Письмо не удалось прочитать",
    "message.copy_failed": "Не удалось переслать вложение",
    "message.failed": "Сообщение не доставлено",
    "message.foreign_reply": "Отказ: ответ на сообщение о чужом пункте",
    "message.render_failed": "Ошибка в шаблоне сообщения",
    "message.rerouted": "Сообщение отправлено другим каналом",
    "message.retry": "Сообщение будет отправлено повторно",
    "message.sent": "Сообщение отправлено",
    "message.undeliverable": "Нет канала, чтобы доставить сообщение",
    "outbox.claimed": "Сообщения взяты в отправку",
    "person.invited": "Выдано приглашение",
    "person.linked": "Человек подключён к Telegram",
    "report.failed": "Не удалось составить справку",
    "report.not_sent": "Справка не отправлена",
    "report.refused": "Отказ: справку запросил не контролёр",
    "report.sent": "Справка отправлена",
    "report.written": "Справка составлена",
    "resolution.applied": "Постановление загружено",
    "texts.refused": "Текст из texts.yaml не принят: используется прежний",
    "run.backlog_unavailable": "Не удалось оценить очередь сообщений",
    "run.heartbeat_failed": "Не удалось записать отметку о работе службы",
    "run.leader_unavailable": "Не удалось проверить блокировку ведущего экземпляра",
    "run.mail_failed": "Не удалось прочитать почту",
    "run.mail_unavailable": "Почтовый ящик недоступен",
    "run.metrics": "Метрики службы доступны",
    "run.metrics_unavailable": "Метрики службы недоступны",
    "run.pass": "Проход службы",
    "run.poll_failed": "Ошибка при опросе Telegram",
    "run.started": "Служба запущена",
    "run.stopped": "Служба остановлена",
    "run.telegram_leader": "Опрос Telegram (ведущий экземпляр)",
    "run.max_leader": "Опрос MAX (ведущий экземпляр)",
    "run.channel_unavailable": "Мессенджер недоступен",
    "run.max_webhook": "Вебхук MAX принимает обновления",
    "run.max_subscribe_failed": "Не удалось подписать вебхук MAX: повтор",
    "run.telegram_unavailable": "Telegram недоступен",
    "task.accepted": "Отчёт принят",
    "task.cancelled": "Задача снята",
    "task.commented": "Комментарий контролёра передан",
    "task.done": "Пункт выполнен",
    "task.evidence": "Приложены материалы",
    "task.extended": "Срок продлён",
    "task.extension_rejected": "В отсрочке отказано",
    "task.extension_requested": "Просьба об отсрочке",
    "task.reminded": "Напоминание",
    "task.reported": "Отчёт передан контролёру",
    "task.restored": "Задача восстановлена",
    "task.returned": "Отчёт возвращён на доработку",
    "task.updated": "Задача обновлена",
    "invite.other_channel": "Ссылка-приглашение открыта не в том мессенджере",
    "max.answer_failed": "Не удалось ответить на нажатие кнопки в MAX",
    "max.attachment_not_ready": "Файл в MAX ещё обрабатывается: повтор",
    "max.commands_not_set": "Меню команд бота MAX не установлено",
    "max.drop_buttons_failed": "Не удалось убрать кнопки в MAX",
    "max.keyboard_refused": "Кнопки не помещаются в ограничения MAX",
    "max.plain_fallback": "Сообщение в MAX отправлено без оформления",
    "max.reply_failed": "Не удалось ответить в MAX",
    "max.request": "Запрос к MAX",
    "max.request_failed": "Запрос к MAX не удался",
    "max.request_timeout": "MAX не ответил вовремя",
    "max.unavailable": "MAX недоступен",
    "max.webhook_not_recorded": "Обновление MAX не записано: платформа повторит его",
    "max.webhook_refused": "Запрос к вебхуку MAX отклонён",
    "telegram.commands_not_set": "Меню команд бота не установлено",
    "telegram.plain_fallback": "Сообщение отправлено без оформления",
    "telegram.reply_failed": "Не удалось ответить в Telegram",
    "telegram.unavailable": "Telegram недоступен",
    "tick.inbound_unavailable": "Telegram недоступен: входящие не прочитаны",
    "tick.mail_failed": "Не удалось прочитать почту",
    "tick.mail_unavailable": "Почтовый ящик недоступен",
    "tick.max_unavailable": "MAX недоступен: входящие не прочитаны",
    "tick.max_polled_elsewhere": "MAX опрашивает другой экземпляр службы",
}
FIELDS = {
    "actor": "кто", "task": "задача", "resolution": "постановление", "user": "пользователь",
    "owner": "исполнитель", "person": "человек", "people": "люди", "to": "кому",
    "key": "сообщение", "channel": "канал", "reason": "причина", "error": "ошибка",
    "via": "через", "round": "отчёт", "attempt": "попытка", "after_s": "через_с",
    "state": "состояние", "sender": "отправитель", "uid": "uid", "update": "обновление",
    "day": "день", "messages": "сообщений", "pieces": "материалов", "extension": "просьба",
    "interval_s": "интервал_с", "digest_slots": "сводок_в_день", "chat": "чат",
    "files": "файлы", "action": "действие", "kind": "вид",
}  # fmt: skip
_TOKEN = re.compile(r"""([A-Za-z_]\w*)=('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S*)|(\S+)""")
_EVENT = re.compile(r"([a-z_]+\.[a-z_.]+)(?:\s+(.*))?", re.DOTALL)


def split_event(message: str) -> tuple[str | None, list[tuple[str, str]], str]:
    """(event, [(key, value)], words that are not fields) of a log message."""
    found = _EVENT.fullmatch(message)
    if found is None:
        return None, [], message
    fields, words = [], []
    for key, value, word in _TOKEN.findall(found[2] or ""):
        if key:
            fields.append((key, value))
        else:
            words.append(word)
    return found[1], fields, " ".join(words)


class RussianFormatter(logging.Formatter):
    """«12:00:01 внимание: Отказ: … (пользователь=9999) [callback.foreign]»."""

    def format(self, record: logging.LogRecord) -> str:
        event, fields, words = split_event(record.getMessage())
        level = LEVELS.get(record.levelname, record.levelname.lower())
        stamp = datetime.fromtimestamp(record.created, UTC).astimezone().strftime("%H:%M:%S")
        if event is None:
            said = words
        else:
            said = EVENTS.get(event, "Событие")
            if words:
                said += f" {words}"
            if fields:
                said += " (" + ", ".join(f"{FIELDS.get(k, k)}={v}" for k, v in fields) + ")"
            said += f" [{event}]"
        line = f"{stamp} {level + ': ' if level else ''}{said}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


MACHINE_TEXT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure(level: str, log_format: str, *, terminal: bool | None = None) -> None:
    """Log to stderr at ``level`` in ``log_format``: ``json``, or ``text`` — Russian words when
    stderr is a terminal (``terminal``: whether it is, default: ask), else the event lines as
    they are (a log file, journald, a pipe keep the stable, grep-able form)."""
    if terminal is None:
        terminal = sys.stderr.isatty()
    handler = logging.StreamHandler(sys.stderr)
    formatter: logging.Formatter
    if log_format == "json":
        formatter = JsonFormatter()
    elif terminal:
        formatter = RussianFormatter()
    else:
        formatter = logging.Formatter(MACHINE_TEXT)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
