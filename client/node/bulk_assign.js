#!/usr/bin/env node
// Puts prospects into a Gong Engage flow as one bulk job through the Gong
// flows facade (StartBulkAssignment), and reads the job's watch stream
// (WatchBulkAssignment) to its end. See bulk_assign.py, its twin, for the
// whole story; in short:
//
// - --crm-id ID (a prospect in the CRM) and --person FIRST,LAST[,EMAIL
//   [,COMPANY]] (one Gong creates there) repeat: 1 to 50 prospects.
// - The start carries an idempotency key and is sent again with it while it
//   ends UNAVAILABLE, DEADLINE_EXCEEDED or INTERNAL: one job, never two.
// - The service config retries the watch only until its first message. An
//   error in the middle of the stream is this client's: it watches again
//   (--watch-attempts times in a row at most, 1 s, 2 s, ... apart), and the
//   new stream's first message is the job as it is now. The stream has no
//   deadline: a job lasts as long as Gong takes.
//
// Exit status: 0 every prospect assigned; 66 the job ended with some not
// (or FAILED); the numeric gRPC code of a failed call; 64 a usage error.
'use strict';

const facade = require('./facade_client');

const { grpc } = facade;
const SOME_NOT_ASSIGNED_EXIT = 66;
const MAX_PROSPECTS = 50;
// Watching again cannot help: the job is unknown, or not this caller's.
const FINAL_WATCH_CODES = [grpc.status.NOT_FOUND, grpc.status.INVALID_ARGUMENT,
  grpc.status.PERMISSION_DENIED, grpc.status.UNAUTHENTICATED];

const USAGE =
  'usage: bulk_assign.js --flow ID --owner EMAIL [--crm-id ID]...\n' +
  '                      [--person FIRST,LAST[,EMAIL[,COMPANY]]]... [--watch-attempts N]\n' +
  '                      [--idempotency-key KEY] [--attempts N] [--target HOST:PORT]\n' +
  '                      [--timeout SECONDS] [--service-config PATH]\n' +
  '                      [--priority interactive|background]\n' +
  '  --flow            the flow\'s id\n' +
  '  --owner           the Gong user who will own the new flow instances\n' +
  '  --crm-id          a prospect already in the CRM (repeatable)\n' +
  '  --person          a prospect not yet in the CRM (repeatable)\n' +
  '  --watch-attempts  watch again after a broken stream, N times in a row at most\n' +
  '                    (default: 5)\n' +
  facade.WRITE_USAGE +
  facade.CONNECTION_USAGE;

function parse(argv) {
  const args = facade.parseCommandLine(argv, {
    flow: { type: 'string' },
    owner: { type: 'string' },
    'crm-id': { type: 'string', multiple: true, default: [] },
    person: { type: 'string', multiple: true, default: [] },
    'watch-attempts': { type: 'string', default: '5' },
    ...facade.WRITE_OPTIONS,
  });
  if (args === null) return null;
  if (!args.flow || !args.owner) throw new Error('give --flow ID and --owner EMAIL');
  if (args.positionals.length > 0) throw new Error('prospects go in --crm-id and --person');
  const people = args.person.map((person) => {
    const fields = person.split(',');
    if (fields.length < 2 || fields.length > 4 || !fields[0] || !fields[1]) {
      throw new Error(`--person takes FIRST,LAST[,EMAIL[,COMPANY]], not '${person}'`);
    }
    const [first_name, last_name, email = '', company_name = ''] = fields;
    return { first_name, last_name, email, company_name };
  });
  const prospects = [...args['crm-id'].map((crm_id) => ({ crm_id })), ...people];
  if (prospects.length < 1 || prospects.length > MAX_PROSPECTS) {
    throw new Error(`give 1 to ${MAX_PROSPECTS} prospects (--crm-id, --person)`);
  }
  const watchAttempts = Number(args['watch-attempts']);
  if (!Number.isInteger(watchAttempts) || watchAttempts < 1) {
    throw new Error('--watch-attempts must be a whole number from 1');
  }
  return { ...args, prospects, watchAttempts, write: facade.writeOptions(args) };
}

function stateWord(state) {
  return String(state).replace(/^BULK_ASSIGNMENT_STATE_/, '').toLowerCase();
}

function printState(job) {
  console.log(`Gong request ${job.request_id}: bulk assignment ${job.bulk_assignment_id} ` +
    `${stateWord(job.state)}: ${job.processed_count} of ${job.total_count} done, ` +
    `${job.succeeded_count} assigned, ${job.failed_count} failed`);
}

// Reads the job's watch stream to its end, watching again after an error in
// the middle of it; then done(error, lastState).
function watch(client, args, jobId, done) {
  let failures = 0;
  const open = () => {
    let last = null;
    const stream = client.WatchBulkAssignment({ bulk_assignment_id: jobId },
      facade.callMetadata(args));
    stream.on('data', (message) => {
      last = message.bulk_assignment;
      failures = 0;
      printState(last);
    });
    stream.on('error', (error) => {
      failures += 1;
      if (FINAL_WATCH_CODES.includes(error.code) || failures >= args.watchAttempts) {
        done(error);
        return;
      }
      const delay = 2 ** (failures - 1);
      console.error(`${grpc.status[error.code]}: ${error.details}; watching again in ` +
        `${delay}s (the new stream starts with the job as it is now)`);
      setTimeout(open, delay * 1000);
    });
    stream.on('end', () => {
      if (last !== null) {
        done(null, last);
        return;
      }
      done({ code: grpc.status.INTERNAL, details: 'the watch ended without a state',
        metadata: new grpc.Metadata() });
    });
  };
  open();
}

function main(args) {
  const client = facade.openClient(args);
  const request = { flow_id: args.flow, owner_email: args.owner, prospects: args.prospects };
  facade.callWrite(client, 'StartBulkAssignment', request, args, args.write,
    (error, response) => {
      if (error) {
        client.close();
        facade.reportError(error);
        return;
      }
      const started = response.bulk_assignment;
      printState(started);
      watch(client, args, started.bulk_assignment_id, (watchError, job) => {
        client.close();
        if (watchError) {
          facade.reportError(watchError);
          return;
        }
        for (const result of job.results) {
          const status = String(result.status).replace(/^BULK_PROSPECT_STATUS_/, '')
            .toLowerCase();
          const who = result.prospect.crm_id ||
            `${result.prospect.first_name} ${result.prospect.last_name}`;
          const why = result.error_code || result.error_message
            ? `  ${result.error_code}: ${result.error_message}` : '';
          console.log(`  ${status.padEnd(22)}  ${who}  crm_id=${result.crm_id || '-'}  ` +
            `flow_instance_id=${result.flow_instance_id || '-'}${why}`);
        }
        if (job.state !== 'BULK_ASSIGNMENT_STATE_COMPLETED' ||
            job.succeeded_count < job.total_count) {
          process.exitCode = SOME_NOT_ASSIGNED_EXIT;
        }
      });
    });
}

facade.runWithCommandLine(USAGE, parse, main);
