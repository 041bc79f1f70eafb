#!/usr/bin/python3
"""Take prospects out of Gong Engage flows through the Gong flows facade.

A small example client of gong.flows.v1.FlowService/UnassignByInstanceIds:

    unassign.py [--target HOST:PORT] [--by EMAIL] [--timeout SECONDS]
                [--stubs DIR] ID...

On success it prints Gong's request id and, one a line, the flow instances
unassigned and those still assigned. On failure it prints `CODE_NAME: message`
and the rich error details the facade puts in the `grpc-status-details-bin`
trailer (a google.rpc.Status): the ErrorInfo reason, domain and metadata, the
RetryInfo delay, and the BadRequest field violations.

Exit status: 0 on success, the numeric gRPC status code of a failed call
(3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, ...), or 64 (no
gRPC code) for a usage error or missing stubs, as the C++ `gong-flows` CLI does.

Needs Debian's python3-grpcio and python3-protobuf (run it with
/usr/bin/python3) and the generated modules gong/flows/v1/flow_service_pb2*.py
and google/rpc/{status,error_details}_pb2.py, made by generate_stubs.sh beside
this file (the CMake build puts them in build/client/python_stubs). Say where
they are with --stubs DIR or the environment variable GONG_FLOWS_PY_STUBS.
"""

import argparse
import importlib
import os
import sys

import grpc  # Debian's python3-grpcio

USAGE_EXIT = 64
DETAILS_KEY = "grpc-status-details-bin"


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(USAGE_EXIT)


def parse_args(argv):
    parser = _Parser(
        description="Unassign Gong flow instances through the Gong flows facade.")
    parser.add_argument("ids", metavar="ID", nargs="+",
                        help="flow instance id, as Gong writes it")
    parser.add_argument("--target", default="localhost:50051",
                        help="the facade's address (default: %(default)s)")
    parser.add_argument("--by", default="", metavar="EMAIL",
                        help="email of the Gong user doing the removal")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                        help="deadline of the call (default: %(default)s)")
    parser.add_argument("--stubs", default=os.environ.get("GONG_FLOWS_PY_STUBS"),
                        metavar="DIR",
                        help="directory of the generated modules "
                             "(default: $GONG_FLOWS_PY_STUBS)")
    return parser.parse_args(argv)


def load_stubs(stubs_dir):
    """Imports the generated modules, from stubs_dir when given."""
    if stubs_dir:
        sys.path.insert(0, stubs_dir)
    names = ("gong.flows.v1.flow_service_pb2", "gong.flows.v1.flow_service_pb2_grpc",
             "google.rpc.status_pb2", "google.rpc.error_details_pb2")
    try:
        return [importlib.import_module(name) for name in names]
    except ImportError as e:
        print(f"cannot import the generated stubs ({e}): run generate_stubs.sh and "
              "pass its directory with --stubs or GONG_FLOWS_PY_STUBS", file=sys.stderr)
        sys.exit(USAGE_EXIT)


def format_duration(d):
    """A google.protobuf.Duration as seconds: 30s, 1.5s."""
    if d.nanos == 0:
        return f"{d.seconds}s"
    return f"{d.seconds + d.nanos / 1e9:.9f}".rstrip("0") + "s"


def print_details(error, status_pb2, error_details_pb2):
    """Prints the rich error details of a failed call, one line each."""
    trailers = error.trailing_metadata() or ()
    raw = next((value for key, value in trailers if key == DETAILS_KEY), None)
    if raw is None:
        return
    status = status_pb2.Status.FromString(raw)
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


def print_response(response):
    removed = len(response.unassigned_flow_instance_ids)
    total = removed + len(response.still_assigned_flow_instance_ids)
    print(f"Gong request {response.request_id}: unassigned {removed} of {total} "
          "flow instances")
    for flow_instance_id in response.unassigned_flow_instance_ids:
        print(f"  unassigned      {flow_instance_id}")
    for flow_instance_id in response.still_assigned_flow_instance_ids:
        print(f"  still assigned  {flow_instance_id}")


def main(argv):
    args = parse_args(argv)
    flow_service_pb2, flow_service_pb2_grpc, status_pb2, error_details_pb2 = (
        load_stubs(args.stubs))

    request = flow_service_pb2.UnassignByInstanceIdsRequest(
        flow_instance_ids=args.ids, unassigned_by_user_email=args.by)
    with grpc.insecure_channel(args.target) as channel:
        stub = flow_service_pb2_grpc.FlowServiceStub(channel)
        try:
            response = stub.UnassignByInstanceIds(request, timeout=args.timeout)
        except grpc.RpcError as error:  # also a grpc.Call: code, details, trailers
            code = error.code()
            print(f"{code.name}: {error.details()}", file=sys.stderr)
            print_details(error, status_pb2, error_details_pb2)
            return code.value[0]
    print_response(response)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
