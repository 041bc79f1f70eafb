"""A dry `kustomize build`, for the features this repository's kustomization uses.

kubectl cannot run where CI runs, so the manifests are rendered here the way
kustomize would: resources in order (directories recursively), components
(their resources, then their patches and images), the strategic merge
patches and images of the kustomization itself, then the namespace. A
check may add components, as an overlay would, or leave listed ones out,
to see the kustomization both with and without them. Any
other kustomization key is refused, so that using a new feature makes the
check fail rather than render something kustomize would not.
"""

import os
import re

from .yamlutil import load_all

KNOWN_KUSTOMIZATION_KEYS = {
    "apiVersion", "kind", "resources", "components", "patches", "images", "namespace",
}
# List merge keys of the strategic merge patches Kubernetes applies to pods.
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "env": "name",
    "volumes": "name", "volumeMounts": "mountPath", "ports": "containerPort",
    "imagePullSecrets": "name",
}


def strategic_merge(base, patch):
    """base with patch applied as a strategic merge patch (MERGE_KEYS lists)."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return patch
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif key in out and isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = strategic_merge(out[key], value)
        elif (key in MERGE_KEYS and isinstance(out.get(key), list)
              and isinstance(value, list)):
            merge_key = MERGE_KEYS[key]
            merged = list(out[key])
            for item in value:
                idx = next((i for i, old in enumerate(merged)
                            if old.get(merge_key) == item.get(merge_key)), None)
                if idx is None:
                    merged.append(item)
                else:
                    merged[idx] = strategic_merge(merged[idx], item)
            out[key] = merged
        else:
            out[key] = value
    return out


def read_kustomization(directory):
    """(path, mapping) of the kustomization in directory; refuses unknown keys."""
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            docs = load_all(path)
            if len(docs) != 1 or not isinstance(docs[0], dict):
                raise ValueError(f"{path}: expected one mapping")
            unknown = set(docs[0]) - KNOWN_KUSTOMIZATION_KEYS
            if unknown:
                raise ValueError(f"{path}: uses {sorted(unknown)}, which this "
                                 "dry rendering does not implement; extend it")
            return path, docs[0]
    raise FileNotFoundError(f"no kustomization in {directory}")


def apply_patches(docs, directory, kustomization):
    """Applies the kustomization's strategic merge patches to docs in place."""
    for entry in kustomization.get("patches") or []:
        if "path" not in entry or "target" in entry:
            raise ValueError("only strategic merge patches by path are rendered here")
        for patch in load_all(os.path.join(directory, entry["path"])):
            name = patch["metadata"]["name"]
            hits = [i for i, d in enumerate(docs)
                    if d.get("kind") == patch.get("kind")
                    and d.get("metadata", {}).get("name") == name]
            if not hits:
                raise ValueError(f"patch {entry['path']} targets {patch.get('kind')}/"
                                 f"{name}, which is not rendered")
            for i in hits:
                docs[i] = strategic_merge(docs[i], patch)


def apply_images(docs, kustomization):
    """Rewrites container images as the kustomization's `images` say, in place."""
    for image in kustomization.get("images") or []:
        for doc in docs:
            spec = doc.get("spec", {}).get("template", {}).get("spec", {})
            for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
                ref = c.get("image", "")
                name = re.split(r"[:@]", ref.rsplit("/", 1)[-1])[0]
                base = ref.split("@")[0]
                if ":" in base.rsplit("/", 1)[-1]:
                    base = base.rsplit(":", 1)[0]
                if base != image["name"] and name != image["name"]:
                    continue
                new = image.get("newName", base)
                if "digest" in image:
                    c["image"] = f"{new}@{image['digest']}"
                elif "newTag" in image:
                    c["image"] = f"{new}:{image['newTag']}"
                else:
                    c["image"] = new


def render(directory, extra_components=(), without_components=()):
    """The documents `kustomize build directory` would emit, in order.

    extra_components are rendered after the listed ones, as an overlay
    listing them would; a component already listed is not rendered twice.
    without_components are left out even when listed, so that a check can
    see the kustomization as it is without them (paths relative to
    directory)."""
    _, k = read_kustomization(directory)
    if k.get("kind", "Kustomization") not in ("Kustomization", "Component"):
        raise ValueError(f"{directory}: unexpected kind {k.get('kind')}")
    docs = []
    for res in k.get("resources") or []:
        path = os.path.join(directory, res)
        if os.path.isdir(path):
            docs.extend(render(path))
        else:
            docs.extend(load_all(path))
    left_out = {os.path.normpath(c) for c in without_components}
    components = []
    for comp in list(k.get("components") or []) + list(extra_components):
        comp = os.path.normpath(comp)
        if comp not in left_out and comp not in components:
            components.append(comp)
    for comp in components:
        comp_dir = os.path.join(directory, comp)
        _, ck = read_kustomization(comp_dir)
        if ck.get("kind") != "Component":
            raise ValueError(f"{comp} is not a kustomize Component")
        for res in ck.get("resources") or []:
            docs.extend(load_all(os.path.join(comp_dir, res)))
        apply_patches(docs, comp_dir, ck)
        apply_images(docs, ck)
    apply_patches(docs, directory, k)
    apply_images(docs, k)
    if k.get("namespace"):
        for d in docs:
            d.setdefault("metadata", {})["namespace"] = k["namespace"]
    return docs
