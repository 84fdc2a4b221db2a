"""The Helm chart renders for every values file, every manifest is valid Kubernetes (strict schemas, offline),
values.schema.json turns bad values away, and the rendered objects keep the promises of docs/deploy.md."""

from __future__ import annotations

import json
import re
from typing import Any

import helm_python as helm
import jsonschema
import kubernetes_validate
import promql_parser
import pytest
from nocturna_platform.http.metrics import ServiceMetrics
from nocturna_platform.messaging.metrics import MessagingMetrics
from prometheus_client import CollectorRegistry

from deploy.tests import kubernetes_schemas, prometheus_operator
from deploy.tests.chart_rendering import (
    CHART,
    OVERLAYS,
    SERVICES,
    deep_merge,
    named,
    of_kind,
    overlay_values,
    render,
    render_values,
)

# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest schemas at hand.
KUBERNETES_VERSIONS = ("1.27.0", "1.37.0")
PROMETHEUS_OPERATOR_KINDS = {"ServiceMonitor", "PrometheusRule"}
MIGRATING = ("auth", "subscription", "chart", "geocoding")


@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
def test_lint_is_clean(overlay: str) -> None:
    report = helm.lint(str(CHART), overlay_values(overlay), strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
def test_every_manifest_is_valid_against_the_kubernetes_schemas(overlay: str, version: str) -> None:
    manifests = render(overlay)
    assert manifests
    for manifest in manifests:
        if manifest["kind"] in PROMETHEUS_OPERATOR_KINDS:
            assert manifest["apiVersion"] == "monitoring.coreos.com/v1"
            prometheus_operator.validate(manifest)
            continue
        try:
            kubernetes_schemas.validate(manifest, version)
        except jsonschema.ValidationError as error:
            pytest.fail(
                f"{manifest['kind']} {manifest['metadata']['name']}: {error.message} at {list(error.path)}"
            )


def test_strict_validation_rejects_an_unknown_field() -> None:
    deployment = named(render("prod"), "Deployment", "nocturna-chart")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    with pytest.raises(jsonschema.ValidationError, match="readinessprobe"):
        kubernetes_schemas.validate(deployment, KUBERNETES_VERSIONS[0])
    # The session-cached validator judges as the library's own entry point does.
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)
    del deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"]
    kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)


@pytest.mark.parametrize(
    ("bad", "complaint"),
    [
        ({"settings": {"common": {"environment": "prod"}}}, "/settings/common/environment"),
        ({"services": {"chart": {"replicas": 0}}}, "/services/chart/replicas"),
        ({"nameSuffix": "PR_12"}, "/nameSuffix"),
        ({"image": {"tag": "latest"}}, "/image"),
        ({"containerSecurityContext": {"readOnlyRootFilesystem": False}}, "readOnlyRootFilesystem"),
        ({"services": {"gateway": {"talksTo": ["billing"]}}}, "/services/gateway/talksTo"),
        ({"replicaCount": 3}, "replicaCount"),
        (
            {"services": {"auth": {"settings": {"oidc": {"providers": {"google-workspace": {}}}}}}},
            "/services/auth/settings/oidc/providers",
        ),
        (
            {"services": {"auth": {"secrets": {"oidc": {"providers": {"google": {"client_id": "x"}}}}}}},
            "/services/auth/secrets/oidc/providers/google",
        ),
        (
            {"services": {"chart": {"settings": {"batch": {"max_chunk_records": 0}}}}},
            "/services/chart/settings/batch",
        ),
        (
            {"services": {"chart": {"settings": {"engine": {"kind": "cloud"}}}}},
            "/services/chart/settings/engine",
        ),
        (
            {"services": {"chart": {"settings": {"engine": {"remote": {"max_in_flight": 16}}}}}},
            "/services/chart/settings/engine/remote",
        ),
        (
            {"services": {"gateway": {"settings": {"edge_auth": {"max_access_token_seconds": 30}}}}},
            "/services/gateway/settings/edge_auth",
        ),
        (
            {"services": {"gateway": {"settings": {"resilience": {"retries": 9}}}}},
            "/services/gateway/settings/resilience",
        ),
        (
            {"services": {"gateway": {"secrets": {"edge_auth": {"service_client_id": "x"}}}}},
            "/services/gateway/secrets/edge_auth",
        ),
        ({"settings": {"broker": {"messaging": {"batch_max_size": 0}}}}, "/settings/broker/messaging"),
    ],
)
def test_values_schema_rejects_bad_values(bad: dict[str, Any], complaint: str) -> None:
    with (
        helm.Chart.load(str(CHART)) as chart,
        pytest.raises(helm.HelmValuesError, match=re.escape(complaint)),
    ):
        chart.render(deep_merge(overlay_values("dev"), bad), name="nocturna", namespace="nocturna")


def test_prometheus_operator_kinds_are_checked_strictly() -> None:
    rule = named(render("prod"), "PrometheusRule", "nocturna")
    rule["spec"]["groups"][0]["rules"][0]["expression"] = rule["spec"]["groups"][0]["rules"][0]["expr"]
    with pytest.raises(ValueError, match=r"unknown fields: \.spec\.groups\[0\]\.rules\[0\]\.expression"):
        prometheus_operator.validate(rule)
    monitor = named(render("prod"), "ServiceMonitor", "nocturna")
    monitor["spec"]["endpoints"][0]["interval"] = "half a minute"
    with pytest.raises(ValueError, match="interval"):
        prometheus_operator.validate(monitor)


def test_default_values_refuse_to_render_without_secrets() -> None:
    with pytest.raises(helm.HelmRenderError, match="AMQP_URL of service auth is empty"):
        render_values({})


def _pod_specs(manifests: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{m['kind']} {m['metadata']['name']}", m["spec"]["template"]["spec"])
        for m in manifests
        if m["kind"] in ("Deployment", "Job")
    ]


@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
def test_every_pod_runs_non_root_read_only_without_capabilities(overlay: str) -> None:
    for name, spec in _pod_specs(render(overlay)):
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name


@pytest.mark.parametrize("service", SERVICES)
def test_deployments_probe_health_spread_and_scale(service: str) -> None:
    manifests = render("prod")
    deployment = named(manifests, "Deployment", f"nocturna-{service}")
    spec = deployment["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    assert container["resources"]["requests"]
    assert container["resources"]["limits"]["memory"]
    assert {c["topologyKey"] for c in spec["topologySpreadConstraints"]} == {
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    }
    assert [e["secretRef"]["name"] for e in container["envFrom"] if "secretRef" in e] == [
        f"nocturna-{service}"
    ]
    port = container["ports"][0]["containerPort"]
    assert named(manifests, "Service", f"nocturna-{service}")["spec"]["ports"][0]["port"] == port
    assert named(manifests, "PodDisruptionBudget", f"nocturna-{service}")["spec"]["minAvailable"] == 1
    if service != "geocoding":
        assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
        hpa = named(manifests, "HorizontalPodAutoscaler", f"nocturna-{service}")
        assert hpa["spec"]["scaleTargetRef"]["name"] == f"nocturna-{service}"


def test_migrations_and_seed_run_as_hooks_before_the_new_pods_in_order() -> None:
    manifests = render("prod")
    jobs = {job["metadata"]["name"]: job for job in of_kind(manifests, "Job")}
    assert set(jobs) == {f"nocturna-{s}-migrate" for s in MIGRATING} | {"nocturna-geocoding-seed"}
    for name, job in jobs.items():
        annotations = job["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade", name
    weight = {name: int(job["metadata"]["annotations"]["helm.sh/hook-weight"]) for name, job in jobs.items()}
    assert max(weight[f"nocturna-{s}-migrate"] for s in MIGRATING) < weight["nocturna-geocoding-seed"]
    for service in MIGRATING:
        container = jobs[f"nocturna-{service}-migrate"]["spec"]["template"]["spec"]["containers"][0]
        assert container["args"] == ["migrate"]
        # Its own role: the service's Secret (production names existing Secrets).
        assert {"secretRef": {"name": f"nocturna-{service}"}} in container["envFrom"]
        config = named(manifests, "ConfigMap", f"nocturna-{service}-migrate")
        assert (
            int(config["metadata"]["annotations"]["helm.sh/hook-weight"])
            < weight[f"nocturna-{service}-migrate"]
        )
        assert config["data"]["NOCTURNA_SERVICE"] == service
    seed = jobs["nocturna-geocoding-seed"]["spec"]["template"]["spec"]["containers"][0]
    assert seed["args"] == ["seed"]


def test_database_roles_job_runs_the_shared_sql_before_the_migrations() -> None:
    manifests = render("dev")
    job = named(manifests, "Job", "nocturna-database-roles")
    migrate = named(manifests, "Job", "nocturna-auth-migrate")
    weight = "helm.sh/hook-weight"
    assert int(job["metadata"]["annotations"][weight]) < int(migrate["metadata"]["annotations"][weight])
    sql = named(manifests, "ConfigMap", "nocturna-database-roles")["data"]["postgres-roles.sql"]
    assert sql.strip() == (CHART / "files" / "postgres-roles.sql").read_text().strip()
    assert named(manifests, "Secret", "nocturna-auth-migrate")["stringData"]["DATABASE_URL"].startswith(
        "postgresql://nocturna_auth:"
    )


def test_ingress_terminates_tls_with_cert_manager_and_keeps_websockets_open() -> None:
    ingress = named(render("prod"), "Ingress", "nocturna-gateway")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    assert ingress["spec"]["tls"] == [{"hosts": ["api.nocturna.example"], "secretName": "nocturna-api-tls"}]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "nocturna-gateway"


def _ingress_sources(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return [source for rule in policy["spec"].get("ingress", []) for source in rule.get("from", [])]


def test_network_policies_let_only_the_gateway_in_from_outside() -> None:
    manifests = render("prod")
    policies = {p["metadata"]["name"]: p for p in of_kind(manifests, "NetworkPolicy")}
    deny = policies["nocturna-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny
    assert "egress" not in deny
    controller = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    for service in SERVICES:
        sources = _ingress_sources(policies[f"nocturna-{service}"])
        assert (controller in sources) == (service == "gateway"), service
    callers = {
        service: {
            s["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
            for s in _ingress_sources(policies[f"nocturna-{service}"])
            if "podSelector" in s
        }
        for service in SERVICES
    }
    assert callers["chart"] == {"gateway"}
    assert callers["geocoding"] == {"gateway", "chart"}
    assert callers["auth"] == {"gateway", "chart", "subscription", "geocoding"}
    assert callers["gateway"] == set()


def test_network_policies_let_services_out_only_where_they_need() -> None:
    policies = {p["metadata"]["name"]: p for p in of_kind(render("prod"), "NetworkPolicy")}

    def ports(service: str) -> set[int]:
        egress = policies[f"nocturna-{service}"]["spec"]["egress"]
        return {port["port"] for rule in egress for port in rule.get("ports", [])}

    assert ports("gateway") == {53, 6379, 4318, 5672, 8001, 8002, 8003, 8004}
    assert ports("geocoding") == {53, 6379, 4318, 5432, 8001}
    assert ports("chart") == {53, 6379, 4318, 5432, 5672, 8001, 8004}
    assert ports("subscription") == {53, 6379, 4318, 5432, 5672, 8001, 443}
    assert ports("auth") == {53, 6379, 4318, 5432, 5672, 587}
    migrate = policies["nocturna-migrate"]["spec"]
    assert {p["port"] for rule in migrate["egress"] for p in rule["ports"]} == {53, 5432}


def _exported_metrics() -> set[str]:
    """Sample names the services export (the platform's instruments, as Prometheus scrapes them)."""
    http = ServiceMetrics(process_metrics=False)
    MessagingMetrics(http.registry)
    registry: CollectorRegistry = http.registry
    names: set[str] = set()
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    for family in registry.collect():
        names.update(family.name + suffix for suffix in suffixes[family.type])
    return names


METRIC_REFERENCE = re.compile(r"\b([a-z_][a-z0-9_]*)\{")


def test_alerts_cover_the_issue_and_use_metrics_the_services_export() -> None:
    rule = named(render("prod"), "PrometheusRule", "nocturna")
    alerts = {r["alert"]: r["expr"] for group in rule["spec"]["groups"] for r in group["rules"]}
    assert set(alerts) == {
        "NocturnaOutboxBacklogAge",
        "NocturnaDeadLetters",
        "NocturnaConsumerErrorRate",
        "NocturnaHttp5xxRate",
        "NocturnaHttpLatencyP99",
        "NocturnaPodRestarts",
    }
    for expr in alerts.values():
        promql_parser.parse(expr)  # raises on a syntax error
    exported = _exported_metrics()
    referenced = {name for expr in alerts.values() for name in METRIC_REFERENCE.findall(expr)}
    assert referenced - exported == {"kube_pod_container_status_restarts_total"}
    assert "dlq_depth" in alerts["NocturnaDeadLetters"]
    assert "> 0" in alerts["NocturnaDeadLetters"]


def test_service_monitor_scrapes_every_service_port() -> None:
    manifests = render("prod")
    monitor = named(manifests, "ServiceMonitor", "nocturna")
    assert monitor["spec"]["endpoints"][0] == {"port": "http", "path": "/metrics", "interval": "30s"}
    selector = monitor["spec"]["selector"]["matchLabels"]
    for service in of_kind(manifests, "Service"):
        assert selector.items() <= service["metadata"]["labels"].items()
        assert service["spec"]["ports"][0]["name"] == "http"


def test_grafana_dashboard_is_valid_json_on_exported_metrics() -> None:
    config = named(render("prod"), "ConfigMap", "nocturna-dashboard")
    assert config["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard = json.loads(config["data"]["nocturna.json"])
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    for expr in exprs:
        promql_parser.parse(expr)
    referenced = {name for expr in exprs for name in METRIC_REFERENCE.findall(expr)}
    assert referenced - _exported_metrics() == {"kube_pod_container_status_restarts_total"}
    assert not of_kind(render("dev"), "ServiceMonitor")
    assert not of_kind(render("dev"), "PrometheusRule")


def test_feature_environment_is_small_and_isolated_by_its_suffix() -> None:
    manifests = render("feature")
    names = {m["metadata"]["name"] for m in manifests}
    assert all(name.startswith("nocturna-pr-0") for name in names)
    for deployment in of_kind(manifests, "Deployment"):
        assert deployment["spec"]["replicas"] == 1
    assert not of_kind(manifests, "HorizontalPodAutoscaler")
    assert not of_kind(manifests, "PodDisruptionBudget")
    chart = named(manifests, "ConfigMap", "nocturna-pr-0-chart")["data"]
    assert chart["MESSAGING__EXCHANGE"] == "nocturna.events.pr-0"
    assert chart["MESSAGING__QUEUE_PREFIX"] == "pr-0."
    assert chart["REDIS_KEY_PREFIX"] == "nocturna:pr-0:"
    assert chart["GEOCODING__BASE_URL"] == "http://nocturna-pr-0-geocoding:8004"
    gateway = named(manifests, "ConfigMap", "nocturna-pr-0-gateway")["data"]
    assert gateway["UPSTREAMS__AUTH"] == "http://nocturna-pr-0-auth:8001"
    assert not of_kind(manifests, "Secret"), "feature environments read the Secrets CI made"


def test_the_gateway_gets_its_service_client_and_lists_naming_values_render_through_tpl() -> None:
    gateway = {
        "settings": {"edge_auth": {"service_client_id": "6f1c2a44-0000-4000-8000-000000000001"}},
        "secrets": {"edge_auth": {"service_client_secret": "client-s3cret"}},
    }
    manifests = render_values(deep_merge(overlay_values("dev"), {"services": {"gateway": gateway}}))
    config = named(manifests, "ConfigMap", "nocturna-gateway")["data"]
    secret = named(manifests, "Secret", "nocturna-gateway")["stringData"]
    assert config["EDGE_AUTH__SERVICE_CLIENT_ID"] == "6f1c2a44-0000-4000-8000-000000000001"
    assert "EDGE_AUTH__SERVICE_CLIENT_SECRET" not in config
    assert secret["EDGE_AUTH__SERVICE_CLIENT_SECRET"] == "client-s3cret"
    assert {"AMQP_URL", "REDIS_URL"} <= set(secret)
    assert json.loads(config["CORS__ALLOWED_ORIGINS"]) == ["http://app.nocturna.localhost"]
    without = named(render("dev"), "ConfigMap", "nocturna-gateway")["data"]
    assert "EDGE_AUTH__SERVICE_CLIENT_ID" not in without
