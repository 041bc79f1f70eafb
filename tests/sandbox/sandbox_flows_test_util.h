// Shared by the flows model's tests: a small company whose every flow and
// instance the tests know, and calls to the flows endpoints over a real
// socket (built on sandbox_test_util.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_flows.h"
#include "sandbox/sandbox_gong.h"
#include "sandbox/sandbox_test_util.h"

namespace gong::sandbox {

inline constexpr char kLookupPath[] = "/v2/flows/prospects";
inline constexpr char kAssignPath[] = "/v2/flows/prospects/assign";
inline constexpr char kUnassignByCrmIdPath[] =
    "/v2/flows/prospects/unassign-flows-by-crm-id";

inline constexpr char kAna[] = "ana@example.com";
inline constexpr char kBob[] = "bob@example.com";
inline constexpr char kCarol[] = "carol@example.com";

// A time of 2024 in the company's offset: in the past on any machine that
// runs these tests, so that what assign creates now is always the newest.
inline absl::Time At(int month, int day, int hour = 12, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2024, month, day, hour, minute, 0),
                         CompanyTimeZone());
}

inline SandboxFlow TestFlow(std::string id, std::string folder_id,
                            FlowVisibility visibility, std::string owner,
                            std::string workspace, bool exclusive = false) {
  SandboxFlow flow;
  flow.name = "Flow " + id;
  flow.id = std::move(id);
  flow.folder_name = "Folder " + folder_id;
  flow.folder_id = std::move(folder_id);
  flow.visibility = visibility;
  flow.owner_email = std::move(owner);
  flow.owner_full_name = flow.owner_email == kAna ? "Ana Silva" : "Someone Else";
  flow.workspace_id = std::move(workspace);
  flow.creation_date = At(1, 10);
  flow.exclusive = exclusive;
  // Two steps each (ids "<flow>1", "<flow>2"), so that assign takes step
  // overrides 1 and 2.
  flow.steps = {{flow.id + "1", StepAction::kSendEmail, "Hi", "Hello", false},
                {flow.id + "2", StepAction::kCall, "", "", false}};
  return flow;
}

inline SandboxInstance TestInstance(std::string id, std::string flow_id,
                                    std::string crm_id, FlowInstanceStatus status,
                                    absl::Time created) {
  SandboxInstance instance;
  instance.id = std::move(id);
  instance.flow_id = std::move(flow_id);
  instance.crm_prospect_id = std::move(crm_id);
  instance.owner_email = kBob;
  instance.owner_full_name = "Bob Jones";
  instance.create_date = created;
  instance.status = status;
  return instance;
}

// The test company. Flows (folder, visibility, owner, workspace):
//   11 f1 Company  ana   w1 exclusive     12 f2 Company  bob   w1
//   13 f1 Personal ana   w1               14 f1 Personal bob   w1
//   15 f2 Shared   bob   w2               16 f2 Company  carol w2
// so Ana sees 11 12 13 15 16, Bob 11 12 14 15 16, Carol 11 12 15 16. Each
// has two steps.
// Instances (flow, prospect, status, created):
//   101 11 p1 Running  Nov 1    102 12 p2 Pending          Nov 5
//   103 15 p2 Paused   Nov 3    104 12 p3 FinishedNoReply  Oct 1
//   105 16 p3 FinishedResponse Nov 10   106 13 p4 Finished Oct 15
//   107 16 p5 Running  Oct 20
// Newest instance first, the flows are 16 12 15 11 13 (14 has none).
inline Options TestCompany() {
  using V = FlowVisibility;
  using S = FlowInstanceStatus;
  Options options;
  options.flows = {
      TestFlow("11", "f1", V::kCompany, kAna, "w1", /*exclusive=*/true),
      TestFlow("12", "f2", V::kCompany, kBob, "w1"),
      TestFlow("13", "f1", V::kPersonal, kAna, "w1"),
      TestFlow("14", "f1", V::kPersonal, kBob, "w1"),
      TestFlow("15", "f2", V::kShared, kBob, "w2"),
      TestFlow("16", "f2", V::kCompany, kCarol, "w2"),
  };
  options.instances = {
      TestInstance("101", "11", "p1", S::kRunning, At(11, 1)),
      TestInstance("102", "12", "p2", S::kPending, At(11, 5)),
      TestInstance("103", "15", "p2", S::kPaused, At(11, 3)),
      TestInstance("104", "12", "p3", S::kFinishedNoReply, At(10, 1)),
      TestInstance("105", "16", "p3", S::kFinishedResponse, At(11, 10)),
      TestInstance("106", "13", "p4", S::kFinished, At(10, 15)),
      TestInstance("107", "16", "p5", S::kRunning, At(10, 20)),
  };
  return options;
}

// The values of `key` in a JSON array of objects, in order.
inline std::vector<std::string> Strings(const nlohmann::json& objects,
                                        const std::string& key) {
  std::vector<std::string> values;
  if (!objects.is_array()) return values;
  for (const nlohmann::json& object : objects) {
    values.push_back(object.value(key, std::string("<missing>")));
  }
  return values;
}

// Asserts Gong's error shape with `status`; returns the first error text.
inline std::string ExpectError(const httplib::Result& result, int status) {
  EXPECT_TRUE(result) << "no answer";
  if (!result) return "";
  EXPECT_EQ(result->status, status) << result->body;
  const nlohmann::json body = BodyJson(result);
  EXPECT_TRUE(body.is_object() && body.contains("requestId") &&
              body["requestId"].is_string())
      << result->body;
  if (!body.is_object() || !body.contains("errors") || !body["errors"].is_array() ||
      body["errors"].empty()) {
    ADD_FAILURE() << "no errors[] in " << result->body;
    return "";
  }
  return body["errors"][0].get<std::string>();
}

class FlowsTest : public SandboxTest {
 protected:
  httplib::Result PostTo(const std::string& path, const std::string& body) const {
    return Post(body, kBasicAuth, path);
  }
  httplib::Result PostJson(const std::string& path, const nlohmann::json& body) const {
    return Post(body.dump(), kBasicAuth, path);
  }

  // GET /v2/flows with `query` (without the '?').
  httplib::Result GetFlows(const std::string& query) const {
    httplib::Headers headers = {{"Authorization", kBasicAuth}};
    return NewClient()->Get("/v2/flows?" + query, headers);
  }

  // The answer's body, after checking it is a 200 with a requestId.
  static nlohmann::json Ok(const httplib::Result& result) {
    EXPECT_TRUE(result) << "no answer";
    if (!result) return nullptr;
    EXPECT_EQ(result->status, 200) << result->body;
    nlohmann::json body = BodyJson(result);
    EXPECT_TRUE(body.is_object() && body.contains("requestId")) << result->body;
    return body;
  }

  // The instance ids a lookup finds, in answer order.
  std::vector<std::string> LookUp(const std::string& field,
                                  const std::vector<std::string>& ids) const {
    return Strings(
        Ok(PostJson(kLookupPath, nlohmann::json{{field, ids}}))["prospectsAssigned"],
        "flowInstanceId");
  }
  std::vector<std::string> ByCrmIds(const std::vector<std::string>& ids) const {
    return LookUp("crmProspectsIds", ids);
  }
  std::vector<std::string> ByInstanceIds(const std::vector<std::string>& ids) const {
    return LookUp("flowInstanceIds", ids);
  }

  nlohmann::json AssignTo(const std::string& flow_id,
                          const std::vector<std::string>& crm_ids,
                          const std::string& owner = kAna) const {
    return Ok(PostJson(kAssignPath, nlohmann::json{{"crmProspectsIds", crm_ids},
                                                   {"flowId", flow_id},
                                                   {"flowInstanceOwnerEmail", owner}}));
  }

  std::vector<std::string> UnassignProspect(const nlohmann::json& body) const {
    return Ok(PostJson(kUnassignByCrmIdPath, body))["unassignedFlowInstanceIds"]
        .get<std::vector<std::string>>();
  }
};

}  // namespace gong::sandbox
