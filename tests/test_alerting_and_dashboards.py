"""Fleet alerting and Grafana as compose wires them: Prometheus sends to Alertmanager, which
routes to ``omega notify``'s receiver; every dashboard panel queries a metric Omega exports."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess

import pytest
import yaml

from omega_tasks.notify import receiver
from tests.conftest import ROOT

DOCKER = ROOT / "docker"
METRIC = re.compile(r"\bomega_[a-z0-9_]+")
SUFFIXES = ("_total", "_bucket", "_sum", "_count", "_created")
METRIC_CALLS = {"Counter", "Gauge", "Histogram", "Enum", "Summary", "Info", "counter",
                "GaugeMetricFamily", "CounterMetricFamily", "HistogramMetricFamily"}


def exported_metrics() -> set[str]:
    """Every metric name Omega registers, read from the code that registers it."""
    names = set()
    for path in (ROOT / "omega_tasks").rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text())):
            if not isinstance(call, ast.Call) or not call.args:
                continue
            callee = call.func.attr if isinstance(call.func, ast.Attribute) else \
                getattr(call.func, "id", "")
            first = call.args[0]
            if (callee in METRIC_CALLS and isinstance(first, ast.Constant)
                    and str(first.value).startswith("omega_")):
                names.add(first.value)
    return names


def named(expr: str, known: set[str]) -> list[str]:
    """The omega_* names an expression uses that are no exported metric (nor its series)."""
    unknown = []
    for name in METRIC.findall(expr):
        base = next((name.removesuffix(s) for s in SUFFIXES if name.endswith(s)), name)
        if name not in known and base not in known:
            unknown.append(name)
    return unknown


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def amtool() -> str:
    found = shutil.which("amtool")
    if found is None:
        pytest.skip("amtool not installed (apt-get install prometheus-alertmanager)")
    return found


def test_the_alertmanager_config_passes_amtool():
    result = subprocess.run([amtool(), "check-config", "alertmanager.yml"], cwd=DOCKER,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_sends_to_alertmanager_and_alertmanager_to_omega_notify():
    services = compose()["services"]
    prometheus = yaml.safe_load((DOCKER / "prometheus.yml").read_text())
    targets = prometheus["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert targets == ["alertmanager:9093"] and "alertmanager" in services
    assert "--web.listen-address=0.0.0.0:9093" in services["alertmanager"]["entrypoint"][-1]
    routed = yaml.safe_load((DOCKER / "alertmanager.yml").read_text())
    hook = routed["receivers"][0]["webhook_configs"][0]
    notify = services["notify"]["environment"]
    assert hook["url"] == f"http://notify:{notify['OMEGA_NOTIFY_RECEIVER_PORT']}{receiver.PATH}"
    token_file = hook["http_config"]["authorization"]["credentials_file"]
    assert f"> {token_file}" in services["alertmanager"]["entrypoint"][-1]
    assert notify["OMEGA_NOTIFY_RECEIVER_TOKEN"].startswith("${NOTIFY_RECEIVER_TOKEN:?")
    assert routed["route"]["receiver"] == "omega-notify"


def test_every_alert_rule_names_only_exported_metrics():
    known = exported_metrics()
    rules = yaml.safe_load((DOCKER / "alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert named(rule["expr"], known) == [], rule["alert"]


@pytest.mark.parametrize("board", ["operations", "analytics"])
def test_every_dashboard_panel_queries_metrics_omega_exports(board):
    known = exported_metrics()
    assert {"omega_worker_events", "omega_notify_delivered", "omega_fleet_queue_length"} <= known
    dashboard = json.loads((DOCKER / "grafana" / "dashboards" / f"{board}.json").read_text())
    datasource = yaml.safe_load(
        (DOCKER / "grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    assert len(dashboard["panels"]) >= 6
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == uid
            assert METRIC.search(target["expr"]), (panel["title"], target["expr"])
            assert named(target["expr"], known) == [], (panel["title"], target["expr"])


def test_grafana_is_provisioned_from_the_folders_compose_mounts():
    grafana = compose()["services"]["grafana"]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"])
    provider = yaml.safe_load(
        (DOCKER / "grafana/provisioning/dashboards/omega.yml").read_text())["providers"][0]
    assert mounts["./grafana/dashboards"] == provider["options"]["path"]
    assert mounts["./grafana/provisioning"] == "/etc/grafana/provisioning"
    assert grafana["ports"] == ["127.0.0.1:3000:3000"]
    assert "GRAFANA_ADMIN_PASSWORD:?" in grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD"]


def test_a_panel_naming_a_metric_omega_does_not_export_is_caught():
    assert named("rate(omega_feeder_trades_received_total[1m])", exported_metrics()) == []
    assert named("rate(omega_feeder_trade_received_total[1m])", exported_metrics()) == \
        ["omega_feeder_trade_received_total"]
