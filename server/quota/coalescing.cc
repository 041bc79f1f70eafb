#include "quota/coalescing.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace gong::quota {
namespace {

constexpr absl::string_view kWithheld =
    "(withheld: Gong's text named ids of other callers merged into the same "
    "request)";

}  // namespace

upstream::GongError OwnView(const upstream::GongError& refusal,
                            const std::vector<std::string>& sent,
                            const Coalescable& part) {
  const absl::flat_hash_set<absl::string_view> own(part.ids().begin(), part.ids().end());
  std::vector<absl::string_view> others;
  for (const std::string& id : sent) {
    if (!own.contains(id)) others.push_back(id);
  }
  if (others.empty()) return refusal;
  // Any mention counts, even inside a longer word: withholding a text too
  // many costs a caller detail, one too few shows it another's id.
  const auto names_another = [&others](absl::string_view text) {
    for (absl::string_view id : others) {
      if (absl::StrContains(text, id)) return true;
    }
    return false;
  };
  upstream::GongError view = refusal;
  for (std::string& text : view.errors) {
    if (names_another(text)) text = std::string(kWithheld);
  }
  if (names_another(view.detail)) view.detail = std::string(kWithheld);
  return view;
}

}  // namespace gong::quota
