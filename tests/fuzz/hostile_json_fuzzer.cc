// Fuzzes every reader of Gong's JSON with values no fuzzer mutating short
// inputs would reach by itself: nested tens of thousands of levels deep, or
// oversized (a long string, a long array), or holding bytes that are not
// UTF-8, put in a field each endpoint's codec reads (gong_json.h's Parse,
// each codec, the error body) and given to the excerpt helper directly.
//
// Input: byte 0 chooses the reader (mod 7), bytes 1-2 the depth (little
// endian, doubled: up to 131,070 levels), byte 3 the shape (bit 0: objects
// rather than arrays; bit 1: the leaf quoted as a string; bit 2: the leaf
// repeated into a long array; bits 4-7: how many times, in thousands), and
// the rest is the leaf.
//
// Invariants beyond "no crash" (a recursive walk of such a value overflows
// the stack, which ASan reports):
// - an answer nested deeper than kMaxAnswerDepth is refused, saying so;
// - every warning and every excerpt is short, printable ASCII;
// - an excerpt of any value, however deep, is at most its bound.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz_check.h"
#include "upstream/assign_prospects_codec.h"
#include "upstream/get_prospect_flows_codec.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_json.h"
#include "upstream/json_fields.h"
#include "upstream/list_flows_codec.h"
#include "upstream/unassign_by_crm_id_codec.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace {

using gong::upstream::internal::json::Json;

constexpr size_t kMaxWarningBytes = 400;
constexpr size_t kMaxExcerptBytes = 64 + 3;  // the cut, then "..."

struct Shape {
  size_t depth = 0;
  bool objects = false;
  bool quoted = false;
  size_t repeats = 0;  // 0: the leaf once
  absl::string_view leaf;
};

void CheckPrintable(const std::string& text, size_t max_bytes) {
  FUZZ_CHECK(!text.empty() && text.size() <= max_bytes);
  for (unsigned char c : text) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
}

void CheckWarnings(const std::vector<std::string>& warnings) {
  for (const std::string& warning : warnings) CheckPrintable(warning, kMaxWarningBytes);
}

// The value as JSON text, and how deep it nests.
std::string ValueText(const Shape& shape, size_t* depth) {
  std::string leaf = shape.quoted ? absl::StrCat("\"", shape.leaf, "\"")
                                  : std::string(shape.leaf.empty() ? "1" : shape.leaf);
  *depth = shape.depth;
  if (shape.repeats > 0) {
    std::string many = "[";
    for (size_t i = 0; i < shape.repeats; ++i) absl::StrAppend(&many, i ? "," : "", leaf);
    leaf = many + "]";
    ++*depth;
  }
  std::string text;
  text.reserve(shape.depth * 6 + leaf.size() + shape.depth);
  for (size_t i = 0; i < shape.depth; ++i) text += shape.objects ? "{\"a\":" : "[";
  text += leaf;
  text.append(shape.depth, shape.objects ? '}' : ']');
  return text;
}

// A refused answer that nested too deep must say so.
template <typename Result>
void CheckRefusal(const absl::StatusOr<Result>& result, size_t depth) {
  if (depth <= gong::upstream::internal::json::kMaxAnswerDepth) return;
  FUZZ_CHECK(!result.ok());
  FUZZ_CHECK(result.status().message() == "body is nested deeper than 64 levels");
}

void FuzzReader(int reader, const Shape& shape) {
  size_t depth;
  const std::string value = ValueText(shape, &depth);
  switch (reader) {
    case 0: {  // a lookup, the value as an instance's flowName
      const std::string body = absl::StrCat(
          R"({"requestId":"r","prospectsAssigned":[{"flowId":"1","flowInstanceId":"2",)",
          R"("flowName":)", value, "}]}");
      const auto result = gong::upstream::DecodeGetProspectFlowsResponse(body);
      CheckRefusal(result, depth + 3);
      if (result.ok()) CheckWarnings(result->warnings);
      break;
    }
    case 1: {  // the listing, the value as records.cursor
      const auto result = gong::upstream::DecodeListFlowsResponse(absl::StrCat(
          R"({"requestId":"r","records":{"cursor":)", value, R"(},"flows":[]})"));
      CheckRefusal(result, depth + 2);
      if (result.ok()) CheckWarnings(result->warnings);
      break;
    }
    case 2: {  // assign, the value as a failure's errorMessage
      const auto result = gong::upstream::DecodeAssignProspectsResponse(absl::StrCat(
          R"({"requestId":"r","prospectsAssigned":[],"prospectsNotAssigned":[)",
          R"({"crmProspectId":"7","errorMessage":)", value, "}]}"));
      CheckRefusal(result, depth + 3);
      if (result.ok()) CheckWarnings(result->warnings);
      break;
    }
    case 3: {  // unassign, the value as requestId
      const auto result =
          gong::upstream::DecodeUnassignByInstanceIdsResponse(absl::StrCat(
              R"({"requestId":)", value, R"(,"unassignedFlowInstanceIds":["1"]})"));
      CheckRefusal(result, depth + 1);
      if (result.ok()) CheckWarnings(result->warnings);
      break;
    }
    case 4: {  // unassign by CRM id, the value as one of the ids
      const auto result = gong::upstream::DecodeUnassignByCrmIdResponse(
          absl::StrCat(R"({"requestId":"r","unassignedFlowInstanceIds":[)", value, "]}"));
      CheckRefusal(result, depth + 2);
      if (result.ok()) CheckWarnings(result->warnings);
      break;
    }
    case 5: {  // an error body, the value as errors[]
      const gong::upstream::GongErrorBody body = gong::upstream::DecodeErrorBody(
          absl::StrCat(R"({"requestId":"r","errors":)", value, "}"));
      if (depth + 1 > gong::upstream::internal::json::kMaxAnswerDepth)
        FUZZ_CHECK(body.errors.empty());
      break;
    }
    default: {  // the excerpt of the value parsed, when it parses
      const auto parsed = gong::upstream::internal::json::Parse(value);
      CheckRefusal(parsed, depth);
      if (parsed.ok())
        CheckPrintable(gong::upstream::internal::json::Excerpt(*parsed),
                       kMaxExcerptBytes);
      // And of a value of the full depth built directly (no parser limit
      // protects the excerpt from values built in code).
      Json deep = shape.quoted ? Json(std::string(shape.leaf)) : Json(shape.leaf.size());
      for (size_t i = 0; i < shape.depth; ++i) {
        Json outer = shape.objects ? Json::object() : Json::array();
        if (shape.objects) {
          outer["a"] = std::move(deep);
        } else {
          outer.push_back(std::move(deep));
        }
        deep = std::move(outer);
      }
      CheckPrintable(gong::upstream::internal::json::Excerpt(deep), kMaxExcerptBytes);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  Shape shape;
  shape.depth = 2 * (static_cast<size_t>(data[1]) | static_cast<size_t>(data[2]) << 8);
  shape.objects = data[3] & 1;
  shape.quoted = data[3] & 2;
  if (data[3] & 4) shape.repeats = 1000 * (1 + (data[3] >> 4));
  shape.leaf = absl::string_view(reinterpret_cast<const char*>(data) + 4, size - 4);
  FuzzReader(data[0] % 7, shape);
  return 0;
}
