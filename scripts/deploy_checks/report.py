"""Counting and printing results: one `ok NAME` or `FAIL NAME: why` line each."""


class Checks:
    """Collects results; each check prints one line."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, name, ok, why=""):
        """Reports a check whose outcome the caller already knows."""
        if ok:
            self.passed += 1
            print(f"ok {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}: {why}" if why else f"FAIL {name}")

    def run(self, name, fn, *args):
        """Runs fn(*args), which returns None/"" for success or a reason string.

        An exception is a failure too (a missing key in a manifest is a
        regression, not a crash of the checker)."""
        try:
            why = fn(*args)
        except Exception as e:  # noqa: BLE001 - every error is a finding
            why = f"{type(e).__name__}: {e}"
        self.record(name, not why, why or "")

    def summary(self):
        """The last line of the report."""
        return f"{self.passed} passed, {self.failed} failed"
