// A call's traceparent and x-request-id as the facade keeps them
// (server/api/trace_context.h): every malformed traceparent is ignored, an
// x-request-id is cut to 128 printable characters or dropped, and a header
// sent twice is ignored.
#include "api/trace_context.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::api::internal {
namespace {

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceIdOfTest, AValidVersion00TraceparentGivesItsTraceId) {
  EXPECT_EQ(TraceIdOf(kValid), kTraceId);
  // Any flags, sampled or not, and flags this version does not define.
  EXPECT_EQ(TraceIdOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),
            kTraceId);
  EXPECT_EQ(TraceIdOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff"),
            kTraceId);
}

TEST(TraceIdOfTest, ALaterVersionMayCarryMoreAfterADash) {
  EXPECT_EQ(TraceIdOf("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            kTraceId);
  EXPECT_EQ(
      TraceIdOf("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever"),
      kTraceId);
  // ...but only after a dash.
  EXPECT_EQ(TraceIdOf("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"), "");
  EXPECT_EQ(TraceIdOf("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011"), "");
}

TEST(TraceIdOfTest, EveryMalformedShapeIsIgnored) {
  const std::vector<std::string> invalid = {
      "",
      "00",
      "garbage",
      // Version 00 is exactly 55 characters.
      std::string(kValid) + "-",
      std::string(kValid) + "-01",
      std::string(kValid) + " ",
      " " + std::string(kValid),
      std::string(kValid).substr(0, 54),
      // Version ff is invalid, and a version is two lowercase hex digits.
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      // Upper case hex anywhere.
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
      // All-zero ids.
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      // Wrong separators, or a field one digit off.
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
      "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e47366-0f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-701",
      // Non-hex in an id, control bytes, UTF-8, a NUL.
      "00-4bf92f3577b34da6a3ce929d0e0e473z-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e473\n-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e47\xc3\xa9-00f067aa0ba902b7-01",
      std::string("00-4bf92f3577b34da6a3ce929d0e0e473\0-00f067aa0ba902b7-01", 55),
      // A later version's extra part without its dash, or 10 KB of it.
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" + std::string(10240, 'a'),
      // Two values joined, as a proxy folding repeated headers would.
      std::string(kValid) + "," + kValid,
  };
  for (const std::string& value : invalid) {
    SCOPED_TRACE(value.substr(0, 80));
    EXPECT_EQ(TraceIdOf(value), "");
  }
}

TEST(TraceIdOfTest, TenKilobytesAfterTheDashOfALaterVersionAreNotRead) {
  const std::string value = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-" +
                            std::string(10240, '\x01');
  EXPECT_EQ(TraceIdOf(value), kTraceId);
}

TEST(RequestIdOfTest, PrintableAsciiIsKeptAsIs) {
  EXPECT_EQ(RequestIdOf("a3c1e9f0-2b7d-4e8a-9f31-0c5d7e2b1a44"),
            "a3c1e9f0-2b7d-4e8a-9f31-0c5d7e2b1a44");
  EXPECT_EQ(RequestIdOf(" !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"),
            " !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~");
  EXPECT_EQ(RequestIdOf(""), "");
}

TEST(RequestIdOfTest, ALongerValueIsCutTo128) {
  const std::string exact(kMaxRequestIdSize, 'r');
  EXPECT_EQ(RequestIdOf(exact), exact);
  EXPECT_EQ(RequestIdOf(exact + "s"), exact);
  EXPECT_EQ(RequestIdOf(std::string(10240, 'r')), exact);
}

TEST(RequestIdOfTest, AValueWithAnyOtherByteIsDropped) {
  for (const std::string& value :
       {std::string("id\n{\"level\":\"error\"}"), std::string("tab\there"),
        std::string("nul\0byte", 8), std::string("del\x7f"), std::string("caf\xc3\xa9"),
        std::string("\xff\xfe"), std::string("emoji \xf0\x9f\x98\x80"),
        // A bad byte past the first 128 still drops the value: cutting
        // first would keep a prefix of something that was never an id.
        std::string(200, 'r') + "\x01"}) {
    SCOPED_TRACE(value.substr(0, 40));
    EXPECT_EQ(RequestIdOf(value), "");
  }
}

// Metadata as gRPC gives it: keys lowercased, a key once per value sent.
using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

TEST(ReadCallTraceTest, ReadsBothFromTheCallsMetadata) {
  const std::string request_id(300, 'q');
  const Metadata metadata = {{"authorization", "Bearer secret"},
                             {"traceparent", kValid},
                             {"x-request-id", request_id},
                             {"tracestate", "vendor=1"}};
  const CallTrace trace = ReadCallTrace(metadata);
  EXPECT_EQ(trace.trace_id, kTraceId);
  EXPECT_EQ(trace.x_request_id, request_id.substr(0, kMaxRequestIdSize));
}

TEST(ReadCallTraceTest, AbsentOrInvalidIsEmpty) {
  CallTrace trace = ReadCallTrace(Metadata());
  EXPECT_EQ(trace.trace_id, "");
  EXPECT_EQ(trace.x_request_id, "");
  trace = ReadCallTrace(
      {{"traceparent", "00-zzzz-00f067aa0ba902b7-01"}, {"x-request-id", "a\nb"}});
  EXPECT_EQ(trace.trace_id, "");
  EXPECT_EQ(trace.x_request_id, "");
}

TEST(ReadCallTraceTest, AHeaderSentTwiceIsIgnored) {
  const std::string other = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const Metadata metadata = {{"traceparent", kValid},
                             {"traceparent", other},
                             {"x-request-id", "one"},
                             {"x-request-id", "two"}};
  const CallTrace trace = ReadCallTrace(metadata);
  EXPECT_EQ(trace.trace_id, "");
  EXPECT_EQ(trace.x_request_id, "");
}

}  // namespace
}  // namespace gong::api::internal
