// A caller only ever sees its own ids, whatever happens to the callers
// merged with it: for every coalescing policy (unassign, lookups by CRM id
// and by instance id), the others leave at each moment (before the merged
// request is sent, while it is handed to Gong, while it is in flight, after
// the answer) and the caller that stays gets the part of Gong's answer for
// its own ids only. Gong is a fake that answers for every id it was sent,
// as Gong does; time moves only by FakeClock::Advance.
#include <deque>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "quota/get_prospect_flows_coalescing.h"
#include "quota/quota_steward.h"
#include "quota/unassign_by_instance_ids_coalescing.h"
#include "upstream/get_prospect_flows_codec.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::quota {
namespace {

using fakes::FakeClock;
using fakes::FakeGongClient;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using By = upstream::GetProspectFlowsParams::By;

// What a test needs of one policy's endpoint: a caller's request and part,
// Gong's answer for every id of a request sent, and the ids a caller's
// answer names, read as the caller's codec reads it.
struct Endpoint {
  std::string name;
  std::function<std::pair<upstream::GongRequest, std::unique_ptr<Coalescable>>(
      std::vector<std::string> ids, absl::Time deadline)>
      call;
  std::function<std::vector<std::string>(const upstream::GongRequest& sent)> sent_ids;
  std::function<upstream::GongAnswer(const std::vector<std::string>& ids)> answer;
  std::function<std::vector<std::string>(const upstream::GongAnswer& answer)> seen_ids;
};

// (For gtest's messages: the endpoint's name rather than its bytes.)
void PrintTo(const Endpoint& endpoint, std::ostream* out) { *out << endpoint.name; }

const UnassignByInstanceIdsCoalescing kUnassign;
const GetProspectFlowsCoalescing kLookup;

std::vector<std::string> BodyIds(const upstream::GongRequest& sent, const char* field) {
  return nlohmann::json::parse(sent.json_body).at(field).get<std::vector<std::string>>();
}

Endpoint Unassign() {
  return {
      "Unassign",
      [](std::vector<std::string> ids, absl::Time deadline) {
        upstream::UnassignByInstanceIdsParams request{std::move(ids), "a@x.io"};
        upstream::GongRequest gong_request =
            upstream::EncodeUnassignByInstanceIds(request, deadline);
        return std::make_pair(std::move(gong_request),
                              kUnassign.Part(std::move(request)));
      },
      [](const upstream::GongRequest& sent) { return BodyIds(sent, "flowInstanceIds"); },
      // Gong removed every id it was asked for.
      [](const std::vector<std::string>& ids) {
        return upstream::GongAnswer{upstream::EncodeUnassignByInstanceIdsResponse(
            upstream::UnassignByInstanceIdsResult{"req-u", ids})};
      },
      [](const upstream::GongAnswer& answer) {
        return std::get<upstream::UnassignByInstanceIdsResult>(
                   upstream::DecodeOutcome(answer,
                                           upstream::DecodeUnassignByInstanceIdsResponse))
            .unassigned_flow_instance_ids;
      },
  };
}

// A lookup by `by`; Gong finds one instance for each id asked for (instance
// "i-<crm id>" of prospect <crm id>, or prospect "p-<instance id>" of
// instance <instance id>).
Endpoint Lookup(By by) {
  const bool crm = by == By::kCrmProspectIds;
  return {
      crm ? "LookupByCrmId" : "LookupByInstanceId",
      [by](std::vector<std::string> ids, absl::Time deadline) {
        upstream::GetProspectFlowsParams query{by, std::move(ids)};
        upstream::GongRequest gong_request =
            upstream::EncodeGetProspectFlows(query, deadline);
        return std::make_pair(std::move(gong_request), kLookup.Part(std::move(query)));
      },
      [crm](const upstream::GongRequest& sent) {
        return BodyIds(sent, crm ? "crmProspectsIds" : "flowInstanceIds");
      },
      [crm](const std::vector<std::string>& ids) {
        upstream::GetProspectFlowsResult result;
        result.request_id = "req-l";
        for (const std::string& id : ids) {
          upstream::FlowInstance instance;
          instance.flow_instance_id = crm ? absl::StrCat("i-", id) : id;
          instance.crm_prospect_id = crm ? id : absl::StrCat("p-", id);
          instance.flow_id = "flow-1";
          instance.status = upstream::FlowInstanceStatus::kRunning;
          result.flow_instances.push_back(std::move(instance));
        }
        return upstream::GongAnswer{upstream::EncodeGetProspectFlowsResponse(result)};
      },
      [crm](const upstream::GongAnswer& answer) {
        const upstream::GetProspectFlowsResult result =
            std::get<upstream::GetProspectFlowsResult>(upstream::DecodeOutcome(
                answer, upstream::DecodeGetProspectFlowsResponse));
        std::vector<std::string> ids;
        for (const upstream::FlowInstance& instance : result.flow_instances) {
          ids.push_back(crm ? instance.crm_prospect_id : instance.flow_instance_id);
        }
        return ids;
      },
  };
}

// When the callers merged with the one that stays leave.
enum class Moment { kBeforeSend, kWhileHandedToGong, kInFlight, kAfterAnswer };

std::string MomentName(Moment moment);
void PrintTo(Moment moment, std::ostream* out) { *out << MomentName(moment); }

std::string MomentName(Moment moment) {
  switch (moment) {
    case Moment::kBeforeSend:
      return "BeforeSend";
    case Moment::kWhileHandedToGong:
      return "WhileHandedToGong";
    case Moment::kInFlight:
      return "InFlight";
    case Moment::kAfterAnswer:
      return "AfterAnswer";
  }
  return "";
}

class OwnIdsTest : public ::testing::Test {
 protected:
  struct Caller {
    std::optional<QuotaOutcome> outcome;
    QuotaSteward::CallId id = 0;
  };

  void Start(const Endpoint& endpoint) {
    endpoint_ = endpoint;
    QuotaOptions options;
    options.gong_qps = 1;  // calls wait for their turn, and merge meanwhile
    auto gong = std::make_unique<FakeGongClient>();
    auto clock = std::make_unique<FakeClock>();
    gong_ = gong.get();
    clock_ = clock.get();
    steward_ = std::make_unique<QuotaSteward>(std::move(gong), std::move(clock), options);
  }

  Caller* Call(std::vector<std::string> ids) {
    auto [request, part] =
        endpoint_.call(std::move(ids), clock_->Now() + absl::Seconds(60));
    callers_.emplace_back();
    Caller* caller = &callers_.back();
    caller->id = steward_->Submit(
        std::move(request), std::move(part), [caller](QuotaOutcome outcome) {
          EXPECT_FALSE(caller->outcome.has_value()) << "a second outcome";
          caller->outcome = std::move(outcome);
        });
    return caller;
  }

  // Gong answers call `id` for every id it was sent.
  void AnswerAll(upstream::GongClient::CallId id) {
    gong_->Answer(id, endpoint_.answer(SentIds(id)));
  }

  std::vector<std::string> SentIds(upstream::GongClient::CallId id) {
    return endpoint_.sent_ids(gong_->request(id));
  }

  // The ids `caller`'s answer names, as its codec reads them.
  std::vector<std::string> Seen(const Caller& caller) {
    EXPECT_TRUE(caller.outcome.has_value());
    if (!caller.outcome.has_value()) return {"<no outcome>"};
    const auto* answer = std::get_if<upstream::GongAnswer>(&*caller.outcome);
    EXPECT_NE(answer, nullptr) << "not an answer";
    if (answer == nullptr) return {"<not an answer>"};
    return endpoint_.seen_ids(*answer);
  }

  Endpoint endpoint_;
  std::deque<Caller> callers_;      // stable addresses; before the steward
  FakeGongClient* gong_ = nullptr;  // owned by steward_
  FakeClock* clock_ = nullptr;      // owned by steward_
  std::unique_ptr<QuotaSteward> steward_;
};

class OwnIdsWhenOthersLeaveTest
    : public OwnIdsTest,
      public ::testing::WithParamInterface<std::tuple<Endpoint, Moment>> {};

// The scenario: a first call takes the second's slot, three callers
// wait and merge into one request, and two of them leave; the third sees
// the instances (or unassigned ids) of its own ids and no one else's.
TEST_P(OwnIdsWhenOthersLeaveTest, TheCallerWhoStaysSeesOnlyItsOwnIds) {
  const auto& [endpoint, moment] = GetParam();
  Start(endpoint);
  Call({"100"});  // takes this second's slot: the others wait
  Caller* first = Call({"11", "12"});
  Caller* middle = Call({"21"});
  Caller* stays = Call({"31", "12"});  // "12" is first's too
  auto others_leave = [&] {
    steward_->Cancel(first->id);
    steward_->Cancel(middle->id);
  };

  if (moment == Moment::kBeforeSend) others_leave();
  if (moment == Moment::kWhileHandedToGong) {
    // The steward hands requests to Gong's client without its lock.
    gong_->OnSend(others_leave);
  }
  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 2u);
  if (moment == Moment::kBeforeSend) {
    EXPECT_THAT(SentIds(2), ElementsAre("31", "12"));
  } else {
    // Merged, in arrival order, each id once.
    EXPECT_THAT(SentIds(2), ElementsAre("11", "12", "21", "31"));
  }
  if (moment == Moment::kInFlight) others_leave();
  AnswerAll(2);
  if (moment == Moment::kAfterAnswer) others_leave();

  EXPECT_THAT(Seen(*stays), UnorderedElementsAre("31", "12"));
  if (moment == Moment::kAfterAnswer) {
    // They had their answers before leaving: each its own, too.
    EXPECT_THAT(Seen(*first), UnorderedElementsAre("11", "12"));
    EXPECT_THAT(Seen(*middle), ElementsAre("21"));
  } else {
    for (const Caller* left : {first, middle}) {
      ASSERT_TRUE(left->outcome.has_value());
      EXPECT_EQ(std::get<upstream::GongError>(*left->outcome).kind,
                upstream::GongError::Kind::kCancelled);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryPolicyAndMoment, OwnIdsWhenOthersLeaveTest,
    ::testing::Combine(::testing::Values(Unassign(), Lookup(By::kCrmProspectIds),
                                         Lookup(By::kFlowInstanceIds)),
                       ::testing::Values(Moment::kBeforeSend, Moment::kWhileHandedToGong,
                                         Moment::kInFlight, Moment::kAfterAnswer)),
    [](const auto& info) {
      return std::get<0>(info.param).name + "_" + MomentName(std::get<1>(info.param));
    });

class OwnIdsAloneTest : public OwnIdsTest,
                        public ::testing::WithParamInterface<Endpoint> {};

// No caller is trusted with an answer because it is alone: what Gong names
// beyond the ids asked for reaches nobody.
TEST_P(OwnIdsAloneTest, ALoneCallerSeesNothingOfWhatItDidNotAskFor) {
  Start(GetParam());
  Caller* alone = Call({"1", "2"});
  ASSERT_EQ(gong_->size(), 1u);
  gong_->Answer(1, endpoint_.answer({"2", "77", "1"}));
  EXPECT_THAT(Seen(*alone), ElementsAre("2", "1"));  // in Gong's order
}

INSTANTIATE_TEST_SUITE_P(EveryPolicy, OwnIdsAloneTest,
                         ::testing::Values(Unassign(), Lookup(By::kCrmProspectIds),
                                           Lookup(By::kFlowInstanceIds)),
                         [](const auto& info) { return info.param.name; });

class OwnIdsInRefusalsTest : public OwnIdsTest,
                             public ::testing::WithParamInterface<Endpoint> {};

// Gong's 400 "does not exist" to a merged unassign is true of every part,
// so it goes to every caller in it without a resend, and Gong may list
// every id of the request in its text: a text naming another caller's id
// reaches no one, whoever has left; one naming only the caller's own ids is
// passed on as Gong wrote it.
TEST_F(OwnIdsTest, GongsTextNamingAnotherCallersIdsIsWithheld) {
  Start(Unassign());
  Call({"100"});  // takes this second's slot: the others wait and merge
  Caller* first = Call({"11", "12"});
  Caller* leaves = Call({"21"});
  Caller* stays = Call({"31"});
  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 2u);
  steward_->Cancel(leaves->id);  // in flight: "21" is still in the request
  gong_->Answer(
      2, upstream::GongError::HttpStatus(400, "req-r",
                                         {"Flow instances 11, 12, 21, 31 does not exist",
                                          "31 does not exist", "Invalid request"}));

  for (const Caller* caller : {first, stays}) {
    ASSERT_TRUE(caller->outcome.has_value());
    const auto& error = std::get<upstream::GongError>(*caller->outcome);
    EXPECT_EQ(error.http_status, 400);
    EXPECT_EQ(error.request_id, "req-r");
    for (const std::string& text : error.errors) {
      EXPECT_FALSE(absl::StrContains(text, "21")) << text;
    }
    EXPECT_THAT(error.errors[0], ::testing::HasSubstr("withheld"));
    EXPECT_EQ(error.errors[2], "Invalid request");
  }
  // "31 does not exist" names only the third caller's own id.
  EXPECT_EQ(std::get<upstream::GongError>(*stays->outcome).errors[1],
            "31 does not exist");
  EXPECT_THAT(std::get<upstream::GongError>(*first->outcome).errors[1],
              ::testing::HasSubstr("withheld"));
}

// Alone with its own ids, a caller gets Gong's refusal as Gong wrote it.
TEST_P(OwnIdsInRefusalsTest, ARefusalOfOnlyTheCallersOwnIdsIsUnchanged) {
  Start(GetParam());
  Caller* alone = Call({"1", "2"});
  ASSERT_EQ(gong_->size(), 1u);
  gong_->Answer(1,
                upstream::GongError::HttpStatus(400, "req-r", {"1, 2 does not exist"}));
  ASSERT_TRUE(alone->outcome.has_value());
  EXPECT_THAT(std::get<upstream::GongError>(*alone->outcome).errors,
              ElementsAre("1, 2 does not exist"));
}

INSTANTIATE_TEST_SUITE_P(EveryPolicy, OwnIdsInRefusalsTest,
                         ::testing::Values(Unassign(), Lookup(By::kCrmProspectIds),
                                           Lookup(By::kFlowInstanceIds)),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace gong::quota
