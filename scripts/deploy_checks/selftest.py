"""The checks' own test: each quota, environment, proxy and image rule fails when
the deployment breaks it.

A check that always passes guards nothing, and the manifests that pass today
cannot show it. So each rule is run again on copies of today's renderings
(and of flags.cc's text and the Dockerfile's), each copy broken in one way,
in memory only; the rule must pass on the unbroken copy and fail on every
broken one. One `self-test: RULE` line per rule; a failing line names the
breakage the rule let through. Where a breakage puts a password somewhere,
the rule's message must not repeat it.
"""

import copy
import os
import re

from . import docker, envvars, kubernetes, proxy, quota
from .contract import (FLAGS_SOURCE, QUOTA_FALLBACK_QPS_VAR, QUOTA_REDIS_PASSWORD_VAR,
                       QUOTA_REDIS_VAR, SHARED_QUOTA_FLAGS)

PASSWORD = "hunter2-not-a-real-password"


class Subjects:
    """What the rules read: the per-replica and shared renderings
    (kubernetes.Rendered), every combination of components
    ({label: documents}), flags.cc's text and the Dockerfile's."""

    def __init__(self, local, shared, renderings, flags, dockerfile):
        self.local = local
        self.shared = shared
        self.renderings = renderings
        self.flags = flags
        self.dockerfile = dockerfile


# --- editing a copy -----------------------------------------------------------

def set_env(container, name, value=None, value_from=None):
    """Sets (or adds) the container's variable to a literal or a valueFrom."""
    entry = {"name": name}
    if value_from is not None:
        entry["valueFrom"] = value_from
    else:
        entry["value"] = value
    env = container.setdefault("env", [])
    for i, e in enumerate(env):
        if e["name"] == name:
            env[i] = entry
            return
    env.append(entry)


def drop_env(container, name):
    container["env"] = [e for e in container.get("env") or [] if e["name"] != name]


def redis(s):
    """(Deployment, container) of the shared rendering's Redis."""
    return quota.redis_workload(s.shared)


def set_option(container, option, *values):
    """Replaces a Redis option's values in the container's args (adds it
    when absent); no values removes the option."""
    args = list(container.get("args") or [])
    out, skipping = [], False
    for a in args:
        if str(a).startswith("--"):
            skipping = a == option
        if not skipping:
            out.append(a)
    if values:
        out += [option, *values]
    container["args"] = out


def autoscaler(s):
    """The shared rendering's autoscaler of the facade; a sound one is made
    first when the component has none (it is optional)."""
    if not s.shared.autoscalers():
        s.shared.deployment["spec"].pop("replicas", None)
        s.shared.docs.append({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": s.shared.deployment["metadata"]["name"]},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                        "name": s.shared.deployment["metadata"]["name"]},
                     "minReplicas": 2, "maxReplicas": 2}})
    return s.shared.autoscalers()[0]


def policy(s):
    """The NetworkPolicy over the Redis pods; a sound one is made first when
    the component has none (it is optional)."""
    deployment, c = redis(s)
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    for p in s.shared.of_kind("NetworkPolicy"):
        if quota.selector_matches(p["spec"].get("podSelector", {}).get("matchLabels") or {},
                                  labels):
            return p
    made = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "self-test"},
            "spec": {"podSelector": {"matchLabels": dict(labels)},
                     "policyTypes": ["Ingress"],
                     "ingress": [{"from": [{"podSelector": {"matchLabels": dict(
                         s.shared.pod_labels)}}],
                         "ports": [{"port": c["ports"][0]["containerPort"]}]}]}}
    s.shared.docs.append(made)
    return made


def add_hpa_to_local(s):
    hpa = copy.deepcopy(autoscaler(s))
    s.local.docs.append(hpa)


def url_with_password(s):
    set_env(s.shared.server, QUOTA_REDIS_VAR, f"redis://:{PASSWORD}@gong-flows-redis:6379")
    return PASSWORD


def with_server_env(name, value):
    """A breakage adding a literal variable to the facade in every rendering."""
    def breaks(s):
        for docs in s.renderings.values():
            for _, c in envvars.containers(docs):
                if c["name"] == "server":
                    set_env(c, name, value)
        return PASSWORD if PASSWORD in value else None
    return breaks


def redis_args_in_renderings(s, *extra):
    for docs in s.renderings.values():
        for _, c in envvars.containers(docs):
            if c["name"] == "redis":
                c["args"] = list(c.get("args") or []) + list(extra)
    return PASSWORD


FLAG = 'ABSL_FLAG(std::string, {}, "", "test");\n'


def some_quota_flags_only(s):
    """flags.cc declaring --quota_redis but not --quota_fallback_qps, whether
    or not the real one declares them yet."""
    s.flags = re.sub(r"(\bABSL_FLAG\(\s*[^,()]+,\s*)quota_fallback_qps\b", r"\1gone",
                     s.flags) + FLAG.format("quota_redis")


def shared_args(s):
    return (s.shared,)


def local_args(s):
    return (s.local,)


def proxy_of(s):
    return proxy.grpc_port_owners(s.local)[0]


def edit_proxy_config(old, new):
    """A breakage replacing text in the proxy's Envoy configuration."""
    def breaks(s):
        for d in s.local.docs:
            if d.get("kind") == "ConfigMap" and "envoy.yaml" in (d.get("data") or {}):
                assert old in d["data"]["envoy.yaml"], old
                d["data"]["envoy.yaml"] = d["data"]["envoy.yaml"].replace(old, new)
    return breaks


def grpc_port_to_server(s):
    port = next(p for p in proxy_of(s)["ports"] if p["containerPort"] == 50051)
    proxy_of(s)["ports"].remove(port)
    s.local.server.setdefault("ports", []).append(port)


def no_hiredis(s):
    s.dockerfile = s.dockerfile.replace("libhiredis0.14", "")


# (rule, check, its arguments from Subjects, [(breakage, edit of a copy)]).
# An edit may return a string (a password) the rule's message must not
# contain; whatever else it returns is ignored.
def credentials_mount(s):
    """(mount, volume) of the per-replica server's Gong credentials."""
    mount = next(m for m in s.local.server["volumeMounts"] if m["name"] == "gong-credentials")
    volume = next(v for v in s.local.pod_spec["volumes"] if v["name"] == "gong-credentials")
    return mount, volume


RULES = [
    ("Gong credentials from their Secret, as a watched directory",
     kubernetes.credentials_from_secrets, local_args, [
         ("mounted with subPath",
          lambda s: credentials_mount(s)[0].update(subPath="bearer_token")),
         ("readable by others",
          lambda s: credentials_mount(s)[1]["secret"].update(defaultMode=0o444)),
         ("another Secret",
          lambda s: credentials_mount(s)[1]["secret"].update(secretName="elsewhere")),
         ("the environment's too", lambda s: set_env(
             s.local.server, "GONG_BEARER_TOKEN",
             value_from={"secretKeyRef": {"name": "gong-flows-credentials",
                                          "key": "bearer_token"}})),
         ("no credentials at all",
          lambda s: drop_env(s.local.server, "GONG_FLOWS_GONG_CREDENTIALS_DIR")),
     ]),
    ("per-replica quota: GONG_FLOWS_QUOTA_REDIS unset", quota.per_replica_without_redis,
     local_args, [
         ("the base points at a Redis", lambda s: set_env(
             s.local.server, QUOTA_REDIS_VAR, "redis://gong-flows-redis:6379")),
     ]),
    ("per-replica quota: replicas x qps", quota.per_replica_qps, local_args, [
        ("4 replicas at 1", lambda s: s.local.deployment["spec"].update(replicas=4)),
        ("2 replicas at 2", lambda s: set_env(s.local.server, "GONG_FLOWS_GONG_QPS", "2")),
    ]),
    ("per-replica quota: no autoscaler", quota.per_replica_no_autoscaler, local_args, [
        ("an HPA on the facade", add_hpa_to_local),
    ]),
    ("shared quota: URL to the Redis Service", quota.shared_points_at_redis, shared_args, [
        ("another host", lambda s: set_env(s.shared.server, QUOTA_REDIS_VAR,
                                           "redis://other-redis:6379")),
        ("another port", lambda s: set_env(s.shared.server, QUOTA_REDIS_VAR,
                                           "redis://gong-flows-redis:6380")),
        ("not redis://", lambda s: set_env(s.shared.server, QUOTA_REDIS_VAR,
                                           "http://gong-flows-redis:6379")),
        ("unset", lambda s: drop_env(s.shared.server, QUOTA_REDIS_VAR)),
        ("a password in the URL", url_with_password),
        ("the Service selects no Redis pod", lambda s: redis(s)[0]["spec"]["template"][
            "metadata"]["labels"].update({"app.kubernetes.io/name": "elsewhere"})),
    ]),
    ("shared quota: Redis keeps nothing on disk", quota.redis_keeps_nothing, shared_args, [
        ('no --save ""', lambda s: set_option(redis(s)[1], "--save")),
        ("--save 60 1", lambda s: set_option(redis(s)[1], "--save", "60", "1")),
        ("--appendonly yes", lambda s: set_option(redis(s)[1], "--appendonly", "yes")),
        ("a PersistentVolumeClaim", lambda s: redis(s)[0]["spec"]["template"]["spec"][
            "volumes"].append({"name": "pv", "persistentVolumeClaim": {"claimName": "x"}})),
    ]),
    ("shared quota: Redis memory bounded", quota.redis_memory_bounded, shared_args, [
        ("no --maxmemory", lambda s: set_option(redis(s)[1], "--maxmemory")),
        ("noeviction", lambda s: set_option(redis(s)[1], "--maxmemory-policy", "noeviction")),
        ("no policy", lambda s: set_option(redis(s)[1], "--maxmemory-policy")),
        ("--maxmemory above the limit", lambda s: set_option(redis(s)[1], "--maxmemory",
                                                             "1gb")),
    ]),
    ("shared quota: Redis probes and resources", quota.redis_probes_and_resources,
     shared_args, [
         ("no readinessProbe", lambda s: redis(s)[1].pop("readinessProbe")),
         ("no livenessProbe", lambda s: redis(s)[1].pop("livenessProbe")),
         ("a probe that asks nothing", lambda s: redis(s)[1].update(
             readinessProbe={"exec": {"command": ["true"]}})),
         ("no limits", lambda s: redis(s)[1]["resources"].pop("limits")),
     ]),
    ("shared quota: Redis security", quota.redis_security, shared_args, [
        ("runs as root", lambda s: redis(s)[1]["securityContext"].update(runAsUser=0)),
        ("writable root", lambda s: redis(s)[1]["securityContext"].update(
            readOnlyRootFilesystem=False)),
        ("a service account token", lambda s: redis(s)[0]["spec"]["template"]["spec"].pop(
            "automountServiceAccountToken")),
    ]),
    ("shared quota: one Redis", quota.redis_single, shared_args, [
        ("2 replicas", lambda s: redis(s)[0]["spec"].update(replicas=2)),
        ("RollingUpdate", lambda s: redis(s)[0]["spec"].update(
            strategy={"type": "RollingUpdate"})),
    ]),
    ("shared quota: Redis password from a Secret", quota.redis_password_from_secret,
     shared_args, [
         ("a literal", lambda s: set_env(s.shared.server, QUOTA_REDIS_PASSWORD_VAR,
                                         PASSWORD) or PASSWORD),
         ("from a ConfigMap", lambda s: set_env(
             s.shared.server, QUOTA_REDIS_PASSWORD_VAR,
             value_from={"configMapKeyRef": {"name": "x", "key": "password"}})),
     ]),
    ("shared quota: GONG_FLOWS_GONG_QPS the company's total", quota.shared_qps_total,
     shared_args, [
         ("4", lambda s: set_env(s.shared.server, "GONG_FLOWS_GONG_QPS", "4")),
         ("0", lambda s: set_env(s.shared.server, "GONG_FLOWS_GONG_QPS", "0")),
     ]),
    ("shared quota: autoscaler", quota.shared_autoscaler, shared_args, [
        ("minReplicas 1", lambda s: autoscaler(s)["spec"].update(minReplicas=1)),
        ("autoscaling/v1", lambda s: autoscaler(s).update(apiVersion="autoscaling/v1")),
        ("the Deployment sets replicas", lambda s: autoscaler(s) and s.shared.deployment[
            "spec"].update(replicas=2)),
        ("a second autoscaler", lambda s: s.shared.docs.append(copy.deepcopy(autoscaler(s)))),
    ]),
    ("shared quota: at least 2 replicas", quota.shared_min_replicas, shared_args, [
        ("neither an autoscaler nor replicas", lambda s: s.shared.docs.remove(
            autoscaler(s))),
        ("replicas 1 without an autoscaler", lambda s: s.shared.docs.remove(
            autoscaler(s)) or s.shared.deployment["spec"].update(replicas=1)),
    ]),
    ("shared quota: fallback x replicas", quota.fallback_within_quota, shared_args, [
        ("maxReplicas 4 at 1", lambda s: autoscaler(s)["spec"].update(maxReplicas=4)),
        ("fallback 4", lambda s: set_env(s.shared.server, QUOTA_FALLBACK_QPS_VAR, "4")),
        ("fallback 0", lambda s: set_env(s.shared.server, QUOTA_FALLBACK_QPS_VAR, "0")),
    ]),
    ("shared quota: NetworkPolicy", quota.redis_network_policy, shared_args, [
        ("admits everyone", lambda s: policy(s)["spec"].update(ingress=[{}])),
        ("admits another namespace", lambda s: policy(s)["spec"]["ingress"][0]["from"].append(
            {"namespaceSelector": {}})),
        ("admits the facade on another port", lambda s: policy(s)["spec"]["ingress"][0].update(
            ports=[{"port": 6380}])),
    ]),
    ("shared quota: selectors keep apart", quota.selectors_keep_apart, shared_args, [
        ("Redis pods labelled as the facade", lambda s: redis(s)[0]["spec"]["template"][
            "metadata"]["labels"].update({"app.kubernetes.io/name": "gong-flows"})),
    ]),
    ("shared quota: strings", kubernetes.strings_where_kubernetes_wants_strings,
     shared_args, [
         ("an unquoted `no`", lambda s: set_option(redis(s)[1], "--appendonly", False)),
     ]),
    ("env: no literal secret", envvars.no_literal_secrets, lambda s: (s.renderings,), [
        ("a literal password", with_server_env("SOME_PASSWORD", PASSWORD)),
        ("a URL with a password", with_server_env("GONG_FLOWS_QUOTA_REDIS",
                                                  f"redis://u:{PASSWORD}@h:6379")),
        ("--requirepass on the command line",
         lambda s: redis_args_in_renderings(s, "--requirepass", PASSWORD)),
    ]),
    ("env: GONG_FLOWS_* are flags", envvars.env_names_are_flags,
     lambda s: (s.renderings, s.flags), [
         ("a misspelt variable", with_server_env("GONG_FLOWS_QUOTA_REDDIS", "x")),
         ("flags.cc has some quota flags only", some_quota_flags_only),
         ("the password is a flag", lambda s: setattr(
             s, "flags", s.flags + FLAG.format("quota_redis_password"))),
     ]),
    ("proxy: an Envoy with the fix owns the gRPC port", proxy.proxy_owns_grpc_port,
     local_args, [
         ("the facade owns it", grpc_port_to_server),
         ("Envoy 1.27.0", lambda s: proxy_of(s).update(image="envoyproxy/envoy:v1.27.0")),
         ("Envoy 1.26.4", lambda s: proxy_of(s).update(image="envoyproxy/envoy:v1.26.4")),
         ("no version", lambda s: proxy_of(s).update(image="envoyproxy/envoy:latest")),
         ("not Envoy", lambda s: proxy_of(s).update(image="nginx:1.25.3")),
     ]),
    ("proxy: the facade on loopback only", proxy.server_on_loopback, local_args, [
        ("all addresses", lambda s: set_env(s.local.server, "GONG_FLOWS_LISTEN",
                                            "0.0.0.0:50052")),
        ("the default", lambda s: drop_env(s.local.server, "GONG_FLOWS_LISTEN")),
        ("hostNetwork", lambda s: s.local.pod_spec.update(hostNetwork=True)),
    ]),
    ("proxy: limits and route", proxy.proxy_limits, local_args, [
        ("no stream limit", edit_proxy_config("max_concurrent_streams: 100",
                                              "max_outbound_frames: 10000")),
        ("streams past the bound", edit_proxy_config("max_concurrent_streams: 100",
                                                     "max_concurrent_streams: 2147483647")),
        ("no header size limit", edit_proxy_config("max_request_headers_kb: 16",
                                                   "request_timeout: 0s")),
        ("no header count limit", edit_proxy_config("max_headers_count: 100",
                                                    "idle_timeout: 301s")),
        ("no connection limit", edit_proxy_config(
            "max_active_downstream_connections: 1000",
            "max_active_downstream_connections: 0")),
        ("an admin listener outside", edit_proxy_config(
            "static_resources:",
            "admin:\n  address:\n    socket_address: {address: 0.0.0.0, port_value: 9901}\n"
            "static_resources:")),
        ("routes to another port", edit_proxy_config("port_value: 50052",
                                                     "port_value: 50053")),
        ("the facade moved", lambda s: set_env(s.local.server, "GONG_FLOWS_LISTEN",
                                               "127.0.0.1:50060")),
    ]),
    ("Dockerfile: required runtime packages", docker.docker_required_packages,
     lambda s: (docker.Dockerfile(s.dockerfile),), [
         ("no libhiredis0.14", no_hiredis),
     ]),
]


def outcome(check, args_of, subjects):
    """The check's failure message on these subjects ("" when it passes)."""
    try:
        return check(*args_of(subjects)) or ""
    except Exception as e:  # noqa: BLE001 - a check that raises has failed
        return f"{type(e).__name__}: {e}"


def rule_catches(check, args_of, breakages, base):
    """The rule passes on an unbroken copy of `base` and fails on each
    broken one, never quoting a password a breakage put in."""
    why = outcome(check, args_of, copy.deepcopy(base))
    if why:
        return f"fails unbroken: {why}"
    problems = []
    for what, edit in breakages:
        s = copy.deepcopy(base)
        secret = edit(s)
        secret = secret if isinstance(secret, str) else None
        why = outcome(check, args_of, s)
        if not why:
            problems.append(f"passes with {what}")
        elif secret and secret in why:
            problems.append(f"quotes the password ({what})")
    return "; ".join(problems)


def all_flags_declared(renderings, flags):
    """Once flags.cc declares all the shared quota's flags, the manifests
    pass the flags check: the strict form after the merge holds today."""
    more = "".join(FLAG.format(f) for f in SHARED_QUOTA_FLAGS)
    return envvars.env_names_are_flags(renderings, flags + more)


def run(checks, ctx, local, shared, renderings):
    """One `self-test:` check per rule; skipped (with a note) when a
    rendering it needs did not render (that is already reported)."""
    if local is None or shared is None or renderings is None:
        print("note the renderings are missing; the checks' self-test did not run")
        return
    with open(ctx.dockerfile, encoding="utf-8") as f:
        dockerfile = f.read()
    with open(os.path.join(ctx.root, FLAGS_SOURCE), encoding="utf-8") as f:
        flags = f.read()
    base = Subjects(local, shared, renderings, flags, dockerfile)
    for name, check, args_of, breakages in RULES:
        checks.run(f"self-test: {name}", rule_catches, check, args_of, breakages, base)
    checks.run("self-test: the manifests pass once flags.cc declares the quota flags",
               all_flags_declared, renderings, flags)
