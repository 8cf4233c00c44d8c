"""What every request of the web server shares: settings, the Redis readers, the stream hubs."""

from __future__ import annotations

from dataclasses import dataclass

from omega_tasks.catalog import published
from omega_tasks.config import Settings
from omega_tasks.store import Store
from omega_tasks.web.hub import Hubs
from omega_tasks.web.reader import Reader
from omega_tasks.worker.app import OmegaApp, celery_app

REFRESH_S = 0.25  # how often a watched symbol's snapshots and forming bar are looked at


@dataclass(frozen=True, slots=True)
class Context:
    """The server's connections: an asyncio reader for the API and the streams, and the
    synchronous store and Celery app that ``omega status``'s report reads."""

    settings: Settings
    reader: Reader
    store: Store
    app: OmegaApp
    hubs: Hubs

    @classmethod
    def open(cls, settings: Settings, refresh_s: float = REFRESH_S) -> Context:
        reader = Reader.connect(settings)
        return cls(settings, reader, Store.connect(settings), celery_app(settings),
                   Hubs(reader, list(published()), refresh_s))

    async def close(self) -> None:
        self.hubs.close()
        await self.reader.close()
        self.store.close()
