"""The MAX messenger (VK) as a channel: client, channel, update translation and webhook.

docs/channels-max.md explains the choices (an aiohttp adapter against the published OpenAPI
description rather than one of the young Python clients) and how to run the webhook.
"""

from engine.channels.max.channel import MaxChannel, Recipient
from engine.channels.max.client import DEFAULT_API_URL, MaxApiError, MaxClient
from engine.channels.max.updates import Received, translate, translate_body
from engine.channels.max.webhook import webhook_app, webhook_handler

__all__ = [
    "DEFAULT_API_URL",
    "MaxApiError",
    "MaxChannel",
    "MaxClient",
    "Received",
    "Recipient",
    "translate",
    "translate_body",
    "webhook_app",
    "webhook_handler",
]
