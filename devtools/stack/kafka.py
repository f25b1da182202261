"""Apache Kafka in KRaft combined mode, from Maven Central jars, under the machine's Java."""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from devtools.stack.process import ManagedProcess
from payment_saga.config import Settings
from payment_saga.connections import kafka_options
from payment_saga.processors.settings import LOOPBACK

HERE = Path(__file__).resolve().parent
NODE_ID = 1


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise RuntimeError(f"`{tool}` is missing: Kafka needs Java 17+ and Maven (see README)")
    return found


def ensure_jars(settings: Settings) -> Path:
    """Resolve the broker and its dependencies once into the cache; later starts reuse them."""
    libs = settings.stack.cache_dir / f"kafka-{settings.kafka.version}" / "libs"
    if (libs / f"kafka_2.13-{settings.kafka.version}.jar").exists():
        return libs
    work = libs.parent
    work.mkdir(parents=True, exist_ok=True)
    pom = (HERE / "kafka-pom.xml").read_text().replace("@KAFKA_VERSION@", settings.kafka.version)
    (work / "pom.xml").write_text(pom)
    staging = work / "libs.partial"
    shutil.rmtree(staging, ignore_errors=True)
    subprocess.run(
        [_require("mvn"), "-q", "-B", "-Dstyle.color=never", "dependency:copy-dependencies",
         "-DincludeScope=runtime", f"-DoutputDirectory={staging}"],
        cwd=work, check=True,
    )  # fmt: skip
    staging.rename(libs)
    return libs


@dataclass(frozen=True)
class SecureListener:
    """A SASL_SSL listener besides the plain one (tests of a managed Kafka's way in): its port,
    a PEM file with the broker's key and certificate chain, and users for PLAIN and
    SCRAM-SHA-512."""

    port: int
    keystore: Path
    users: dict[str, str]

    def properties(self) -> list[str]:
        plain_users = " ".join(f'user_{name}="{password}"' for name, password in self.users.items())
        return [
            "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512",
            "listener.name.sasl_ssl.plain.sasl.jaas.config="
            f"org.apache.kafka.common.security.plain.PlainLoginModule required {plain_users};",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
            "org.apache.kafka.common.security.scram.ScramLoginModule required;",
            "ssl.keystore.type=PEM",
            f"ssl.keystore.location={self.keystore}",
        ]

    def scram_credentials(self) -> list[str]:
        """`StorageTool format` arguments that create the SCRAM users (KRaft keeps them)."""
        return [
            arg
            for name, password in self.users.items()
            for arg in ("--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]")
        ]


def _server_properties(settings: Settings, log_dirs: Path, secure: SecureListener | None) -> str:
    kafka = settings.kafka
    listeners = f"PLAINTEXT://{LOOPBACK}:{kafka.port}"
    protocols = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    if secure is not None:
        listeners += f",SASL_SSL://{LOOPBACK}:{secure.port}"
        protocols += ",SASL_SSL:SASL_SSL"
    return "\n".join(
        [
            "process.roles=broker,controller",
            f"node.id={NODE_ID}",
            f"listeners={listeners},CONTROLLER://{LOOPBACK}:{kafka.controller_port}",
            f"advertised.listeners={listeners}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            f"listener.security.protocol.map={protocols}",
            # A static voter set keeps working when the ports change between runs.
            f"controller.quorum.voters={NODE_ID}@{LOOPBACK}:{kafka.controller_port}",
            f"log.dirs={log_dirs}",
            f"num.partitions={kafka.partitions}",
            "auto.create.topics.enable=false",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=6",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            *(secure.properties() if secure is not None else []),
            "",
        ]
    )


def cluster_id() -> str:
    """A random KRaft cluster id that `StorageTool format -t` can take.

    One in 64 random ids encodes with a leading "-", which the tool's argument parser reads as
    an option (a CI run failed on one); Kafka's own Uuid.randomUuid() draws again in that case.
    """
    while True:
        encoded = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not encoded.startswith("-"):
            return encoded


def kafka_process(
    settings: Settings, data_dir: Path, log_dir: Path, secure: SecureListener | None = None
) -> ManagedProcess:
    java = _require("java")
    libs = ensure_jars(settings)
    kafka_dir = data_dir / "kafka"
    log_dirs = kafka_dir / "logs"
    kafka_dir.mkdir(parents=True, exist_ok=True)
    properties = kafka_dir / "server.properties"
    properties.write_text(_server_properties(settings, log_dirs, secure))
    classpath = f"{libs}/*"
    if not (log_dirs / "meta.properties").exists():
        subprocess.run(
            [java, "-cp", classpath, "kafka.tools.StorageTool", "format",
             "-t", cluster_id(), "-c", str(properties),
             *(secure.scram_credentials() if secure is not None else [])],
            check=True, capture_output=True,
        )  # fmt: skip
    argv = [
        java, "-Xms256m", "-Xmx768m", "-XX:+UseG1GC",
        f"-Dlog4j2.configurationFile={HERE / 'log4j2.yaml'}",
        "-cp", classpath, "kafka.Kafka", str(properties),
    ]  # fmt: skip
    return ManagedProcess(name="kafka", argv=argv, log_path=log_dir / "kafka.log")


async def kafka_ready(settings: Settings) -> None:
    """Ready means the broker answers and the project's topic exists."""
    admin = AIOKafkaAdminClient(**kafka_options(settings.kafka), request_timeout_ms=5000)
    await admin.start()
    try:
        topics = await admin.list_topics()
        if settings.kafka.topic in topics:
            return
        topic = NewTopic(settings.kafka.topic, settings.kafka.partitions, 1)
        response = await admin.create_topics([topic])
        for name, error_code, *_ in response.topic_errors:
            if error_code not in (0, TopicAlreadyExistsError.errno):
                raise RuntimeError(f"creating topic {name} failed with Kafka error {error_code}")
    finally:
        await admin.close()
