"""The Kubernetes manifests: the kustomization, its dry rendering, the rendered objects.

The kustomization must list every manifest and no example; once rendered,
the Deployment, Services and PodDisruptionBudget must keep the properties
the service's design relies on (probes, drain timing, credentials only from
Secrets, security context). Gong's quota, in either of its two forms, is
quota.py's.

Everything past the rendering needs the rendered Deployment; when it is
missing, run() stops after reporting why and returns None, and the Envoy and
Dockerfile checks still run.
"""

import os

from . import kustomize
from .contract import (CREDENTIAL_VARS, CREDENTIALS_SECRET, DEFAULT_DRAIN_DELAY_S,
                       DEFAULT_SHUTDOWN_GRACE_S, DEPLOYMENT_NAME, GRPC_PORT, SERVER_IMAGE,
                       METRICS_PORT, SERVICE_NAME)
from .yamlutil import (dump, env_of, env_value, load_all, parse, parse_all,
                       parse_duration, selector_matches)


class Rendered:
    """The rendered documents and the parts of the Deployment the checks read.

    server is the container with the gRPC port (None when there is none,
    which render_deployment reports). drain and grace are the server's drain
    delay and shutdown grace in seconds, as the Deployment configures them;
    run() sets them once the checks before the timing ones have reported."""

    def __init__(self, kube, docs, deployment):
        self.kube = kube
        self.docs = docs
        self.deployment = deployment
        self.pod = deployment["spec"]["template"]
        self.pod_spec = self.pod["spec"]
        self.pod_labels = self.pod["metadata"]["labels"]
        self.containers = self.pod_spec["containers"]
        self.server = serving_container(self.containers)
        self.drain = None
        self.grace = None

    def of_kind(self, kind):
        """The rendered documents of a kind."""
        return [d for d in self.docs if d.get("kind") == kind]

    def autoscalers(self):
        """The HorizontalPodAutoscalers that scale this Deployment."""
        name = self.deployment["metadata"]["name"]
        return [h for h in self.of_kind("HorizontalPodAutoscaler")
                if (h.get("spec") or {}).get("scaleTargetRef", {}).get("kind") == "Deployment"
                and h["spec"]["scaleTargetRef"].get("name") == name]

    def replica_bounds(self):
        """(fewest, most) replicas the Deployment runs: an autoscaler's
        minReplicas (default 1) and maxReplicas when one scales it, else
        spec.replicas (default 1) for both."""
        hpas = self.autoscalers()
        if hpas:
            spec = hpas[0]["spec"]
            return spec.get("minReplicas", 1), spec["maxReplicas"]
        n = self.deployment["spec"].get("replicas", 1)
        return n, n

    def other_deployments(self):
        """The rendered Deployments other than this one (the Redis of the
        shared quota, say)."""
        return [d for d in self.of_kind("Deployment") if d is not self.deployment]


# --- the kustomization, before rendering --------------------------------------

def kustomization_lists_every_manifest(kube):
    """The kustomization lists every manifest, and never an example.

    A manifest left out is silently not applied; an `.example.` file listed
    would apply its placeholders (a Secret of REPLACE_... values) over the
    real ones."""
    _, k = kustomize.read_kustomization(kube)
    listed = list(k.get("resources") or [])
    manifests = sorted(n for n in os.listdir(kube)
                       if n.endswith((".yaml", ".yml"))
                       and not n.startswith("kustomization.")
                       and ".example." not in n)
    missing = [m for m in manifests if m not in listed]
    absent = [r for r in listed if not os.path.exists(os.path.join(kube, r))]
    examples = [r for r in listed if ".example." in r]
    problems = []
    if missing:
        problems.append(f"not listed: {missing}")
    if absent:
        problems.append(f"listed but missing: {absent}")
    if examples:
        problems.append(f"lists example files (placeholders would be applied): {examples}")
    return "; ".join(problems)


def components_are_valid(kube):
    """Each directory under components/ is a kustomize Component whose patches
    exist, whose resources are no example files, and which lists every
    manifest beside it (a forgotten one would silently not be applied).

    Components are opt-in (an overlay lists them), so nothing else renders
    them all; a broken one would only fail for the operator who enables it."""
    comp_root = os.path.join(kube, "components")
    problems = []
    for name in sorted(os.listdir(comp_root)) if os.path.isdir(comp_root) else []:
        cdir = os.path.join(comp_root, name)
        _, ck = kustomize.read_kustomization(cdir)
        if ck.get("kind") != "Component":
            problems.append(f"{name}: kind is not Component")
        for res in ck.get("resources") or []:
            if ".example." in res:
                problems.append(f"{name}: lists example {res}")
        for p in ck.get("patches") or []:
            if not os.path.exists(os.path.join(cdir, p.get("path", ""))):
                problems.append(f"{name}: patch {p.get('path')} missing")
        listed = set(ck.get("resources") or []) | {p.get("path") for p in
                                                   ck.get("patches") or []}
        unlisted = sorted(n for n in os.listdir(cdir)
                          if n.endswith((".yaml", ".yml")) and ".example." not in n
                          and not n.startswith("kustomization.") and n not in listed)
        if unlisted:
            problems.append(f"{name}: lists neither as resource nor as patch {unlisted}")
    return "; ".join(problems)


# --- rendering ----------------------------------------------------------------

def dry_render(kube, into, **render_args):
    """The kustomization renders, and the concatenation parses again as
    documents that each have apiVersion, kind and a unique name.

    This is what `kubectl apply -k` would send; a duplicate or nameless
    resource is rejected there. Appends the re-parsed documents to `into`.
    render_args go to kustomize.render (components added or left out)."""
    docs = kustomize.render(kube, **render_args)
    text = dump(docs)
    again = parse_all(text)
    if len(again) != len(docs):
        return f"re-parse gave {len(again)} documents, rendered {len(docs)}"
    seen = set()
    for d in again:
        key = (d.get("apiVersion"), d.get("kind"), d.get("metadata", {}).get("name"))
        if None in key:
            return f"document without apiVersion/kind/metadata.name: {key}"
        if key in seen:
            return f"duplicate resource {key}"
        seen.add(key)
    into.extend(again)
    return None


def image_name(container):
    """The image's name without registry path and tag: gong-flows-server for
    REGISTRY/gong-flows-server:TAG."""
    return str(container.get("image", "")).rsplit("/", 1)[-1].split(":")[0].split("@")[0]


def serving_container(containers):
    """The container that runs the facade (its image is gong-flows-server),
    or None. Callers reach it through the proxy container, which owns the
    gRPC port (proxy.py)."""
    return next((c for c in containers if image_name(c) == SERVER_IMAGE), None)


def pod_ports(containers):
    """{name: containerPort} over every container of the pod: ports are the
    pod's, whichever container declares them."""
    return {p.get("name"): p.get("containerPort")
            for c in containers for p in c.get("ports") or []}


def render_deployment(checks, kube):
    """Reports the rendering, the Deployment and its gRPC container; returns
    a Rendered, or None when one of them is missing."""
    docs = []
    checks.run("dry rendering of deploy/kubernetes re-parses", dry_render, kube, docs)
    if not docs:
        return None
    deployments = [d for d in docs if d.get("kind") == "Deployment"
                   and d["metadata"]["name"] == DEPLOYMENT_NAME]
    checks.record(f"Deployment {DEPLOYMENT_NAME} rendered", len(deployments) == 1,
                  f"found {len(deployments)}")
    if len(deployments) != 1:
        return None
    r = Rendered(kube, docs, deployments[0])
    checks.record("a container runs gong-flows-server", r.server is not None,
                  f"no container of image {SERVER_IMAGE}")
    return r if r.server is not None else None


# --- the Deployment -----------------------------------------------------------

def deployment_selects_its_pods(r):
    """The Deployment's selector matches its own pod labels: otherwise the
    API server rejects it."""
    return None if selector_matches(r.deployment["spec"]["selector"]["matchLabels"],
                                    r.pod_labels) else "selector does not match"


def replicas_at_least_two(r):
    """At least two replicas, so that a node drain or a rollout never leaves
    zero serving (an autoscaler's minReplicas, when one scales the
    Deployment)."""
    n, _ = r.replica_bounds()
    return None if n >= 2 else f"replicas is {n}"


def grpc_probe(server, kind, allowed_services):
    """Why the container's probe of this kind is not a native gRPC health
    probe on the gRPC port for one of allowed_services, or None."""
    probe = server.get(kind)
    if not probe:
        return f"no {kind}"
    if "grpc" not in probe:
        return f"{kind} is not a native grpc probe: {sorted(probe)}"
    if probe["grpc"].get("port") != GRPC_PORT:
        return f"{kind} port is {probe['grpc'].get('port')}, not {GRPC_PORT}"
    svc = probe["grpc"].get("service", "")
    if svc not in allowed_services:
        return f"{kind} asks for service {svc!r}"
    return None


def readiness_probe_is_grpc(r):
    """Readiness asks grpc.health.v1 on 50051: the drain turns it NOT_SERVING,
    which an HTTP or TCP probe could not see."""
    return grpc_probe(r.server, "readinessProbe", ("", SERVICE_NAME))


def liveness_probe_is_grpc(r):
    """Liveness asks grpc.health.v1 on 50051, so a wedged server is restarted."""
    return grpc_probe(r.server, "livenessProbe", ("", SERVICE_NAME))


def ports_named(r):
    """The pod's ports are named grpc (50051) and metrics (9464): the Service
    targets and PodMonitor-style scraping refer to them by name."""
    ports = pod_ports(r.containers)
    if ports.get("grpc") != GRPC_PORT:
        return f"container port grpc is {ports.get('grpc')}"
    if ports.get("metrics") != METRICS_PORT:
        return f"container port metrics is {ports.get('metrics')}"
    return None


def drain_timing(server):
    """(drain delay, shutdown grace) in seconds, as the server will use them."""
    drain = parse_duration(env_value(server, "GONG_FLOWS_DRAIN_DELAY",
                                     f"{DEFAULT_DRAIN_DELAY_S}s"))
    grace = parse_duration(env_value(server, "GONG_FLOWS_SHUTDOWN_GRACE",
                                     f"{DEFAULT_SHUTDOWN_GRACE_S}s"))
    return drain, grace


def termination_grace(r):
    """terminationGracePeriodSeconds exceeds drain delay + shutdown grace:
    past it the kubelet sends SIGKILL, cutting calls still in flight."""
    t = r.pod_spec.get("terminationGracePeriodSeconds", 30)
    if t > r.drain + r.grace:
        return None
    return (f"terminationGracePeriodSeconds {t} <= drain_delay {r.drain:g}s + "
            f"shutdown_grace {r.grace:g}s: the kubelet would SIGKILL mid-drain")


def no_prestop(r):
    """No preStop hook: the drain is in the binary and starts with SIGTERM; a
    hook would delay the SIGTERM and eat into the grace period."""
    hooks = [c["name"] for c in r.containers + (r.pod_spec.get("initContainers") or [])
             if (c.get("lifecycle") or {}).get("preStop")]
    return f"preStop hooks in {hooks}: the drain is in the binary" if hooks else None


def istio_drain(r):
    """If the pod configures Istio's sidecar, it stays longer than drain +
    grace: the sidecar otherwise leaves first and cuts the Gong requests of
    calls still finishing."""
    raw = (r.pod["metadata"].get("annotations") or {}).get("proxy.istio.io/config")
    if raw is None:
        return None
    cfg = parse(raw)
    d = cfg.get("terminationDrainDuration")
    if d is None:
        return "proxy.istio.io/config without terminationDrainDuration"
    if parse_duration(d) <= r.drain + r.grace:
        return (f"sidecar terminationDrainDuration {d} <= drain + grace "
                f"({r.drain + r.grace:g}s): the sidecar would leave first")
    return None


CREDENTIALS_DIR_VAR = "GONG_FLOWS_GONG_CREDENTIALS_DIR"


def secret_directory_problem(pod_spec, container, path, secret_name=None):
    """Why `path` is not a directory mounted whole from a Secret (of
    `secret_name`, when given) that only its owner and group may read; None
    when it is. A subPath mount never sees the kubelet's updates, so a
    rotation would need a restart."""
    mount = next((m for m in container.get("volumeMounts") or []
                  if path.rstrip("/") == m["mountPath"].rstrip("/")
                  or path.startswith(m["mountPath"].rstrip("/") + "/")), None)
    if mount is None:
        return f"{path} is on no mounted volume"
    if mount.get("subPath"):
        return f"{path} is mounted with subPath: updates would never arrive"
    vol = next((v for v in pod_spec.get("volumes") or [] if v["name"] == mount["name"]),
               None)
    if vol is None or "secret" not in vol:
        return f"{path} is not on a Secret volume"
    if secret_name and vol["secret"].get("secretName") != secret_name:
        return f"{path} is Secret {vol['secret'].get('secretName')}, not {secret_name}"
    mode = vol["secret"].get("defaultMode", 0o644)
    if mode & 0o007:
        return f"{path} readable by others (defaultMode {oct(mode)})"
    return None


def credentials_from_secrets(r):
    """Gong credentials reach any workload only from gong-flows-credentials:
    as a directory mounted whole from it (GONG_FLOWS_GONG_CREDENTIALS_DIR,
    watched by the server, so rotation needs no restart) or through
    secretKeyRef, never both (the server refuses that); and the
    kustomization applies no Secret and no ConfigMap holding them:
    credentials must never live in the repository."""
    problems = []
    workloads = [d for d in r.docs if d.get("kind") in (
        "Deployment", "StatefulSet", "DaemonSet", "Job", "Pod")]
    for w in workloads:
        spec = w["spec"] if w["kind"] == "Pod" else w["spec"]["template"]["spec"]
        for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
            for e in c.get("env") or []:
                if e["name"] not in CREDENTIAL_VARS:
                    continue
                if "value" in e:
                    problems.append(f"{e['name']} has a literal value")
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if not ref:
                    problems.append(f"{e['name']} is not from a secretKeyRef")
    env = env_of(r.server)
    from_env = ({"GONG_ACCESS_KEY", "GONG_ACCESS_KEY_SECRET"} <= set(env)
                or "GONG_BEARER_TOKEN" in env)
    directory = env_value(r.server, CREDENTIALS_DIR_VAR)
    if directory and from_env:
        problems.append(f"{CREDENTIALS_DIR_VAR} and credential variables are both set: "
                        "the server refuses to start")
    elif directory:
        problem = secret_directory_problem(r.pod_spec, r.server, directory,
                                           CREDENTIALS_SECRET)
        if problem:
            problems.append(problem)
    elif not from_env:
        problems.append("the server gets no Gong credentials")
    for name in CREDENTIAL_VARS:
        ref = ((env.get(name) or {}).get("valueFrom") or {}).get("secretKeyRef")
        if ref and ref.get("name") != CREDENTIALS_SECRET:
            problems.append(f"{name} comes from Secret {ref.get('name')}")
    for d in r.docs:
        if d.get("kind") == "Secret":
            problems.append(f"Secret {d['metadata']['name']} is applied by the "
                            "kustomization: credentials must not live in the repo")
        if d.get("kind") == "ConfigMap":
            leaked = set(d.get("data") or {}) & set(CREDENTIAL_VARS)
            if leaked:
                problems.append(f"ConfigMap {d['metadata']['name']} holds {sorted(leaked)}")
    return "; ".join(problems)


def example_secrets(r):
    """The `.example.` Secrets hold REPLACE_... placeholders (in stringData)
    for every Secret key the server reads: an operator creating the Secret
    from them gets every key, and no real value is ever committed."""
    problems = []
    refs = {(e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
            for e in r.server.get("env") or []
            if (e.get("valueFrom") or {}).get("secretKeyRef")}
    # A credentials directory needs the files of a complete set: the
    # example gives the access key's two.
    if env_value(r.server, CREDENTIALS_DIR_VAR):
        refs |= {(CREDENTIALS_SECRET, "access_key"), (CREDENTIALS_SECRET, "access_key_secret")}
    provided = set()
    for dirpath, _, names in os.walk(r.kube):
        for n in names:
            if ".example." not in n:
                continue
            for d in load_all(os.path.join(dirpath, n)):
                if d.get("kind") != "Secret":
                    continue
                values = dict(d.get("stringData") or {})
                if d.get("data"):
                    problems.append(f"{n}: use stringData with placeholders, not data")
                for key, value in values.items():
                    provided.add((d["metadata"]["name"], key))
                    if "REPLACE" not in str(value):
                        problems.append(f"{n}: {key} is not a REPLACE_... placeholder")
    missing = sorted(refs - provided)
    if missing:
        problems.append(f"the examples lack the keys the Deployment reads: {missing}")
    return "; ".join(problems)


def strings_where_kubernetes_wants_strings(r):
    """Env values, labels, annotations, commands and args are strings.

    An unquoted number or boolean here parses fine as YAML and is rejected
    by the API server at apply time."""
    problems = []
    for d in r.docs:
        for where in ("labels", "annotations"):
            for k, v in ((d.get("metadata") or {}).get(where) or {}).items():
                if not isinstance(v, str):
                    problems.append(f"{d['kind']}/{d['metadata']['name']} {where} {k}: {v!r}")
        tmpl = (d.get("spec") or {}).get("template") or {}
        for where in ("labels", "annotations"):
            for k, v in ((tmpl.get("metadata") or {}).get(where) or {}).items():
                if not isinstance(v, str):
                    problems.append(f"{d['kind']} pod {where} {k}: {v!r}")
        for c in ((tmpl.get("spec") or {}).get("containers") or []):
            for e in c.get("env") or []:
                if "value" in e and not isinstance(e["value"], str):
                    problems.append(f"env {e['name']}: {e['value']!r} is not a string")
            # An unquoted `no` in args (Redis's `--appendonly no`) is YAML's false.
            argv = list(c.get("command") or []) + list(c.get("args") or [])
            for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
                argv += ((c.get(kind) or {}).get("exec") or {}).get("command") or []
            bad = [a for a in argv if not isinstance(a, str)]
            if bad:
                problems.append(f"{c['name']}: command, args or probe commands hold "
                                f"non-strings {bad!r}")
    return "; ".join(problems)


def resources_set(r):
    """Every container requests and limits CPU and memory, so the scheduler
    places it and a leak cannot take the node's memory."""
    return container_resources(r.containers)


def container_resources(containers):
    """Why these containers lack a CPU or memory request or limit, or ""."""
    problems = []
    for c in containers:
        res = c.get("resources") or {}
        for part in ("requests", "limits"):
            for what in ("cpu", "memory"):
                if not (res.get(part) or {}).get(what):
                    problems.append(f"{c['name']}: no {part}.{what}")
    return "; ".join(problems)


def security_context(r):
    """Every container runs non-root, on a read-only root file system, without
    privilege escalation and with all capabilities dropped: the server needs
    none of them, so a compromise gets none of them."""
    return container_security(r.pod_spec, r.containers)


def container_security(pod_spec, containers):
    """Why these containers of this pod are not non-root, read-only,
    unprivileged and without capabilities, or ""."""
    psc = pod_spec.get("securityContext") or {}
    problems = []
    for c in containers:
        csc = c.get("securityContext") or {}
        non_root = csc.get("runAsNonRoot", psc.get("runAsNonRoot"))
        uid = csc.get("runAsUser", psc.get("runAsUser"))
        if non_root is not True:
            problems.append(f"{c['name']}: runAsNonRoot is not true")
        if uid is not None and (not isinstance(uid, int) or uid == 0):
            problems.append(f"{c['name']}: runAsUser {uid!r}")
        if csc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{c['name']}: root file system is writable")
        if csc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{c['name']}: allowPrivilegeEscalation is not false")
        if "ALL" not in ((csc.get("capabilities") or {}).get("drop") or []):
            problems.append(f"{c['name']}: capabilities not dropped (drop: [ALL])")
    return "; ".join(problems)


def service_links_off(r):
    """enableServiceLinks is false.

    Service links inject GONG_FLOWS_* variables for the Service named
    gong-flows: the prefix the server reads its flags from."""
    return None if r.pod_spec.get("enableServiceLinks") is False else \
        "enableServiceLinks is not false"


def gong_url_https(r):
    """The Gong base URL is https: the credentials travel with every request."""
    url = env_value(r.server, "GONG_FLOWS_GONG_BASE_URL", "https://api.gong.io")
    return None if str(url).startswith("https://") else f"GONG_FLOWS_GONG_BASE_URL is {url}"


def metrics_scrape(r):
    """Metrics are served on 9464 and the prometheus.io/port annotation says
    so: annotation-based scraping otherwise looks at the wrong port."""
    ann = r.pod["metadata"].get("annotations") or {}
    if "prometheus.io/port" in ann and str(ann["prometheus.io/port"]) != str(METRICS_PORT):
        return f"prometheus.io/port is {ann['prometheus.io/port']}"
    listen = env_value(r.server, "GONG_FLOWS_METRICS_LISTEN", f"0.0.0.0:{METRICS_PORT}")
    if not str(listen).endswith(f":{METRICS_PORT}"):
        return f"GONG_FLOWS_METRICS_LISTEN is {listen!r}"
    return None


# --- Services, disruption budget, components ------------------------------------

def services_of_other_workloads(r):
    """The names of the Services that select the pods of another rendered
    Deployment (the shared quota's Redis): they are checked with it."""
    others = [d["spec"]["template"]["metadata"].get("labels") or {}
              for d in r.other_deployments()]
    return {s["metadata"]["name"] for s in r.of_kind("Service")
            if any(selector_matches(s["spec"].get("selector") or {}, labels)
                   for labels in others)}


def service_ports(r):
    """Every Service of the facade selects the pods and has a port named grpc
    with appProtocol grpc that reaches 50051; the ClusterIP one also has
    metrics. (A Service selecting the pods of another rendered Deployment
    belongs to that one; the shared-quota checks look at it.)

    appProtocol grpc makes a mesh treat the port as HTTP/2 and balance each
    call, not each connection, across the replicas."""
    others = services_of_other_workloads(r)
    services = [s for s in r.of_kind("Service") if s["metadata"]["name"] not in others]
    cluster_ip = [s for s in services if s["spec"].get("type", "ClusterIP") == "ClusterIP"
                  and s["spec"].get("clusterIP") != "None"]
    if not cluster_ip:
        return "no ClusterIP Service"
    problems = []
    container_ports = pod_ports(r.containers)
    for s in services:
        name = s["metadata"]["name"]
        if not selector_matches(s["spec"].get("selector") or {}, r.pod_labels):
            problems.append(f"{name}: selector does not match the pods")
        ports = {p.get("name"): p for p in s["spec"].get("ports") or []}
        grpc = ports.get("grpc")
        if grpc is None:
            problems.append(f"{name}: no port named grpc")
            continue
        if grpc.get("appProtocol") != "grpc":
            problems.append(f"{name}: port grpc has appProtocol {grpc.get('appProtocol')!r}")
        target = grpc.get("targetPort", grpc.get("port"))
        if container_ports.get(target, target) != GRPC_PORT:
            problems.append(f"{name}: port grpc targets {target!r}")
    for s in cluster_ip:
        ports = {p.get("name"): p for p in s["spec"].get("ports") or []}
        if "metrics" not in ports:
            problems.append(f"{s['metadata']['name']}: no port named metrics")
    return "; ".join(problems)


def pdb(r):
    """A policy/v1 PodDisruptionBudget with minAvailable 1 selects the pods:
    voluntary disruptions (node drains) keep one replica serving, yet can
    still evict the other."""
    pdbs = r.of_kind("PodDisruptionBudget")
    if not pdbs:
        return "no PodDisruptionBudget"
    problems = []
    for p in pdbs:
        if p.get("apiVersion") != "policy/v1":
            problems.append(f"apiVersion {p.get('apiVersion')}")
        if not selector_matches(p["spec"]["selector"].get("matchLabels") or {}, r.pod_labels):
            problems.append("selector does not match the pods")
        m = p["spec"].get("minAvailable")
        if m != 1:
            problems.append(f"minAvailable is {m!r}, not 1")
        elif m >= r.replica_bounds()[0]:
            problems.append("minAvailable leaves no replica to disrupt")
    return "; ".join(problems)


def caller_tokens_component(r):
    """The caller-tokens component, rendered onto the Deployment, points
    GONG_FLOWS_CALLER_TOKENS_FILE into a Secret volume mounted as a directory
    (a subPath mount never sees updates, so rotation would need a restart),
    unreadable by others, added to the base mounts rather than replacing
    them."""
    comp = os.path.join(r.kube, "components", "caller-tokens")
    if not os.path.isdir(comp):
        return None
    rel = os.path.relpath(comp, r.kube)

    def server_of(docs):
        d = next(x for x in parse_all(dump(docs)) if x.get("kind") == "Deployment"
                 and x["metadata"]["name"] == DEPLOYMENT_NAME)
        spec = d["spec"]["template"]["spec"]
        return spec, next(x for x in spec["containers"] if x["name"] == r.server["name"])

    spec, c = server_of(kustomize.render(r.kube, extra_components=[rel]))
    # The mounts without the component, even when the kustomization lists it.
    _, bare = server_of(kustomize.render(r.kube, without_components=[rel]))
    path = env_value(c, "GONG_FLOWS_CALLER_TOKENS_FILE")
    if not path:
        return "GONG_FLOWS_CALLER_TOKENS_FILE not set by the component"
    mount = next((m for m in c.get("volumeMounts") or []
                  if path.startswith(m["mountPath"].rstrip("/") + "/")), None)
    if mount is None:
        return f"{path} is on no mounted volume"
    if mount.get("subPath"):
        return "the tokens Secret is mounted with subPath: updates would never arrive"
    vol = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    if "secret" not in vol:
        return "the tokens come from a volume that is not a Secret"
    mode = vol["secret"].get("defaultMode", 0o644)
    if mode & 0o007:
        return f"tokens readable by others (defaultMode {oct(mode)})"
    if len(c.get("volumeMounts") or []) <= len(bare.get("volumeMounts") or []):
        return "the component did not add its mount to the base ones"
    return None


def run(checks, ctx):
    """Runs the Kubernetes checks in report order; returns the Rendered
    Deployment for the Dockerfile checks, or None when it did not render."""
    kube = ctx.kube
    checks.run("kustomization lists every manifest, no example",
               kustomization_lists_every_manifest, kube)
    checks.run("kustomize components are well-formed", components_are_valid, kube)
    r = render_deployment(checks, kube)
    if r is None:
        return None
    checks.run("Deployment selector matches its pods", deployment_selects_its_pods, r)
    checks.run("Deployment runs at least 2 replicas", replicas_at_least_two, r)
    checks.run("readinessProbe is grpc on 50051", readiness_probe_is_grpc, r)
    checks.run("livenessProbe is grpc on 50051", liveness_probe_is_grpc, r)
    checks.run("container ports named grpc (50051) and metrics (9464)", ports_named, r)
    # Outside a check, as it always was: a drain setting that does not parse
    # stops the script here rather than fail the checks that depend on it.
    r.drain, r.grace = drain_timing(r.server)
    checks.run("terminationGracePeriodSeconds > drain_delay + shutdown_grace",
               termination_grace, r)
    checks.run("no preStop hook", no_prestop, r)
    checks.run("Istio sidecar outlives the drain (if annotated)", istio_drain, r)
    checks.run("Gong credentials only from their Secret, mounted as a directory or "
               "via secretKeyRef", credentials_from_secrets, r)
    checks.run("example Secrets hold placeholders for every key read", example_secrets, r)
    checks.run("env values, labels, annotations, commands and args are strings",
               strings_where_kubernetes_wants_strings, r)
    checks.run("resource requests and limits (cpu, memory)", resources_set, r)
    checks.run("securityContext: non-root, read-only root, no capabilities",
               security_context, r)
    checks.run("enableServiceLinks false (GONG_FLOWS_* prefix)", service_links_off, r)
    checks.run("Gong base URL is https", gong_url_https, r)
    checks.run("metrics served on 9464 and scrape annotations agree", metrics_scrape, r)
    checks.run("Service port grpc with appProtocol grpc (+ metrics)", service_ports, r)
    checks.run("PodDisruptionBudget minAvailable 1 over the pods", pdb, r)
    checks.run("caller-tokens component renders onto the Deployment",
               caller_tokens_component, r)
    return r
