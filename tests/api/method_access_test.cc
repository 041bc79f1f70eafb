// Which FlowService methods read and which write (server/api/method_access.h):
// every method of the service, as its descriptor lists them, is in exactly
// one list, so a new RPC nobody classified fails here before it fails
// closed in production; and what each role may call.
#include "api/method_access.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/flow_service_methods.h"

namespace gong::api {
namespace {

// Every method of the service, from its descriptor.
std::vector<std::string> ServiceMethodNames() {
  std::vector<std::string> names;
  for (const google::protobuf::MethodDescriptor* method : support::FlowServiceMethods()) {
    names.push_back(method->name());
  }
  return names;
}

bool Lists(absl::Span<const absl::string_view> list, absl::string_view method) {
  return std::find(list.begin(), list.end(), method) != list.end();
}

TEST(MethodAccessTest, EveryMethodOfTheServiceIsEitherAReadOrAWrite) {
  const std::vector<std::string> methods = ServiceMethodNames();
  ASSERT_FALSE(methods.empty());
  for (const std::string& method : methods) {
    const bool read = Lists(ReadMethods(), method);
    const bool write = Lists(WriteMethods(), method);
    EXPECT_TRUE(read || write) << method
                               << " is in neither list of server/api/method_access.cc: "
                                  "no caller can call it until it is declared a read "
                                  "or a write";
    EXPECT_FALSE(read && write) << method << " is declared both a read and a write";
  }
}

// A name in a list that the service does not have is a typo, and the
// method it meant is then in neither list.
TEST(MethodAccessTest, EveryListedMethodIsAMethodOfTheService) {
  const std::vector<std::string> methods = ServiceMethodNames();
  for (absl::Span<const absl::string_view> list : {ReadMethods(), WriteMethods()}) {
    for (absl::string_view listed : list) {
      EXPECT_THAT(methods, ::testing::Contains(std::string(listed)));
    }
  }
}

TEST(MethodAccessTest, TheReadsAreTheLookUpsAndTheRestWrite) {
  EXPECT_EQ(AccessOf("GetProspectFlows"), MethodAccess::kRead);
  EXPECT_EQ(AccessOf("ListFlows"), MethodAccess::kRead);
  EXPECT_EQ(AccessOf("UnassignByInstanceIds"), MethodAccess::kWrite);
  EXPECT_EQ(AccessOf("UnassignByCrmId"), MethodAccess::kWrite);
  EXPECT_EQ(AccessOf("AssignProspects"), MethodAccess::kWrite);
}

TEST(MethodAccessTest, AReaderMayCallOnlyReadsAWriterAnyDeclaredMethodNobodyTheRest) {
  for (const std::string& method : ServiceMethodNames()) {
    SCOPED_TRACE(method);
    EXPECT_EQ(MayCall(auth::Role::kReader, method),
              AccessOf(method) == MethodAccess::kRead);
    EXPECT_TRUE(MayCall(auth::Role::kWriter, method));
  }
  // Fail closed: a method in neither list, or spelled otherwise.
  for (const char* unknown : {"DeleteEverything", "", "listflows", "ListFlows "}) {
    SCOPED_TRACE(unknown);
    EXPECT_EQ(AccessOf(unknown), std::nullopt);
    EXPECT_FALSE(MayCall(auth::Role::kReader, unknown));
    EXPECT_FALSE(MayCall(auth::Role::kWriter, unknown));
  }
}

}  // namespace
}  // namespace gong::api
