"""Gong's quota in the two ways the manifests can deploy the facade.

Per replica (deploy/kubernetes without components/shared-quota): each
replica's limiter knows only its own requests, so the replicas' shares of
GONG_FLOWS_GONG_QPS must add up to at most Gong's 3 a second, and no
autoscaler may add replicas (each would bring another share).

Shared (with components/shared-quota): the replicas reserve their requests in
one window in Redis, so GONG_FLOWS_GONG_QPS is the company's total and any
replica count is fine. The facade must be pointed at the Redis the component
runs; that Redis keeps nothing on disk, is one instance (two would be two
windows), is probed, bounded and unprivileged; its password, if any, comes
from a Secret. While Redis cannot be reached each replica falls back to its
own window, and those add up: fallback x the most replicas stays within 3.

Both cases are rendered whatever the kustomization lists, the first without
the component and the second with it, so that each rule is checked on the
deployment it is about.
"""

import os
import re

from . import kubernetes
from .contract import (DEFAULT_GONG_QPS, DEFAULT_QUOTA_FALLBACK_QPS, DEPLOYMENT_NAME,
                       GONG_COMPANY_QPS, QUOTA_FALLBACK_QPS_VAR, QUOTA_REDIS_PASSWORD_VAR,
                       QUOTA_REDIS_VAR, REDIS_DEFAULT_PORT, SHARED_QUOTA_COMPONENT)
from .yamlutil import env_value, selector_matches

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "Pod")


# --- rendering the two cases --------------------------------------------------

def render_case(kube, shared, into):
    """Renders deploy/kubernetes with (shared) or without the shared-quota
    component, re-parsed and with unique names (kubernetes.dry_render), and
    appends a kubernetes.Rendered of the facade's Deployment to `into`."""
    args = ({"extra_components": [SHARED_QUOTA_COMPONENT]} if shared
            else {"without_components": [SHARED_QUOTA_COMPONENT]})
    docs = []
    why = kubernetes.dry_render(kube, docs, **args)
    if why:
        return why
    found = [d for d in docs if d.get("kind") == "Deployment"
             and d["metadata"]["name"] == DEPLOYMENT_NAME]
    if len(found) != 1:
        return f"{len(found)} Deployments {DEPLOYMENT_NAME} rendered"
    r = kubernetes.Rendered(kube, docs, found[0])
    if r.server is None:
        return "no container serves the gRPC port"
    into.append(r)
    return None


# --- the per-replica quota (no component) ---------------------------------------

def per_replica_without_redis(r):
    """Without the component the facade is not pointed at a Redis: the base
    deploys none, so every replica would run on its fallback for ever."""
    url = env_value(r.server, QUOTA_REDIS_VAR, "")
    return (f"{QUOTA_REDIS_VAR} is set without {SHARED_QUOTA_COMPONENT}, which runs "
            "the Redis it needs") if url else None


def per_replica_qps(r):
    """replicas x GONG_FLOWS_GONG_QPS stays within Gong's per-company limit.

    Each replica's limiter knows only its own requests, and the quota is per
    company whatever the replica count; 0 would turn the limiter off."""
    _, replicas = r.replica_bounds()
    qps = int(env_value(r.server, "GONG_FLOWS_GONG_QPS", DEFAULT_GONG_QPS))
    if qps <= 0:
        return "GONG_FLOWS_GONG_QPS 0 turns the limiter off: Gong would see bursts"
    if replicas * qps > GONG_COMPANY_QPS:
        return (f"{replicas} replicas x GONG_FLOWS_GONG_QPS {qps} = {replicas * qps} "
                f"> Gong's {GONG_COMPANY_QPS}/s per company")
    return None


def per_replica_no_autoscaler(r):
    """No HorizontalPodAutoscaler scales the facade: with per-replica limits
    every replica it adds brings another share of a quota that is the
    company's, not the replica's."""
    hpas = [h["metadata"]["name"] for h in r.autoscalers()]
    return (f"HorizontalPodAutoscaler {hpas} without {SHARED_QUOTA_COMPONENT}: each "
            "added replica would add its GONG_FLOWS_GONG_QPS") if hpas else None


# --- where the shared quota's Redis is ----------------------------------------

_REDIS_URL = re.compile(
    r"^redis://(?P<userinfo>[^@/]*@)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)"
    r"(?::(?P<port>\d+))?(?:/(?P<db>\d+))?$")


def parse_redis_url(url):
    """(host, port, db) of redis://HOST[:PORT][/DB], as the server reads it.

    Raises ValueError saying what is wrong; a URL with credentials is
    refused without echoing it (the password comes from
    GONG_FLOWS_QUOTA_REDIS_PASSWORD, and a message may end up in a log)."""
    m = _REDIS_URL.match(str(url))
    if m is None:
        if "@" in str(url):
            raise ValueError(f"{QUOTA_REDIS_VAR} is not redis://HOST[:PORT][/DB] "
                             "(it holds an @; its value is not shown)")
        raise ValueError(f"{QUOTA_REDIS_VAR} {url!r} is not redis://HOST[:PORT][/DB]")
    if m.group("userinfo"):
        raise ValueError(f"{QUOTA_REDIS_VAR} carries credentials (not shown): the "
                         f"password belongs in {QUOTA_REDIS_PASSWORD_VAR}, from a Secret")
    port = int(m.group("port") or REDIS_DEFAULT_PORT)
    return m.group("host"), port, int(m.group("db") or 0)


def service_named(docs, host):
    """The rendered Service that host names in the cluster's DNS (NAME,
    NAME.NAMESPACE, NAME.NAMESPACE.svc[.DOMAIN]), or None."""
    parts = host.split(".")
    for s in (d for d in docs if d.get("kind") == "Service"):
        meta = s["metadata"]
        if parts[0] != meta["name"]:
            continue
        if len(parts) == 1:
            return s
        if meta.get("namespace") not in (None, parts[1]):
            continue
        if len(parts) == 2 or parts[2] == "svc":
            return s
    return None


def container_port(container, ref):
    """The number of a container port given by number or by name, or None."""
    for p in container.get("ports") or []:
        if ref in (p.get("containerPort"), p.get("name")):
            return p.get("containerPort")
    return None


def redis_of(r):
    """(Service, Deployment, container) that GONG_FLOWS_QUOTA_REDIS leads to:
    the rendered Service it names, with a port it names, selecting the pods
    of one other Deployment, whose container listens on the port targeted.
    Raises ValueError saying where the chain breaks."""
    url = env_value(r.server, QUOTA_REDIS_VAR, "")
    if not url:
        raise ValueError(f"{QUOTA_REDIS_VAR} is not set: the replicas would keep "
                         "windows of their own")
    host, port, _ = parse_redis_url(url)
    svc = service_named(r.docs, host)
    if svc is None:
        raise ValueError(f"{QUOTA_REDIS_VAR} names {host}, which is no rendered Service")
    sport = next((p for p in svc["spec"].get("ports") or [] if p.get("port") == port), None)
    if sport is None:
        ports = [p.get("port") for p in svc["spec"].get("ports") or []]
        raise ValueError(f"{QUOTA_REDIS_VAR} names port {port}; Service "
                         f"{svc['metadata']['name']} has {ports}")
    selector = svc["spec"].get("selector") or {}
    backends = [d for d in r.docs if d.get("kind") == "Deployment" and selector_matches(
        selector, d["spec"]["template"]["metadata"].get("labels") or {})]
    if len(backends) != 1 or backends[0] is r.deployment:
        names = [d["metadata"]["name"] for d in backends]
        raise ValueError(f"Service {svc['metadata']['name']} selects the pods of "
                         f"{names or 'no Deployment'}, not of one Redis")
    target = sport.get("targetPort", sport.get("port"))
    for c in backends[0]["spec"]["template"]["spec"]["containers"]:
        if container_port(c, target) is not None:
            return svc, backends[0], c
    raise ValueError(f"Service {svc['metadata']['name']} targets port {target!r}, "
                     f"on which no container of {backends[0]['metadata']['name']} listens")


def redis_workload(r):
    """(Deployment, container) of the one Redis rendered beside the facade:
    a container of another Deployment whose image is redis or that runs
    redis-server. Found apart from GONG_FLOWS_QUOTA_REDIS, so that a wrong
    URL fails its own check and not every check of the Redis."""
    found = []
    for d in r.other_deployments():
        for c in d["spec"]["template"]["spec"]["containers"]:
            image = str(c.get("image", "")).split("@")[0].rsplit("/", 1)[-1].split(":")[0]
            argv = [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]
            if image == "redis" or (argv and argv[0].endswith("redis-server")):
                found.append((d, c))
    if len(found) != 1:
        raise ValueError(f"{len(found)} Redis containers rendered, not one")
    return found[0]


def redis_options(container):
    """Redis's command-line options, {name: [values]}, from the container's
    command and args (`redis-server --save "" --appendonly no ...`)."""
    options, current = {}, None
    for arg in list(container.get("command") or []) + list(container.get("args") or []):
        arg = str(arg)
        if arg.startswith("--"):
            current = arg[2:].lower()
            options[current] = []
        elif current is not None:
            options[current].append(arg)
    return options


_REDIS_BYTES = {"": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2,
                "g": 1000**3, "gb": 1024**3}
_QUANTITY = {"": 1, "k": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4,
             "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4}


def redis_bytes(text):
    """Bytes in a Redis memory size ("48mb", "1gb", "100000")."""
    m = re.fullmatch(r"(\d+)([a-z]*)", str(text).strip().lower())
    if not m or m.group(2) not in _REDIS_BYTES:
        raise ValueError(f"not a Redis memory size: {text!r}")
    return int(m.group(1)) * _REDIS_BYTES[m.group(2)]


def quantity_bytes(text):
    """Bytes in a Kubernetes memory quantity ("128Mi", "1G", "134217728")."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]*)", str(text).strip())
    if not m or m.group(2) not in _QUANTITY:
        raise ValueError(f"not a memory quantity: {text!r}")
    return float(m.group(1)) * _QUANTITY[m.group(2)]


# --- the shared quota (with the component) ------------------------------------

def shared_points_at_redis(r):
    """GONG_FLOWS_QUOTA_REDIS is redis://HOST:PORT[/DB] naming the Redis
    Service and one of its ports, and that Service reaches the Redis
    container: otherwise every replica runs on its fallback, silently."""
    _, deployment, container = redis_of(r)
    expected, _ = redis_workload(r)
    if deployment is not expected:
        return (f"{QUOTA_REDIS_VAR} leads to {deployment['metadata']['name']}, not to the "
                f"Redis {expected['metadata']['name']}")
    return None


def redis_keeps_nothing(r):
    """Redis runs with `--save ""` and `--appendonly no` and no persistent
    volume: the window is worth a few seconds, a lost one costs a few
    retried 429s, and a volume would only tie the pod to a node."""
    deployment, c = redis_workload(r)
    options = redis_options(c)
    problems = []
    if options.get("save") != [""]:
        problems.append('no `--save ""`: Redis would write snapshots')
    if [v.lower() for v in options.get("appendonly", [])] != ["no"]:
        problems.append("no `--appendonly no`")
    for v in deployment["spec"]["template"]["spec"].get("volumes") or []:
        if "emptyDir" not in v:
            problems.append(f"volume {v.get('name')} is not an emptyDir")
    return "; ".join(problems)


def redis_memory_bounded(r):
    """Redis has a --maxmemory below its container's memory limit and a
    --maxmemory-policy that evicts: past the limit the kernel would kill it
    first, and the default `noeviction` refuses writes, which sends every
    replica to its fallback."""
    _, c = redis_workload(r)
    options = redis_options(c)
    if not options.get("maxmemory"):
        return "no --maxmemory"
    most = redis_bytes(options["maxmemory"][0])
    if most <= 0:
        return "--maxmemory 0 is no bound"
    limit = ((c.get("resources") or {}).get("limits") or {}).get("memory")
    if limit is None:
        return "no memory limit to keep --maxmemory under"
    if most >= quantity_bytes(limit):
        return f"--maxmemory {options['maxmemory'][0]} is not below the limit {limit}"
    policy = (options.get("maxmemory-policy") or ["noeviction"])[0].lower()
    evicting = {f"{keys}-{how}" for keys in ("allkeys", "volatile")
                for how in ("lru", "lfu", "random")} | {"volatile-ttl"}
    if policy not in evicting:
        return f"--maxmemory-policy {policy} does not evict: a full Redis refuses writes"
    return None


def redis_probes_and_resources(r):
    """Redis has readiness and liveness probes that ask it (`redis-cli ping`)
    or connect to its port, and CPU and memory requests and limits."""
    _, c = redis_workload(r)
    problems = []
    for kind in ("readinessProbe", "livenessProbe"):
        probe = c.get(kind)
        if not probe:
            problems.append(f"no {kind}")
            continue
        command = " ".join(str(a) for a in (probe.get("exec") or {}).get("command") or [])
        tcp = (probe.get("tcpSocket") or {}).get("port")
        if not (("redis-cli" in command and "ping" in command.lower())
                or (tcp is not None and container_port(c, tcp) is not None)):
            problems.append(f"{kind} neither runs redis-cli ping nor connects to a port "
                            "of the container")
    why = kubernetes.container_resources([c])
    if why:
        problems.append(why)
    return "; ".join(problems)


def redis_security(r):
    """Redis runs like the facade: non-root, read-only root file system, no
    privilege escalation, no capabilities, and no service account token."""
    deployment, c = redis_workload(r)
    spec = deployment["spec"]["template"]["spec"]
    problems = [kubernetes.container_security(spec, [c])]
    if spec.get("automountServiceAccountToken") is not False:
        problems.append("automountServiceAccountToken is not false")
    return "; ".join(p for p in problems if p)


def redis_single(r):
    """One Redis, replaced with the Recreate strategy and never autoscaled:
    two Redis behind the Service would be two windows, each letting the
    company's whole quota through."""
    deployment, _ = redis_workload(r)
    spec = deployment["spec"]
    problems = []
    if spec.get("replicas", 1) != 1:
        problems.append(f"replicas is {spec.get('replicas')}")
    if (spec.get("strategy") or {}).get("type") != "Recreate":
        problems.append("strategy is not Recreate: a rollout would run two windows")
    name = deployment["metadata"]["name"]
    if any(h["spec"].get("scaleTargetRef", {}).get("name") == name
           for h in r.of_kind("HorizontalPodAutoscaler")):
        problems.append("an autoscaler scales it")
    return "; ".join(problems)


def redis_password_from_secret(r):
    """GONG_FLOWS_QUOTA_REDIS_PASSWORD, wherever it is set, comes from a
    secretKeyRef, never a literal value or a ConfigMap."""
    problems = []
    for d in r.docs:
        if d.get("kind") not in WORKLOAD_KINDS:
            continue
        spec = d["spec"] if d["kind"] == "Pod" else d["spec"]["template"]["spec"]
        for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
            for e in c.get("env") or []:
                if e["name"] != QUOTA_REDIS_PASSWORD_VAR:
                    continue
                ref = (e.get("valueFrom") or {}).get("secretKeyRef") or {}
                if "value" in e or not (ref.get("name") and ref.get("key")):
                    problems.append(f"{d['metadata']['name']}/{c['name']}: "
                                    f"{QUOTA_REDIS_PASSWORD_VAR} is not from a secretKeyRef")
    return "; ".join(problems)


def shared_qps_total(r):
    """With the shared window GONG_FLOWS_GONG_QPS is the company's total over
    all replicas: at most Gong's 3 a second, and not 0 (no limiter)."""
    qps = int(env_value(r.server, "GONG_FLOWS_GONG_QPS", DEFAULT_GONG_QPS))
    if qps <= 0:
        return "GONG_FLOWS_GONG_QPS 0 turns the limiter off: Gong would see bursts"
    if qps > GONG_COMPANY_QPS:
        return (f"GONG_FLOWS_GONG_QPS {qps} > Gong's {GONG_COMPANY_QPS}/s: it is the "
                "company's total now, not a replica's share")
    return None


def shared_autoscaler(r):
    """An autoscaler, if any, is autoscaling/v2, the only one, scales the
    facade's Deployment between at least 2 and its maxReplicas, and the
    Deployment leaves `replicas` to it (a count in the manifest would be put
    back at every apply, undoing the scaling)."""
    hpas = r.autoscalers()
    if not hpas:
        return None
    problems = []
    if len(hpas) > 1:
        problems.append(f"{len(hpas)} autoscalers would fight over the replica count")
    for h in hpas:
        spec = h["spec"]
        name = h["metadata"]["name"]
        if h.get("apiVersion") != "autoscaling/v2":
            problems.append(f"{name}: apiVersion {h.get('apiVersion')}, not autoscaling/v2")
        if spec["scaleTargetRef"].get("apiVersion") != "apps/v1":
            problems.append(f"{name}: scaleTargetRef apiVersion is not apps/v1")
        low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", 0)
        if low < 2:
            problems.append(f"{name}: minReplicas {low} < 2: one lost pod would leave none")
        if high < low:
            problems.append(f"{name}: maxReplicas {high} < minReplicas {low}")
    if "replicas" in r.deployment["spec"]:
        problems.append("the Deployment sets replicas, which every apply would put back")
    return "; ".join(problems)


def shared_min_replicas(r):
    """At least two replicas with the component too (the autoscaler's
    minReplicas, else replicas): it drops `replicas` for the autoscaler, and
    without one the Deployment would fall back to a single pod."""
    low, _ = r.replica_bounds()
    return None if low >= 2 else f"{low} replica at least: one lost pod would leave none"


def fallback_within_quota(r):
    """GONG_FLOWS_QUOTA_FALLBACK_QPS x the most replicas (the autoscaler's
    maxReplicas, else replicas) stays within Gong's 3 a second: while Redis
    is unreachable every replica runs on its own window at the fallback, and
    those add up. (A rollout's surge pod is not counted: it lasts seconds,
    and only matters if Redis is down just then; Gong's 429s are retried.)"""
    fallback = float(env_value(r.server, QUOTA_FALLBACK_QPS_VAR, DEFAULT_QUOTA_FALLBACK_QPS))
    if fallback <= 0:
        return f"{QUOTA_FALLBACK_QPS_VAR} {fallback:g} must be positive"
    _, most = r.replica_bounds()
    if most * fallback > GONG_COMPANY_QPS:
        return (f"{most} replicas x {QUOTA_FALLBACK_QPS_VAR} {fallback:g} = "
                f"{most * fallback:g} > Gong's {GONG_COMPANY_QPS}/s while Redis is down")
    return None


def redis_network_policy(r):
    """A NetworkPolicy over the Redis pods, if any, admits the facade's pods
    to the Redis port and nothing else: no peer without a pod selector, none
    from other namespaces or address blocks."""
    deployment, c = redis_workload(r)
    labels = deployment["spec"]["template"]["metadata"].get("labels") or {}
    policies = [p for p in r.of_kind("NetworkPolicy")
                if selector_matches((p["spec"].get("podSelector") or {}).get("matchLabels")
                                    or {}, labels)]
    problems = []
    for p in policies:
        name = p["metadata"]["name"]
        admits_facade = False
        for rule in p["spec"].get("ingress") or []:
            peers = rule.get("from") or []
            if not peers:
                problems.append(f"{name}: an ingress rule admits every peer")
            for peer in peers:
                pod_labels = (peer.get("podSelector") or {}).get("matchLabels") or {}
                if set(peer) != {"podSelector"} or not selector_matches(pod_labels,
                                                                        r.pod_labels):
                    problems.append(f"{name}: admits a peer other than the facade's pods: "
                                    f"{peer}")
                else:
                    ports = rule.get("ports")
                    if ports is None or any(
                            container_port(c, q.get("port")) is not None for q in ports):
                        admits_facade = True
        if not admits_facade:
            problems.append(f"{name}: the facade's pods cannot reach the Redis port")
    return "; ".join(problems)


def selectors_keep_apart(r):
    """Every Service and PodDisruptionBudget selects the pods of exactly one
    Deployment: a facade Service that also picked Redis pods would send
    gRPC callers to Redis, a PDB over both would count Redis as a facade
    replica."""
    pods = {d["metadata"]["name"]: d["spec"]["template"]["metadata"].get("labels") or {}
            for d in r.of_kind("Deployment")}
    problems = []
    for d in r.docs:
        if d.get("kind") == "Service":
            selector = d["spec"].get("selector") or {}
        elif d.get("kind") == "PodDisruptionBudget":
            selector = (d["spec"].get("selector") or {}).get("matchLabels") or {}
        else:
            continue
        picked = sorted(n for n, labels in pods.items() if selector_matches(selector, labels))
        if len(picked) != 1:
            problems.append(f"{d['kind']} {d['metadata']['name']} selects the pods of "
                            f"{picked or 'no Deployment'}")
    return "; ".join(problems)


# Each shared-quota check, in report order: (name, function of a Rendered).
SHARED_CHECKS = [
    ("GONG_FLOWS_QUOTA_REDIS is redis:// to the Redis Service's name and port",
     shared_points_at_redis),
    ('Redis keeps nothing on disk (--save "", --appendonly no, no volume)',
     redis_keeps_nothing),
    ("Redis has --maxmemory below its limit and an evicting policy", redis_memory_bounded),
    ("Redis has readiness and liveness probes, requests and limits",
     redis_probes_and_resources),
    ("Redis runs non-root, read-only, without capabilities", redis_security),
    ("Redis is one instance, replaced by Recreate, never autoscaled", redis_single),
    ("GONG_FLOWS_QUOTA_REDIS_PASSWORD only from a secretKeyRef", redis_password_from_secret),
    ("GONG_FLOWS_GONG_QPS is the company's total, at most 3", shared_qps_total),
    ("an autoscaler is autoscaling/v2, min 2, owns the replica count", shared_autoscaler),
    ("at least 2 replicas", shared_min_replicas),
    ("GONG_FLOWS_QUOTA_FALLBACK_QPS x most replicas within 3", fallback_within_quota),
    ("NetworkPolicy admits only the facade's pods to Redis", redis_network_policy),
    ("Services and PDBs each select one Deployment's pods", selectors_keep_apart),
    # Kubernetes' own typing, on the objects only this rendering has.
    ("env values, labels, annotations, commands and args are strings",
     kubernetes.strings_where_kubernetes_wants_strings),
]

# The per-replica checks likewise.
PER_REPLICA_CHECKS = [
    ("GONG_FLOWS_QUOTA_REDIS unset", per_replica_without_redis),
    ("replicas x GONG_FLOWS_GONG_QPS within Gong's per-company limit", per_replica_qps),
    ("no HorizontalPodAutoscaler", per_replica_no_autoscaler),
]


def run(checks, ctx):
    """Renders both cases and runs their checks in report order; returns
    (per-replica Rendered, shared Rendered), either None when it did not
    render, for the self-test."""
    kube = ctx.kube
    component = os.path.join(kube, SHARED_QUOTA_COMPONENT)
    rendered = {}
    for shared, label in ((False, f"without {SHARED_QUOTA_COMPONENT}"),
                          (True, f"with {SHARED_QUOTA_COMPONENT}")):
        if shared and not os.path.isdir(component):
            checks.record(f"quota: {SHARED_QUOTA_COMPONENT} exists", False,
                          f"{component} is missing")
            rendered[shared] = None
            continue
        into = []
        checks.run(f"quota: deploy/kubernetes renders {label}", render_case, kube, shared, into)
        rendered[shared] = into[0] if into else None
    prefix = {False: "per-replica quota: ", True: "shared quota: "}
    for shared, table in ((False, PER_REPLICA_CHECKS), (True, SHARED_CHECKS)):
        if rendered[shared] is None:
            continue
        for name, fn in table:
            checks.run(prefix[shared] + name, fn, rendered[shared])
    return rendered[False], rendered[True]
