#!/usr/bin/python3
"""Take prospects out of Gong Engage flows through the Gong flows facade.

A small example client of gong.flows.v1.FlowService/UnassignByInstanceIds:

    unassign.py [--target HOST:PORT] [--by EMAIL] [--timeout SECONDS]
                [--stubs DIR] [--service-config PATH]
                [--priority interactive|background]
                [--idempotency-key KEY] [--attempts N] ID...

A person removing a prospect by hand, or a CRM trigger, keeps the default
priority, interactive; a bulk job says so, and yields to them:

    unassign.py 7300000000000000001                       # interactive
    unassign.py --priority background $(cat ended.txt)    # a clean-up

The priority goes in the `x-gong-flows-priority` metadata (facade_client.py
says what each one does).

The write carries an idempotency key (the `idempotency-key` metadata; a new
one each run unless --idempotency-key gives it). When its answer is lost
(UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL) it is sent again with the same
key, --attempts times in all (default 3): the facade then answers from what
the first attempt did, or reads Gong's state and sends only what is still
to do, and never unassigns twice. When the last attempt fails so too, it
prints the key: the same command with --idempotency-key KEY, later, settles
it.

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
The channel uses client/service_config.json (see facade_client.py), which
has the gRPC library retry no write: the retries here are the key's.
"""

import sys

import grpc  # Debian's python3-grpcio

import facade_client


def parse_args(argv):
    parser = facade_client.UsageParser(
        description="Unassign Gong flow instances through the Gong flows facade.")
    parser.add_argument("ids", metavar="ID", nargs="+",
                        help="flow instance id, as Gong writes it")
    parser.add_argument("--by", default="", metavar="EMAIL",
                        help="email of the Gong user doing the removal")
    facade_client.add_connection_args(parser)
    facade_client.add_write_args(parser)
    args = parser.parse_args(argv)
    return args, facade_client.idempotency_key(parser, args)


def main(argv):
    args, key = parse_args(argv)
    stubs = facade_client.load_stubs(args.stubs)

    request = stubs.flow_service_pb2.UnassignByInstanceIdsRequest(
        flow_instance_ids=args.ids, unassigned_by_user_email=args.by)
    with facade_client.open_channel(args) as channel:
        stub = stubs.flow_service_pb2_grpc.FlowServiceStub(channel)
        try:
            response = facade_client.call_write(stub.UnassignByInstanceIds, request,
                                                args, key)
        except grpc.RpcError as error:  # also a grpc.Call: code, details, trailers
            return facade_client.report_error(error, stubs)
    facade_client.print_unassign_response(response)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
