#include "api/list_flows_reactor.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "api/error_details.h"
#include "api/page_token.h"
#include "api/proto_conversions.h"
#include "api/request_validation.h"

namespace gong::api {

using internal::DecodePageToken;
using internal::EncodePageToken;
using internal::ToProto;

ListFlowsReactor::ListFlowsReactor(ServiceParts parts,
                                   grpc::CallbackServerContext* context,
                                   const flows::v1::ListFlowsRequest* request,
                                   flows::v1::ListFlowsResponse* response)
    : GongCallReactor(parts, context, "ListFlows", request, response,
                      upstream::DecodeListFlowsResponse),
      request_(request),
      response_(response) {}

Validated<upstream::ListFlowsParams> ListFlowsReactor::Validate() {
  Validated<upstream::ListFlowsParams> validated = ValidateListFlows(*request_);
  if (!request_->page_token().empty()) {
    absl::StatusOr<std::string> cursor =
        DecodePageToken(request_->page_token(), validated.request);
    if (cursor.ok()) {
      validated.request.cursor = *std::move(cursor);
    } else {
      validated.violations.Add("page_token", std::string(cursor.status().message()));
    }
  }
  return validated;
}

ListFlowsReactor::Encoded ListFlowsReactor::Encode(upstream::ListFlowsParams params,
                                                   absl::Time deadline) {
  query_ = std::move(params);
  GongSubmission submission;
  submission.request = upstream::EncodeListFlows(query_, deadline);
  return submission;
}

grpc::Status ListFlowsReactor::Fill(upstream::ListFlowsResult result) {
  absl::StatusOr<std::string> token = EncodePageToken(query_, result.next_cursor);
  if (!token.ok()) return CursorTooLongStatus(token.status(), result.request_id);
  response_->set_request_id(std::move(result.request_id));
  for (upstream::Flow& flow : result.flows)
    ToProto(std::move(flow), response_->add_flows());
  response_->set_next_page_token(*std::move(token));
  // No company has two billion flows; a count beyond int32 is clamped
  // rather than wrapped into a negative.
  response_->set_total_size(static_cast<int32_t>(
      std::clamp<int64_t>(result.total_records, 0, std::numeric_limits<int32_t>::max())));
  return grpc::Status::OK;
}

}  // namespace gong::api
