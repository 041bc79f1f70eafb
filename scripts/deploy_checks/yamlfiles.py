"""Every YAML file under deploy/ parses (multi-document aware).

A file that does not parse is rejected by kubectl or Envoy only at deploy
time; here it fails the tests. The later modules check what the files say.
"""

import os

from .yamlutil import load_all


def yaml_files(deploy_dir):
    """Paths of the .yaml and .yml files under deploy_dir, sorted."""
    found = []
    for dirpath, _, names in os.walk(deploy_dir):
        found += [os.path.join(dirpath, n) for n in names
                  if n.endswith((".yaml", ".yml"))]
    return sorted(found)


def has_a_document(path):
    """The file parses and holds at least one document: an empty file is a
    mistake (a truncated edit, a failed generation), not a valid manifest."""
    return None if load_all(path) else "no document"


def run(checks, ctx):
    """deploy/ has YAML files, then one `parses: PATH` check per file."""
    paths = yaml_files(ctx.deploy)
    checks.record("deploy/ has YAML files", bool(paths), "none found")
    for path in paths:
        checks.run(f"parses: {os.path.relpath(path, ctx.root)}", has_a_document, path)
