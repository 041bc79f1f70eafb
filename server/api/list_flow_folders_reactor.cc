#include "api/list_flow_folders_reactor.h"

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

ListFlowFoldersReactor::ListFlowFoldersReactor(
    ServiceParts parts, grpc::CallbackServerContext* context,
    const flows::v1::ListFlowFoldersRequest* request,
    flows::v1::ListFlowFoldersResponse* response)
    : GongCallReactor(parts, context, "ListFlowFolders", request, response,
                      upstream::DecodeListFlowFoldersResponse),
      request_(request),
      response_(response) {}

Validated<upstream::ListFlowFoldersParams> ListFlowFoldersReactor::Validate() {
  Validated<upstream::ListFlowFoldersParams> validated =
      ValidateListFlowFolders(*request_);
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

ListFlowFoldersReactor::Encoded ListFlowFoldersReactor::Encode(
    upstream::ListFlowFoldersParams params, absl::Time deadline) {
  query_ = std::move(params);
  GongSubmission submission;
  submission.request = upstream::EncodeListFlowFolders(query_, deadline);
  return submission;
}

grpc::Status ListFlowFoldersReactor::Fill(upstream::ListFlowFoldersResult result) {
  absl::StatusOr<std::string> token = EncodePageToken(query_, result.next_cursor);
  if (!token.ok()) return CursorTooLongStatus(token.status(), result.request_id);
  response_->set_request_id(std::move(result.request_id));
  for (upstream::FlowFolder& folder : result.folders) {
    ToProto(std::move(folder), response_->add_folders());
  }
  response_->set_next_page_token(*std::move(token));
  // A count beyond int32 is clamped rather than wrapped into a negative.
  response_->set_total_size(static_cast<int32_t>(
      std::clamp<int64_t>(result.total_records, 0, std::numeric_limits<int32_t>::max())));
  return grpc::Status::OK;
}

}  // namespace gong::api
