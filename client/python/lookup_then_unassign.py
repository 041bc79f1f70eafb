#!/usr/bin/python3
"""Take one prospect out of its Gong Engage flows, knowing only its CRM id.

UnassignByInstanceIds wants flow instance ids, which a CRM does not know.
This example finds them first, then removes them, in two calls to
gong.flows.v1.FlowService:

    lookup_then_unassign.py [--target HOST:PORT] [--timeout SECONDS]
                            [--flow FLOW_ID] [--by EMAIL] [--stubs DIR]
                            [--service-config PATH]
                            [--priority interactive|background] CRM_ID

1. GetProspectFlows by crm_prospect_ids: the prospect's open flow instances
   (Gong lists only pending, running and paused ones by CRM id). With
   --flow, only the instance of that flow is kept. Each is printed: instance
   id, flow id, status and flow name. None: it says so and exits 0 without
   a second call.
2. UnassignByInstanceIds with those ids: what Gong removed and what is still
   assigned, as unassign.py prints it.

(UnassignByCrmId does this in one call for one flow or all of them; this
example shows the two-step way, which lets a caller see, and choose, what it
removes.)

Both calls carry --priority (the `x-gong-flows-priority` metadata): the
default, interactive, is for a prospect someone is waiting on; a script
that works through a list says background (facade_client.py says why).

Each call has its own deadline of --timeout seconds. The lookup is a read:
the service config (client/service_config.json) has the client retry it on
UNAVAILABLE; the unassign is a write, which only the facade retries.

Exit status: 0 on success (also when nothing was found), the numeric gRPC
code of the call that failed, or 64 for a usage error. Errors print as
unassign.py's do. Needs what unassign.py needs (/usr/bin/python3, the stubs).
"""

import sys

import grpc  # Debian's python3-grpcio

import facade_client

STATUS_PREFIX = "FLOW_INSTANCE_STATUS_"


def parse_args(argv):
    parser = facade_client.UsageParser(
        description="Find a prospect's open Gong flow instances by its CRM id and "
                    "unassign them through the Gong flows facade.")
    parser.add_argument("crm_id", metavar="CRM_ID",
                        help="the prospect's id in the CRM, such as 0013a00001kDuDXAA0")
    parser.add_argument("--flow", default=None, metavar="FLOW_ID",
                        help="leave only this flow (default: every flow the "
                             "prospect is in)")
    parser.add_argument("--by", default="", metavar="EMAIL",
                        help="email of the Gong user doing the removal")
    facade_client.add_connection_args(parser)
    return parser.parse_args(argv)


def status_name(flow_service_pb2, status):
    """RUNNING for FLOW_INSTANCE_STATUS_RUNNING; the number for a status
    added to the API after these stubs were generated."""
    try:
        name = flow_service_pb2.FlowInstanceStatus.Name(status)
    except ValueError:
        return str(status)
    return name[len(STATUS_PREFIX):] if name.startswith(STATUS_PREFIX) else name


def describe_lookup(args, count):
    """"2 open flow instances of 003... in flow 71..." and the like."""
    noun = "flow instance" if count == 1 else "flow instances"
    where = f" in flow {args.flow}" if args.flow is not None else ""
    return f"{count or 'no'} open {noun} of {args.crm_id}{where}"


def main(argv):
    args = parse_args(argv)
    stubs = facade_client.load_stubs(args.stubs)
    pb2 = stubs.flow_service_pb2

    with facade_client.open_channel(args) as channel:
        stub = stubs.flow_service_pb2_grpc.FlowServiceStub(channel)
        try:
            found = stub.GetProspectFlows(
                pb2.GetProspectFlowsRequest(crm_prospect_ids=[args.crm_id]),
                timeout=args.timeout, metadata=facade_client.call_metadata(args))
        except grpc.RpcError as error:
            return facade_client.report_error(error, stubs)
        instances = [i for i in found.flow_instances
                     if args.flow is None or i.flow_id == args.flow]
        print(f"Gong request {found.request_id}: {describe_lookup(args, len(instances))}"
              + ("" if instances else "; nothing to unassign"))
        if not instances:
            return 0
        for i in instances:
            print(f"  found           {i.flow_instance_id}  flow {i.flow_id}  "
                  f"{status_name(pb2, i.status)}  {i.flow_name}")

        try:
            response = stub.UnassignByInstanceIds(
                pb2.UnassignByInstanceIdsRequest(
                    flow_instance_ids=[i.flow_instance_id for i in instances],
                    unassigned_by_user_email=args.by),
                timeout=args.timeout, metadata=facade_client.call_metadata(args))
        except grpc.RpcError as error:
            return facade_client.report_error(error, stubs)
    facade_client.print_unassign_response(response)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
