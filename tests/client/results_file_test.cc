// Unit tests for --results (client/results_file.h): each answer one whole
// JSON line, read back by --resume with later lines winning; a run killed
// mid-line (a torn last line) loses nothing before it, and the next run's
// lines start clean.
#include "results_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "support/test_files.h"

namespace gong::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ResultsFileTest : public ::testing::Test {
 protected:
  std::unique_ptr<ResultsFile> OpenOrDie() {
    absl::StatusOr<std::unique_ptr<ResultsFile>> file = ResultsFile::Open(path_);
    EXPECT_TRUE(file.ok()) << file.status();
    return file.ok() ? std::move(*file) : nullptr;
  }

  absl::flat_hash_map<std::string, IdOutcome> ReadOrDie(size_t* skipped) {
    absl::StatusOr<absl::flat_hash_map<std::string, IdOutcome>> read =
        ReadResults(path_, skipped);
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? *read : absl::flat_hash_map<std::string, IdOutcome>{};
  }

  const std::filesystem::path dir_ = support::FreshTestDir("results_file");
  const std::string path_ = (dir_ / "results.jsonl").string();
};

TEST_F(ResultsFileTest, EachResultIsOneJsonLineWithoutEmptyFields) {
  {
    std::unique_ptr<ResultsFile> file = OpenOrDie();
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(
        file->Write({"7300000000000000001", IdOutcome::kUnassigned, "req-1", ""}).ok());
    ASSERT_TRUE(file->Write({"x", IdOutcome::kFailed, "", "INVALID_ARGUMENT"}).ok());
  }
  const std::vector<std::string> lines =
      absl::StrSplit(ReadText(path_), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[0]),
            nlohmann::json({{"id", "7300000000000000001"},
                            {"outcome", "unassigned"},
                            {"request_id", "req-1"}}));
  EXPECT_EQ(nlohmann::json::parse(lines[1]),
            nlohmann::json(
                {{"id", "x"}, {"outcome", "failed"}, {"reason", "INVALID_ARGUMENT"}}));
}

TEST_F(ResultsFileTest, RoundTripEveryOutcomeLaterLinesWin) {
  {
    std::unique_ptr<ResultsFile> file = OpenOrDie();
    ASSERT_NE(file, nullptr);
    for (IdOutcome outcome :
         {IdOutcome::kSending, IdOutcome::kUnassigned, IdOutcome::kStillAssigned,
          IdOutcome::kAssigned, IdOutcome::kNotAssigned, IdOutcome::kFound,
          IdOutcome::kNotFound, IdOutcome::kUnknown, IdOutcome::kFailed}) {
      ASSERT_TRUE(file->Write({std::string(OutcomeName(outcome)), outcome, "", ""}).ok());
    }
    ASSERT_TRUE(file->Write({"later", IdOutcome::kSending, "", ""}).ok());
    ASSERT_TRUE(file->Write({"later", IdOutcome::kUnassigned, "r", ""}).ok());
  }
  size_t skipped = 99;
  const absl::flat_hash_map<std::string, IdOutcome> read = ReadOrDie(&skipped);
  EXPECT_EQ(skipped, 0u);
  ASSERT_EQ(read.size(), 10u);
  for (const auto& [id, outcome] : read) {
    if (id != "later") {
      EXPECT_EQ(OutcomeName(outcome), id);
    }
  }
  EXPECT_EQ(read.at("later"), IdOutcome::kUnassigned);
}

TEST_F(ResultsFileTest, OddIdsStayOnOneLineAndComeBackIntact) {
  const std::vector<std::string> ids = {"line\nbreak", "quote\"back\\slash",
                                        "ctl\x01\x1b", std::string(100000, '7'),
                                        "caf\xC3\xA9"};
  {
    std::unique_ptr<ResultsFile> file = OpenOrDie();
    ASSERT_NE(file, nullptr);
    for (const std::string& id : ids) {
      ASSERT_TRUE(file->Write({id, IdOutcome::kFailed, "", "reason\nwith break"}).ok());
    }
  }
  const std::string text = ReadText(path_);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 5);
  size_t skipped = 0;
  const absl::flat_hash_map<std::string, IdOutcome> read = ReadOrDie(&skipped);
  EXPECT_EQ(skipped, 0u);
  for (const std::string& id : ids) EXPECT_TRUE(read.contains(id)) << id.substr(0, 20);
}

// Gong's text is not ours to trust: bytes that are not UTF-8 are replaced,
// and the line is still written and read.
TEST_F(ResultsFileTest, TextThatIsNotUtf8IsWrittenReplaced) {
  {
    std::unique_ptr<ResultsFile> file = OpenOrDie();
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->Write({"1", IdOutcome::kNotAssigned, "r\xFF", "bad\xC0"}).ok());
  }
  size_t skipped = 0;
  EXPECT_THAT(ReadOrDie(&skipped),
              UnorderedElementsAre(Pair("1", IdOutcome::kNotAssigned)));
  EXPECT_EQ(skipped, 0u);
}

// A run killed in the middle of a write leaves a line without its end: it
// is skipped and counted, the lines before it count, and the next run's
// Open ends it so that its own first line is whole.
TEST_F(ResultsFileTest, TornLastLineIsEndedOnOpenAndSkipped) {
  {
    std::unique_ptr<ResultsFile> file = OpenOrDie();
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->Write({"1", IdOutcome::kUnassigned, "", ""}).ok());
  }
  // What a kill part-way through write(2) would leave.
  {
    std::ofstream out(path_, std::ios::binary | std::ios::app);
    out << R"({"id":"2","outcome":"unass)";
  }
  size_t skipped = 0;
  EXPECT_THAT(ReadOrDie(&skipped),
              UnorderedElementsAre(Pair("1", IdOutcome::kUnassigned)));
  EXPECT_EQ(skipped, 1u);

  {
    std::unique_ptr<ResultsFile> file = OpenOrDie();
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->Write({"2", IdOutcome::kUnassigned, "", ""}).ok());
  }
  EXPECT_THAT(ReadOrDie(&skipped),
              UnorderedElementsAre(Pair("1", IdOutcome::kUnassigned),
                                   Pair("2", IdOutcome::kUnassigned)));
  EXPECT_EQ(skipped, 1u);
  // Opening a file that ends whole adds nothing.
  const std::string before = ReadText(path_);
  ASSERT_NE(OpenOrDie(), nullptr);
  EXPECT_EQ(ReadText(path_), before);
}

// The kill simulated byte by byte: a line cut after any of its bytes loses
// that line only, and the next run appends cleanly.
TEST_F(ResultsFileTest, AKillAfterAnyByteLosesOnlyTheLineInWriting) {
  {
    std::unique_ptr<ResultsFile> file = OpenOrDie();
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->Write({"a", IdOutcome::kFound, "req", ""}).ok());
    ASSERT_TRUE(file->Write({"b", IdOutcome::kNotFound, "req", ""}).ok());
  }
  const std::string whole = ReadText(path_);
  const size_t second = whole.find('\n') + 1;
  for (size_t cut = second; cut < whole.size(); ++cut) {
    SCOPED_TRACE(cut);
    support::WriteFile(path_, whole.substr(0, cut));
    {
      std::unique_ptr<ResultsFile> file = OpenOrDie();
      ASSERT_NE(file, nullptr);
      ASSERT_TRUE(file->Write({"c", IdOutcome::kFound, "", ""}).ok());
    }
    size_t skipped = 0;
    const absl::flat_hash_map<std::string, IdOutcome> read = ReadOrDie(&skipped);
    EXPECT_EQ(read.at("a"), IdOutcome::kFound);
    EXPECT_EQ(read.at("c"), IdOutcome::kFound);
    // Cut before its closing brace, b's line is lost; cut only before its
    // newline, it is whole.
    const bool b_whole = cut == whole.size() - 1;
    EXPECT_EQ(read.contains("b"), b_whole);
    EXPECT_EQ(skipped, b_whole || cut == second ? 0u : 1u);
  }
}

TEST_F(ResultsFileTest, LinesOfAnotherShapeAreSkippedAndCounted) {
  support::WriteFile(path_,
                     "{\"id\":\"1\",\"outcome\":\"unassigned\"}\n"
                     "not json\n"
                     "[\"id\",\"outcome\"]\n"
                     "{\"id\":\"2\"}\n"
                     "{\"outcome\":\"unassigned\"}\n"
                     "{\"id\":3,\"outcome\":\"unassigned\"}\n"
                     "{\"id\":\"4\",\"outcome\":\"done\"}\n"
                     "{\"id\":\"5\",\"outcome\":[\"unassigned\"]}\n"
                     "\n"
                     "{\"id\":\"1\",\"outcome\":\"bogus\"}\n"
                     "  {\"id\":\"6\",\"outcome\":\"not_found\",\"extra\":1}\r\n" +
                         std::string(100000, '[') + "\n");
  size_t skipped = 0;
  EXPECT_THAT(ReadOrDie(&skipped), UnorderedElementsAre(Pair("1", IdOutcome::kUnassigned),
                                                        Pair("6", IdOutcome::kNotFound)));
  EXPECT_EQ(skipped, 9u);
}

TEST_F(ResultsFileTest, NoFileIsNotFound) {
  size_t skipped = 0;
  absl::StatusOr<absl::flat_hash_map<std::string, IdOutcome>> read =
      ReadResults(path_, &skipped);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ResultsFileTest, OpenInAMissingDirectoryIsAnErrorNamingTheFile) {
  absl::StatusOr<std::unique_ptr<ResultsFile>> file =
      ResultsFile::Open((dir_ / "no" / "such.jsonl").string());
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("such.jsonl"));
  EXPECT_THAT(file.status().message(), HasSubstr("No such file or directory"));
}

// Each line goes to the kernel as Write returns: another reader (a `tail
// -f`, or the next run after a SIGKILL) sees it without the file closed.
TEST_F(ResultsFileTest, ALineIsInTheFileAsWriteReturns) {
  std::unique_ptr<ResultsFile> file = OpenOrDie();
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->Write({"1", IdOutcome::kUnassigned, "", ""}).ok());
  size_t skipped = 0;
  EXPECT_THAT(ReadOrDie(&skipped),
              UnorderedElementsAre(Pair("1", IdOutcome::kUnassigned)));
}

TEST_F(ResultsFileTest, AWriteThatFailsSaysWhy) {
  // /dev/full answers every write with ENOSPC.
  absl::StatusOr<std::unique_ptr<ResultsFile>> file = ResultsFile::Open("/dev/full");
  if (!file.ok()) GTEST_SKIP() << "no /dev/full here: " << file.status();
  const absl::Status written = (*file)->Write({"1", IdOutcome::kUnassigned, "", ""});
  EXPECT_FALSE(written.ok());
  EXPECT_THAT(written.message(), HasSubstr("No space left on device"));
}

// --- idempotency keys in `sending` lines -------------------------------------

TEST_F(ResultsFileTest, ASendingLineKeepsItsCallsKey) {
  {
    std::unique_ptr<ResultsFile> file = OpenOrDie();
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(
        file->Write({"1", IdOutcome::kSending, "", "", "gong-flows-cli/ab/cd"}).ok());
  }
  EXPECT_EQ(ReadText(path_),
            "{\"id\":\"1\",\"key\":\"gong-flows-cli/ab/cd\",\"outcome\":\"sending\"}\n");
}

TEST_F(ResultsFileTest, AResumeReadsEachCallInDoubtWithItsKeyAndIds) {
  support::WriteFile(
      path_,
      // Call k1 of A, B, C: A answered, B and C torn by a kill.
      "{\"id\":\"A\",\"outcome\":\"sending\",\"key\":\"k1\"}\n"
      "{\"id\":\"B\",\"outcome\":\"sending\",\"key\":\"k1\"}\n"
      "{\"id\":\"C\",\"outcome\":\"sending\",\"key\":\"k1\"}\n"
      "{\"id\":\"A\",\"outcome\":\"unassigned\"}\n"
      // Call k2 of D, E; E refused, D marked again as call k3.
      "{\"id\":\"D\",\"outcome\":\"sending\",\"key\":\"k2\"}\n"
      "{\"id\":\"E\",\"outcome\":\"sending\",\"key\":\"k2\"}\n"
      "{\"id\":\"E\",\"outcome\":\"failed\"}\n"
      "{\"id\":\"D\",\"outcome\":\"sending\",\"key\":\"gong-flows-cli/0f/99\"}\n"
      // An older CLI's line: no key.
      "{\"id\":\"F\",\"outcome\":\"sending\"}\n");
  size_t skipped = 0;
  absl::StatusOr<ResultsLog> log = ReadResultsLog(path_, &skipped);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(skipped, 0u);
  EXPECT_THAT(log->key_ids.at("k1"), ElementsAre("A", "B", "C"));
  EXPECT_THAT(log->key_ids.at("k2"), ElementsAre("E"));
  EXPECT_THAT(log->key_ids.at("gong-flows-cli/0f/99"), ElementsAre("D"));
  EXPECT_EQ(log->last_key.at("D"), "gong-flows-cli/0f/99");
  EXPECT_FALSE(log->last_key.contains("F"));
  EXPECT_EQ(log->latest_key, "gong-flows-cli/0f/99");
  EXPECT_EQ(log->outcomes.at("A"), IdOutcome::kUnassigned);
  EXPECT_EQ(log->outcomes.at("F"), IdOutcome::kSending);
}

TEST_F(ResultsFileTest, AKeyNotFitToBeSentIsNoKey) {
  support::WriteFile(path_,
                     "{\"id\":\"A\",\"outcome\":\"sending\",\"key\":\"\"}\n"
                     "{\"id\":\"B\",\"outcome\":\"sending\",\"key\":\"tab\\there\"}\n"
                     "{\"id\":\"C\",\"outcome\":\"sending\",\"key\":\"" +
                         std::string(256, 'k') +
                         "\"}\n"
                         "{\"id\":\"D\",\"outcome\":\"sending\",\"key\":7}\n"
                         "{\"id\":\"E\",\"outcome\":\"unassigned\",\"key\":\"k\"}\n");
  size_t skipped = 0;
  absl::StatusOr<ResultsLog> log = ReadResultsLog(path_, &skipped);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_TRUE(log->last_key.empty());
  EXPECT_TRUE(log->key_ids.empty());
  EXPECT_EQ(log->latest_key, "");
  EXPECT_EQ(log->outcomes.size(), 5u);
}

TEST_F(ResultsFileTest, ThousandsOfIdsUnderOneKeyReadBackInOrder) {
  std::string text;
  std::vector<std::string> ids;
  for (int i = 0; i < 20000; ++i) {
    ids.push_back(absl::StrCat(i));
    absl::StrAppend(&text, "{\"id\":\"", i,
                    "\",\"outcome\":\"sending\",\"key\":\"k\"}\n");
    // Each marked twice: counted once.
    absl::StrAppend(&text, "{\"id\":\"", i,
                    "\",\"outcome\":\"sending\",\"key\":\"k\"}\n");
  }
  support::WriteFile(path_, text);
  absl::StatusOr<ResultsLog> log = ReadResultsLog(path_, nullptr);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->key_ids.at("k"), ids);
}

}  // namespace
}  // namespace gong::cli
