#!/usr/bin/env node
// Take one prospect out of its Gong Engage flows, knowing only its CRM id.
//
// UnassignByInstanceIds wants flow instance ids, which a CRM does not know.
// This example finds them first, then removes them, in two calls to
// gong.flows.v1.FlowService:
//
//   node lookup_then_unassign.js [--target HOST:PORT] [--timeout SECONDS]
//        [--flow FLOW_ID] [--by EMAIL] [--service-config PATH]
//        [--priority interactive|background] CRM_ID
//
// 1. GetProspectFlows by crm_prospect_ids: the prospect's open flow
//    instances (Gong lists only pending, running and paused ones by CRM id).
//    With --flow, only the instance of that flow is kept. Each is printed:
//    instance id, flow id, status and flow name. None: it says so and exits
//    0 without a second call.
// 2. UnassignByInstanceIds with those ids: what Gong removed and what is
//    still assigned, as unassign.js prints it.
//
// (UnassignByCrmId does this in one call for one flow or all of them; this
// example shows the two-step way, which lets a caller see, and choose, what
// it removes.)
//
// Both calls carry --priority (the `x-gong-flows-priority` metadata): the
// default, interactive, is for a prospect someone is waiting on; a script
// that works through a list says background (facade_client.js says why).
//
// Each call has its own deadline of --timeout seconds. The lookup is a read:
// the service config (client/service_config.json) has the client retry it
// on UNAVAILABLE; the unassign is a write, which only the facade retries.
//
// Exit status: 0 on success (also when nothing was found), the numeric gRPC
// code of the call that failed, or 64 for a usage error. Errors print as
// unassign.js's do.
'use strict';

const facade = require('./facade_client');

const STATUS_PREFIX = 'FLOW_INSTANCE_STATUS_';
const USAGE =
  'usage: lookup_then_unassign.js [--target HOST:PORT] [--timeout SECONDS]\n' +
  '         [--flow FLOW_ID] [--by EMAIL] [--service-config PATH]\n' +
  '         [--priority interactive|background] CRM_ID\n' +
  '  --flow            leave only this flow (default: every flow the prospect is in)\n' +
  '  --by              email of the Gong user doing the removal\n' +
  facade.CONNECTION_USAGE;

function parse(argv) {
  const args = facade.parseCommandLine(argv, {
    flow: { type: 'string' },
    by: { type: 'string', default: '' },
  });
  if (args === null) return null;
  if (args.positionals.length !== 1) throw new Error('give one CRM prospect id');
  return { ...args, crmId: args.positionals[0] };
}

// RUNNING for FLOW_INSTANCE_STATUS_RUNNING; the number for a status added to
// the API after this copy of the proto (proto-loader gives it as a number).
function statusName(status) {
  const name = String(status);
  return name.startsWith(STATUS_PREFIX) ? name.slice(STATUS_PREFIX.length) : name;
}

// "2 open flow instances of 003... in flow 71..." and the like.
function describeLookup(args, count) {
  const noun = count === 1 ? 'flow instance' : 'flow instances';
  const where = args.flow !== undefined ? ` in flow ${args.flow}` : '';
  return `${count || 'no'} open ${noun} of ${args.crmId}${where}`;
}

function main(args) {
  const client = facade.openClient(args);
  const lookup = { crm_prospect_ids: [args.crmId] };
  const options = facade.callOptions(args.timeout);
  client.GetProspectFlows(lookup, facade.callMetadata(args), options, (error, found) => {
    if (error) {
      client.close();
      facade.reportError(error);
      return;
    }
    const instances = found.flow_instances
      .filter((i) => args.flow === undefined || i.flow_id === args.flow);
    console.log(`Gong request ${found.request_id}: ${describeLookup(args, instances.length)}` +
      (instances.length ? '' : '; nothing to unassign'));
    if (instances.length === 0) {
      client.close();
      return;
    }
    for (const i of instances) {
      console.log(`  found           ${i.flow_instance_id}  flow ${i.flow_id}  ` +
        `${statusName(i.status)}  ${i.flow_name}`);
    }

    const unassign = {
      flow_instance_ids: instances.map((i) => i.flow_instance_id),
      unassigned_by_user_email: args.by,
    };
    const again = facade.callOptions(args.timeout);  // a deadline of its own
    client.UnassignByInstanceIds(unassign, facade.callMetadata(args), again, (err, response) => {
      client.close();
      if (err) {
        facade.reportError(err);
        return;
      }
      facade.printUnassignResponse(response);
    });
  });
}

facade.runWithCommandLine(USAGE, parse, main);
