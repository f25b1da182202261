"""A test-side Kafka reader: every event on the topic, grouped by payment, as it arrives."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer

from payment_saga.config import KafkaSettings
from payment_saga.events.encoding import content_type_of, decode
from payment_saga.events.topic import whole_topic_consumer


@dataclass
class EventLog:
    kafka: KafkaSettings
    by_payment: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    headers: list[tuple[tuple[str, bytes], ...]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        consumer, _ = await whole_topic_consumer(self.kafka, from_beginning=True)
        self._task = asyncio.create_task(self._read(consumer))

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        try:
            async for message in consumer:
                event = decode(message.value, content_type_of(message.headers))
                assert message.key.decode() == event["subject"]
                self.by_payment[event["subject"]].append(event)
                self.headers.append(tuple(message.headers))
                self._arrived.set()
        finally:
            await consumer.stop()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def wait_for(
        self, payment_id: str, count: int, within_seconds: float = 60
    ) -> list[dict[str, Any]]:
        """The payment's events once `count` distinct ids arrived (duplicates kept)."""
        async with asyncio.timeout(within_seconds):
            while len({e["id"] for e in self.by_payment[payment_id]}) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return list(self.by_payment[payment_id])

    async def wait_for_messages(
        self, payment_id: str, count: int, within_seconds: float = 30
    ) -> list[dict[str, Any]]:
        """The payment's messages once `count` arrived, duplicates counted."""
        async with asyncio.timeout(within_seconds):
            while len(self.by_payment[payment_id]) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return list(self.by_payment[payment_id])
