#include "api/list_flows_reactor.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "api/page_token.h"
#include "api/proto_conversions.h"
#include "api/request_validation.h"

namespace gong {

ListFlowsReactor::ListFlowsReactor(ServiceParts parts,
                                   grpc::CallbackServerContext* context,
                                   flows::v1::ListFlowsResponse* response)
    : GongCallReactor(parts, context, "ListFlows"), response_(response) {}

void ListFlowsReactor::Start(const flows::v1::ListFlowsRequest& request) {
  if (!Authenticate()) return;
  Validated<ListFlowsQuery> validated = ValidateListFlows(request);
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> cursor =
        DecodePageToken(request.page_token(), validated.request);
    if (cursor.ok()) {
      validated.request.cursor = *std::move(cursor);
    } else {
      validated.violations.Add("page_token", std::string(cursor.status().message()));
    }
  }
  if (!validated.violations.empty()) {
    FinishInvalid(std::move(validated.violations));
    return;
  }
  query_ = std::move(validated.request);
  Submit(EncodeListFlows(query_, UpstreamDeadline()), /*part=*/nullptr, /*ids=*/0);
}

grpc::Status ListFlowsReactor::OnGongAnswer(GongAnswer answer, CallRecord* record) {
  return ReadAnswer(
      std::move(answer), record, DecodeListFlowsOutcome, [this](ListFlowsResult result) {
        response_->set_request_id(std::move(result.request_id));
        for (Flow& flow : result.flows) ToProto(std::move(flow), response_->add_flows());
        response_->set_next_page_token(EncodePageToken(query_, result.next_cursor));
        // No company has two billion flows; a count beyond int32 is clamped
        // rather than wrapped into a negative.
        response_->set_total_size(static_cast<int32_t>(std::clamp<int64_t>(
            result.total_records, 0, std::numeric_limits<int32_t>::max())));
      });
}

}  // namespace gong
