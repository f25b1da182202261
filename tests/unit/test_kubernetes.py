"""deploy/kubernetes: the base and the Temporal Cloud overlay, rendered with kustomize and
validated offline against Kubernetes' schemas (kubernetes-validate), then held to our rules:
probes, resources, non-root, a drain shorter than the grace period, config the settings know."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version

from payment_saga.config import Settings, environment_variable_names

ROOT = Path(__file__).parents[2]
KUSTOMIZE = ROOT / ".tools" / "go" / "bin" / "kustomize"
DEPLOY = ROOT / "deploy" / "kubernetes"
TARGETS = ["base", "overlays/temporal-cloud"]


def render(target: str) -> list[dict[str, Any]]:
    assert KUSTOMIZE.exists(), "`make tools` builds kustomize"
    built = subprocess.run(
        [str(KUSTOMIZE), "build", str(DEPLOY / target)], capture_output=True, text=True, check=True
    )
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def config(docs: list[dict[str, Any]]) -> dict[str, str]:
    data: dict[str, str] = of_kind(docs, "ConfigMap")[0]["data"]
    return data


@pytest.mark.parametrize("target", TARGETS)
def test_every_manifest_is_valid_kubernetes(target: str) -> None:
    for doc in render(target):
        kubernetes_validate.validate(doc, latest_version(), strict=True)


@pytest.mark.parametrize("target", TARGETS)
def test_every_pod_is_probed_sized_unprivileged_and_configured(target: str) -> None:
    docs = render(target)
    configmap = of_kind(docs, "ConfigMap")[0]["metadata"]["name"]
    for workload in of_kind(docs, "Deployment") + of_kind(docs, "Job"):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            name = f"{workload['metadata']['name']}/{container['name']}"
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert "memory" in container["resources"]["limits"], name
            sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
            assert sources == {configmap, "payment-saga-secrets"}, name
            if workload["kind"] == "Deployment":
                ports = {port["name"] for port in container["ports"]}
                for probe in ("livenessProbe", "readinessProbe"):
                    assert container[probe]["httpGet"]["port"] in ports, name


@pytest.mark.parametrize("target", TARGETS)
def test_pods_drain_within_their_grace_period(target: str) -> None:
    docs = render(target)
    settings = config(docs)
    drains = {"payment-saga-api": float(settings["API_DRAIN_SECONDS"]) + 5,  # + preStop
              "payment-saga-worker": float(settings["WORKER_DRAIN_SECONDS"])}  # fmt: skip
    for deployment in of_kind(docs, "Deployment"):
        grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        app = deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]
        assert grace > drains.get(app, 0), deployment["metadata"]
    assert float(settings["API_DRAIN_SECONDS"]) >= Settings().api.max_wait_seconds


def test_budgets_and_the_autoscaler_point_at_real_deployments() -> None:
    docs = render("base")
    labels = {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
              for d in of_kind(docs, "Deployment")}  # fmt: skip
    for budget in of_kind(docs, "PodDisruptionBudget"):
        wanted = budget["spec"]["selector"]["matchLabels"].items()
        assert any(wanted <= pod.items() for pod in labels.values()), budget["metadata"]
    (autoscaler,) = of_kind(docs, "HorizontalPodAutoscaler")
    assert autoscaler["spec"]["scaleTargetRef"]["name"] == "payment-saga-worker-1.0.0"


def test_each_build_runs_its_own_versioned_workers_and_is_made_current() -> None:
    """Worker Versioning: the image tag names the build's Deployment, autoscaler and Job, and
    is the build id its workers declare, so a release runs beside the last one."""
    docs = render("base")
    assert config(docs)["WORKER_VERSIONING"] == "true"
    (worker,) = [d for d in of_kind(docs, "Deployment") if "worker" in d["metadata"]["name"]]
    assert worker["metadata"]["name"] == "payment-saga-worker-1.0.0"
    pod = worker["spec"]["template"]
    assert pod["metadata"]["labels"]["app.kubernetes.io/version"] == "1.0.0"
    assert worker["spec"]["selector"]["matchLabels"]["app.kubernetes.io/version"] == "1.0.0"
    (build_id,) = pod["spec"]["containers"][0]["env"]
    assert build_id["name"] == "WORKER_BUILD_ID"
    assert "app.kubernetes.io/version" in build_id["valueFrom"]["fieldRef"]["fieldPath"]
    (current,) = [d for d in of_kind(docs, "Job") if "current" in d["metadata"]["name"]]
    assert current["metadata"]["name"] == "payment-saga-worker-current-1.0.0"
    command = current["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[:4] == ["payment-saga", "workflows", "set-current", "$(WORKER_BUILD_ID)"]


@pytest.mark.parametrize("target", TARGETS)
def test_config_names_only_settings_that_exist(target: str) -> None:
    known = environment_variable_names()
    assert set(config(render(target))) <= known
    example = (DEPLOY / "base" / "secrets.example.env").read_text().splitlines()
    secrets = {line.split("=", 1)[0] for line in example if line and not line.startswith("#")}
    assert secrets <= known


def test_the_temporal_cloud_overlay_speaks_tls_with_the_mounted_certificate() -> None:
    docs = render("overlays/temporal-cloud")
    settings = config(docs)
    assert settings["TEMPORAL_TLS"] == "true"
    assert settings["TEMPORAL_ADDRESS"].endswith(".tmprl.cloud:7233")
    for deployment in of_kind(docs, "Deployment"):
        mounts = deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
        mounted = {m["mountPath"] for m in mounts if m["name"] == "temporal-tls"}
        assert mounted == {str(Path(settings["TEMPORAL_TLS_CERT_FILE"]).parent)}
