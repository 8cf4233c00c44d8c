"""Sinks: one small class per destination format, on ``base.Sink``."""

from __future__ import annotations

from omega_tasks.notify.sinks.base import Sink, SinkSpec
from omega_tasks.notify.sinks.discord import DiscordSink
from omega_tasks.notify.sinks.slack import SlackSink
from omega_tasks.notify.sinks.telegram import TelegramSink
from omega_tasks.notify.sinks.webhook import WebhookSink

KINDS: dict[str, type[Sink]] = {
    "webhook": WebhookSink, "slack": SlackSink, "discord": DiscordSink, "telegram": TelegramSink,
}


def build(spec: SinkSpec, telegram_api_url: str, dashboard_url: str) -> Sink:
    """Return the sink a spec describes."""
    return KINDS[spec.type](spec, telegram_api_url=telegram_api_url, dashboard_url=dashboard_url)
