// Which methods of FlowService read and which write: declared once, here,
// beside the service, for the rights of named callers (a reader may call
// only the reads; auth/caller_tokens.h). Every method must be in exactly
// one list: one in neither is refused to every caller, writers included,
// so a new RPC nobody classified fails closed, and a test
// (tests/api/method_access_test.cc) fails on it first.
#pragma once

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "auth/caller_tokens.h"

namespace gong::api {

enum class MethodAccess {
  kRead,   // changes nothing in Gong
  kWrite,  // assigns or unassigns
};

// The RPC names (as the descriptor spells them: "ListFlows") of each list.
absl::Span<const absl::string_view> ReadMethods();
absl::Span<const absl::string_view> WriteMethods();

// What calling `method` (an RPC name) needs, or nullopt for a method in
// neither list.
std::optional<MethodAccess> AccessOf(absl::string_view method);

// Whether a caller of `role` may call `method`: a writer any method
// declared, a reader only the reads, nobody a method in neither list.
bool MayCall(auth::Role role, absl::string_view method);

}  // namespace gong::api
