#include "upstream/json_fields.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "upstream/gong_time.h"

namespace gong::upstream::internal::json {
namespace {

// Enough to recognise a value in a log line.
constexpr size_t kMaxExcerpt = 64;

// Writes a value as compact JSON, as nlohmann's dump would, but stops once
// the excerpt is full: the work is bounded by the excerpt's size whatever
// the value's size or depth (a dump of the whole value first would cost
// its full size, and recurse once per level). Iterative, with one frame a
// level entered, and every step writes at least one character, so at most
// kMaxExcerpt + 1 frames are ever held.
class ExcerptWriter {
 public:
  void Write(const Json& value) {
    Enter(value);
    while (!frames_.empty() && !Full()) {
      Frame& frame = frames_.back();
      if (frame.next == frame.end) {
        text_ += frame.is_object ? '}' : ']';
        frames_.pop_back();
        continue;
      }
      if (frame.next != frame.begin) text_ += ',';
      const Json::const_iterator item = frame.next++;
      if (frame.is_object) {
        WriteString(item.key());
        text_ += ':';
      }
      Enter(*item);  // may add a frame: `frame` is not used past here
    }
  }

  // The excerpt, ending in "..." when the value went on.
  std::string Finish() {
    if (!Full()) return std::move(text_);
    text_.resize(kMaxExcerpt);
    return text_ + "...";
  }

 private:
  struct Frame {
    Json::const_iterator begin, next, end;
    bool is_object;
  };

  bool Full() const { return text_.size() > kMaxExcerpt; }

  void Enter(const Json& value) {
    if (value.is_object() || value.is_array()) {
      if (value.empty()) {
        text_ += value.is_object() ? "{}" : "[]";
      } else {
        text_ += value.is_object() ? '{' : '[';
        frames_.push_back(
            {value.cbegin(), value.cbegin(), value.cend(), value.is_object()});
      }
    } else if (value.is_string()) {
      WriteString(value.get_ref<const std::string&>());
    } else if (IsUnreadableText(value)) {
      text_ += "(text that is not UTF-8)";
    } else {
      text_ += value.dump();  // a number, a boolean or null: a few bytes
    }
  }

  // Only as much of `text` as can still show, escaped by nlohmann with
  // non-ASCII as \u escapes (so the final cut cannot split a UTF-8
  // sequence), and invalid UTF-8 replaced.
  void WriteString(const std::string& text) {
    const size_t room = kMaxExcerpt + 1 - std::min(text_.size(), kMaxExcerpt + 1);
    const Json part(text.size() > room ? text.substr(0, room) : text);
    text_ += part.dump(-1, ' ', /*ensure_ascii=*/true, Json::error_handler_t::replace);
  }

  std::string text_;
  std::vector<Frame> frames_;
};

}  // namespace

FieldReader::FieldReader(const Json& object, std::string where,
                         std::vector<std::string>* warnings)
    : object_(object), where_(std::move(where)), warnings_(warnings) {}

const Json* FieldReader::Find(absl::string_view name) const {
  // nlohmann's heterogeneous find does not know absl::string_view.
  auto it = object_.find(std::string(name));
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string FieldReader::Path(absl::string_view name) const {
  if (where_.empty()) return std::string(name);
  return absl::StrCat(where_, ".", name);
}

absl::StatusOr<std::string> FieldReader::RequiredId(absl::string_view name) const {
  const Json* value = Find(name);
  if (value == nullptr)
    return absl::DataLossError(absl::StrCat(Path(name), " is missing"));
  std::string id;
  if (!IdText(*value, &id)) {
    return absl::DataLossError(absl::StrCat(Path(name), " is not an id"));
  }
  return id;
}

std::string FieldReader::OptionalId(absl::string_view name) const {
  const Json* value = Find(name);
  std::string id;
  if (value != nullptr && !IdText(*value, &id)) {
    Warn(absl::StrCat(Path(name), " is not an id (", Excerpt(*value), "); read as \"\""));
  }
  return id;
}

std::string FieldReader::OptionalString(absl::string_view name) const {
  const Json* value = Find(name);
  if (value == nullptr) return "";
  if (IsUnreadableText(*value)) {
    Warn(absl::StrCat(Path(name), " is not UTF-8 text; read as \"\""));
    return "";
  }
  if (!value->is_string()) {
    Warn(absl::StrCat(Path(name), " is not a string (", Excerpt(*value),
                      "); read as \"\""));
    return "";
  }
  return value->get<std::string>();
}

bool FieldReader::OptionalBool(absl::string_view name) const {
  const Json* value = Find(name);
  if (value == nullptr) return false;
  if (!value->is_boolean()) {
    Warn(absl::StrCat(Path(name), " is not a boolean (", Excerpt(*value),
                      "); read as false"));
    return false;
  }
  return value->get<bool>();
}

int64_t FieldReader::OptionalCount(absl::string_view name) const {
  const Json* value = Find(name);
  if (value == nullptr) return 0;
  const bool fits = value->is_number_integer() &&
                    (!value->is_number_unsigned() ||
                     value->get<uint64_t>() <=
                         static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  if (!fits) {
    Warn(absl::StrCat(Path(name), " is not a 64-bit integer (", Excerpt(*value),
                      "); read as 0"));
    return 0;
  }
  return value->get<int64_t>();
}

std::optional<absl::Time> FieldReader::OptionalTime(absl::string_view name) const {
  const Json* value = Find(name);
  if (value == nullptr) {
    Warn(absl::StrCat(Path(name), " is missing; left unset"));
    return std::nullopt;
  }
  std::optional<absl::Time> time;
  if (value->is_string()) time = ParseGongTime(value->get_ref<const std::string&>());
  if (!time.has_value()) {
    Warn(absl::StrCat(Path(name), " ", Excerpt(*value),
                      " is not an RFC 3339 date with an offset; left unset"));
    return std::nullopt;
  }
  if (!InTimestampRange(*time)) {
    Warn(absl::StrCat(Path(name), " ", Excerpt(*value),
                      " is outside the years 0001 to 9999 (in UTC) a timestamp can "
                      "hold; left unset"));
    return std::nullopt;
  }
  return time;
}

std::string ReadRequestId(const Json& body, std::vector<std::string>* warnings) {
  auto it = body.find("requestId");
  std::string request_id;
  if (it == body.end() || it->is_null()) {
    warnings->push_back("requestId is missing; left empty");
  } else if (!IdText(*it, &request_id)) {
    warnings->push_back(
        absl::StrCat("requestId is not an id (", Excerpt(*it), "); left empty"));
  }
  return request_id;
}

std::string Serialize(const Json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

std::string Excerpt(const Json& value) {
  ExcerptWriter writer;
  writer.Write(value);
  return writer.Finish();
}

}  // namespace gong::upstream::internal::json
