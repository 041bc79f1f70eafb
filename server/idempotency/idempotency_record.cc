#include "idempotency/idempotency_record.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace gong::idempotency {
namespace {

using Json = nlohmann::json;

constexpr int kVersion = 1;
// Every field a record has; a record with any other is not one of ours.
constexpr const char* kFields[] = {"v",    "state", "fp",      "owner",    "until",
                                   "code", "msg",   "details", "response", "settled"};

const char* StateName(Record::State state) {
  switch (state) {
    case Record::State::kRunning:
      return "running";
    case Record::State::kInDoubt:
      return "in_doubt";
    case Record::State::kDone:
      return "done";
  }
  return "running";
}

std::optional<Record::State> StateOf(const std::string& name) {
  if (name == "running") return Record::State::kRunning;
  if (name == "in_doubt") return Record::State::kInDoubt;
  if (name == "done") return Record::State::kDone;
  return std::nullopt;
}

// The infinite times have no millisecond of their own: the two extreme
// integers stand for them, both ways.
int64_t MillisOf(absl::Time t) {
  if (t == absl::InfinitePast()) return std::numeric_limits<int64_t>::min();
  if (t == absl::InfiniteFuture()) return std::numeric_limits<int64_t>::max();
  return absl::ToUnixMillis(t);
}

absl::Time TimeOf(int64_t millis) {
  if (millis == std::numeric_limits<int64_t>::min()) return absl::InfinitePast();
  if (millis == std::numeric_limits<int64_t>::max()) return absl::InfiniteFuture();
  return absl::FromUnixMillis(millis);
}

absl::Status NotARecord(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("not an idempotency record: ", why));
}

// The fields are read by one reader that remembers the first problem, so
// that DecodeRecord reads as the list of fields it is.
class Reader {
 public:
  explicit Reader(const Json& object) : object_(object) {}

  const absl::Status& status() const { return status_; }

  const Json* Field(const char* name) {
    if (!status_.ok()) return nullptr;
    auto it = object_.find(name);
    if (it == object_.end()) {
      status_ = NotARecord(absl::StrCat("no field ", name));
      return nullptr;
    }
    return &*it;
  }

  std::string Text(const char* name, size_t max_size = kMaxRecordFieldBytes) {
    const Json* value = Field(name);
    if (value == nullptr) return "";
    if (!value->is_string()) return Fail<std::string>(name, "is not a string");
    const std::string& text = value->get_ref<const std::string&>();
    if (text.size() > max_size) return Fail<std::string>(name, "is too long");
    return text;
  }

  // Base64 of at most kMaxRecordFieldBytes.
  std::string Bytes(const char* name) {
    const std::string encoded = Text(name, (kMaxRecordFieldBytes + 2) / 3 * 4);
    if (!status_.ok()) return "";
    std::string bytes;
    if (!absl::Base64Unescape(encoded, &bytes)) {
      return Fail<std::string>(name, "is not base64");
    }
    if (bytes.size() > kMaxRecordFieldBytes)
      return Fail<std::string>(name, "is too long");
    return bytes;
  }

  int64_t Integer(const char* name) {
    const Json* value = Field(name);
    if (value == nullptr) return 0;
    if (value->is_number_unsigned()) {
      const uint64_t n = value->get<uint64_t>();
      if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Fail<int64_t>(name, "is out of range");
      }
      return static_cast<int64_t>(n);
    }
    if (!value->is_number_integer()) return Fail<int64_t>(name, "is not an integer");
    return value->get<int64_t>();
  }

  bool Boolean(const char* name) {
    const Json* value = Field(name);
    if (value == nullptr) return false;
    if (!value->is_boolean()) return Fail<bool>(name, "is not a boolean");
    return value->get<bool>();
  }

  template <typename T>
  T Fail(const char* name, absl::string_view why) {
    if (status_.ok()) status_ = NotARecord(absl::StrCat("field ", name, " ", why));
    return T{};
  }

 private:
  const Json& object_;
  absl::Status status_;
};

}  // namespace

std::string EncodeRecord(const Record& record) {
  const Json json = {
      {"v", kVersion},
      {"state", StateName(record.state)},
      {"fp", absl::Base64Escape(record.fingerprint)},
      {"owner", record.owner},
      {"until", MillisOf(record.claim_until)},
      {"code", record.outcome.code},
      {"msg", record.outcome.message},
      {"details", absl::Base64Escape(record.outcome.details)},
      {"response", absl::Base64Escape(record.outcome.response)},
      {"settled", record.outcome.settled},
  };
  // Replacing what is not UTF-8 rather than throwing: a message is text
  // for people, and the owner is ours (hex).
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<Record> DecodeRecord(absl::string_view bytes) {
  if (bytes.size() > kMaxRecordBytes) return NotARecord("too long");
  const Json json = Json::parse(bytes.begin(), bytes.end(), /*cb=*/nullptr,
                                /*allow_exceptions=*/false, /*ignore_comments=*/false);
  if (json.is_discarded()) return NotARecord("not JSON");
  if (!json.is_object()) return NotARecord("not a JSON object");
  for (const auto& [name, value] : json.items()) {
    bool known = false;
    for (const char* field : kFields) known = known || name == field;
    if (!known) return NotARecord("an unknown field");
  }

  Reader reader(json);
  const int64_t version = reader.Integer("v");
  if (!reader.status().ok()) return reader.status();
  if (version != kVersion) return NotARecord("another version");

  Record record;
  const std::optional<Record::State> state = StateOf(reader.Text("state"));
  if (!reader.status().ok()) return reader.status();
  if (!state.has_value()) return NotARecord("an unknown state");
  record.state = *state;
  record.fingerprint = reader.Bytes("fp");
  record.owner = reader.Text("owner");
  record.claim_until = TimeOf(reader.Integer("until"));
  const int64_t code = reader.Integer("code");
  if (reader.status().ok() && (code < 0 || code > 16)) {
    return NotARecord("a status code outside 0 to 16");
  }
  record.outcome.code = static_cast<int>(code);
  record.outcome.message = reader.Text("msg");
  record.outcome.details = reader.Bytes("details");
  record.outcome.response = reader.Bytes("response");
  record.outcome.settled = reader.Boolean("settled");
  if (!reader.status().ok()) return reader.status();
  return record;
}

}  // namespace gong::idempotency
