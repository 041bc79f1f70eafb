"""Reading YAML and the values in it: documents, durations, env entries, selectors.

The only module that imports yaml. When python3-yaml is missing, `yaml` is
None and check-deploy reports that as its one failed check instead of
crashing on the import.
"""

import re

try:
    import yaml
except ImportError:  # pragma: no cover - reported as a failed check
    yaml = None


def load_all(path):
    """The non-empty documents of the YAML file at path."""
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def parse_all(text):
    """The non-empty documents of a YAML stream given as text."""
    return [d for d in yaml.safe_load_all(text) if d is not None]


def parse(text):
    """The one document of a YAML (or JSON) string."""
    return yaml.safe_load(text)


def dump(docs):
    """docs as one multi-document YAML stream, keys in their order."""
    return yaml.safe_dump_all(docs, sort_keys=False, explicit_start=True)


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text):
    """Seconds in an absl duration ("5s", "1m30s", "250ms", "0")."""
    text = str(text).strip()
    if text == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if not m:
            raise ValueError(f"not a duration: {text!r}")
        total += float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
        pos = m.end()
    if pos == 0:
        raise ValueError(f"not a duration: {text!r}")
    return total


def env_of(container):
    """A container's env entries by variable name."""
    return {e["name"]: e for e in container.get("env") or []}


def env_value(container, name, default=None):
    """The literal value of a container's variable, default when it is unset.

    A variable set from elsewhere (valueFrom) cannot be checked here, so it
    is an error rather than a silent pass."""
    e = env_of(container).get(name)
    if e is None:
        return default
    if "value" not in e:
        raise ValueError(f"{name} must be a literal value to be checked")
    return e["value"]


def selector_matches(selector, labels):
    """Whether an equality selector picks an object with these labels.

    An empty selector counts as no match: it would select everything."""
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())
