"""Reading the events topic whole: a consumer without a group, on every partition."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition

from payment_saga.config import KafkaSettings
from payment_saga.connections import kafka_options


async def whole_topic_consumer(
    kafka: KafkaSettings, *, from_beginning: bool
) -> tuple[AIOKafkaConsumer, list[TopicPartition]]:
    """A started consumer assigned every partition, at its beginning or at its end.

    No group: reading never moves a real consumer's offsets. The caller stops it.
    """
    consumer = AIOKafkaConsumer(
        **kafka_options(kafka),
        enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
    )
    await consumer.start()
    partitions = [TopicPartition(kafka.topic, p) for p in range(kafka.partitions)]
    consumer.assign(partitions)
    if from_beginning:
        await consumer.seek_to_beginning(*partitions)
    else:
        await consumer.seek_to_end(*partitions)
    return consumer, partitions
