"""Where the files being checked are, and what one module hands the next."""

import os


class Context:
    """The repository and build tree under check, and the paths in them.

    `deployment` starts as None; check-deploy sets it to what
    kubernetes.run() returns (a kubernetes.Rendered, or None when the
    Deployment could not be rendered), which the Dockerfile's USER check
    compares against.
    """

    def __init__(self, root, build_dir):
        self.root = root
        self.build_dir = build_dir
        self.deploy = os.path.join(root, "deploy")
        self.kube = os.path.join(root, "deploy", "kubernetes")
        self.envoy_path = os.path.join(root, "deploy", "envoy", "envoy.yaml")
        self.proto_path = os.path.join(root, "proto", "gong", "flows", "v1",
                                       "flow_service.proto")
        self.dockerfile = os.path.join(root, "Dockerfile")
        self.dockerignore = os.path.join(root, ".dockerignore")
        self.descriptor = os.path.join(build_dir, "flow_service.binpb")
        self.binary = os.path.join(build_dir, "bin", "gong-flows-server")
        self.cmake_cache = os.path.join(build_dir, "CMakeCache.txt")
        self.deployment = None
