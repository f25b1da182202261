"""The alert rules and the Grafana dashboard use only metrics the services export (scraped from
the running stack after a payment), and promtool accepts the rules."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families

from payment_saga.config import Settings
from tests.integration.conftest import Payments

ROOT = Path(__file__).parents[2]
RULES = ROOT / "deploy" / "observability" / "prometheus" / "alerts.yaml"
DASHBOARD = ROOT / "deploy" / "observability" / "grafana" / "payment-saga.json"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
# PromQL words that look like metric names.
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "rate", "increase", "irate", "histogram_quantile",
    "clamp_min", "by", "without", "on", "ignoring", "and", "or", "unless", "bool", "le",
    "offset", "e",
}  # fmt: skip


def metric_names(expression: str) -> set[str]:
    """The metric names an expression reads: identifiers outside label matchers and
    grouping clauses, not followed by "(", not PromQL's own words, not durations."""
    bare = re.sub(r"\{[^}]*\}", "", expression)
    bare = re.sub(r"\b(by|without)\s*\([^)]*\)", "", bare)
    bare = re.sub(r"\[[^\]]*\]", "", bare)
    names = set(re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", bare))
    return {name for name in names if name not in PROMQL_WORDS}


def rule_expressions() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


async def exported(settings: Settings) -> set[str]:
    """Every sample name the API, the worker and the worker's SDK serve."""
    worker = f"http://{settings.worker.metrics_host}"
    urls = [
        f"{worker}:{settings.worker.metrics_port}/metrics",
        f"{worker}:{settings.worker.sdk_metrics_port}/metrics",
        f"{settings.api.base_url()}/metrics",
    ]
    token = settings.codec.operator_token
    headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}
    names: set[str] = set()
    async with httpx.AsyncClient(headers=headers) as http:
        for url in urls:
            response = await http.get(url)
            response.raise_for_status()
            for family in text_string_to_metric_families(response.text):
                names |= {family.name, *(sample.name for sample in family.samples)}
                # A labelled metric with no series yet still declares its samples' names.
                names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ())}
    return names


async def test_every_metric_used_is_exported(settings: Settings, payments: Payments) -> None:
    await (await payments.start("4242424242424242")).result()  # every series has samples
    available = await exported(settings)
    used = {
        name for expr in rule_expressions() + dashboard_expressions() for name in metric_names(expr)
    }
    assert used, "no metric found in the rules and the dashboard"
    assert used <= available, f"not exported: {sorted(used - available)}"


def test_promtool_accepts_the_rules() -> None:
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool is missing: run make install"
    done = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
