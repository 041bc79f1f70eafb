#include "many_id_calls.h"

#include <atomic>
#include <iostream>
#include <list>

#include "absl/synchronization/mutex.h"
#include "answer_outcomes.h"
#include "idempotency_key.h"
#include "print_responses.h"

namespace gong::cli {
namespace {

using gong::flows::v1::FlowService;
namespace v1 = gong::flows::v1;

// What every command's calls share: one channel, the contexts of the calls
// in flight (to cancel them), stdout taken by one answer at a time, and the
// run's id, which the writes' keys are derived from.
class FacadeCalls : public IdCalls {
 public:
  FacadeCalls(const CallOptions& options, std::string run_id)
      : caller_(options), json_(options.json), run_id_(std::move(run_id)) {}

  void CancelAll() override {
    absl::MutexLock lock(&mu_);
    for (grpc::ClientContext* context : in_flight_) context->TryCancel();
  }

  size_t SettledAnswers() const override { return settled_.load(); }
  size_t ReplayedAnswers() const override { return replayed_.load(); }

 protected:
  // The key of a call of `ids` by `command` with `params`, in this run.
  std::string RunKey(absl::string_view command, const std::vector<std::string>& params,
                     const std::vector<std::string>& ids) const {
    return ChunkKey(run_id_, command, params, ids);
  }

  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (FlowService::Stub::*method)(grpc::ClientContext*,
                                                              const Request&, Response*),
                    const Request& request, Response* response,
                    const std::string& key = "") {
    grpc::ClientContext context;
    if (!key.empty()) context.AddMetadata(kIdempotencyKeyHeader, key);
    std::list<grpc::ClientContext*>::iterator entry;
    {
      absl::MutexLock lock(&mu_);
      entry = in_flight_.insert(in_flight_.end(), &context);
    }
    grpc::Status status = caller_.CallIn(&context, method, request, response);
    {
      absl::MutexLock lock(&mu_);
      in_flight_.erase(entry);
    }
    if (status.ok()) {
      const AnswerMarks marks = ReadAnswerMarks(context);
      if (marks.settled) ++settled_;
      if (marks.replayed) ++replayed_;
    }
    return status;
  }

  // Prints an answer as the single call does: protobuf JSON with --json,
  // else `print`'s lines.
  template <typename PrintLines>
  void Print(const google::protobuf::Message& response, PrintLines print) {
    absl::MutexLock lock(&print_mu_);
    if (json_) {
      PrintJson(response);
    } else {
      print();
    }
    std::cout.flush();
  }

  // A lookup of `ids` by CRM id or instance id.
  grpc::Status GetProspectFlows(const std::vector<std::string>& ids, bool by_crm,
                                v1::GetProspectFlowsResponse* response) {
    return Call(&FlowService::Stub::GetProspectFlows, ProspectFlowsRequest(ids, by_crm),
                response);
  }

 private:
  FlowServiceCaller caller_;
  const bool json_;
  const std::string run_id_;
  std::atomic<size_t> settled_{0};
  std::atomic<size_t> replayed_{0};
  absl::Mutex mu_;
  std::list<grpc::ClientContext*> in_flight_ ABSL_GUARDED_BY(mu_);
  absl::Mutex print_mu_;
};

class Unassign : public FacadeCalls {
 public:
  Unassign(const CallOptions& options, std::string run_id, std::string by)
      : FacadeCalls(options, std::move(run_id)), by_(std::move(by)) {}
  size_t ChunkSize() const override { return kUnassignChunk; }
  bool IsWrite() const override { return true; }
  bool CanLookUp() const override { return true; }
  size_t LookUpChunkSize() const override { return kLookupChunk; }

  std::string KeyFor(const std::vector<std::string>& ids) const override {
    return RunKey("unassign", {by_}, ids);
  }

  grpc::Status Send(const std::vector<std::string>& ids, const std::string& key,
                    std::vector<IdResult>* results) override {
    v1::UnassignByInstanceIdsRequest request;
    for (const std::string& id : ids) request.add_flow_instance_ids(id);
    request.set_unassigned_by_user_email(by_);
    v1::UnassignByInstanceIdsResponse response;
    grpc::Status status =
        Call(&FlowService::Stub::UnassignByInstanceIds, request, &response, key);
    if (!status.ok()) return status;
    *results = UnassignOutcomes(response);
    Print(response, [&] { PrintUnassignByInstanceIds(response); });
    return status;
  }

  grpc::Status LookUp(const std::vector<std::string>& ids,
                      std::vector<IdResult>* results) override {
    v1::GetProspectFlowsResponse response;
    grpc::Status status = GetProspectFlows(ids, /*by_crm=*/false, &response);
    if (status.ok()) *results = SettleInstances(ids, response);
    return status;
  }

 private:
  const std::string by_;
};

class Lookup : public FacadeCalls {
 public:
  Lookup(const CallOptions& options, bool by_crm)
      : FacadeCalls(options, ""), by_crm_(by_crm) {}
  size_t ChunkSize() const override { return kLookupChunk; }
  bool IsWrite() const override { return false; }

  grpc::Status Send(const std::vector<std::string>& ids, const std::string& /*key*/,
                    std::vector<IdResult>* results) override {
    v1::GetProspectFlowsResponse response;
    grpc::Status status = GetProspectFlows(ids, by_crm_, &response);
    if (!status.ok()) return status;
    *results = LookupOutcomes(ids, by_crm_, response);
    Print(response, [&] { PrintGetProspectFlows(response); });
    return status;
  }

 private:
  const bool by_crm_;
};

class Assign : public FacadeCalls {
 public:
  Assign(const CallOptions& options, std::string run_id, std::string flow_id,
         std::string owner, std::string description, v1::AssignOverrides overrides,
         std::vector<std::string> key_params)
      : FacadeCalls(options, std::move(run_id)),
        flow_id_(std::move(flow_id)),
        owner_(std::move(owner)),
        description_(std::move(description)),
        overrides_(std::move(overrides)),
        key_params_(std::move(key_params)) {}
  size_t ChunkSize() const override { return kAssignChunk; }
  bool IsWrite() const override { return true; }

  std::string KeyFor(const std::vector<std::string>& ids) const override {
    return RunKey("assign", key_params_, ids);
  }

  grpc::Status Send(const std::vector<std::string>& ids, const std::string& key,
                    std::vector<IdResult>* results) override {
    v1::AssignProspectsRequest request;
    for (const std::string& id : ids) request.add_crm_prospect_ids(id);
    request.set_flow_id(flow_id_);
    request.set_flow_instance_owner_email(owner_);
    request.set_flow_instance_description(description_);
    if (overrides_.ByteSizeLong() > 0) *request.mutable_overrides() = overrides_;
    v1::AssignProspectsResponse response;
    grpc::Status status =
        Call(&FlowService::Stub::AssignProspects, request, &response, key);
    if (!status.ok()) return status;
    *results = AssignOutcomes(response);
    Print(response, [&] { PrintAssignProspects(flow_id_, response); });
    return status;
  }

 private:
  const std::string flow_id_;
  const std::string owner_;
  const std::string description_;
  const v1::AssignOverrides overrides_;
  const std::vector<std::string> key_params_;
};

class UnassignCrm : public FacadeCalls {
 public:
  UnassignCrm(const CallOptions& options, std::string run_id, std::string flow_id,
              std::string by)
      : FacadeCalls(options, std::move(run_id)),
        flow_id_(std::move(flow_id)),
        by_(std::move(by)) {}
  size_t ChunkSize() const override { return 1; }
  bool IsWrite() const override { return true; }
  bool CanLookUp() const override { return true; }
  size_t LookUpChunkSize() const override { return kLookupChunk; }

  std::string KeyFor(const std::vector<std::string>& ids) const override {
    return RunKey("unassign-crm", {flow_id_, by_}, ids);
  }

  grpc::Status Send(const std::vector<std::string>& ids, const std::string& key,
                    std::vector<IdResult>* results) override {
    v1::UnassignByCrmIdRequest request;
    request.set_crm_prospect_id(ids.front());
    request.set_flow_id(flow_id_);
    request.set_all_flows(flow_id_.empty());
    request.set_unassigned_by_user_email(by_);
    v1::UnassignByCrmIdResponse response;
    grpc::Status status =
        Call(&FlowService::Stub::UnassignByCrmId, request, &response, key);
    if (!status.ok()) return status;
    results->push_back({ids.front(), IdOutcome::kUnassigned, response.request_id(), ""});
    Print(response, [&] { PrintUnassignByCrmId(ids.front(), response); });
    return status;
  }

  grpc::Status LookUp(const std::vector<std::string>& ids,
                      std::vector<IdResult>* results) override {
    v1::GetProspectFlowsResponse response;
    grpc::Status status = GetProspectFlows(ids, /*by_crm=*/true, &response);
    if (status.ok()) *results = SettleProspects(ids, flow_id_, response);
    return status;
  }

 private:
  const std::string flow_id_;  // empty: every flow
  const std::string by_;
};

}  // namespace

std::unique_ptr<IdCalls> UnassignCalls(const CallOptions& options,
                                       const std::string& run_id,
                                       const std::string& by_email) {
  return std::make_unique<Unassign>(options, run_id, by_email);
}

std::unique_ptr<IdCalls> LookupCalls(const CallOptions& options, bool by_crm) {
  return std::make_unique<Lookup>(options, by_crm);
}

std::unique_ptr<IdCalls> AssignCalls(
    const CallOptions& options, const std::string& run_id, const std::string& flow_id,
    const std::string& owner_email, const std::string& description,
    const v1::AssignOverrides& overrides, std::vector<std::string> key_params) {
  return std::make_unique<Assign>(options, run_id, flow_id, owner_email, description,
                                  overrides, std::move(key_params));
}

std::unique_ptr<IdCalls> UnassignCrmCalls(const CallOptions& options,
                                          const std::string& run_id,
                                          const std::string& flow_id,
                                          const std::string& by_email) {
  return std::make_unique<UnassignCrm>(options, run_id, flow_id, by_email);
}

v1::GetProspectFlowsRequest ProspectFlowsRequest(const std::vector<std::string>& ids,
                                                 bool by_crm) {
  v1::GetProspectFlowsRequest request;
  for (const std::string& id : ids) {
    if (by_crm) {
      request.add_crm_prospect_ids(id);
    } else {
      request.add_flow_instance_ids(id);
    }
  }
  return request;
}

}  // namespace gong::cli
