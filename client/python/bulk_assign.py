#!/usr/bin/python3
"""Put prospects into a Gong Engage flow as one bulk job, and watch it end.

An example client of gong.flows.v1.FlowService's StartBulkAssignment and
WatchBulkAssignment:

    bulk_assign.py --flow ID --owner EMAIL [--crm-id ID]...
                   [--person FIRST,LAST[,EMAIL[,COMPANY]]]...
                   [--watch-attempts N] [--idempotency-key KEY] [--attempts N]
                   [--target HOST:PORT] [--timeout SECONDS] [--stubs DIR]
                   [--service-config PATH] [--priority interactive|background]

--crm-id names a prospect already in the CRM; --person one that is not yet
(Gong creates it there): 1 to 50 prospects in all, Gong's most a job.

The start is a write with an idempotency key (a new one each run unless
--idempotency-key gives it), sent again with the same key while it ends
UNAVAILABLE, DEADLINE_EXCEEDED or INTERNAL (--attempts): the facade answers
a retried start with the job the first one started, never a second job.

Then it reads WatchBulkAssignment's stream to its end: the job now, then
each change, until COMPLETED or FAILED. The service config's retry covers
the watch only until its first message; an error in the middle of the
stream (the facade restarting, a connection lost) is this client's to
handle: it watches again, --watch-attempts times in a row at most (default
5, a second, then two, ... apart), and the first message of the new stream
is the job as it is now, so nothing is missed. The stream has no deadline
of --timeout's: a job lasts as long as Gong takes.

Prints each state as it comes, then each prospect's result. Exit status: 0
when every prospect was assigned, 66 when the job ended with some not (or
FAILED), the numeric gRPC code of a failed call, 64 for a usage error.
"""

import sys
import time

import grpc  # Debian's python3-grpcio

import facade_client

SOME_NOT_ASSIGNED_EXIT = 66
MAX_PROSPECTS = 50
# Errors after which watching again cannot help: the job is unknown, or
# this caller may not read it.
FINAL_WATCH_CODES = (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT,
                     grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED)


def parse_args(argv):
    parser = facade_client.UsageParser(
        description="Start a Gong bulk assignment through the facade and watch it end.")
    parser.add_argument("--flow", required=True, metavar="ID", help="the flow's id")
    parser.add_argument("--owner", required=True, metavar="EMAIL",
                        help="the Gong user who will own the new flow instances")
    parser.add_argument("--crm-id", action="append", default=[], metavar="ID",
                        help="a prospect already in the CRM (repeatable)")
    parser.add_argument("--person", action="append", default=[],
                        metavar="FIRST,LAST[,EMAIL[,COMPANY]]",
                        help="a prospect not yet in the CRM (repeatable)")
    parser.add_argument("--watch-attempts", type=int, default=5, metavar="N",
                        help="watch again after a broken stream, N times in a row at "
                             "most (default: %(default)s)")
    facade_client.add_connection_args(parser)
    facade_client.add_write_args(parser)
    args = parser.parse_args(argv)
    people = []
    for person in args.person:
        fields = person.split(",")
        if len(fields) < 2 or len(fields) > 4 or not fields[0] or not fields[1]:
            parser.error(f"--person takes FIRST,LAST[,EMAIL[,COMPANY]], not {person!r}")
        people.append(fields + [""] * (4 - len(fields)))
    args.people = people
    if not 1 <= len(args.crm_id) + len(people) <= MAX_PROSPECTS:
        parser.error(f"give 1 to {MAX_PROSPECTS} prospects (--crm-id, --person)")
    if args.watch_attempts < 1:
        parser.error("--watch-attempts must be at least 1")
    return args, facade_client.idempotency_key(parser, args)


def state_name(pb2, state):
    return pb2.BulkAssignmentState.Name(state).removeprefix("BULK_ASSIGNMENT_STATE_")


def print_state(pb2, job):
    print(f"Gong request {job.request_id}: bulk assignment {job.bulk_assignment_id} "
          f"{state_name(pb2, job.state).lower()}: {job.processed_count} of "
          f"{job.total_count} done, {job.succeeded_count} assigned, "
          f"{job.failed_count} failed", flush=True)


def watch(stub, pb2, job_id, args):
    """Reads the job's watch stream to its end; watches again after an error
    in the middle of it. Returns the last state; raises the last error."""
    request = pb2.WatchBulkAssignmentRequest(bulk_assignment_id=job_id)
    failures = 0
    while True:
        last = None
        try:
            for message in stub.WatchBulkAssignment(
                    request, metadata=facade_client.call_metadata(args)):
                last = message.bulk_assignment
                failures = 0
                print_state(pb2, last)
            return last
        except grpc.RpcError as error:
            failures += 1
            if error.code() in FINAL_WATCH_CODES or failures >= args.watch_attempts:
                raise
            delay = 2 ** (failures - 1)
            print(f"{error.code().name}: {error.details()}; watching again in {delay}s "
                  f"(the new stream starts with the job as it is now)", file=sys.stderr)
            time.sleep(delay)


def main(argv):
    args, key = parse_args(argv)
    stubs = facade_client.load_stubs(args.stubs)
    pb2 = stubs.flow_service_pb2
    prospects = [pb2.BulkProspect(crm_id=crm_id) for crm_id in args.crm_id]
    prospects += [pb2.BulkProspect(first_name=first, last_name=last, email=email,
                                   company_name=company)
                  for first, last, email, company in args.people]
    request = pb2.StartBulkAssignmentRequest(flow_id=args.flow, owner_email=args.owner,
                                             prospects=prospects)
    with facade_client.open_channel(args) as channel:
        stub = stubs.flow_service_pb2_grpc.FlowServiceStub(channel)
        try:
            started = facade_client.call_write(stub.StartBulkAssignment, request, args,
                                               key).bulk_assignment
            print_state(pb2, started)
            job = watch(stub, pb2, started.bulk_assignment_id, args)
        except grpc.RpcError as error:
            return facade_client.report_error(error, stubs)
    if job is None:
        print("INTERNAL: the watch ended without a state", file=sys.stderr)
        return grpc.StatusCode.INTERNAL.value[0]
    for result in job.results:
        status = pb2.BulkProspectStatus.Name(result.status).removeprefix(
            "BULK_PROSPECT_STATUS_").lower()
        who = result.prospect.crm_id or (
            f"{result.prospect.first_name} {result.prospect.last_name}")
        print(f"  {status:<22}  {who}  crm_id={result.crm_id or '-'}  "
              f"flow_instance_id={result.flow_instance_id or '-'}"
              + (f"  {result.error_code}: {result.error_message}"
                 if result.error_code or result.error_message else ""))
    if job.state != pb2.BULK_ASSIGNMENT_STATE_COMPLETED or \
            job.succeeded_count < job.total_count:
        return SOME_NOT_ASSIGNED_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
