// Fuzzes the caller tokens file: ParseCallerTokens on the file's text, and
// CallerTokens::Load plus Authenticate on the same text written to a file.
//
// Input: the file's contents.
//
// Invariants beyond "no crash":
// - the text is refused exactly when a line (not blank, not a comment) is
//   neither a lone token nor NAME ROLE TOKEN with a valid, unreserved name
//   and a known role, or when one token is given to two callers; a refusal
//   names a line ("line N: ") that exists;
// - every token parsed is non-empty, holds no ASCII whitespace, is the last
//   field of a line of the input, and an unnamed writer's does not start
//   with '#'; names are 1 to 64 of [A-Za-z0-9._-], never "unauthenticated",
//   and "unnamed" only for a lone token; the tokens are sorted and
//   distinct;
// - Load succeeds exactly when the text parses and holds a token, and then
//   authenticates "Bearer <token>" (any case of the scheme, any number of
//   spaces) as that token's caller, and refuses another scheme, an empty
//   token and a token with a byte added or removed (unless that too is a
//   token, which then gives its own caller).
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "auth/caller_tokens.h"
#include "base/clock.h"
#include "fuzz_check.h"

namespace {

using gong::auth::Caller;
using gong::auth::CallerToken;
using gong::auth::Role;

// Time stands still: Authenticate never re-reads the file during one input.
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

bool IsName(absl::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                  c == '_' || c == '-';
         });
}

// The fields of a line, split at runs of ASCII whitespace (written apart
// from the parser's own splitting).
std::vector<absl::string_view> Fields(absl::string_view line) {
  std::vector<absl::string_view> fields;
  for (absl::string_view field : absl::StrSplit(line, absl::ByAnyChar(" \t\n\v\f\r"))) {
    if (!field.empty()) fields.push_back(field);
  }
  return fields;
}

// The parser's verdict recomputed from the text: whether it should refuse
// the text, and the caller each token should give.
struct Expected {
  bool refused = false;
  size_t lines = 0;
  absl::flat_hash_map<std::string, Caller> callers;
};

Expected Expect(absl::string_view text) {
  Expected expected;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++expected.lines;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    const std::vector<absl::string_view> fields = Fields(line);
    std::optional<CallerToken> token;
    if (fields.size() == 1) {
      token = CallerToken{std::string(fields[0]), {"unnamed", Role::kWriter}};
    } else if (fields.size() == 3 && IsName(fields[0]) && fields[0] != "unnamed" &&
               fields[0] != "unauthenticated" &&
               (fields[1] == "reader" || fields[1] == "writer")) {
      token = CallerToken{std::string(fields[2]),
                          {std::string(fields[0]),
                           fields[1] == "reader" ? Role::kReader : Role::kWriter}};
    }
    if (!token.has_value()) {
      expected.refused = true;
      continue;
    }
    auto [it, added] = expected.callers.try_emplace(token->token, token->caller);
    if (!added && !(it->second == token->caller)) expected.refused = true;
  }
  return expected;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<std::vector<CallerToken>> parsed =
      gong::auth::ParseCallerTokens(text);
  const Expected expected = Expect(text);
  FUZZ_CHECK(parsed.ok() == !expected.refused);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    const absl::string_view message = parsed.status().message();
    FUZZ_CHECK(absl::StartsWith(message, "line "));
    const absl::string_view number = message.substr(
        5, message.find(':') == absl::string_view::npos ? 0 : message.find(':') - 5);
    size_t line = 0;
    FUZZ_CHECK(absl::SimpleAtoi(number, &line));
    FUZZ_CHECK(line >= 1 && line <= expected.lines);
  } else {
    const std::vector<CallerToken>& tokens = *parsed;
    FUZZ_CHECK(tokens.size() == expected.callers.size());
    for (const CallerToken& token : tokens) {
      FUZZ_CHECK(!token.token.empty());
      FUZZ_CHECK(std::none_of(token.token.begin(), token.token.end(), IsAsciiSpace));
      auto it = expected.callers.find(token.token);
      FUZZ_CHECK(it != expected.callers.end());
      FUZZ_CHECK(it->second == token.caller);
      if (token.caller.name == "unnamed") {
        FUZZ_CHECK(token.caller.role == Role::kWriter);
        FUZZ_CHECK(token.token.front() != '#');
      } else {
        FUZZ_CHECK(IsName(token.caller.name));
        FUZZ_CHECK(token.caller.name != "unauthenticated");
      }
    }
    FUZZ_CHECK(std::adjacent_find(tokens.begin(), tokens.end(),
                                  [](const CallerToken& a, const CallerToken& b) {
                                    return !(a.token < b.token);
                                  }) == tokens.end());
  }

  // The loader refuses files over 1 MiB (the wrong file); libFuzzer's
  // inputs stay far below that unless told otherwise.
  if (size > (1 << 20)) return 0;
  WriteTokensFile(text);
  StillClock clock;
  absl::StatusOr<std::unique_ptr<gong::auth::CallerTokens>> loaded =
      gong::auth::CallerTokens::Load(TokensPath(), &clock);
  // Load has read the file, and the still clock never lets Authenticate
  // look at it again: removed at once, it is not left behind when a
  // finding aborts.
  ::unlink(TokensPath().c_str());
  FUZZ_CHECK(loaded.ok() == (parsed.ok() && !parsed->empty()));
  if (!loaded.ok()) return 0;
  gong::auth::CallerTokens& callers = **loaded;
  FUZZ_CHECK(callers.size() == parsed->size());

  FUZZ_CHECK(!callers.Authenticate("Bearer ").has_value());
  FUZZ_CHECK(!callers.Authenticate("").has_value());
  // A few tokens are enough: each check costs a pass over all of them.
  for (size_t i = 0; i < parsed->size() && i < 8; ++i) {
    const CallerToken& entry = (*parsed)[i];
    const std::string& token = entry.token;
    FUZZ_CHECK(callers.Authenticate(absl::StrCat("Bearer ", token)) == entry.caller);
    FUZZ_CHECK(callers.Authenticate(absl::StrCat("bEARER   ", token)) == entry.caller);
    FUZZ_CHECK(!callers.Authenticate(absl::StrCat("Basic ", token)).has_value());
    FUZZ_CHECK(!callers.Authenticate(absl::StrCat("Bearer", token)).has_value());
    for (const std::string& other :
         {absl::StrCat(token, "x"), token.substr(0, token.size() - 1)}) {
      auto it = expected.callers.find(other);
      const std::optional<Caller> got =
          callers.Authenticate(absl::StrCat("Bearer ", other));
      if (it == expected.callers.end() || other.empty()) {
        FUZZ_CHECK(!got.has_value());
      } else {
        FUZZ_CHECK(got == it->second);
      }
    }
  }
  return 0;
}
