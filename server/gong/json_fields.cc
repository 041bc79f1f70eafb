#include "gong/json_fields.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gong/gong_time.h"

namespace gong::json {
namespace {

// Enough to recognise a value in a log line.
constexpr size_t kMaxExcerpt = 64;

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
  }
  return time;
}

absl::StatusOr<std::string> ReadRequestId(const Json& body) {
  auto it = body.find("requestId");
  if (it == body.end() || it->is_null())
    return absl::DataLossError("requestId is missing");
  std::string request_id;
  if (!IdText(*it, &request_id)) return absl::DataLossError("requestId is not a string");
  return request_id;
}

std::string Serialize(const Json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

std::string Excerpt(const Json& value) {
  // ensure_ascii keeps the cut from splitting a UTF-8 sequence.
  std::string text =
      value.dump(-1, ' ', /*ensure_ascii=*/true, Json::error_handler_t::replace);
  if (text.size() > kMaxExcerpt) {
    text.resize(kMaxExcerpt);
    text += "...";
  }
  return text;
}

}  // namespace gong::json
