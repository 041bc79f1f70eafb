#include "observability/logged_gong_client.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace gong::observability {
namespace internal {
namespace {

// Adds `name`: the distinct non-empty values `field` gives of `calls`, in
// arrival order, at most kMaxListedPerLine of them, and `<name>_left_out`
// when there were more. Nothing when there are none.
template <typename Field>
void AddList(absl::string_view name, const std::vector<upstream::CallTag>& calls,
             Field field, base::LogFields* fields) {
  absl::flat_hash_set<absl::string_view> seen;
  base::LogStrings listed;
  int64_t left_out = 0;
  for (const upstream::CallTag& call : calls) {
    const std::string& value = call.*field;
    if (value.empty() || !seen.insert(value).second) continue;
    if (listed.size() < kMaxListedPerLine) {
      listed.push_back(value);
    } else {
      ++left_out;
    }
  }
  if (listed.empty()) return;
  fields->emplace_back(std::string(name), std::move(listed));
  if (left_out > 0) fields->emplace_back(absl::StrCat(name, "_left_out"), left_out);
}

}  // namespace

base::LogFields GongRequestFields(absl::string_view endpoint,
                                  const std::vector<upstream::CallTag>& calls,
                                  const upstream::GongOutcome& outcome,
                                  absl::Duration duration) {
  base::LogFields fields = {{"endpoint", std::string(endpoint)}};
  const std::string* request_id;
  const std::string* gong_trace_id;
  if (const auto* answer = std::get_if<upstream::GongAnswer>(&outcome)) {
    fields.emplace_back("http_status", int64_t{answer->http_status});
    request_id = &answer->request_id;
    gong_trace_id = &answer->gong_trace_id;
  } else {
    const auto& error = std::get<upstream::GongError>(outcome);
    // 0: no answer came, and `failure` says why.
    fields.emplace_back("http_status", int64_t{error.answered() ? error.http_status : 0});
    if (!error.answered()) {
      fields.emplace_back("failure", std::string(upstream::NoAnswerName(error.kind)));
    }
    request_id = &error.request_id;
    gong_trace_id = &error.gong_trace_id;
  }
  // Only what Gong sent: an absent field is no empty string.
  if (!request_id->empty()) fields.emplace_back("gong_request_id", *request_id);
  if (!gong_trace_id->empty()) fields.emplace_back("gong_trace_id", *gong_trace_id);
  fields.emplace_back("duration_ms", absl::ToDoubleMilliseconds(duration));
  fields.emplace_back("calls", static_cast<int64_t>(calls.size()));
  AddList("callers", calls, &upstream::CallTag::caller, &fields);
  AddList("trace_ids", calls, &upstream::CallTag::trace_id, &fields);
  AddList("x_request_ids", calls, &upstream::CallTag::x_request_id, &fields);
  return fields;
}

}  // namespace internal

upstream::GongClient::CallId LoggedGongClient::Send(upstream::GongRequest request,
                                                    Callback done) {
  // The path only: a codec's constant. The query may hold an email.
  std::string endpoint = request.endpoint.empty() ? request.path : request.endpoint;
  std::vector<upstream::CallTag> calls = std::move(request.calls);
  request.calls.clear();
  const absl::Time start = absl::Now();
  auto log_then_answer = [start, endpoint = std::move(endpoint), calls = std::move(calls),
                          done = std::move(done)](upstream::GongOutcome outcome) mutable {
    base::LogInfo("gong request", internal::GongRequestFields(endpoint, calls, outcome,
                                                              absl::Now() - start));
    std::move(done)(std::move(outcome));
  };
  return inner_->Send(std::move(request), std::move(log_then_answer));
}

}  // namespace gong::observability
