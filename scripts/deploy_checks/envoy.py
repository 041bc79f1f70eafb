"""The Envoy example (deploy/envoy/envoy.yaml) and the API it transcodes.

REST callers reach the facade through Envoy's gRPC-JSON transcoder, which
needs the service's descriptor set, the service's full name, a route that
sees the gRPC path, and an HTTP/2 cluster on the gRPC port. Envoy cannot run
where CI runs, so these are checked against the public proto and, when it is
built, the descriptor set.
"""

import os
import re

from .contract import (ENVOY_DESCRIPTOR_PATH, GRPC_PORT, HCM_TYPE, METHOD_NAME,
                       ROUTER_TYPE, SERVICE_NAME, TRANSCODER_TYPE)
from .yamlutil import load_all, parse_duration


def walk(node):
    """Every mapping in a parsed YAML tree, depth first."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def proto_names(proto_text):
    """The public proto declares the package, service and method that the
    deploy files name: a rename there would leave the probes, the transcoder
    and the routes asking for a service that no longer exists."""
    problems = []
    if not re.search(r"^package\s+gong\.flows\.v1\s*;", proto_text, re.M):
        problems.append("package gong.flows.v1 not found")
    if not re.search(r"\bservice\s+FlowService\b", proto_text):
        problems.append("service FlowService not found")
    if not re.search(rf"\brpc\s+{METHOD_NAME}\b", proto_text):
        problems.append(f"rpc {METHOD_NAME} not found")
    return "; ".join(problems)


def envoy_parses(envoy_path, into):
    """envoy.yaml is one YAML document (Envoy reads only one); fills `into`
    with it, which the later checks read (they see {} when this fails)."""
    docs = load_all(envoy_path)
    if len(docs) != 1:
        return f"{len(docs)} documents"
    into.update(docs[0])
    return None


def envoy_v3_types(envoy):
    """Every typed_config is an Envoy v3 type: current Envoy rejects v2."""
    types = [n["@type"] for n in walk(envoy) if "@type" in n]
    bad = [t for t in types if not (t.startswith("type.googleapis.com/envoy.")
                                     and ".v3." in t)]
    if not types:
        return "no typed_config"
    return f"not Envoy v3 types: {bad}" if bad else None


def hcm_configs(envoy):
    """The typed_config of every http_connection_manager filter."""
    return [n["typed_config"] for n in walk(envoy)
            if n.get("name") == "envoy.filters.network.http_connection_manager"]


def envoy_transcoder(envoy, proto_text):
    """Each HTTP connection manager has one gRPC-JSON transcoder that reads
    the descriptor set at ENVOY_DESCRIPTOR_PATH (where docs/deployment.md mounts it)
    for the service, maps methods to REST routes, and runs before the router
    (filters after the router never see the request)."""
    hcms = hcm_configs(envoy)
    if not hcms:
        return "no http_connection_manager"
    problems = []
    for hcm in hcms:
        if hcm.get("@type") != HCM_TYPE:
            problems.append(f"HCM type {hcm.get('@type')}")
        filters = hcm.get("http_filters") or []
        tc = [f["typed_config"] for f in filters
              if f.get("name") == "envoy.filters.http.grpc_json_transcoder"]
        if len(tc) != 1:
            problems.append(f"{len(tc)} grpc_json_transcoder filters")
            continue
        t = tc[0]
        if t.get("@type") != TRANSCODER_TYPE:
            problems.append(f"transcoder type {t.get('@type')}")
        if t.get("proto_descriptor") != ENVOY_DESCRIPTOR_PATH:
            problems.append(f"proto_descriptor is {t.get('proto_descriptor')!r}")
        if SERVICE_NAME not in (t.get("services") or []):
            problems.append(f"services {t.get('services')} lack {SERVICE_NAME}")
        # Without google.api.http annotations only auto_mapping gives
        # the methods a REST route at all.
        if "google.api.http" not in proto_text and t.get("auto_mapping") is not True:
            problems.append("the proto has no google.api.http rules: "
                            "auto_mapping must be true")
        if not filters or filters[-1].get("name") != "envoy.filters.http.router" \
                or filters[-1]["typed_config"].get("@type") != ROUTER_TYPE:
            problems.append("the router is not the last HTTP filter")
    return "; ".join(problems)


def envoy_upstream(envoy):
    """Every routed cluster exists, speaks HTTP/2 (gRPC needs it) to port
    50051, keeps its keepalive pings at 10 s or slower (the server closes
    connections that ping more often), and health-checks the service or the
    server as a whole."""
    clusters = {c["name"]: c for c in
                (envoy.get("static_resources") or {}).get("clusters") or []}
    routed = {n["route"]["cluster"] for n in walk(envoy)
              if isinstance(n.get("route"), dict) and "cluster" in n["route"]}
    if not routed:
        return "no route to a cluster"
    problems = []
    for name in sorted(routed):
        c = clusters.get(name)
        if c is None:
            problems.append(f"route to undefined cluster {name}")
            continue
        opts = (c.get("typed_extension_protocol_options") or {}).get(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions") or {}
        if "http2_protocol_options" not in (opts.get("explicit_http_config") or {}):
            problems.append(f"cluster {name} does not speak HTTP/2 (gRPC needs it)")
        ports = {n["port_value"] for n in walk(c.get("load_assignment") or {})
                 if "port_value" in n}
        if ports != {GRPC_PORT}:
            problems.append(f"cluster {name} targets ports {sorted(ports)}")
        keepalive = ((opts.get("explicit_http_config") or {}).get(
            "http2_protocol_options") or {}).get("connection_keepalive")
        if keepalive and parse_duration(keepalive.get("interval", "0")) < 10:
            problems.append("keepalive pings more often than every 10 s: "
                            "the facade would close the connection")
        for hc in c.get("health_checks") or []:
            svc = (hc.get("grpc_health_check") or {}).get("service_name", "")
            if "grpc_health_check" in hc and svc not in ("", SERVICE_NAME):
                problems.append(f"health check asks for {svc!r}")
    return "; ".join(problems)


def envoy_route_prefix(envoy):
    """Some route matches /gong.flows.v1.FlowService/: routes see the gRPC
    path after transcoding, not the REST path the caller used."""
    prefixes = [n["match"].get("prefix") or n["match"].get("path")
                for n in walk(envoy) if isinstance(n.get("match"), dict)
                and isinstance(n.get("route"), dict)]
    want = f"/{SERVICE_NAME}/"
    ok = any(p is not None and want.startswith(p) or (p or "").startswith(want)
             for p in prefixes)
    return None if ok else f"no route matches {want} (routes see the gRPC path)"


def descriptor_has_service(descriptor):
    """The built descriptor set (what Envoy is given) describes the package,
    service and method: a descriptor without them transcodes nothing."""
    with open(descriptor, "rb") as f:
        data = f.read()
    missing = [s for s in (b"gong.flows.v1", b"FlowService", METHOD_NAME.encode())
               if s not in data]
    return f"missing {missing}" if missing else None


def run(checks, ctx):
    """Runs the proto and Envoy checks in report order; returns the parsed
    envoy.yaml ({} when it did not parse) for the proxy checks."""
    with open(ctx.proto_path, encoding="utf-8") as f:
        proto_text = f.read()
    checks.run("public proto names the service the deploy files use", proto_names, proto_text)
    envoy = {}
    checks.run("envoy.yaml parses as one document", envoy_parses, ctx.envoy_path, envoy)
    checks.run("envoy.yaml uses v3 API types only", envoy_v3_types, envoy)
    checks.run("Envoy transcoder names the descriptor and the service",
               envoy_transcoder, envoy, proto_text)
    checks.run("Envoy routes to an HTTP/2 cluster on 50051", envoy_upstream, envoy)
    checks.run("Envoy route matches the gRPC path of the service", envoy_route_prefix, envoy)
    if os.path.exists(ctx.descriptor):
        checks.run("the built descriptor set describes the service",
                   descriptor_has_service, ctx.descriptor)
    else:
        print(f"note {ctx.descriptor} not built; descriptor contents not checked")
    return envoy
