"""What the example clients beside this file share.

unassign.py and lookup_then_unassign.py differ only in the calls they make
and what they print of the answers. Everything around the calls is here, so
that both behave alike:

- the command line: --target, --timeout, --stubs, --service-config and
  --priority, and a usage error exiting 64 (no gRPC code has that number);
- each call's priority, the `x-gong-flows-priority` metadata (see
  call_metadata: when to send interactive and when background);
- importing the generated modules (generate_stubs.sh);
- the channel, with the recommended service config (../service_config.json:
  reads retried on UNAVAILABLE, writes never retried by the client);
- a failed call: `CODE_NAME: message` on stderr, then the rich error details
  of the `grpc-status-details-bin` trailer, one line each, and the numeric
  gRPC code as the exit status;
- a write's idempotency key (the `idempotency-key` metadata) and sending the
  write again with the same key when its answer was lost (see call_write).

Needs Debian's python3-grpcio and python3-protobuf (/usr/bin/python3).
"""

import argparse
import collections
import importlib
import json
import os
import sys
import time
import uuid

import grpc  # Debian's python3-grpcio

USAGE_EXIT = 64
DETAILS_KEY = "grpc-status-details-bin"
PRIORITY_KEY = "x-gong-flows-priority"
PRIORITIES = ("interactive", "background")
IDEMPOTENCY_KEY = "idempotency-key"
MAX_KEY_LENGTH = 255
# A write that ends so may or may not have been carried out (the answer was
# lost, the deadline passed while Gong worked). With its key, sending it
# again is safe: the facade answers from what the first call did (replayed)
# or from Gong's state (settled) and never acts twice.
RETRY_CODES = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
               grpc.StatusCode.INTERNAL)
# The wait before the second attempt, doubled before each next one.
FIRST_RETRY_DELAY = 0.5
# The service config every example ships with: client/service_config.json.
DEFAULT_SERVICE_CONFIG = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), os.pardir, "service_config.json")

Stubs = collections.namedtuple(
    "Stubs", "flow_service_pb2 flow_service_pb2_grpc status_pb2 error_details_pb2")


class UsageParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors exit 64, as the C++ CLI's do."""

    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(USAGE_EXIT)


def add_connection_args(parser):
    """Adds --target, --timeout, --stubs, --service-config and --priority to
    parser."""
    parser.add_argument("--target", default="localhost:50051",
                        help="the facade's address (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                        help="deadline of each call (default: %(default)s)")
    parser.add_argument("--stubs", default=os.environ.get("GONG_FLOWS_PY_STUBS"),
                        metavar="DIR",
                        help="directory of the generated modules "
                             "(default: $GONG_FLOWS_PY_STUBS)")
    parser.add_argument("--service-config", default=None, metavar="PATH",
                        help="gRPC service config (JSON) of the channel; an empty "
                             "PATH means none (default: client/service_config.json)")
    parser.add_argument("--priority", choices=PRIORITIES, default="interactive",
                        help="interactive when someone waits on the answer, "
                             "background for bulk work (default: %(default)s)")


def add_write_args(parser):
    """Adds --idempotency-key and --attempts, for a write, to parser."""
    parser.add_argument("--idempotency-key", default=None, metavar="KEY",
                        help="the write's idempotency key, 1 to 255 printable ASCII "
                             "characters (default: a new one each run)")
    parser.add_argument("--attempts", type=int, default=3, metavar="N",
                        help="send the write at most N times, with the same key, "
                             "while it ends UNAVAILABLE, DEADLINE_EXCEEDED or INTERNAL "
                             "(default: %(default)s)")


def idempotency_key(parser, args):
    """args.idempotency_key, checked (a usage error otherwise), or a new key.

    One key per logical write: the same key sent again means "this very
    write", so a new run makes a new one, and a retry of a lost answer,
    here or by hand, reuses it.
    """
    if args.attempts < 1:
        parser.error("--attempts must be at least 1")
    key = args.idempotency_key
    if key is None:
        return "example-" + uuid.uuid4().hex
    if not 1 <= len(key) <= MAX_KEY_LENGTH or any(not " " <= c <= "~" for c in key):
        parser.error("--idempotency-key takes 1 to 255 printable ASCII characters")
    return key


def note_marks(call):
    """Says on stderr when the facade answered from a key or a lookup."""
    marks = dict(call.initial_metadata() or ())
    if marks.get("idempotent-replayed") == "true":
        print("note: idempotent-replayed: the answer of an earlier call with this "
              "key; nothing was sent to Gong again", file=sys.stderr)
    if marks.get("idempotent-settled") == "true":
        print("note: idempotent-settled: the facade read Gong's state and sent only "
              "what was still to do", file=sys.stderr)


def call_write(method, request, args, key):
    """Calls the write `method` (a stub's method) with `key` and returns its
    response; sends it again with the same key, at most args.attempts times
    in all, while it ends with one of RETRY_CODES.

    Raises the last grpc.RpcError; when that is one of RETRY_CODES, the
    write may have been carried out, and it says so on stderr with the key
    that settles it.
    """
    metadata = call_metadata(args) + ((IDEMPOTENCY_KEY, key),)
    delay = FIRST_RETRY_DELAY
    for attempt in range(1, args.attempts + 1):
        try:
            response, call = method.with_call(request, timeout=args.timeout,
                                              metadata=metadata)
        except grpc.RpcError as error:
            if error.code() not in RETRY_CODES:
                raise
            if attempt == args.attempts:
                print(f"note: the write may have been carried out; sending it again "
                      f"with --idempotency-key {key} settles it without doing it twice",
                      file=sys.stderr)
                raise
            print(f"{error.code().name}: {error.details()}; sending it again with the "
                  f"same idempotency key (attempt {attempt + 1} of {args.attempts})",
                  file=sys.stderr)
            time.sleep(delay)
            delay *= 2
            continue
        note_marks(call)
        return response
    raise AssertionError("unreachable: the last attempt returns or raises")


def load_stubs(stubs_dir):
    """Imports the generated modules, from stubs_dir when given."""
    if stubs_dir:
        sys.path.insert(0, stubs_dir)
    try:
        return Stubs(*(importlib.import_module(name) for name in (
            "gong.flows.v1.flow_service_pb2", "gong.flows.v1.flow_service_pb2_grpc",
            "google.rpc.status_pb2", "google.rpc.error_details_pb2")))
    except ImportError as e:
        print(f"cannot import the generated stubs ({e}): run generate_stubs.sh and "
              "pass its directory with --stubs or GONG_FLOWS_PY_STUBS", file=sys.stderr)
        sys.exit(USAGE_EXIT)


def read_service_config(path):
    """The service config's JSON text; None for none.

    path None means the default file: when it is missing the channel goes
    without (a note says so), as a copied script should still work. A path
    given on the command line must be readable JSON (else a usage error);
    an empty one means none.
    """
    explicit = path is not None
    if not explicit:
        path = DEFAULT_SERVICE_CONFIG
    elif not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        if explicit:
            print(f"cannot read the service config: {e}", file=sys.stderr)
            sys.exit(USAGE_EXIT)
        print(f"note: no service config ({e.strerror}: {path}); reads are not retried",
              file=sys.stderr)
        return None
    try:
        json.loads(text)
    except ValueError as e:
        print(f"the service config {path} is not JSON: {e}", file=sys.stderr)
        sys.exit(USAGE_EXIT)
    return text


def open_channel(args):
    """A plaintext channel to args.target with the service config applied.

    grpc.enable_retries is on by default in recent gRPC; it is set here so
    that the retry policy does not depend on the library's version.
    """
    options = []
    service_config = read_service_config(args.service_config)
    if service_config is not None:
        options += [("grpc.service_config", service_config), ("grpc.enable_retries", 1)]
    return grpc.insecure_channel(args.target, options=options)


def call_metadata(args):
    """The metadata every call sends: its priority, args.priority.

    The facade's steward keeps one queue of Gong requests for the whole
    company, and this says where a call stands in it:

    - "interactive" (also what the facade assumes without the header): a
      person or a system is waiting on this very answer, such as a CRM
      trigger taking out a prospect who just replied. It is never queued
      behind background work (it waits at most for the window's next slot),
      and it may spend the day's last calls, which the facade keeps back
      for it (--daily_reserve).
    - "background": nothing waits on each answer, such as a campaign's
      clean-up, a territory move or a nightly reconciliation. It yields to
      interactive calls and takes turns with other callers, and once the
      day's Gong calls reach the limit less the reserve it is refused with
      RESOURCE_EXHAUSTED, reason DAILY_BUDGET_RESERVED, and a RetryInfo
      delay to the next UTC midnight: send it again then, not before.

    Sending background for bulk work is what keeps the company's day usable
    for everyone else; the facade does not guess it.
    """
    return ((PRIORITY_KEY, args.priority),)


def format_duration(d):
    """A google.protobuf.Duration as seconds: 30s, 1.5s."""
    if d.nanos == 0:
        return f"{d.seconds}s"
    return f"{d.seconds + d.nanos / 1e9:.9f}".rstrip("0") + "s"


def print_details(error, stubs):
    """Prints the rich error details of a failed call, one line each."""
    trailers = error.trailing_metadata() or ()
    raw = next((value for key, value in trailers if key == DETAILS_KEY), None)
    if raw is None:
        return
    status = stubs.status_pb2.Status.FromString(raw)
    error_details_pb2 = stubs.error_details_pb2
    for any_detail in status.details:
        info = error_details_pb2.ErrorInfo()
        retry = error_details_pb2.RetryInfo()
        bad = error_details_pb2.BadRequest()
        if any_detail.Unpack(info):
            metadata = "".join(f" {k}={v}" for k, v in sorted(info.metadata.items()))
            print(f"  error_info: reason={info.reason} domain={info.domain}{metadata}",
                  file=sys.stderr)
        elif any_detail.Unpack(retry):
            print(f"  retry_info: retry_delay={format_duration(retry.retry_delay)}",
                  file=sys.stderr)
        elif any_detail.Unpack(bad):
            for v in bad.field_violations:
                print(f"  bad_request: {v.field}: {v.description}", file=sys.stderr)
        else:
            print(f"  detail: {any_detail.type_url}", file=sys.stderr)


def report_error(error, stubs):
    """Prints a failed call (a grpc.RpcError, also a grpc.Call) and returns
    the exit status: its numeric gRPC code."""
    code = error.code()
    print(f"{code.name}: {error.details()}", file=sys.stderr)
    print_details(error, stubs)
    return code.value[0]


def print_unassign_response(response):
    """Prints an UnassignByInstanceIdsResponse: Gong's request id, then the
    instances unassigned and those still assigned, one a line."""
    removed = len(response.unassigned_flow_instance_ids)
    total = removed + len(response.still_assigned_flow_instance_ids)
    print(f"Gong request {response.request_id}: unassigned {removed} of {total} "
          "flow instances")
    for flow_instance_id in response.unassigned_flow_instance_ids:
        print(f"  unassigned      {flow_instance_id}")
    for flow_instance_id in response.still_assigned_flow_instance_ids:
        print(f"  still assigned  {flow_instance_id}")
