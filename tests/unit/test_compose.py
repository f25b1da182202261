"""docker-compose.yaml agrees with the settings: services, ports and variable names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from payment_saga.config import Settings, environment_variable_names
from workflows.search_attributes import REGISTRATION

COMPOSE = yaml.safe_load((Path(__file__).parents[2] / "docker-compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
APP_SERVICES = ("api", "worker", "gateway", "migrate")
DEFAULTS = Settings(_env_file=None)


def published(service: str) -> dict[int, int]:
    """host port -> container port."""
    ports = {}
    for mapping in SERVICES[service].get("ports", []):
        host, container = str(mapping).split(":")[-2:]
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


def test_every_published_port_is_on_loopback_only() -> None:
    """Postgres, Kafka, Temporal (which takes any start or update, bypassing the API's keys)
    and the simulator's admin endpoints were published on every interface."""
    for name, service in SERVICES.items():
        for mapping in service.get("ports", []):
            assert str(mapping).startswith("127.0.0.1:"), f"{name} publishes {mapping}"


@pytest.mark.parametrize("service", ["api", "worker", "migrate"])
def test_the_app_runs_in_production_mode_with_keys_from_an_env_file(service: str) -> None:
    definition = SERVICES[service]
    assert definition["environment"]["ENVIRONMENT"] == "production"
    assert definition["env_file"] == ["compose.env"]
    assert definition["build"]["target"] == "production"
    for dependency in definition.get("depends_on", {}).values():
        assert "required" not in dependency or dependency["required"] is False


def test_the_simulator_is_behind_a_profile_and_out_of_the_production_image() -> None:
    assert SERVICES["gateway"]["profiles"] == ["simulator"]
    assert SERVICES["gateway"]["build"]["target"] == "development"
    dockerfile = (Path(__file__).parents[2] / "Dockerfile").read_text()
    stages = [line.split()[-1] for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert stages[-1] == "production"  # the default target
    production = dockerfile.split("AS production", 1)[1]
    assert 'rm -rf "$site/devtools"' in production  # the folder, not a list of its files
    assert [line for line in dockerfile.splitlines() if line.startswith("USER")][-1] != "USER root"


def test_services_start_without_the_developer_tools() -> None:
    """What the production image removes (devtools/) is imported by none of its services."""
    blocked = ("devtools",)
    packages = tuple(f"{name}." for name in blocked)
    code = (
        "import importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name in {blocked!r} or name.startswith({packages!r}):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import api.main, worker, payment_saga.events.main, payment_saga.ops.cli.main\n"
        "import payment_saga.secure_defaults\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_prometheus_and_grafana_are_provisioned_with_the_rules_and_dashboard() -> None:
    root = Path(__file__).parents[2]
    mounts = {
        name: dict(volume.split(":")[:2] for volume in SERVICES[name]["volumes"])
        for name in ("prometheus", "grafana")
    }
    config_path = mounts["prometheus"]["./deploy/observability/prometheus/prometheus.yml"]
    assert config_path == "/etc/prometheus/prometheus.yml"
    config = yaml.safe_load((root / "deploy/observability/prometheus/prometheus.yml").read_text())
    alerts = "./deploy/observability/prometheus/alerts.yaml"
    assert config["rule_files"] == [mounts["prometheus"][alerts]]
    targets = config["scrape_configs"][0]["static_configs"][0]["targets"]
    ports = {DEFAULTS.worker.metrics_port, DEFAULTS.worker.sdk_metrics_port}
    assert {int(target.split(":")[1]) for target in targets} == ports
    assert SERVICES["worker"]["environment"]["WORKER_METRICS_HOST"] == "0.0.0.0"
    assert "./deploy/observability/grafana/payment-saga.json" in mounts["grafana"]
