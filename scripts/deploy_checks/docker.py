"""The image: the Dockerfile's stages, user, ports, entrypoint and runtime
packages, and the .dockerignore.

Docker cannot run where CI runs, so the Dockerfile is read instruction by
instruction and its properties asserted: built and run on one Debian 12
base (so the runtime libraries match what the binary was linked against),
built without the tests from only the build group of scripts/install-deps,
a numeric non-root user matching the Deployment, the server as PID 1, and
runtime packages that cover the libraries a built binary needs.
"""

import json
import os
import re
import shlex
import shutil
import subprocess

from .contract import (BASE_IMAGE_PACKAGES, GRPC_PORT, METRICS_PORT,
                       RUNTIME_PACKAGES_REQUIRED)


class Dockerfile:
    """A Dockerfile as the checks read it.

    instructions: (WORD, rest) pairs, continuation lines joined, comments
    dropped. stages: one {"from", "instructions"} per FROM, with ARGs
    declared before the first FROM substituted into it. final: the last
    stage's instructions. runtime_packages: what the final stage's
    `apt-get install` lines install."""

    def __init__(self, text):
        self.instructions = parse_instructions(text)
        self.stages = split_stages(self.instructions)
        self.final = self.stages[-1]["instructions"] if self.stages else []
        self.runtime_packages = apt_installed(self.final)


def parse_instructions(text):
    """Instructions with their continuation lines joined, comments dropped."""
    instructions = []
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        word, _, rest = current.partition(" ")
        instructions.append((word.upper(), rest.strip()))
        current = ""
    return instructions


def split_stages(instructions):
    """The build stages, each FROM with ${ARG}s declared before the first
    FROM (which may name the base image) substituted."""
    global_args = {}
    for word, rest in instructions:
        if word == "FROM":
            break
        if word == "ARG" and "=" in rest:
            k, _, v = rest.partition("=")
            global_args[k.strip()] = v.strip().strip('"')
    stages = []
    for word, rest in instructions:
        if word == "FROM":
            rest = re.sub(r"\$\{?(\w+)\}?", lambda m: global_args.get(m.group(1), m.group(0)),
                          rest)
            stages.append({"from": rest, "instructions": []})
        elif stages:
            stages[-1]["instructions"].append((word, rest))
    return stages


def apt_installed(instructions):
    """The packages the RUN instructions install with apt-get."""
    packages = set()
    for word, rest in instructions:
        if word != "RUN":
            continue
        for command in re.split(r"&&|;|\|\|", rest):
            tokens = command.split()
            if "apt-get" in tokens and "install" in tokens:
                after = tokens[tokens.index("install") + 1:]
                packages |= {t for t in after if not t.startswith("-")}
    return packages


def docker_stages(df):
    """Multi-stage, every stage on the same Debian 12 image: the runtime
    stage must have the library versions the build stage linked against,
    and must not carry the compilers."""
    if len(df.stages) < 2:
        return f"{len(df.stages)} FROM lines: the build must be multi-stage"
    images = {s["from"].split()[0] for s in df.stages}
    if len(images) != 1:
        return f"stages use different bases {sorted(images)}: runtime libraries must match"
    image = images.pop()
    if not re.search(r"debian:(bookworm|12)", image):
        return f"base {image} is not Debian 12"
    return None


def docker_user(df, deployment):
    """The final stage runs as a numeric, non-root USER, the one the
    Deployment's runAsUser names: runAsNonRoot can only verify a numeric
    user, and the Deployment's fsGroup and runAsUser are chosen for the
    image's user, so the two must not drift apart."""
    users = [rest for word, rest in df.final if word == "USER"]
    if not users:
        return "the final stage runs as root (no USER)"
    user = users[-1].split(":")[0]
    if not user.isdigit():
        return f"USER {users[-1]} is not numeric: runAsNonRoot cannot verify it"
    if int(user) == 0:
        return "USER is root"
    if not deployment:
        return None
    psc = deployment.pod_spec.get("securityContext") or {}
    uid = (deployment.server.get("securityContext") or {}).get(
        "runAsUser", psc.get("runAsUser"))
    if uid is not None and uid != int(user):
        return f"image USER {user} but the Deployment runs as {uid}"
    return None


def docker_no_healthcheck(df):
    """No HEALTHCHECK: Kubernetes probes grpc.health.v1 natively, and a
    Docker HEALTHCHECK would need a client binary in the image for nothing."""
    hc = [rest for word, rest in df.instructions if word == "HEALTHCHECK"]
    return f"HEALTHCHECK {hc}: Kubernetes probes instead" if hc else None


def docker_expose(df):
    """The final stage EXPOSEs the gRPC and metrics ports, documenting what
    the Deployment's container ports name."""
    ports = set()
    for word, rest in df.final:
        if word == "EXPOSE":
            ports |= {p.split("/")[0] for p in rest.split()}
    missing = {str(GRPC_PORT), str(METRICS_PORT)} - ports
    return f"EXPOSE lacks {sorted(missing)}" if missing else None


def docker_entrypoint(df):
    """The ENTRYPOINT is exec form and runs gong-flows-server: in shell form
    a shell would be PID 1 and eat the SIGTERM that starts the drain."""
    eps = [rest for word, rest in df.final if word == "ENTRYPOINT"]
    if not eps:
        return "no ENTRYPOINT"
    try:
        argv = json.loads(eps[-1])
    except ValueError:
        return "ENTRYPOINT is in shell form: a shell would be PID 1 and eat SIGTERM"
    return None if argv and argv[0].endswith("/gong-flows-server") else \
        f"ENTRYPOINT runs {argv}"


def run_commands(instructions, program):
    """Each simple command of the RUN instructions that runs `program`, as
    (environment assignments before it, its arguments): RUN
    `A=1 B=2 scripts/build x y` gives ({"A": "1", "B": "2"}, ["x", "y"])."""
    found = []
    for word, rest in instructions:
        if word != "RUN":
            continue
        for command in re.split(r"&&|;|\|\|?", rest):
            words = shlex.split(command)
            env = {}
            while words and re.match(r"^[A-Za-z_]\w*=", words[0]):
                name, _, value = words.pop(0).partition("=")
                env[name] = value
            if words and words[0] == program:
                found.append((env, words[1:]))
    return found


def docker_build_stage(df):
    """The build stage builds the Release server with the repository's own
    scripts (the build the tests exercise), and the final stage copies the
    binary from it rather than building again."""
    first = df.stages[0]["instructions"] if df.stages else []
    problems = []
    if not run_commands(first, "scripts/install-deps"):
        problems.append("the build stage does not run scripts/install-deps")
    if not any(env.get("BUILD_TYPE") == "Release" and "gong-flows-server" in args
               for env, args in run_commands(first, "scripts/build")):
        problems.append("the build stage does not run BUILD_TYPE=Release scripts/build "
                        "gong-flows-server")
    if not any(word == "COPY" and "--from=" in rest and "gong-flows-server" in rest
               for word, rest in df.final):
        problems.append("the final stage does not copy the binary from the build stage")
    return "; ".join(problems)


def docker_build_without_tests(df, build_script, install_script):
    """The build stage installs only the build group of scripts/install-deps
    and configures with -DBUILD_TESTING=OFF (through scripts/build's
    CMAKE_ARGS): the image needs none of the tests' packages (test
    frameworks, clang, Node.js, the Python client's), which would only slow
    the build, and a configure with the tests would fail without them. Also
    that the two scripts still know the `build` group and CMAKE_ARGS, which
    the Dockerfile relies on."""
    first = df.stages[0]["instructions"] if df.stages else []
    problems = []
    installs = run_commands(first, "scripts/install-deps")
    runs = sorted({" ".join(["scripts/install-deps"] + args) for _, args in installs})
    if runs != ["scripts/install-deps build"]:
        problems.append(f"the build stage runs {runs or 'no scripts/install-deps'}, "
                        "not only `scripts/install-deps build`")
    builds = run_commands(first, "scripts/build")
    off = re.compile(r"^-DBUILD_TESTING(:BOOL)?=(OFF|FALSE|NO|0)$", re.I)
    if not builds or not all(any(off.match(a) for a in env.get("CMAKE_ARGS", "").split())
                             for env, _ in builds):
        problems.append("scripts/build runs without CMAKE_ARGS=-DBUILD_TESTING=OFF")
    with open(build_script, encoding="utf-8") as f:
        if "CMAKE_ARGS" not in f.read():
            problems.append("scripts/build does not read CMAKE_ARGS")
    with open(install_script, encoding="utf-8") as f:
        if not re.search(r"^\s*build\)", f.read(), re.M):
            problems.append("scripts/install-deps has no `build` group")
    return "; ".join(problems)


def docker_runtime_only(df):
    """The runtime stage installs the runtime libraries, and no -dev packages
    or compilers: those belong to the build stage and would only enlarge the
    image and what an intruder finds in it."""
    if not df.runtime_packages:
        return "the final stage installs no runtime packages"
    dev = sorted(p for p in df.runtime_packages
                 if p.endswith("-dev") or p in ("g++", "cmake", "make", "build-essential"))
    return f"build tools in the runtime image: {dev}" if dev else None


def docker_required_packages(df):
    """The runtime stage installs the packages the contract says the server
    links (libhiredis0.14 for the shared quota's Redis), which the check
    against a built binary cannot see in a build tree older than that."""
    missing = sorted(set(RUNTIME_PACKAGES_REQUIRED) - df.runtime_packages)
    return ("the runtime stage does not install " + ", ".join(
        f"{p} ({RUNTIME_PACKAGES_REQUIRED[p]})" for p in missing)) if missing else None


def is_sanitizer_build(cmake_cache):
    """Whether the build tree was configured with GONG_SANITIZE address/thread.

    A sanitizer build links its runtime and more libraries than the image's
    Release build does: comparing it would fail for the wrong reason."""
    if not os.path.exists(cmake_cache):
        return False
    with open(cmake_cache, encoding="utf-8") as f:
        return bool(re.search(r"^GONG_SANITIZE:\w+=(address|thread)$", f.read(), re.M))


def needed_libraries(objdump, binary):
    """The shared libraries the binary names (DT_NEEDED), in order."""
    out = subprocess.run([objdump, "-p", binary], check=True,
                         capture_output=True, text=True).stdout
    return re.findall(r"^\s*NEEDED\s+(\S+)", out, re.M)


def library_packages(dpkg, needed):
    """The Debian package owning each needed library, by library name.

    Where each library may live (Debian 12 is usr-merged, and dpkg knows a
    file by the path its package shipped it under), asked of dpkg in one
    call: it reads its whole database each time."""
    candidates = {}
    for lib in needed:
        for d in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
                  "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu",
                  "/usr/lib", "/lib", "/lib64"):
            path = os.path.join(d, lib)
            if os.path.exists(path):
                candidates[path] = lib
    r = subprocess.run([dpkg, "-S"] + sorted(candidates),
                       capture_output=True, text=True)
    owners = {}
    for line in r.stdout.splitlines():
        if line.startswith("diversion "):
            continue
        pkgs, _, path = line.rpartition(": ")
        if path in candidates:
            owners[candidates[path]] = pkgs.split(",")[0].split(":")[0].strip()
    return owners


def docker_runtime_libraries(df, binary, objdump, dpkg):
    """Every library a built binary needs comes from a package the runtime
    stage installs or the base image has: otherwise the server fails to
    start in the image, which nothing else here would notice."""
    needed = needed_libraries(objdump, binary)
    owners = library_packages(dpkg, needed)
    uncovered = []
    for lib in needed:
        owner = owners.get(lib)
        if owner is None:
            uncovered.append(f"{lib} (no Debian package owns it)")
        elif owner not in df.runtime_packages | BASE_IMAGE_PACKAGES:
            uncovered.append(f"{lib} from {owner}")
    return ("the runtime stage lacks: " + ", ".join(uncovered)) if uncovered else None


def dockerignore(path):
    """.dockerignore keeps build trees and .git out of the build context: a
    CMake cache names the absolute paths of the checkout it was configured
    in, so a copied one would break the clean build in the image, and .git
    only slows the upload and busts the layer cache on every commit."""
    with open(path, encoding="utf-8") as f:
        patterns = {line.strip().strip("/") for line in f
                    if line.strip() and not line.lstrip().startswith("#")}
    missing = [p for p in ("build*", ".git") if p not in patterns]
    return f"missing {missing}" if missing else None


def run_library_check(checks, ctx, df):
    """The runtime-libraries check, when a suitable binary and the tools exist."""
    objdump = shutil.which("objdump")
    dpkg = shutil.which("dpkg")
    if is_sanitizer_build(ctx.cmake_cache):
        print(f"note {ctx.build_dir} is a sanitizer build; "
              "runtime libraries not checked against its binary")
    elif os.path.exists(ctx.binary) and objdump and dpkg:
        checks.run("Dockerfile: runtime packages cover the binary's libraries",
                   docker_runtime_libraries, df, ctx.binary, objdump, dpkg)
    else:
        print(f"note {ctx.binary}, objdump or dpkg missing; "
              "runtime libraries not checked against the binary")


def run(checks, ctx):
    """Runs the Dockerfile and .dockerignore checks in report order."""
    with open(ctx.dockerfile, encoding="utf-8") as f:
        df = Dockerfile(f.read())
    checks.run("Dockerfile: multi-stage on one Debian 12 base", docker_stages, df)
    checks.run("Dockerfile: numeric non-root USER matching runAsUser",
               docker_user, df, ctx.deployment)
    checks.run("Dockerfile: no HEALTHCHECK", docker_no_healthcheck, df)
    checks.run("Dockerfile: EXPOSE 50051 and 9464", docker_expose, df)
    checks.run("Dockerfile: exec-form ENTRYPOINT of gong-flows-server", docker_entrypoint, df)
    checks.run("Dockerfile: build stage builds, runtime stage copies", docker_build_stage, df)
    checks.run("Dockerfile: build stage installs the build group only, builds without tests",
               docker_build_without_tests, df,
               os.path.join(ctx.root, "scripts", "build"),
               os.path.join(ctx.root, "scripts", "install-deps"))
    checks.run("Dockerfile: runtime stage installs no -dev packages or compilers",
               docker_runtime_only, df)
    checks.run("Dockerfile: runtime stage installs the packages the server must link",
               docker_required_packages, df)
    run_library_check(checks, ctx, df)
    checks.run(".dockerignore keeps build trees and .git out", dockerignore, ctx.dockerignore)
