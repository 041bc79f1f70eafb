"""The environment the manifests give the containers, in every rendering.

The kustomization is rendered as it is, without the shared-quota component,
and with each component under components/ added; in all of them:
- no variable holds a secret as a literal value (a name that says password,
  secret, token or key, or a URL with a password in it), nor does a
  container's command line;
- every GONG_FLOWS_* variable names a flag of the server (server/app/flags.cc
  declares them; the server reads flag F from GONG_FLOWS_<F IN UPPER CASE>),
  except those read from the environment only (the Redis password), so a
  misspelt variable fails here rather than being ignored by the server.
"""

import os
import re

from . import kustomize
from .contract import ENV_ONLY_VARS, FLAGS_SOURCE, SHARED_QUOTA_COMPONENT, SHARED_QUOTA_FLAGS

ENV_PREFIX = "GONG_FLOWS_"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "Pod")
# Names of variables that carry a secret; one ending in _FILE, _PATH or _DIR
# names where a secret is, which is fine.
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|ACCESS_KEY|API_KEY|"
                         r"PRIVATE_KEY")
NOT_A_SECRET = ("_FILE", "_PATH", "_DIR")
# scheme://user:password@host: a password inside a URL.
URL_WITH_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@")
# Command-line options whose value is a password.
PASSWORD_OPTIONS = ("--requirepass", "--masterauth", "--password")


def renderings(kube):
    """{label: documents} of the kustomization as it is, without the
    shared-quota component, and with each component added."""
    out = {"deploy/kubernetes": kustomize.render(kube),
           f"deploy/kubernetes without {SHARED_QUOTA_COMPONENT}":
               kustomize.render(kube, without_components=[SHARED_QUOTA_COMPONENT])}
    comp_root = os.path.join(kube, "components")
    for name in sorted(os.listdir(comp_root)) if os.path.isdir(comp_root) else []:
        comp = f"components/{name}"
        out[f"deploy/kubernetes + {comp}"] = kustomize.render(kube, extra_components=[comp])
    return out


def containers(docs):
    """(workload name, container) of every workload's containers."""
    for d in docs:
        if d.get("kind") not in WORKLOAD_KINDS:
            continue
        spec = d["spec"] if d["kind"] == "Pod" else d["spec"]["template"]["spec"]
        for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
            yield d["metadata"]["name"], c


def literal_secrets(container):
    """Why the container holds a secret in its manifest, never quoting it."""
    problems = []
    for e in container.get("env") or []:
        name, value = e["name"], e.get("value")
        if not value:
            continue
        if SECRET_NAME.search(name) and not name.endswith(NOT_A_SECRET):
            problems.append(f"{name} has a literal value")
        elif URL_WITH_PASSWORD.search(str(value)):
            problems.append(f"{name} is a URL with a password in it")
    argv = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
    for i, arg in enumerate(argv):
        option, eq, inline = arg.partition("=")
        if option in PASSWORD_OPTIONS:
            value = inline if eq else (argv[i + 1] if i + 1 < len(argv) else "")
            if value and not re.fullmatch(r"\$\(\w+\)", value):
                problems.append(f"{option} is given a literal value")
        if URL_WITH_PASSWORD.search(arg):
            problems.append("a command-line argument is a URL with a password in it")
    return problems


def no_literal_secrets(rendered):
    """No container of any rendering holds a secret in its manifest: those
    come from Secrets (secretKeyRef), and manifests live in a repository."""
    problems = set()
    for docs in rendered.values():
        for workload, c in containers(docs):
            problems |= {f"{workload}/{c['name']}: {p}" for p in literal_secrets(c)}
    return "; ".join(sorted(problems))


def declared_flags(source):
    """The flag names ABSL_FLAG declares in the text of flags.cc."""
    return set(re.findall(r"\bABSL_FLAG\(\s*[^,()]+,\s*(\w+)\s*,", source))


def pending_flags(flags):
    """The shared quota's flags flags.cc does not declare yet, when it
    declares none of them (the server's side not merged); empty once it
    declares any, so that from then on all are required."""
    missing = set(SHARED_QUOTA_FLAGS) - flags
    return missing if missing == set(SHARED_QUOTA_FLAGS) else set()


def env_names_are_flags(rendered, flags_source):
    """Every GONG_FLOWS_* variable set in any rendering names a flag that
    flags.cc declares (or is one the server reads from the environment only),
    and the Redis password is no flag: a flag's value can be seen in the
    process list and the start-up log line."""
    flags = declared_flags(flags_source)
    if not flags:
        return f"no ABSL_FLAG found in {FLAGS_SOURCE}"
    problems = []
    for var in sorted(ENV_ONLY_VARS):
        if var[len(ENV_PREFIX):].lower() in flags:
            problems.append(f"{FLAGS_SOURCE} declares --{var[len(ENV_PREFIX):].lower()}: "
                            f"{var} must come from the environment only")
    tolerated = pending_flags(flags)
    names = {e["name"] for docs in rendered.values() for _, c in containers(docs)
             for e in c.get("env") or [] if e["name"].startswith(ENV_PREFIX)}
    for name in sorted(names - ENV_ONLY_VARS):
        flag = name[len(ENV_PREFIX):].lower()
        if flag not in flags and flag not in tolerated:
            problems.append(f"{name}: {FLAGS_SOURCE} declares no --{flag}")
    return "; ".join(problems)


def run(checks, ctx):
    """Renders every combination and runs the environment checks; returns
    the renderings for the self-test (None when they did not render)."""
    into = {}

    def render_all():
        into.update(renderings(ctx.kube))

    checks.run("env: deploy/kubernetes renders with and without each component", render_all)
    if not into:
        return None
    checks.run("env: no literal secret in env or command lines", no_literal_secrets, into)
    try:
        with open(os.path.join(ctx.root, FLAGS_SOURCE), encoding="utf-8") as f:
            source = f.read()
    except OSError as e:
        checks.record(f"env: {FLAGS_SOURCE} readable", False, str(e))
        return into
    pending = pending_flags(declared_flags(source))
    if pending:
        print(f"note {FLAGS_SOURCE} declares none of "
              f"{', '.join('--' + p for p in SHARED_QUOTA_FLAGS)} yet; their GONG_FLOWS_* "
              "variables are taken as flags until it declares one of them")
    checks.run(f"env: GONG_FLOWS_* variables name flags of {FLAGS_SOURCE}",
               env_names_are_flags, into, source)
    return into
