#include "observability/call_reporter.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/call_priority.h"
#include "api/grpc_code_names.h"
#include "base/log.h"

namespace gong::observability {

void CallReporter::CallStarted(const api::CallRecord& record) {
  if (metrics_ != nullptr) metrics_->CallStarted(record);
}

void CallReporter::CallFinished(const api::CallRecord& record) {
  if (metrics_ != nullptr) metrics_->CallFinished(record);
  base::LogFields fields = {
      {"method", absl::StrCat(record.service, "/", record.method)},
      {"code", std::string(api::CanonicalCodeName(record.code))},
      {"duration_ms", absl::ToDoubleMilliseconds(record.duration)},
      {"ids", static_cast<int64_t>(record.ids)},
      {"peer", record.peer},
      {"caller", record.caller},
      // "invalid" for a header the call was refused for: never its value.
      {"priority", record.priority.has_value()
                       ? std::string(api::PriorityName(*record.priority))
                       : std::string("invalid")},
  };
  // Only what the call brought: an absent field is no empty string.
  for (const auto& [name, value] : {std::pair{"peer_identity", &record.peer_identity},
                                    std::pair{"trace_id", &record.trace_id},
                                    std::pair{"x_request_id", &record.x_request_id},
                                    std::pair{"idempotency", &record.idempotency}}) {
    if (!value->empty()) fields.emplace_back(name, *value);
  }
  if (!record.gong_request_id.empty()) {
    fields.emplace_back("gong_request_id", record.gong_request_id);
  }
  if (!record.answer_warnings.empty()) {
    fields.emplace_back("gong_answer_warnings",
                        absl::StrJoin(record.answer_warnings, "; "));
  }
  base::LogInfo("call", fields);
}

}  // namespace gong::observability
