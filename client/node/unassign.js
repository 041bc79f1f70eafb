#!/usr/bin/env node
// Take prospects out of Gong Engage flows through the Gong flows facade.
//
// A small example client of gong.flows.v1.FlowService/UnassignByInstanceIds
// with @grpc/grpc-js and @grpc/proto-loader:
//
//   node unassign.js [--target HOST:PORT] [--by EMAIL] [--timeout SECONDS] ID...
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
// The protos are loaded at run time, nothing is generated: the service from
// the repository's proto/ directory, google/rpc/{status,error_details}.proto
// from GOOGLEAPIS_DIR (default: Debian's golang-github-gogo-googleapis-dev).
'use strict';

const path = require('node:path');
const { parseArgs } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const USAGE_EXIT = 64;
const DETAILS_KEY = 'grpc-status-details-bin';
const PROTO_DIR = path.join(__dirname, '..', '..', 'proto');
const GOOGLEAPIS_DIR =
  process.env.GOOGLEAPIS_DIR || '/usr/share/gocode/src/github.com/gogo/googleapis';
const USAGE =
  'usage: unassign.js [--target HOST:PORT] [--by EMAIL] [--timeout SECONDS] ID...\n' +
  '  --target   the facade\'s address (default: localhost:50051)\n' +
  '  --by       email of the Gong user doing the removal\n' +
  '  --timeout  deadline of the call in seconds (default: 10)';

function parseCommandLine(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      target: { type: 'string', default: 'localhost:50051' },
      by: { type: 'string', default: '' },
      timeout: { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  const timeout = Number(values.timeout);
  if (positionals.length === 0) throw new Error('give at least one flow instance id');
  if (!(timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
  return { ...values, timeout, ids: positionals };
}

// One package definition for the service and the error detail messages.
// keepCase keeps the proto field names (flow_instance_ids, retry_delay);
// int64 fields (Duration.seconds) come as strings.
const packageDefinition = protoLoader.loadSync(
  ['gong/flows/v1/flow_service.proto', 'google/rpc/status.proto',
    'google/rpc/error_details.proto'],
  { includeDirs: [PROTO_DIR, GOOGLEAPIS_DIR], keepCase: true, longs: String,
    enums: String, defaults: true });
const { FlowService } = grpc.loadPackageDefinition(packageDefinition).gong.flows.v1;

// Decodes a google.protobuf.Any by its type URL
// ("type.googleapis.com/google.rpc.ErrorInfo"), or returns null for a type
// not loaded above.
function unpackAny(any) {
  const typeName = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
  const type = packageDefinition[typeName];
  return type && type.deserialize ? { typeName, message: type.deserialize(any.value) } : null;
}

function formatDuration({ seconds, nanos }) {
  if (!nanos) return `${seconds}s`;
  return `${(Number(seconds) + nanos / 1e9).toFixed(9).replace(/0+$/, '')}s`;
}

// Prints the rich error details of a failed call, one line each.
function printDetails(error) {
  const [raw] = error.metadata ? error.metadata.get(DETAILS_KEY) : [];
  if (!raw) return;
  const status = packageDefinition['google.rpc.Status'].deserialize(raw);
  for (const any of status.details) {
    const unpacked = unpackAny(any);
    const detail = unpacked && unpacked.message;
    switch (unpacked && unpacked.typeName) {
      case 'google.rpc.ErrorInfo': {
        const metadata = Object.keys(detail.metadata).sort()
          .map((key) => ` ${key}=${detail.metadata[key]}`).join('');
        console.error(`  error_info: reason=${detail.reason} domain=${detail.domain}${metadata}`);
        break;
      }
      case 'google.rpc.RetryInfo':
        console.error(`  retry_info: retry_delay=${formatDuration(detail.retry_delay)}`);
        break;
      case 'google.rpc.BadRequest':
        for (const v of detail.field_violations) {
          console.error(`  bad_request: ${v.field}: ${v.description}`);
        }
        break;
      default:
        console.error(`  detail: ${any.type_url}`);
    }
  }
}

function printResponse(response) {
  const removed = response.unassigned_flow_instance_ids;
  const kept = response.still_assigned_flow_instance_ids;
  console.log(`Gong request ${response.request_id}: unassigned ${removed.length} of ` +
    `${removed.length + kept.length} flow instances`);
  for (const id of removed) console.log(`  unassigned      ${id}`);
  for (const id of kept) console.log(`  still assigned  ${id}`);
}

function main() {
  let args;
  try {
    args = parseCommandLine(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n${USAGE}`);
    process.exitCode = USAGE_EXIT;
    return;
  }
  if (args === null) {
    console.log(USAGE);
    return;
  }
  const client = new FlowService(args.target, grpc.credentials.createInsecure());
  const request = { flow_instance_ids: args.ids, unassigned_by_user_email: args.by };
  const deadline = new Date(Date.now() + args.timeout * 1000);
  client.UnassignByInstanceIds(request, { deadline }, (error, response) => {
    client.close();
    if (error) {
      console.error(`${grpc.status[error.code]}: ${error.details}`);
      printDetails(error);
      process.exitCode = error.code;
      return;
    }
    printResponse(response);
  });
}

main();
