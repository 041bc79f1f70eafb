// Unit tests for how gong-flows prints an answer as JSON and turns a
// printing failure into its exit status (client/flow_service_call.h): an
// answer protobuf cannot write (a Timestamp past year 9999) prints nothing
// on stdout, never cut-off JSON, says why on stderr, and exits 74.
#include <iostream>
#include <string>

#include "flow_service_call.h"
#include "gmock/gmock.h"
#include "gong/flows/v1/flow_service.pb.h"
#include "gtest/gtest.h"

namespace gong::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::internal::CaptureStderr;
using ::testing::internal::CaptureStdout;
using ::testing::internal::GetCapturedStderr;
using ::testing::internal::GetCapturedStdout;

namespace v1 = gong::flows::v1;

struct Printed {
  std::string out;
  std::string err;
  int exit_status;
};

// PrintJson(response), then the exit status of a command that returned
// `status`; stdout is usable again afterwards.
Printed PrintAndFinish(const v1::GetProspectFlowsResponse& response, int status) {
  CaptureStdout();
  CaptureStderr();
  PrintJson(response);
  Printed printed;
  printed.exit_status = FinishOutput(status);
  printed.out = GetCapturedStdout();
  printed.err = GetCapturedStderr();
  std::cout.clear();
  return printed;
}

v1::GetProspectFlowsResponse WithCreateSeconds(int64_t seconds) {
  v1::GetProspectFlowsResponse response;
  response.set_request_id("r-1");
  v1::FlowInstance* instance = response.add_flow_instances();
  instance->set_flow_instance_id("9001");
  instance->mutable_create_time()->set_seconds(seconds);
  return response;
}

TEST(PrintJsonTest, AnAnswerIsOneLineOfJsonAndExitsZero) {
  const Printed printed = PrintAndFinish(WithCreateSeconds(0), 0);
  EXPECT_EQ(printed.out,
            R"({"requestId":"r-1","flowInstances":[{"flowInstanceId":"9001",)"
            R"("createTime":"1970-01-01T00:00:00Z"}]})"
            "\n");
  EXPECT_EQ(printed.err, "");
  EXPECT_EQ(printed.exit_status, 0);
}

// 10000-01-01T00:00:00Z: one second past what a Timestamp may hold.
TEST(PrintJsonTest, AnAnswerProtobufCannotWritePrintsNothingAndExits74) {
  const Printed printed = PrintAndFinish(WithCreateSeconds(253402300800), 0);
  EXPECT_EQ(printed.out, "");
  EXPECT_THAT(printed.err, HasSubstr("gong-flows: cannot print the answer as JSON: "));
  EXPECT_EQ(printed.exit_status, kPrintFailedExit);
  EXPECT_EQ(kPrintFailedExit, 74);
}

TEST(PrintJsonTest, AFailedCallKeepsItsOwnExitStatus) {
  const Printed printed = PrintAndFinish(WithCreateSeconds(253402300800), 14);
  EXPECT_EQ(printed.out, "");
  EXPECT_EQ(printed.exit_status, 14);
}

}  // namespace
}  // namespace gong::cli
