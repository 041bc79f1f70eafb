#include "api/violation_list.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "api/upstream_text.h"

namespace gong::api {

using internal::kCutMark;
using internal::Utf8Prefix;

namespace {

// `text` in at most `max_bytes` bytes: cut short, it ends in kCutMark.
std::string Cut(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  return absl::StrCat(Utf8Prefix(text, max_bytes - kCutMark.size()), kCutMark);
}

}  // namespace

void ViolationList::Add(std::string field, std::string description) {
  ++total_;
  if (full()) return;
  // Field paths are built from the request's own names and indexes, and
  // descriptions from our own words, but either may one day quote a
  // caller's value: the cut keeps any such quote from growing the status.
  listed_.push_back({Cut(std::move(field), kMaxViolationFieldBytes),
                     Cut(std::move(description), kMaxViolationDescriptionBytes)});
}

}  // namespace gong::api
