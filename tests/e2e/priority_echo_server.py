#!/usr/bin/python3
"""A stand-in FlowService that tells what priority and idempotency key each
call carried.

clients_test.sh runs the example clients against it to see the
`x-gong-flows-priority` metadata they send, which the facade itself does
not echo. Every answer's request_id is "priority=VALUE" (the metadata's
values joined with "+", "none" without it):

- GetProspectFlows: one Running instance, 7300000000000000001, of flow
  7100000000000000001 ("Echo"), for whatever CRM id is asked;
- UnassignByInstanceIds: every id given, unassigned.

UnassignByInstanceIds keeps the answer of each `idempotency-key` it is
sent, and answers the same key again with that answer and the initial
metadata `idempotent-replayed: true`, as the facade does; so a client shows
that it sent the same key twice. An id "lost-once" makes the first call of
a key act and then answer UNAVAILABLE, as an answer lost after Gong acted
(without a key, every such call).

Usage: priority_echo_server.py STUBS_DIR
Prints "listening on 127.0.0.1:PORT" once it serves; runs until killed.
"""

import sys
import threading
from concurrent import futures

import grpc  # Debian's python3-grpcio

PRIORITY_KEY = "x-gong-flows-priority"
IDEMPOTENCY_KEY = "idempotency-key"


def main(stubs_dir):
    sys.path.insert(0, stubs_dir)
    from gong.flows.v1 import flow_service_pb2 as pb2
    from gong.flows.v1 import flow_service_pb2_grpc as pb2_grpc

    def request_id(context):
        values = [v for k, v in context.invocation_metadata() if k == PRIORITY_KEY]
        return "priority=" + ("+".join(values) if values else "none")

    answers = {}  # idempotency key -> the first call's response
    answers_lock = threading.Lock()

    class Echo(pb2_grpc.FlowServiceServicer):
        def GetProspectFlows(self, request, context):
            return pb2.GetProspectFlowsResponse(
                request_id=request_id(context),
                flow_instances=[pb2.FlowInstance(
                    flow_instance_id="7300000000000000001", flow_id="7100000000000000001",
                    flow_name="Echo", status=pb2.FLOW_INSTANCE_STATUS_RUNNING)])

        def UnassignByInstanceIds(self, request, context):
            keys = [v for k, v in context.invocation_metadata() if k == IDEMPOTENCY_KEY]
            key = keys[-1] if keys else None
            with answers_lock:
                stored = answers.get(key) if key is not None else None
                if stored is None:
                    response = pb2.UnassignByInstanceIdsResponse(
                        request_id=request_id(context),
                        unassigned_flow_instance_ids=request.flow_instance_ids)
                    if key is not None:
                        answers[key] = response
            if stored is not None:
                context.send_initial_metadata((("idempotent-replayed", "true"),))
                return stored
            if "lost-once" in request.flow_instance_ids:
                context.abort(grpc.StatusCode.UNAVAILABLE,
                              "the answer was lost after acting (echo)")
            return response

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb2_grpc.add_FlowServiceServicer_to_server(Echo(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main(sys.argv[1])
