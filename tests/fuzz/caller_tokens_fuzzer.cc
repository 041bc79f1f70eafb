// Fuzzes the caller tokens file: ParseCallerTokens on the file's text, and
// CallerTokens::Load plus Accepts on the same text written to a file.
//
// Input: the file's contents.
//
// Invariants beyond "no crash":
// - every token is non-empty, has no surrounding ASCII whitespace and no
//   newline, does not start with '#', and is a line of the input once
//   stripped; the tokens are sorted and distinct;
// - Load succeeds exactly when the text holds a token, and then accepts
//   "Bearer <token>" (any case of the scheme, any number of spaces) for
//   each token, and refuses another scheme, an empty token and a token with
//   a byte added or removed (unless that too is a token).
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "auth/caller_tokens.h"
#include "base/clock.h"
#include "fuzz_check.h"

namespace {

// Time stands still: Accepts never re-reads the file during one input.
class StillClock final : public gong::base::Clock {
 public:
  absl::Time Now() override { return absl::FromUnixSeconds(1796173200); }
  void RunAt(absl::Time, Task) override { std::abort(); }  // never used
};

// One name per process, for a file written for every input (in the
// temporary directory, never the source tree).
const std::string& TokensPath() {
  static const std::string* path = [] {
    std::string templ = absl::StrCat(::getenv("TMPDIR") ? ::getenv("TMPDIR") : "/tmp",
                                     "/caller_tokens_fuzzer_XXXXXX");
    const int fd = ::mkstemp(templ.data());
    FUZZ_CHECK(fd >= 0);
    ::close(fd);
    return new std::string(templ);
  }();
  return *path;
}

void WriteTokensFile(absl::string_view text) {
  std::FILE* file = std::fopen(TokensPath().c_str(), "wb");
  FUZZ_CHECK(file != nullptr);
  FUZZ_CHECK(std::fwrite(text.data(), 1, text.size(), file) == text.size());
  FUZZ_CHECK(std::fclose(file) == 0);
}

bool IsAsciiSpace(char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> tokens = gong::auth::ParseCallerTokens(text);

  absl::flat_hash_set<absl::string_view> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    lines.insert(absl::StripAsciiWhitespace(line));
  }
  for (const std::string& token : tokens) {
    FUZZ_CHECK(!token.empty());
    FUZZ_CHECK(!IsAsciiSpace(token.front()) && !IsAsciiSpace(token.back()));
    FUZZ_CHECK(token.find('\n') == std::string::npos);
    FUZZ_CHECK(token.front() != '#');
    FUZZ_CHECK(lines.contains(token));
  }
  FUZZ_CHECK(std::adjacent_find(tokens.begin(), tokens.end(),
                                [](const std::string& a, const std::string& b) {
                                  return !(a < b);
                                }) == tokens.end());

  // The loader refuses files over 1 MiB (the wrong file); libFuzzer's
  // inputs stay far below that unless told otherwise.
  if (size > (1 << 20)) return 0;
  WriteTokensFile(text);
  StillClock clock;
  absl::StatusOr<std::unique_ptr<gong::auth::CallerTokens>> loaded =
      gong::auth::CallerTokens::Load(TokensPath(), &clock);
  // Load has read the file, and the still clock never lets Accepts look at
  // it again: removed at once, it is not left behind when a finding aborts.
  ::unlink(TokensPath().c_str());
  FUZZ_CHECK(loaded.ok() == !tokens.empty());
  if (!loaded.ok()) return 0;
  gong::auth::CallerTokens& accepted = **loaded;
  FUZZ_CHECK(accepted.size() == tokens.size());

  const absl::flat_hash_set<absl::string_view> token_set(tokens.begin(), tokens.end());
  FUZZ_CHECK(!accepted.Accepts("Bearer "));
  FUZZ_CHECK(!accepted.Accepts(""));
  // A few tokens are enough: each check costs a pass over all of them.
  for (size_t i = 0; i < tokens.size() && i < 8; ++i) {
    const std::string& token = tokens[i];
    FUZZ_CHECK(accepted.Accepts(absl::StrCat("Bearer ", token)));
    FUZZ_CHECK(accepted.Accepts(absl::StrCat("bEARER   ", token)));
    FUZZ_CHECK(!accepted.Accepts(absl::StrCat("Basic ", token)));
    FUZZ_CHECK(!accepted.Accepts(absl::StrCat("Bearer", token)));
    const std::string longer = absl::StrCat(token, "x");
    FUZZ_CHECK(accepted.Accepts(absl::StrCat("Bearer ", longer)) ==
               token_set.contains(longer));
    const std::string shorter = token.substr(0, token.size() - 1);
    FUZZ_CHECK(accepted.Accepts(absl::StrCat("Bearer ", shorter)) ==
               (!shorter.empty() && token_set.contains(shorter)));
  }
  return 0;
}
