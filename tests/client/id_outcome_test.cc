// Unit tests for the outcome words of --results and the summary
// (client/id_outcome.h): each name as the issue spells it, both ways.
#include "id_outcome.h"

#include "gtest/gtest.h"

namespace gong::cli {
namespace {

TEST(IdOutcomeTest, EveryOutcomeHasItsNameBothWays) {
  const struct {
    IdOutcome outcome;
    const char* name;
  } kCases[] = {
      {IdOutcome::kSending, "sending"},
      {IdOutcome::kUnassigned, "unassigned"},
      {IdOutcome::kStillAssigned, "still_assigned"},
      {IdOutcome::kAssigned, "assigned"},
      {IdOutcome::kNotAssigned, "not_assigned"},
      {IdOutcome::kFound, "found"},
      {IdOutcome::kNotFound, "not_found"},
      {IdOutcome::kUnknown, "unknown"},
      {IdOutcome::kFailed, "failed"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(OutcomeName(c.outcome), c.name);
    EXPECT_EQ(OutcomeFromName(c.name), c.outcome);
  }
}

TEST(IdOutcomeTest, OtherWordsAreNoOutcome) {
  for (const char* name : {"", "Unassigned", "unassigned ", "done", "invalid"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(OutcomeFromName(name), std::nullopt);
  }
}

TEST(IdOutcomeTest, OnlySendingIsLeftForAResumedRun) {
  EXPECT_FALSE(IsFinal(IdOutcome::kSending));
  EXPECT_TRUE(IsFinal(IdOutcome::kUnknown));
  EXPECT_TRUE(IsFinal(IdOutcome::kFailed));
  EXPECT_TRUE(IsFinal(IdOutcome::kUnassigned));
}

}  // namespace
}  // namespace gong::cli
