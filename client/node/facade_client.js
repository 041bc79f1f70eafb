// What the example clients beside this file share.
//
// unassign.js and lookup_then_unassign.js differ only in the calls they make
// and what they print of the answers. Everything around the calls is here, so
// that both behave alike:
//
// - the command line: --target, --timeout, --service-config and --priority,
//   and a usage error exiting 64 (no gRPC code has that number);
// - each call's priority, the `x-gong-flows-priority` metadata (see
//   callMetadata: when to send interactive and when background);
// - the protos, loaded at run time (nothing is generated): the service from
//   the repository's proto/ directory, google/rpc/{status,error_details}.proto
//   from GOOGLEAPIS_DIR (default: Debian's golang-github-gogo-googleapis-dev);
//   google/protobuf/timestamp.proto, which the service imports, comes with
//   protobufjs (proto-loader's parser), as every google/protobuf/*.proto does;
// - the client, with the recommended service config (../service_config.json:
//   reads retried on UNAVAILABLE, writes never retried by the client);
// - a failed call: `CODE_NAME: message` on stderr, then the rich error
//   details of the `grpc-status-details-bin` trailer, one line each, and the
//   numeric gRPC code as the exit status;
// - a write's idempotency key (the `idempotency-key` metadata) and sending the
//   write again with the same key when its answer was lost (see callWrite).
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const USAGE_EXIT = 64;
const DETAILS_KEY = 'grpc-status-details-bin';
const PRIORITY_KEY = 'x-gong-flows-priority';
const PRIORITIES = ['interactive', 'background'];
const IDEMPOTENCY_KEY = 'idempotency-key';
const MAX_KEY_LENGTH = 255;
// A write that ends so may or may not have been carried out (the answer was
// lost, the deadline passed while Gong worked). With its key, sending it
// again is safe: the facade answers from what the first call did (replayed)
// or from Gong's state (settled) and never acts twice.
const RETRY_CODES = [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED,
  grpc.status.INTERNAL];
// The wait before the second attempt, doubled before each next one.
const FIRST_RETRY_DELAY_MS = 500;
const PROTO_DIR = path.join(__dirname, '..', '..', 'proto');
const GOOGLEAPIS_DIR =
  process.env.GOOGLEAPIS_DIR || '/usr/share/gocode/src/github.com/gogo/googleapis';
// The service config every example ships with: client/service_config.json.
const DEFAULT_SERVICE_CONFIG = path.join(__dirname, '..', 'service_config.json');

// The options every example takes, for util.parseArgs.
const CONNECTION_OPTIONS = {
  target: { type: 'string', default: 'localhost:50051' },
  timeout: { type: 'string', default: '10' },
  'service-config': { type: 'string' },
  priority: { type: 'string', default: 'interactive' },
  help: { type: 'boolean', short: 'h', default: false },
};
const CONNECTION_USAGE =
  '  --target          the facade\'s address (default: localhost:50051)\n' +
  '  --timeout         deadline of each call in seconds (default: 10)\n' +
  '  --service-config  gRPC service config (JSON) of the channel; an empty PATH\n' +
  '                    means none (default: client/service_config.json)\n' +
  '  --priority        interactive when someone waits on the answer, background\n' +
  '                    for bulk work (default: interactive)';

// Parses argv with the connection options plus `options`; returns null for
// --help, else { ...values, timeout (a number), serviceConfig (the JSON text
// or null), positionals }. Throws on a usage error.
function parseCommandLine(argv, options) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...CONNECTION_OPTIONS, ...options },
  });
  if (values.help) return null;
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
  if (!PRIORITIES.includes(values.priority)) {
    throw new Error(`--priority must be one of ${PRIORITIES.join(', ')}`);
  }
  const serviceConfig = readServiceConfig(values['service-config']);
  return { ...values, timeout, serviceConfig, positionals };
}

// Runs main(args) with the parsed command line, or prints the usage: on
// --help to stdout, on a usage error to stderr with exit status 64.
// `parse` is parseCommandLine bound to the script's options and checks.
function runWithCommandLine(usage, parse, main) {
  let args;
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n${usage}`);
    process.exitCode = USAGE_EXIT;
    return;
  }
  if (args === null) {
    console.log(usage);
    return;
  }
  main(args);
}

// One package definition for the service and the error detail messages.
// keepCase keeps the proto field names (flow_instance_ids, retry_delay);
// int64 fields (Duration.seconds) come as strings, enums as their names.
const packageDefinition = protoLoader.loadSync(
  ['gong/flows/v1/flow_service.proto', 'google/rpc/status.proto',
    'google/rpc/error_details.proto'],
  { includeDirs: [PROTO_DIR, GOOGLEAPIS_DIR], keepCase: true, longs: String,
    enums: String, defaults: true });
const { FlowService } = grpc.loadPackageDefinition(packageDefinition).gong.flows.v1;

// The service config's JSON text, or null for none. `file` undefined means
// the default file: when it is missing the client goes without (a note says
// so), as a copied script should still work. A file given on the command
// line must be readable JSON; an empty one means none. Throws a usage error.
function readServiceConfig(file) {
  const explicit = file !== undefined;
  if (explicit && file === '') return null;
  const configPath = explicit ? file : DEFAULT_SERVICE_CONFIG;
  let text;
  try {
    text = fs.readFileSync(configPath, 'utf8');
  } catch (e) {
    if (explicit) throw new Error(`cannot read the service config: ${e.message}`);
    console.error(`note: no service config (${e.code}: ${configPath}); reads are not retried`);
    return null;
  }
  try {
    JSON.parse(text);
  } catch (e) {
    throw new Error(`the service config ${configPath} is not JSON: ${e.message}`);
  }
  return text;
}

// A plaintext FlowService client of args.target with args.serviceConfig
// (grpc-js has retries on by default: grpc.enable_retries is 1). grpc-js
// checks the service config (and the target) here and throws: a usage error.
function openClient(args) {
  const options =
    args.serviceConfig === null ? {} : { 'grpc.service_config': args.serviceConfig };
  try {
    return new FlowService(args.target, grpc.credentials.createInsecure(), options);
  } catch (e) {
    console.error(`cannot make a client of ${args.target}: ${e.message}`);
    process.exit(USAGE_EXIT);
  }
}

// A call's options: its own deadline, `seconds` from now.
function callOptions(seconds) {
  return { deadline: new Date(Date.now() + seconds * 1000) };
}

// The metadata every call sends: its priority, args.priority.
//
// The facade's steward keeps one queue of Gong requests for the whole
// company, and this says where a call stands in it:
// - 'interactive' (also what the facade assumes without the header): a
//   person or a system is waiting on this very answer, such as a CRM trigger
//   taking out a prospect who just replied. It is never queued behind
//   background work (it waits at most for the window's next slot), and it
//   may spend the day's last calls, which the facade keeps back for it
//   (--daily_reserve).
// - 'background': nothing waits on each answer, such as a campaign's
//   clean-up, a territory move or a nightly reconciliation. It yields to
//   interactive calls and takes turns with other callers, and once the day's
//   Gong calls reach the limit less the reserve it is refused with
//   RESOURCE_EXHAUSTED, reason DAILY_BUDGET_RESERVED, and a RetryInfo delay
//   to the next UTC midnight: send it again then, not before.
// Sending background for bulk work is what keeps the company's day usable
// for everyone else; the facade does not guess it.
function callMetadata(args) {
  const metadata = new grpc.Metadata();
  metadata.set(PRIORITY_KEY, args.priority);
  return metadata;
}

// The options of a write, for parseCommandLine, and their usage lines.
const WRITE_OPTIONS = {
  'idempotency-key': { type: 'string' },
  attempts: { type: 'string', default: '3' },
};
const WRITE_USAGE =
  '  --idempotency-key the write\'s idempotency key, 1 to 255 printable ASCII\n' +
  '                    characters (default: a new one each run)\n' +
  '  --attempts        send the write at most N times, with the same key, while it\n' +
  '                    ends UNAVAILABLE, DEADLINE_EXCEEDED or INTERNAL (default: 3)\n';

// The write's key and attempts from the parsed options: the key given,
// checked, or a new one. One key per logical write: the same key sent again
// means "this very write", so a new run makes a new one, and a retry of a
// lost answer, here or by hand, reuses it. Throws a usage error.
function writeOptions(values) {
  const attempts = Number(values.attempts);
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new Error('--attempts must be a whole number from 1');
  }
  let key = values['idempotency-key'];
  if (key === undefined) {
    key = `example-${crypto.randomUUID().replace(/-/g, '')}`;
  } else if (key.length < 1 || key.length > MAX_KEY_LENGTH || !/^[ -~]+$/.test(key)) {
    throw new Error('--idempotency-key takes 1 to 255 printable ASCII characters');
  }
  return { key, attempts };
}

// Says on stderr when the facade answered from a key or a lookup.
function noteMarks(metadata) {
  if (!metadata) return;
  if (metadata.get('idempotent-replayed')[0] === 'true') {
    console.error('note: idempotent-replayed: the answer of an earlier call with this ' +
      'key; nothing was sent to Gong again');
  }
  if (metadata.get('idempotent-settled')[0] === 'true') {
    console.error('note: idempotent-settled: the facade read Gong\'s state and sent ' +
      'only what was still to do');
  }
}

// Calls the write `method` (its name on the client) with `key`, and sends it
// again with the same key, at most `attempts` times in all, while it ends
// with one of RETRY_CODES; then done(error, response). When the last
// error is one of them, the write may have been carried out, and it says
// so on stderr with the key that settles it.
function callWrite(client, method, request, args, { key, attempts }, done) {
  let attempt = 1;
  let delay = FIRST_RETRY_DELAY_MS;
  const send = () => {
    const metadata = callMetadata(args);
    metadata.set(IDEMPOTENCY_KEY, key);
    let initial = null;
    const call = client[method](request, metadata, callOptions(args.timeout),
      (error, response) => {
        if (error && RETRY_CODES.includes(error.code)) {
          if (attempt < attempts) {
            attempt += 1;
            console.error(`${grpc.status[error.code]}: ${error.details}; sending it again ` +
              `with the same idempotency key (attempt ${attempt} of ${attempts})`);
            setTimeout(send, delay);
            delay *= 2;
            return;
          }
          console.error('note: the write may have been carried out; sending it again ' +
            `with --idempotency-key ${key} settles it without doing it twice`);
        }
        if (!error) noteMarks(initial);
        done(error, response);
      });
    call.on('metadata', (received) => { initial = received; });
  };
  send();
}

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

// Prints a failed call and sets the exit status to its numeric gRPC code.
function reportError(error) {
  console.error(`${grpc.status[error.code]}: ${error.details}`);
  printDetails(error);
  process.exitCode = error.code;
}

// Prints an UnassignByInstanceIdsResponse: Gong's request id, then the
// instances unassigned and those still assigned, one a line.
function printUnassignResponse(response) {
  const removed = response.unassigned_flow_instance_ids;
  const kept = response.still_assigned_flow_instance_ids;
  console.log(`Gong request ${response.request_id}: unassigned ${removed.length} of ` +
    `${removed.length + kept.length} flow instances`);
  for (const id of removed) console.log(`  unassigned      ${id}`);
  for (const id of kept) console.log(`  still assigned  ${id}`);
}

module.exports = {
  grpc,
  USAGE_EXIT,
  CONNECTION_USAGE,
  parseCommandLine,
  runWithCommandLine,
  openClient,
  callOptions,
  callMetadata,
  WRITE_OPTIONS,
  WRITE_USAGE,
  writeOptions,
  callWrite,
  reportError,
  printUnassignResponse,
};
