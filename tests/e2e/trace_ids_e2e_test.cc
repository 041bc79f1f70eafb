// A mesh's trace ids through the gong-flows-server binary: a call's
// traceparent and x-request-id reach its log line and the log line of the
// Gong request that served it, beside Gong's requestId and trace header;
// forged, oversized and malformed values are dropped or cut; a coalesced
// Gong request names every call it carried; and none of it reaches Gong.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "sandbox/sandbox_gong.h"
#include "server_process.h"
#include "support/wait_until.h"

namespace gong::e2e {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

using Metadata = std::vector<std::pair<std::string, std::string>>;

constexpr char kUnassignPath[] = "/v2/flows/prospects/unassign-flows-by-instance-id";

// A W3C traceparent (version 00, sampled) of `trace_id`.
std::string Traceparent(const std::string& trace_id) {
  return absl::StrCat("00-", trace_id, "-00f067aa0ba902b7-01");
}

class TraceIdsTest : public ServerProcess {
 protected:
  // UnassignByInstanceIds of `id` with `metadata`, as a mesh's sidecar
  // would send it.
  grpc::Status CallWith(const std::string& id, const Metadata& metadata) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
    flows::v1::UnassignByInstanceIdsRequest request;
    request.add_flow_instance_ids(id);
    flows::v1::UnassignByInstanceIdsResponse response;
    return stub_->UnassignByInstanceIds(&context, request, &response);
  }

  // Stops the server, so that every line it wrote has been read. The
  // client's channel goes first: a server still holding an idle client
  // connection takes seconds longer to exit.
  void StopServer() {
    stub_.reset();
    channel_.reset();
    server_->Signal(SIGTERM);
    ASSERT_EQ(server_->Wait(absl::Seconds(20)), 0) << server_->Stderr();
  }

  // The call line whose trace or request id is `x_request_id`'s call, by its
  // x_request_id; fails the test when there is not exactly one.
  nlohmann::json CallLine(const std::string& x_request_id) {
    std::vector<nlohmann::json> found;
    for (nlohmann::json& line : LogLines("call")) {
      if (line.value("x_request_id", "") == x_request_id)
        found.push_back(std::move(line));
    }
    EXPECT_EQ(found.size(), 1u) << x_request_id;
    return found.empty() ? nlohmann::json::object() : found.front();
  }

  // The Gong request line naming `gong_request_id`.
  nlohmann::json GongRequestLine(const std::string& gong_request_id) {
    std::vector<nlohmann::json> found;
    for (nlohmann::json& line : LogLines("gong request")) {
      if (line.value("gong_request_id", "") == gong_request_id) {
        found.push_back(std::move(line));
      }
    }
    EXPECT_EQ(found.size(), 1u) << gong_request_id;
    return found.empty() ? nlohmann::json::object() : found.front();
  }

  // Nothing of any caller's trace reached Gong.
  void ExpectGongSawNoTraceHeaders() {
    for (const sandbox::RecordedRequest& request : sandbox_->Requests()) {
      EXPECT_THAT(request.header_names, Not(Contains("traceparent")));
      EXPECT_THAT(request.header_names, Not(Contains("tracestate")));
      EXPECT_THAT(request.header_names, Not(Contains("x-request-id")));
      EXPECT_THAT(request.body, Not(HasSubstr("4bf92f35")));
    }
  }
};

TEST_F(TraceIdsTest, ACallsIdsReachItsLineAndItsGongRequestsLineButNotGong) {
  StartServer({{"GONG_BEARER_TOKEN", "t"}});
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  const grpc::Status status =
      CallWith("1001", {{"traceparent", Traceparent(trace_id)},
                        {"tracestate", "vendor=opaque"},
                        {"x-request-id", "5d1f6c2a-7e3b-4f0a-9c8d-2b1e0f3a4c5d"}});
  ASSERT_TRUE(status.ok()) << status.error_message();
  StopServer();

  nlohmann::json call = CallLine("5d1f6c2a-7e3b-4f0a-9c8d-2b1e0f3a4c5d");
  EXPECT_EQ(call["trace_id"], trace_id);
  EXPECT_EQ(call["code"], "OK");
  const std::string gong_request_id = call.value("gong_request_id", "");
  ASSERT_FALSE(gong_request_id.empty());

  nlohmann::json request = GongRequestLine(gong_request_id);
  EXPECT_EQ(request["level"], "info");
  EXPECT_EQ(request["endpoint"], kUnassignPath);
  EXPECT_EQ(request["http_status"], 200);
  EXPECT_EQ(request["calls"], 1);
  EXPECT_EQ(request["callers"], nlohmann::json({"unnamed"}));
  EXPECT_EQ(request["trace_ids"], nlohmann::json({trace_id}));
  EXPECT_EQ(request["x_request_ids"],
            nlohmann::json({"5d1f6c2a-7e3b-4f0a-9c8d-2b1e0f3a4c5d"}));
  EXPECT_TRUE(request["duration_ms"].is_number());
  // Gong's own trace header, as the sandbox sent it.
  ASSERT_EQ(sandbox_->Requests().size(), 1u);
  EXPECT_EQ(request["gong_trace_id"], sandbox_->Requests()[0].trace_id);
  ExpectGongSawNoTraceHeaders();
  EXPECT_THAT(sandbox_->Requests()[0].header_names, Contains("authorization"));
}

// A Gong request that failed is a line too, with Gong's status and ids.
TEST_F(TraceIdsTest, AGongRefusalIsALineWithItsStatus) {
  StartServer({{"GONG_BEARER_TOKEN", "t"}});
  sandbox::Behavior refusing;
  refusing.force_status = 500;  // never retried
  sandbox_->SetBehavior(refusing);
  const std::string trace_id = "0af7651916cd43dd8448eb211c80319c";
  EXPECT_FALSE(
      CallWith("1001", {{"traceparent", Traceparent(trace_id)}, {"x-request-id", "r500"}})
          .ok());
  StopServer();

  nlohmann::json call = CallLine("r500");
  EXPECT_EQ(call["code"], "INTERNAL");
  nlohmann::json request = GongRequestLine(call.value("gong_request_id", ""));
  EXPECT_EQ(request["http_status"], 500);
  EXPECT_EQ(request["trace_ids"], nlohmann::json({trace_id}));
  // The refused write is the sandbox's first request (its requestId says
  // so); after --settle_delay the facade may look Gong's state up as well.
  EXPECT_EQ(call.value("gong_request_id", ""), "sbx-000001");
  ASSERT_FALSE(sandbox_->Requests().empty());
  EXPECT_EQ(request["gong_trace_id"], sandbox_->Requests().front().trace_id);
}

TEST_F(TraceIdsTest, ForgedOversizedAndMalformedValuesAreDroppedOrCut) {
  StartServer({{"GONG_BEARER_TOKEN", "t"}});
  sandbox_->Assign({"2001", "2002", "2003", "2004", "2005"});
  const std::string valid = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string oversized(300, 'o');
  // Well past the cut, within what gRPC accepts of a call's metadata.
  const std::string four_kb(4 * 1024, 'k');
  // Printable, so kept as it came: the log line escapes it, and it stays
  // one field of one line.
  const std::string forged = R"(f1","level":"error","msg":"forged)";
  struct Case {
    std::string id;
    Metadata metadata;
    std::string kept_request_id;  // what the call line shows
  };
  const std::vector<Case> cases = {
      {"2001",
       {{"traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"},
        {"x-request-id", oversized}},
       oversized.substr(0, 128)},
      {"2002",
       {{"traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
        {"x-request-id", forged}},
       forged},
      {"2003",
       {{"traceparent", "ff-" + valid + "-00f067aa0ba902b7-01"},
        {"x-request-id", four_kb}},
       four_kb.substr(0, 128)},
      {"2004",
       {{"traceparent", Traceparent(valid) + "-extra"}, {"x-request-id", "r2004"}},
       "r2004"},
      // Sent twice: which one is meant is anyone's guess.
      {"2005",
       {{"traceparent", Traceparent(valid)},
        {"traceparent", Traceparent("0af7651916cd43dd8448eb211c80319c")},
        {"x-request-id", "r2005"}},
       "r2005"},
  };
  for (const Case& c : cases) {
    const grpc::Status status = CallWith(c.id, c.metadata);
    EXPECT_TRUE(status.ok()) << c.id << ": " << status.error_message();
  }
  StopServer();

  for (const Case& c : cases) {
    SCOPED_TRACE(c.id);
    nlohmann::json call = CallLine(c.kept_request_id);
    EXPECT_EQ(call["level"], "info");
    EXPECT_EQ(call["msg"], "call");
    EXPECT_FALSE(call.contains("trace_id")) << call.dump();
    nlohmann::json request = GongRequestLine(call.value("gong_request_id", ""));
    EXPECT_FALSE(request.contains("trace_ids")) << request.dump();
    EXPECT_EQ(request["x_request_ids"], nlohmann::json({c.kept_request_id}));
  }
  // Nothing longer than the cut reached a line, and no line was forged.
  const std::string printed = server_->Stderr();
  EXPECT_THAT(printed, Not(HasSubstr(std::string(129, 'o'))));
  EXPECT_THAT(printed, Not(HasSubstr(std::string(129, 'k'))));
  EXPECT_THAT(printed, Not(HasSubstr("4BF92F35")));
  for (const nlohmann::json& line : LogLines())
    EXPECT_NE(line.value("msg", ""), "forged");
  ExpectGongSawNoTraceHeaders();
}

// Three callers' calls that waited together share one Gong request: its
// line names the three callers and their trace ids, and each call's line
// names its requestId.
TEST_F(TraceIdsTest, ACoalescedGongRequestListsEveryCallersTraceId) {
  const std::string tokens_file =
      absl::StrCat(::testing::TempDir(), "/trace_ids_e2e_tokens_", getpid());
  std::ofstream(tokens_file) << "crm-sync writer token-crm\n"
                                "offboarding writer token-off\n"
                                "support-tools writer token-sup\n";
  const std::vector<std::string> tokens = {"token-crm", "token-off", "token-sup"};
  // One Gong request at a time, and a first one Gong holds: the three calls
  // behind it wait in the queue and merge.
  StartServer({{"GONG_BEARER_TOKEN", "t"}},
              {"--max_gong_in_flight=1", "--caller_tokens_file=" + tokens_file});
  sandbox_->Assign({"3001", "3002", "3003", "3004"});
  sandbox::Behavior slow;
  slow.delay = absl::Seconds(4);
  sandbox_->SetBehavior(slow);
  auto first = std::async(std::launch::async, [this] {
    return CallWith("3004",
                    {{"authorization", "Bearer token-crm"}, {"x-request-id", "first"}});
  });
  ASSERT_TRUE(support::WaitUntil([this] { return sandbox_->RequestCount() == 1; }));
  sandbox_->SetBehavior(sandbox::Behavior());  // the merged request is answered at once

  const std::vector<std::string> trace_ids = {"11111111111111111111111111111111",
                                              "22222222222222222222222222222222",
                                              "33333333333333333333333333333333"};
  std::vector<std::future<grpc::Status>> calls;
  for (int i = 0; i < 3; ++i) {
    calls.push_back(std::async(std::launch::async, [this, i, &trace_ids, &tokens] {
      return CallWith(absl::StrCat(3001 + i), {{"authorization", "Bearer " + tokens[i]},
                                               {"traceparent", Traceparent(trace_ids[i])},
                                               {"x-request-id", absl::StrCat("m", i)}});
    }));
  }
  for (auto& call : calls) {
    const grpc::Status status = call.get();
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_TRUE(first.get().ok());
  StopServer();
  std::remove(tokens_file.c_str());

  // Gong saw two requests: the first, and one carrying the three ids.
  ASSERT_EQ(sandbox_->RequestCount(), 2) << "the three calls did not merge";
  EXPECT_THAT(sandbox_->Requests()[1].body, HasSubstr("3001"));
  EXPECT_THAT(sandbox_->Requests()[1].body, HasSubstr("3003"));
  const std::string merged_id = CallLine("m0").value("gong_request_id", "");
  for (const char* x_request_id : {"m1", "m2"}) {
    EXPECT_EQ(CallLine(x_request_id)["gong_request_id"], merged_id);
  }
  nlohmann::json request = GongRequestLine(merged_id);
  EXPECT_EQ(request["calls"], 3);
  EXPECT_EQ(request["http_status"], 200);
  EXPECT_THAT(request["callers"].get<std::vector<std::string>>(),
              UnorderedElementsAre("crm-sync", "offboarding", "support-tools"));
  EXPECT_THAT(request["trace_ids"].get<std::vector<std::string>>(),
              UnorderedElementsAre(trace_ids[0], trace_ids[1], trace_ids[2]));
  EXPECT_THAT(request["x_request_ids"].get<std::vector<std::string>>(),
              UnorderedElementsAre("m0", "m1", "m2"));
  EXPECT_EQ(request["gong_trace_id"], sandbox_->Requests()[1].trace_id);
  // The first request's line names its own call only.
  nlohmann::json first_request =
      GongRequestLine(CallLine("first").value("gong_request_id", ""));
  EXPECT_EQ(first_request["calls"], 1);
  EXPECT_EQ(first_request["callers"], nlohmann::json({"crm-sync"}));
  EXPECT_FALSE(first_request.contains("trace_ids"));
  ExpectGongSawNoTraceHeaders();
  // For the record: the lines of the calls and of the Gong request that
  // served them (nlohmann prints the fields sorted by name).
  for (const char* x_request_id : {"m0", "m1", "m2"}) {
    std::cout << CallLine(x_request_id).dump() << "\n";
  }
  std::cout << request.dump() << "\n";
}

}  // namespace
}  // namespace gong::e2e
