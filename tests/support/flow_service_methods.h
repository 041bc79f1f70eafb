// Every method of gong.flows.v1.FlowService, as its descriptor lists them,
// and a request of each that validation lets through: for tests that call
// every method (a method added later is covered without a line in them),
// through a real channel or on the real binary.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "google/protobuf/descriptor.h"

namespace gong::support {

// Every method of the service, from its descriptor.
inline std::vector<const google::protobuf::MethodDescriptor*> FlowServiceMethods() {
  // The generated service has no descriptor() of its own; its file has,
  // reached through one of its messages (which also links that file's
  // schema into a test that uses nothing else of it).
  const google::protobuf::ServiceDescriptor* service =
      flows::v1::ListFlowsRequest::descriptor()->file()->FindServiceByName("FlowService");
  if (service == nullptr) return {};
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  for (int i = 0; i < service->method_count(); ++i) methods.push_back(service->method(i));
  return methods;
}

// The method's path on the wire: "/gong.flows.v1.FlowService/ListFlows".
inline std::string MethodPath(const google::protobuf::MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

// A request of each method (serialized, by the method's name) that
// validation lets through, so that a call let in surely reaches Gong. A
// method missing here is called with an empty request by the tests, and
// must still be refused when it should be.
inline std::map<std::string, std::string> ValidFlowServiceRequests() {
  namespace v1 = flows::v1;
  std::map<std::string, std::string> requests;
  v1::UnassignByInstanceIdsRequest unassign;
  unassign.add_flow_instance_ids("1001");
  requests["UnassignByInstanceIds"] = unassign.SerializeAsString();
  v1::GetProspectFlowsRequest lookup;
  lookup.add_crm_prospect_ids("00Q1");
  requests["GetProspectFlows"] = lookup.SerializeAsString();
  v1::ListFlowsRequest listing;
  listing.set_flow_owner_email("owner@example.com");
  requests["ListFlows"] = listing.SerializeAsString();
  v1::AssignProspectsRequest assign;
  assign.add_crm_prospect_ids("00Q1");
  assign.set_flow_id("7");
  assign.set_flow_instance_owner_email("owner@example.com");
  requests["AssignProspects"] = assign.SerializeAsString();
  v1::UnassignByCrmIdRequest unassign_crm;
  unassign_crm.set_crm_prospect_id("00Q1");
  unassign_crm.set_flow_id("7");
  requests["UnassignByCrmId"] = unassign_crm.SerializeAsString();
  v1::ListFlowFoldersRequest folders;
  folders.set_owner_email("owner@example.com");
  requests["ListFlowFolders"] = folders.SerializeAsString();
  v1::GetFlowStepsRequest steps;
  steps.add_flow_ids("7");
  requests["GetFlowSteps"] = steps.SerializeAsString();
  return requests;
}

}  // namespace gong::support
