"""docker-compose.yaml agrees with the settings: services, ports and variable names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from settings import Settings, environment_variable_names
from workflows.search_attributes import REGISTRATION

COMPOSE = yaml.safe_load((Path(__file__).parents[2] / "docker-compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
APP_SERVICES = ("api", "worker", "gateway", "migrate")
DEFAULTS = Settings(_env_file=None)


def published(service: str) -> dict[int, int]:
    """host port -> container port."""
    ports = {}
    for mapping in SERVICES[service].get("ports", []):
        host, container = str(mapping).split(":")
        ports[int(host)] = int(container)
    return ports


def test_every_piece_of_the_stack_is_there() -> None:
    expected = {"postgres", "temporal", "temporal-ui", "kafka", *APP_SERVICES}
    assert expected <= set(SERVICES)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_use_only_setting_names(service: str) -> None:
    unknown = set(SERVICES[service]["environment"]) - environment_variable_names()
    assert not unknown, f"{service} sets variables the settings do not read: {unknown}"


@pytest.mark.parametrize("service", ["api", "worker", "migrate"])
def test_app_services_are_pointed_at_every_dependency(service: str) -> None:
    environment = SERVICES[service]["environment"]
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "TEMPORAL_ADDRESS", "GATEWAY_URL"):
        assert name in environment, f"{service} lacks {name}"
    assert environment["KAFKA_TOPIC"] == DEFAULTS.kafka.topic
    assert environment["TEMPORAL_TASK_QUEUE"] == DEFAULTS.temporal.task_queue


def test_ports_match_the_default_settings() -> None:
    assert published("api") == {DEFAULTS.api.port: SERVICES["api"]["environment"]["API_PORT"]}
    assert DEFAULTS.temporal.port in published("temporal")
    assert DEFAULTS.temporal.ui_port in published("temporal-ui")
    assert DEFAULTS.kafka.port in published("kafka")
    assert DEFAULTS.database.port in published("postgres")
    assert DEFAULTS.gateway.port in published("gateway")


def test_the_topic_is_created_with_the_configured_partitions() -> None:
    command = SERVICES["kafka-topics"]["command"]
    assert command[command.index("--topic") + 1] == DEFAULTS.kafka.topic
    assert int(command[command.index("--partitions") + 1]) == DEFAULTS.kafka.partitions


def test_search_attributes_match_the_workflow() -> None:
    script = SERVICES["temporal-search-attributes"]["command"][0]
    for name, kind in REGISTRATION.items():
        assert f"--name {name} --type {kind}" in script


@pytest.mark.parametrize("service", ["postgres", "temporal", "kafka", "gateway", "api"])
def test_long_running_services_have_healthchecks(service: str) -> None:
    assert "test" in SERVICES[service]["healthcheck"]


@pytest.mark.parametrize("service", ["api", "worker"])
def test_app_waits_for_its_dependencies(service: str) -> None:
    conditions = {dep: spec["condition"] for dep, spec in SERVICES[service]["depends_on"].items()}
    assert conditions["migrate"] == "service_completed_successfully"
    assert conditions["gateway"] == "service_healthy"
