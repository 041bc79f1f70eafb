#!/usr/bin/env node
// Take prospects out of Gong Engage flows through the Gong flows facade.
//
// A small example client of gong.flows.v1.FlowService/UnassignByInstanceIds
// with @grpc/grpc-js and @grpc/proto-loader:
//
//   node unassign.js [--target HOST:PORT] [--by EMAIL] [--timeout SECONDS]
//                    [--service-config PATH]
//                    [--priority interactive|background]
//                    [--idempotency-key KEY] [--attempts N] ID...
//
// A person removing a prospect by hand, or a CRM trigger, keeps the default
// priority, interactive; a bulk job says so, and yields to them:
//
//   node unassign.js 7300000000000000001                       # interactive
//   node unassign.js --priority background $(cat ended.txt)    # a clean-up
//
// The priority goes in the `x-gong-flows-priority` metadata (facade_client.js
// says what each one does).
//
// The write carries an idempotency key (the `idempotency-key` metadata; a new
// one each run unless --idempotency-key gives it). When its answer is lost
// (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL) it is sent again with the same
// key, --attempts times in all (default 3): the facade then answers from what
// the first attempt did, or reads Gong's state and sends only what is still
// to do, and never unassigns twice. When the last attempt fails so too, it
// prints the key: the same command with --idempotency-key KEY, later,
// settles it.
//
// On success it prints Gong's request id and, one a line, the flow instances
// unassigned and those still assigned. On failure it prints
// `CODE_NAME: message` and the rich error details the facade puts in the
// `grpc-status-details-bin` trailer (a google.rpc.Status): the ErrorInfo
// reason, domain and metadata, the RetryInfo delay, and the BadRequest field
// violations.
//
// Exit status: 0 on success, the numeric gRPC status code of a failed call
// (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, ...), or 64 (no
// gRPC code) for a usage error, as the C++ `gong-flows` CLI does.
//
// The protos are loaded at run time, nothing is generated (see
// facade_client.js, which has what this shares with the other example). The
// client uses client/service_config.json, which has the gRPC library retry
// no write: the retries here are the key's.
'use strict';

const facade = require('./facade_client');

const USAGE =
  'usage: unassign.js [--target HOST:PORT] [--by EMAIL] [--timeout SECONDS]\n' +
  '                   [--service-config PATH] [--priority interactive|background]\n' +
  '                   [--idempotency-key KEY] [--attempts N] ID...\n' +
  '  --by              email of the Gong user doing the removal\n' +
  facade.WRITE_USAGE +
  facade.CONNECTION_USAGE;

function parse(argv) {
  const args = facade.parseCommandLine(
    argv, { by: { type: 'string', default: '' }, ...facade.WRITE_OPTIONS });
  if (args === null) return null;
  if (args.positionals.length === 0) throw new Error('give at least one flow instance id');
  return { ...args, ids: args.positionals, write: facade.writeOptions(args) };
}

function main(args) {
  const client = facade.openClient(args);
  const request = { flow_instance_ids: args.ids, unassigned_by_user_email: args.by };
  facade.callWrite(client, 'UnassignByInstanceIds', request, args, args.write,
    (error, response) => {
      client.close();
      if (error) {
        facade.reportError(error);
        return;
      }
      facade.printUnassignResponse(response);
    });
}

facade.runWithCommandLine(USAGE, parse, main);
