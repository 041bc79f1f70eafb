"""The proxy in front of the facade's gRPC listener.

Debian 12's gRPC 1.51 has no fix for HTTP/2 Rapid Reset (CVE-2023-44487)
nor for header blocks split over CONTINUATION frames past the advertised
limit (CVE-2023-33953), so nothing from outside the pod may reach the
facade's listener directly: it listens on loopback, an Envoy that has the
fix owns the pod's gRPC port, and that Envoy sets its own stream, header
and connection limits. The same limits hold for the REST example
(deploy/envoy/envoy.yaml), which is reachable from outside too.
"""

import ipaddress
import posixpath
import re

from .contract import (ENVOY_FIRST_FIXED_MINOR, ENVOY_RAPID_RESET_FIXED, GRPC_PORT,
                       METRICS_PORT, PROXY_IMAGE, PROXY_MAX_CONNECTIONS,
                       PROXY_MAX_REQUEST_HEADERS_KB, PROXY_MAX_STREAMS_PER_CONNECTION)
from .envoy import hcm_configs, walk
from .kubernetes import image_name
from .yamlutil import env_value, parse

CONNECTIONS_MONITOR = "envoy.resource_monitors.global_downstream_max_connections"


def is_loopback(host):
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def envoy_version(image):
    """(major, minor, patch) from an image tag such as v1.31.2, or None."""
    m = re.search(r":v?(\d+)\.(\d+)\.(\d+)", str(image))
    return tuple(int(x) for x in m.groups()) if m else None


def rapid_reset_fixed(version):
    major_minor = version[:2]
    if major_minor >= ENVOY_FIRST_FIXED_MINOR:
        return True
    fixed_patch = ENVOY_RAPID_RESET_FIXED.get(major_minor)
    return fixed_patch is not None and version[2] >= fixed_patch


def grpc_port_owners(r):
    return [c for c in r.containers
            if any(p.get("containerPort") == GRPC_PORT for p in c.get("ports") or [])]


def proxy_owns_grpc_port(r):
    """One container owns the pod's gRPC port, and it is an Envoy released
    with the Rapid Reset fix, not the facade."""
    owners = grpc_port_owners(r)
    if len(owners) != 1:
        return f"{len(owners)} containers declare port {GRPC_PORT}"
    proxy = owners[0]
    if proxy is r.server:
        return "the facade owns the gRPC port itself: no proxy in front of it"
    if image_name(proxy) != PROXY_IMAGE:
        return f"the gRPC port's container runs {proxy.get('image')!r}, not Envoy"
    version = envoy_version(proxy.get("image"))
    if version is None:
        return f"{proxy.get('image')!r} names no version: pin one with the fix"
    if not rapid_reset_fixed(version):
        return (f"Envoy {'.'.join(map(str, version))} predates the fix for HTTP/2 "
                "Rapid Reset (CVE-2023-44487)")
    return None


def server_listen(r):
    return str(env_value(r.server, "GONG_FLOWS_LISTEN", f"0.0.0.0:{GRPC_PORT}"))


def server_on_loopback(r):
    """The facade's gRPC listener is on loopback (GONG_FLOWS_LISTEN), the
    pod is not on the host's network, and the facade declares no port but
    metrics (plain HTTP/1.1, which neither flaw concerns)."""
    listen = server_listen(r)
    host = listen.rsplit(":", 1)[0]
    problems = []
    if not is_loopback(host):
        problems.append(f"GONG_FLOWS_LISTEN is {listen!r}: callers could bypass the proxy")
    if r.pod_spec.get("hostNetwork"):
        problems.append("hostNetwork: the loopback listener would be the node's")
    others = [p.get("containerPort") for p in r.server.get("ports") or []
              if p.get("containerPort") != METRICS_PORT]
    if others:
        problems.append(f"the facade declares ports {others}")
    return "; ".join(problems)


def proxy_config(r):
    """The proxy's Envoy configuration, parsed from the ConfigMap mounted
    where its command's -c names; raises ValueError when it cannot be found."""
    owners = grpc_port_owners(r)
    if len(owners) != 1:
        raise ValueError("no single proxy container")
    proxy = owners[0]
    argv = " ".join(str(a) for a in (proxy.get("command") or []) + (proxy.get("args") or []))
    # An absolute path: `sh -c "envoy -c PATH"` has a -c of its own.
    m = re.search(r"(?:^|\s)(?:-c|--config-path)[\s=]+(/\S+)", argv)
    if not m:
        raise ValueError("the proxy's command names no -c config file")
    path = m.group(1)
    directory, key = posixpath.split(path)
    mount = next((v for v in proxy.get("volumeMounts") or []
                  if v.get("mountPath", "").rstrip("/") == directory), None)
    if mount is None:
        raise ValueError(f"nothing is mounted at {directory}")
    volume = next((v for v in r.pod_spec.get("volumes") or []
                   if v.get("name") == mount.get("name")), None)
    name = ((volume or {}).get("configMap") or {}).get("name")
    if name is None:
        raise ValueError(f"{directory} is not a ConfigMap volume")
    config_map = next((d for d in r.docs if d.get("kind") == "ConfigMap"
                       and d["metadata"]["name"] == name), None)
    if config_map is None or key not in (config_map.get("data") or {}):
        raise ValueError(f"ConfigMap {name} with key {key} is not rendered")
    return parse(config_map["data"][key])


def downstream_limits(envoy):
    """Every HTTP connection manager bounds the streams of a connection and
    the size and count of a header block, and the overload manager bounds
    the connections: why not, or ""."""
    hcms = hcm_configs(envoy)
    if not hcms:
        return "no http_connection_manager"
    problems = []
    for hcm in hcms:
        name = hcm.get("stat_prefix", "?")
        streams = (hcm.get("http2_protocol_options") or {}).get("max_concurrent_streams")
        if not isinstance(streams, int) or not 0 < streams <= PROXY_MAX_STREAMS_PER_CONNECTION:
            problems.append(f"{name}: http2 max_concurrent_streams is {streams!r}, not 1 to "
                            f"{PROXY_MAX_STREAMS_PER_CONNECTION}")
        kb = hcm.get("max_request_headers_kb")
        if not isinstance(kb, int) or not 0 < kb <= PROXY_MAX_REQUEST_HEADERS_KB:
            problems.append(f"{name}: max_request_headers_kb is {kb!r}, not 1 to "
                            f"{PROXY_MAX_REQUEST_HEADERS_KB}")
        count = (hcm.get("common_http_protocol_options") or {}).get("max_headers_count")
        if not isinstance(count, int) or count <= 0:
            problems.append(f"{name}: no common_http_protocol_options.max_headers_count")
    monitors = [m for m in (envoy.get("overload_manager") or {}).get("resource_monitors") or []
                if m.get("name") == CONNECTIONS_MONITOR]
    limit = ((monitors[0].get("typed_config") or {}).get("max_active_downstream_connections")
             if monitors else None)
    if not isinstance(limit, int) or not 0 < limit <= PROXY_MAX_CONNECTIONS:
        problems.append(f"overload manager: {CONNECTIONS_MONITOR} is {limit!r}, not 1 to "
                        f"{PROXY_MAX_CONNECTIONS}")
    return "; ".join(problems)


def proxy_limits(r):
    """The proxy's Envoy sets the downstream limits, listens beyond loopback
    only on the gRPC port (no admin interface outside), and sends every
    route to the facade's loopback listener."""
    envoy = proxy_config(r)
    problems = [downstream_limits(envoy)]
    for listener in (envoy.get("static_resources") or {}).get("listeners") or []:
        address = (listener.get("address") or {}).get("socket_address") or {}
        if not is_loopback(str(address.get("address", ""))) and \
                address.get("port_value") != GRPC_PORT:
            problems.append(f"listener {listener.get('name')} on "
                            f"{address.get('address')}:{address.get('port_value')}")
    admin = ((envoy.get("admin") or {}).get("address") or {}).get("socket_address")
    if admin and not is_loopback(str(admin.get("address", ""))):
        problems.append("the admin interface listens beyond loopback")
    clusters = {c["name"]: c for c in
                (envoy.get("static_resources") or {}).get("clusters") or []}
    routed = {n["route"]["cluster"] for n in walk(envoy)
              if isinstance(n.get("route"), dict) and "cluster" in n["route"]}
    if not routed:
        problems.append("no route to a cluster")
    host, _, port = server_listen(r).rpartition(":")
    for name in sorted(routed):
        targets = {(a.get("address"), a.get("port_value"))
                   for a in walk((clusters.get(name) or {}).get("load_assignment") or {})
                   if "port_value" in a}
        if targets != {(host.strip("[]"), int(port) if port.isdigit() else port)}:
            problems.append(f"cluster {name} targets {sorted(targets)}, not the facade's "
                            f"{host}:{port}")
    return "; ".join(p for p in problems if p)


def run(checks, r, envoy_example):
    """Runs the proxy checks in report order (r: the rendered Deployment;
    envoy_example: the parsed deploy/envoy/envoy.yaml)."""
    if r is None:
        return
    checks.run("an Envoy with the Rapid Reset fix owns the gRPC port",
               proxy_owns_grpc_port, r)
    checks.run("the facade's gRPC listener is on loopback only", server_on_loopback, r)
    checks.run("the proxy limits streams, headers and connections, and routes to the "
               "facade", proxy_limits, r)
    checks.run("envoy.yaml limits streams, headers and connections",
               downstream_limits, envoy_example)
