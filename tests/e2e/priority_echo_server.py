#!/usr/bin/python3
"""A stand-in FlowService that tells what priority each call carried.

clients_test.sh runs the example clients against it to see the
`x-gong-flows-priority` metadata they send, which the facade itself does
not echo. Every answer's request_id is "priority=VALUE" (the metadata's
values joined with "+", "none" without it):

- GetProspectFlows: one Running instance, 7300000000000000001, of flow
  7100000000000000001 ("Echo"), for whatever CRM id is asked;
- UnassignByInstanceIds: every id given, unassigned.

Usage: priority_echo_server.py STUBS_DIR
Prints "listening on 127.0.0.1:PORT" once it serves; runs until killed.
"""

import sys
from concurrent import futures

import grpc  # Debian's python3-grpcio

PRIORITY_KEY = "x-gong-flows-priority"


def main(stubs_dir):
    sys.path.insert(0, stubs_dir)
    from gong.flows.v1 import flow_service_pb2 as pb2
    from gong.flows.v1 import flow_service_pb2_grpc as pb2_grpc

    def request_id(context):
        values = [v for k, v in context.invocation_metadata() if k == PRIORITY_KEY]
        return "priority=" + ("+".join(values) if values else "none")

    class Echo(pb2_grpc.FlowServiceServicer):
        def GetProspectFlows(self, request, context):
            return pb2.GetProspectFlowsResponse(
                request_id=request_id(context),
                flow_instances=[pb2.FlowInstance(
                    flow_instance_id="7300000000000000001", flow_id="7100000000000000001",
                    flow_name="Echo", status=pb2.FLOW_INSTANCE_STATUS_RUNNING)])

        def UnassignByInstanceIds(self, request, context):
            return pb2.UnassignByInstanceIdsResponse(
                request_id=request_id(context),
                unassigned_flow_instance_ids=request.flow_instance_ids)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb2_grpc.add_FlowServiceServicer_to_server(Echo(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main(sys.argv[1])
