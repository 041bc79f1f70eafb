// Fuzzes how Gong's answers are read: the 200 body
// (DecodeUnassignByInstanceIdsResponse), the error body (DecodeErrorBody),
// the whole interpretation of an HTTP answer as the Gong client and the
// unassign codec do it (ReadGongAnswer, then DecodeOutcome with
// DecodeUnassignByInstanceIdsResponse), and the bounds on Gong's text passed
// on to callers (upstream_text).
//
// Input: a first line "STATUS" or "STATUS RETRY-AFTER" (say "429 3"), then
// the body. Without a readable status line the whole input is a 200's body.
// The body is decoded on its own in any case.
//
// Invariants beyond "no crash":
// - a decoded answer encodes back to JSON that decodes to the same answer;
// - the error body's requestId is the 200 body's when both read one;
// - each id is its JSON string as is, or its JSON integer with every digit
//   (a float, which may have lost digits, is refused);
// - the request encoder's JSON holds exactly the ids and email it was given,
//   and the GongRequest carrying it is a write of that many items;
// - the interpretation agrees with the decoders: a 200 is a result exactly
//   when its body decodes (else a malformed answer with a detail); any other
//   status carries the error body's requestId and errors; a 429 always has a
//   non-negative retry hint, its Retry-After's or one second;
// - what callers are shown of Gong's errors and requestId (upstream_text)
//   is bounded and stays valid UTF-8;
// - a 200's requestId read for the request's log line is the codec's;
// - Gong's X-Traceid (the status line's rest doubles as one) is kept only
//   as printable ASCII, cut to kMaxGongTraceIdSize.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/upstream_text.h"
#include "fuzz_check.h"
#include "http/http_transport.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_error.h"
#include "upstream/gong_json.h"
#include "upstream/gong_request.h"
#include "upstream/retry_after.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace {

using Json = nlohmann::json;

// Wed, 02 Dec 2026 01:00:00 GMT: a fixed clock, so that a run is repeatable
// and dates both before and after it are reached.
const absl::Time kNow = absl::FromUnixSeconds(1796173200);

bool IsValidUtf8(absl::string_view text) {
  // nlohmann refuses to dump invalid UTF-8 (the default error handler
  // throws); catching that is the simplest exact check.
  try {
    (void)Json(std::string(text)).dump();
    return true;
  } catch (const Json::exception&) {
    return false;
  }
}

void CheckRoundTrip(const gong::upstream::UnassignByInstanceIdsResult& result) {
  // Every string came out of a JSON parse, so it is valid UTF-8 and dumps.
  Json again = Json::object();
  again["requestId"] = result.request_id;
  again["unassignedFlowInstanceIds"] = result.unassigned_flow_instance_ids;
  absl::StatusOr<gong::upstream::UnassignByInstanceIdsResult> decoded =
      gong::upstream::DecodeUnassignByInstanceIdsResponse(again.dump());
  FUZZ_CHECK(decoded.ok());
  FUZZ_CHECK(decoded->request_id == result.request_id);
  FUZZ_CHECK(decoded->unassigned_flow_instance_ids ==
             result.unassigned_flow_instance_ids);
}

void CheckRequestEncoding(const gong::upstream::UnassignByInstanceIdsResult& result,
                          absl::string_view email) {
  gong::upstream::UnassignByInstanceIdsParams request;
  request.flow_instance_ids = result.unassigned_flow_instance_ids;
  request.unassigned_by_user_email = std::string(email);
  const std::string body = gong::upstream::EncodeUnassignByInstanceIdsBody(request);
  const gong::upstream::GongRequest gong_request =
      gong::upstream::EncodeUnassignByInstanceIds(request, kNow);
  FUZZ_CHECK(gong_request.json_body == body);
  FUZZ_CHECK(gong_request.path == gong::upstream::kUnassignByInstanceIdsPath);
  FUZZ_CHECK(gong_request.idempotency == gong::upstream::Idempotency::kNotIdempotent);
  FUZZ_CHECK(gong_request.items == request.flow_instance_ids.size());
  FUZZ_CHECK(gong_request.deadline == kNow);
  const Json encoded = Json::parse(body, nullptr, false);
  FUZZ_CHECK(encoded.is_object());
  FUZZ_CHECK(encoded["flowInstanceIds"] == Json(request.flow_instance_ids));
  if (email.empty()) {
    FUZZ_CHECK(!encoded.contains("unassignedByUserEmail"));
  } else if (IsValidUtf8(email)) {
    FUZZ_CHECK(encoded["unassignedByUserEmail"] == Json(std::string(email)));
  } else {
    // Invalid UTF-8 is replaced, never thrown on nor passed through.
    FUZZ_CHECK(encoded["unassignedByUserEmail"].is_string());
  }
}

// An id in the answer is a JSON string taken as is, or a JSON integer with
// every digit; anything else (a float, which may have lost digits) must have
// been refused.
void CheckIdAsWritten(const Json& value, const std::string& id) {
  if (value.is_string()) {
    FUZZ_CHECK(value.get<std::string>() == id);
    return;
  }
  FUZZ_CHECK(value.is_number_integer());
  absl::string_view digits = id;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  FUZZ_CHECK(!digits.empty());
  for (char c : digits) FUZZ_CHECK(absl::ascii_isdigit(static_cast<unsigned char>(c)));
}

// What a caller gets of Gong's text (in a status message and ErrorInfo
// metadata) stays small and valid UTF-8, however long Gong's text is.
void CheckBoundedForCallers(const gong::upstream::GongError& error) {
  const std::string summary = gong::api::internal::SummarizeGongErrors(error.errors);
  FUZZ_CHECK(summary.size() <= gong::api::internal::kMaxGongErrorBytes + 128);
  FUZZ_CHECK(IsValidUtf8(summary));
  FUZZ_CHECK(error.errors.empty() || !summary.empty());
  const std::string request_id = gong::api::internal::BoundedText(
      error.request_id, gong::api::internal::kMaxGongRequestIdBytes);
  FUZZ_CHECK(request_id.size() <= gong::api::internal::kMaxGongRequestIdBytes + 32);
  FUZZ_CHECK(IsValidUtf8(request_id));
  if (error.request_id.size() <= gong::api::internal::kMaxGongRequestIdBytes) {
    FUZZ_CHECK(request_id == error.request_id);
  }
}

// Gong's X-Traceid `sent` as the answer keeps it (`kept`) for a log line:
// printable ASCII, bounded, and what was sent whenever that was printable.
void CheckGongTraceId(const std::string& kept, absl::string_view sent) {
  const auto printable = [](absl::string_view text) {
    for (const char c : text) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
        return false;
      }
    }
    return true;
  };
  FUZZ_CHECK(kept.size() <= gong::upstream::kMaxGongTraceIdSize);
  FUZZ_CHECK(printable(kept));
  FUZZ_CHECK(absl::StartsWith(sent, kept));
  if (printable(sent)) {
    FUZZ_CHECK(kept == sent.substr(0, gong::upstream::kMaxGongTraceIdSize));
  }
}

void CheckInterpretation(int status, absl::string_view retry_after,
                         absl::string_view body) {
  gong::http::HttpResponse response;
  response.status = status;
  response.body = std::string(body);
  if (!retry_after.empty()) {
    response.headers["retry-after"] = std::string(retry_after);
    response.headers["x-traceid"] = std::string(retry_after);
  }
  // As the Gong client reads it, then as the unassign codec reads that.
  const gong::upstream::GongOutcome answer =
      gong::upstream::ReadGongAnswer(gong::http::HttpResult(response), kNow);
  // 202 is the answer of a bulk assignment's start.
  const bool answered = status == 200 || status == 202;
  FUZZ_CHECK(std::holds_alternative<gong::upstream::GongAnswer>(answer) == answered);
  if (answered) FUZZ_CHECK(std::get<gong::upstream::GongAnswer>(answer).body == body);
  CheckGongTraceId(answered
                       ? std::get<gong::upstream::GongAnswer>(answer).gong_trace_id
                       : std::get<gong::upstream::GongError>(answer).gong_trace_id,
                   retry_after);
  const gong::upstream::GongResult<gong::upstream::UnassignByInstanceIdsResult> outcome =
      gong::upstream::DecodeOutcome(answer,
                                    gong::upstream::DecodeUnassignByInstanceIdsResponse);

  const absl::StatusOr<gong::upstream::UnassignByInstanceIdsResult> decoded =
      gong::upstream::DecodeUnassignByInstanceIdsResponse(body);
  if (answered) {
    FUZZ_CHECK(std::holds_alternative<gong::upstream::UnassignByInstanceIdsResult>(
                   outcome) == decoded.ok());
    if (decoded.ok()) {
      const auto& result = std::get<gong::upstream::UnassignByInstanceIdsResult>(outcome);
      FUZZ_CHECK(result.request_id == decoded->request_id);
      FUZZ_CHECK(std::get<gong::upstream::GongAnswer>(answer).request_id ==
                 decoded->request_id);
      FUZZ_CHECK(result.unassigned_flow_instance_ids ==
                 decoded->unassigned_flow_instance_ids);
    } else {
      const auto& error = std::get<gong::upstream::GongError>(outcome);
      FUZZ_CHECK(error.kind == gong::upstream::GongError::Kind::kMalformedAnswer);
      FUZZ_CHECK(error.answered());
      FUZZ_CHECK(error.http_status == status);
      FUZZ_CHECK(!error.detail.empty());
    }
    return;
  }
  FUZZ_CHECK(std::holds_alternative<gong::upstream::GongError>(outcome));
  const auto& error = std::get<gong::upstream::GongError>(outcome);
  const gong::upstream::GongErrorBody error_body = gong::upstream::DecodeErrorBody(body);
  FUZZ_CHECK(error.kind == gong::upstream::GongError::Kind::kHttpStatus);
  FUZZ_CHECK(error.answered());
  FUZZ_CHECK(error.http_status == status);
  FUZZ_CHECK(error.request_id == error_body.request_id);
  FUZZ_CHECK(error.errors == error_body.errors);
  CheckBoundedForCallers(error);
  if (status == 429) {
    FUZZ_CHECK(error.retry_after.has_value());
    FUZZ_CHECK(*error.retry_after >= absl::ZeroDuration());
    FUZZ_CHECK(
        *error.retry_after ==
        gong::upstream::ParseRetryAfter(retry_after, kNow).value_or(absl::Seconds(1)));
  } else {
    FUZZ_CHECK(!error.retry_after.has_value());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  int status = 200;
  absl::string_view retry_after;
  absl::string_view body = input;
  if (const size_t newline = input.find('\n'); newline != absl::string_view::npos) {
    const std::pair<absl::string_view, absl::string_view> first =
        absl::StrSplit(input.substr(0, newline), absl::MaxSplits(' ', 1));
    int parsed = 0;
    if (absl::SimpleAtoi(first.first, &parsed) && parsed >= 100 && parsed <= 599) {
      status = parsed;
      retry_after = first.second;
      body = input.substr(newline + 1);
    }
  }

  const absl::StatusOr<gong::upstream::UnassignByInstanceIdsResult> decoded =
      gong::upstream::DecodeUnassignByInstanceIdsResponse(body);
  const gong::upstream::GongErrorBody error_body = gong::upstream::DecodeErrorBody(body);
  for (const std::string& error : error_body.errors) FUZZ_CHECK(IsValidUtf8(error));
  if (decoded.ok()) {
    FUZZ_CHECK(error_body.request_id == decoded->request_id);
    CheckRoundTrip(*decoded);
    // The ids as parsed (by the one parse every reader shares, which also
    // takes a body with a key that is not UTF-8), to see each came out as
    // it was written.
    const absl::StatusOr<Json> json = gong::upstream::internal::json::Parse(body);
    FUZZ_CHECK(json.ok());
    const Json& ids = (*json)["unassignedFlowInstanceIds"];
    FUZZ_CHECK(ids.size() == decoded->unassigned_flow_instance_ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      CheckIdAsWritten(ids[i], decoded->unassigned_flow_instance_ids[i]);
    }
    // The status line's rest doubles as an email: arbitrary bytes, invalid
    // UTF-8 included, for the request encoder.
    CheckRequestEncoding(*decoded, retry_after);
  } else {
    FUZZ_CHECK(!decoded.status().message().empty());
  }
  CheckInterpretation(status, retry_after, body);
  return 0;
}
