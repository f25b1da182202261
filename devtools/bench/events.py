"""When each payment's `payment.succeeded` event was read from Kafka (create-to-event)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer

from devtools.stack.stack import Stack
from payment_saga.events.encoding import content_type_of, decode
from payment_saga.events.topic import whole_topic_consumer


@dataclass
class SucceededEvents:
    """When each payment's `payment.succeeded` event was read from Kafka."""

    stack: Stack
    received: dict[str, float] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        consumer, _ = await whole_topic_consumer(self.stack.settings.kafka, from_beginning=False)
        self._task = asyncio.create_task(self._read(consumer))

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        try:
            async for message in consumer:
                event = decode(message.value, content_type_of(message.headers))
                if event["type"] == "payment.succeeded":
                    self.received.setdefault(event["subject"], time.perf_counter())
        finally:
            await consumer.stop()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
