#include "quota/quota_dispatcher.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/log.h"

namespace gong {
namespace {

constexpr size_t kMaxIdsPerGongRequest = 200;

GongError Cancelled(http::Delivery delivery) {
  GongError error;
  error.kind = GongError::Kind::kTransport;
  error.transport_failure = http::TransportFailure::kCancelled;
  error.delivery = delivery;
  error.detail = "cancelled while waiting for Gong's rate limit";
  return error;
}

}  // namespace

struct QuotaDispatcher::Call {
  CallId id;
  UnassignRequest request;
  absl::Time deadline;
  Callback done;
};

// Calls sharing one Gong request: same email, at most 200 distinct ids.
struct QuotaDispatcher::Batch {
  std::string email;
  std::vector<std::unique_ptr<Call>> calls;  // arrival order
  absl::flat_hash_set<std::string> ids;      // distinct ids of `calls`
  bool in_flight = false;
  bool split = false;          // a part of a batch Gong refused whole
  uint64_t window_ticket = 0;  // its send in the sliding window
  bool cold = false;           // sent with no recently used connection
  std::list<std::shared_ptr<Batch>>::iterator position;  // while waiting
  CallId upstream = 0;                   // while in flight
  int attempts = 0;                      // Gong requests made so far
  std::optional<GongError> last_error;   // of the last attempt, when retried

  bool Fits(const UnassignRequest& request) const {
    size_t added = 0;
    for (const std::string& id : request.flow_instance_ids) added += !ids.contains(id);
    return ids.size() + added <= kMaxIdsPerGongRequest;
  }

  void Add(std::unique_ptr<Call> call) {
    ids.insert(call->request.flow_instance_ids.begin(),
               call->request.flow_instance_ids.end());
    calls.push_back(std::move(call));
  }

  std::unique_ptr<Call> Remove(CallId id) {
    auto it = std::find_if(calls.begin(), calls.end(),
                           [id](const auto& c) { return c->id == id; });
    std::unique_ptr<Call> call = std::move(*it);
    calls.erase(it);
    ids.clear();
    for (const auto& c : calls) {
      ids.insert(c->request.flow_instance_ids.begin(), c->request.flow_instance_ids.end());
    }
    return call;
  }

  // The one Gong request for all calls: ids in arrival order, each once.
  UnassignRequest Merged() const {
    UnassignRequest merged;
    merged.unassigned_by_user_email = email;
    absl::flat_hash_set<absl::string_view> seen;
    for (const auto& call : calls) {
      for (const std::string& id : call->request.flow_instance_ids) {
        if (seen.insert(id).second) merged.flow_instance_ids.push_back(id);
      }
    }
    return merged;
  }

  absl::Time LatestDeadline() const {
    absl::Time latest = absl::InfinitePast();
    for (const auto& call : calls) latest = std::max(latest, call->deadline);
    return latest;
  }
};

QuotaDispatcher::QuotaDispatcher(GongClient* gong, Clock* clock, QuotaOptions options)
    : gong_(gong),
      clock_(clock),
      options_(options),
      backoff_(options.initial_backoff, options.max_backoff),
      window_(options.gong_qps, absl::Seconds(1) + options.window_margin) {}

QuotaDispatcher::~QuotaDispatcher() {
  std::vector<Completion> out;
  {
    absl::MutexLock lock(&mu_);
    for (auto& batch : queue_) {
      for (auto& call : batch->calls) {
        out.emplace_back(std::move(call->done), Cancelled(http::Delivery::kNotSent));
      }
    }
    for (auto& [id, batch] : in_flight_) {
      for (auto& call : batch->calls) {
        out.emplace_back(std::move(call->done), Cancelled(http::Delivery::kMaybeProcessed));
      }
    }
  }
  for (auto& [done, outcome] : out) std::move(done)(std::move(outcome));
}

GongClient::CallId QuotaDispatcher::Unassign(UnassignRequest request,
                                             absl::Time deadline, Callback done) {
  std::vector<Completion> out;
  CallId id;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    id = next_call_id_++;
    if (waiting_calls_ >= options_.max_pending_calls) {
      // Retry when the queue ahead has had time to drain.
      const absl::Time drained = window_.SlotTime(QueueStart(now), queue_.size());
      out.emplace_back(std::move(done),
                       Refused(GongError::Kind::kQueueFull, drained - now));
    } else {
      Batch* batch = nullptr;
      const std::string& email = request.unassigned_by_user_email;
      if (options_.coalesce) {
        auto open = open_.find(email);
        if (open != open_.end() && open->second->Fits(request)) batch = open->second;
      }
      if (batch == nullptr) {
        auto fresh = std::make_shared<Batch>();
        fresh->email = email;
        batch = fresh.get();
        batch->position = queue_.insert(queue_.end(), std::move(fresh));
        if (options_.coalesce) open_[email] = batch;
      }
      batch->Add(std::make_unique<Call>(Call{id, std::move(request), deadline,
                                             std::move(done)}));
      batch_of_[id] = batch;
      ++waiting_calls_;
      // Its turn: the slot of its batch's place in the queue.
      // (Counted from the back, where a new call's batch almost always is.)
      const size_t place =
          queue_.size() - std::distance(batch->position, queue_.end());
      const absl::Time turn = window_.SlotTime(QueueStart(now), place);
      if (turn > deadline) {
        out.emplace_back(std::move(Detach(id)->done),
                         Refused(GongError::Kind::kWouldMissDeadline, turn - now));
      }
      Pump(now, &out);
    }
  }
  for (auto& [done, outcome] : out) std::move(done)(std::move(outcome));
  return id;
}

void QuotaDispatcher::Cancel(CallId id) {
  std::unique_ptr<Call> call;
  CallId abandoned_upstream = 0;
  http::Delivery delivery;
  {
    absl::MutexLock lock(&mu_);
    auto it = batch_of_.find(id);
    if (it == batch_of_.end()) return;  // finished already
    Batch* batch = it->second;
    if (batch->in_flight && batch->calls.size() == 1) {
      abandoned_upstream = batch->upstream;  // nobody is left to answer
    }
    delivery = batch->in_flight ? http::Delivery::kMaybeProcessed : http::Delivery::kNotSent;
    call = Detach(id);
  }
  if (abandoned_upstream != 0) gong_->Cancel(abandoned_upstream);
  std::move(call->done)(Cancelled(delivery));
}

std::unique_ptr<QuotaDispatcher::Call> QuotaDispatcher::Detach(CallId id) {
  auto it = batch_of_.find(id);
  Batch* batch = it->second;
  batch_of_.erase(it);
  std::unique_ptr<Call> call = batch->Remove(id);
  if (!batch->in_flight) {
    --waiting_calls_;
    if (batch->calls.empty()) {
      auto open = open_.find(batch->email);
      if (open != open_.end() && open->second == batch) open_.erase(open);
      queue_.erase(batch->position);  // frees the batch
    }
  }
  return call;
}

absl::Time QuotaDispatcher::QueueStart(absl::Time now) const {
  return std::max(now, paused_until_);
}

void QuotaDispatcher::Pump(absl::Time now, std::vector<Completion>* out) {
  // At the in-flight bound, the next answer pumps again.
  while (!queue_.empty() && in_flight_.size() < options_.max_in_flight) {
    const absl::Time turn = window_.SlotTime(QueueStart(now), 0);
    if (turn > now) {
      WakeAt(turn);
      return;
    }
    std::shared_ptr<Batch> batch = std::move(queue_.front());
    queue_.pop_front();
    auto open = open_.find(batch->email);
    if (open != open_.end() && open->second == batch.get()) open_.erase(open);
    waiting_calls_ -= batch->calls.size();
    Send(std::move(batch), now);
  }
}

void QuotaDispatcher::Send(std::shared_ptr<Batch> batch, absl::Time now) {
  batch->window_ticket = window_.Record(now);
  // A request that opens a connection (TCP, TLS) reaches Gong tens to
  // hundreds of milliseconds after it was sent, later than one on a warm
  // connection would: counted at its send time, it would let the requests
  // one window later reach Gong less than a window after it. So a request
  // sent with no recent answer counts in the window from its answer, the
  // latest it can have reached Gong.
  batch->cold = now - last_answer_ > options_.warm_connection_age;
  ++requests_;
  if (batch->attempts > 0) {
    ++retries_;
  } else if (batch->split) {
    ++split_requests_;
  }
  ++batch->attempts;
  const int64_t today = daily_.Count(now);
  if (today % 1000 == 0) {
    LogInfo(absl::StrCat("Gong requests this UTC day: ", today,
                         " (Gong's default daily limit is 10,000)"));
  }
  const uint64_t batch_id = next_batch_id_++;
  batch->in_flight = true;
  in_flight_[batch_id] = batch;
  // The request lives as long as its most patient caller; each caller's own
  // deadline still ends that caller's call on time (gRPC cancels it).
  batch->upstream = gong_->Unassign(
      batch->Merged(), batch->LatestDeadline(),
      [this, batch_id](UnassignOutcome outcome) { OnAnswer(batch_id, std::move(outcome)); });
}

void QuotaDispatcher::OnAnswer(uint64_t batch_id, UnassignOutcome outcome) {
  std::vector<Completion> out;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    auto node = in_flight_.extract(batch_id);
    if (node.empty()) return;
    std::shared_ptr<Batch> batch = std::move(node.mapped());
    batch->in_flight = false;
    const GongError* error = std::get_if<GongError>(&outcome);
    const bool cancelled_here = error != nullptr && error->kind == GongError::Kind::kTransport &&
                                error->transport_failure == http::TransportFailure::kCancelled;
    if (!cancelled_here) {
      if (batch->cold) window_.Delay(batch->window_ticket, now);
      if (error == nullptr || error->kind != GongError::Kind::kTransport) last_answer_ = now;
    }
    if (error == nullptr) {
      // Gong took a request: whatever paused the queue has passed.
      consecutive_failures_ = 0;
      paused_until_ = absl::InfinitePast();
    }
    if (error != nullptr && !batch->calls.empty() && IsRetriable(*error) &&
        batch->attempts < options_.max_attempts) {
      // Gong did not act: wait, then send the same batch first in line.
      ++consecutive_failures_;
      const absl::Duration pause =
          error->http_status == 429 && error->retry_after.has_value()
              ? *error->retry_after
              : backoff_.Delay(consecutive_failures_, random_);
      paused_until_ = std::max(paused_until_, now + std::min(pause, options_.max_pause));
      batch->last_error = *error;
      waiting_calls_ += batch->calls.size();
      Batch* retried = batch.get();
      retried->position = queue_.insert(queue_.begin(), std::move(batch));
      FailLateCalls(now, &out);
    } else if (error != nullptr && batch->calls.size() > 1 && RefusedWithoutActing(*error) &&
               !NoneOfTheIdsExist(*error)) {
      // One caller's ids may have made Gong refuse them all: find whose.
      Split(std::move(batch));
      FailLateCalls(now, &out);
    } else {
      for (auto& call : batch->calls) {
        batch_of_.erase(call->id);
        if (error != nullptr) {
          out.emplace_back(std::move(call->done), Capped(*error));
          continue;
        }
        // Each caller gets exactly its own ids, in Gong's order.
        const auto& result = std::get<UnassignResult>(outcome);
        const absl::flat_hash_set<absl::string_view> asked(
            call->request.flow_instance_ids.begin(), call->request.flow_instance_ids.end());
        UnassignResult mine;
        mine.request_id = result.request_id;
        for (const std::string& id : result.unassigned_flow_instance_ids) {
          if (asked.contains(id)) mine.unassigned_flow_instance_ids.push_back(id);
        }
        out.emplace_back(std::move(call->done), std::move(mine));
      }
    }
    Pump(now, &out);
  }
  for (auto& [done, result] : out) std::move(done)(std::move(result));
}

void QuotaDispatcher::Split(std::shared_ptr<Batch> batch) {
  const size_t half = batch->calls.size() / 2;
  std::shared_ptr<Batch> parts[2] = {std::make_shared<Batch>(), std::make_shared<Batch>()};
  for (size_t i = 0; i < batch->calls.size(); ++i) {
    parts[i >= half ? 1 : 0]->Add(std::move(batch->calls[i]));
  }
  // In front of everyone, first half first: these callers have waited
  // their turn already; each part is a Gong request of its own in the window.
  for (int k = 1; k >= 0; --k) {
    Batch* part = parts[k].get();
    part->email = batch->email;
    part->split = true;
    for (const auto& call : part->calls) batch_of_[call->id] = part;
    waiting_calls_ += part->calls.size();
    part->position = queue_.insert(queue_.begin(), std::move(parts[k]));
  }
}

GongError QuotaDispatcher::Capped(GongError error) const {
  if (error.retry_after.has_value()) {
    error.retry_after = std::min(*error.retry_after, options_.max_pause);
  }
  return error;
}

GongError QuotaDispatcher::Refused(GongError::Kind kind, absl::Duration retry_after) const {
  GongError error;
  error.kind = kind;
  error.retry_after = std::max(retry_after, absl::Milliseconds(1));
  return Capped(std::move(error));
}

void QuotaDispatcher::FailLateCalls(absl::Time now, std::vector<Completion>* out) {
  size_t place = 0;
  for (auto it = queue_.begin(); it != queue_.end();) {
    Batch& batch = **it;
    const absl::Time turn = window_.SlotTime(QueueStart(now), place);
    std::vector<CallId> late;
    for (const auto& call : batch.calls) {
      if (call->deadline < turn) late.push_back(call->id);
    }
    ++it;  // Detach may erase the batch
    const bool emptied = late.size() == batch.calls.size();
    for (CallId id : late) {
      // A call retried after Gong's 429 ends with that 429; others with ours.
      GongError error = batch.last_error.has_value()
                            ? *batch.last_error
                            : Refused(GongError::Kind::kWouldMissDeadline, turn - now);
      if (batch.last_error.has_value()) {
        error.retry_after = std::max(error.retry_after.value_or(absl::ZeroDuration()),
                                     turn - now);
      }
      out->emplace_back(std::move(Detach(id)->done), Capped(std::move(error)));
    }
    if (!emptied) ++place;
  }
}

void QuotaDispatcher::WakeAt(absl::Time when) {
  if (when >= wake_at_) return;  // an earlier wake-up is already set
  wake_at_ = when;
  clock_->RunAt(when, [this] { OnWake(); });
}

void QuotaDispatcher::OnWake() {
  std::vector<Completion> out;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    if (wake_at_ <= now) wake_at_ = absl::InfiniteFuture();
    Pump(now, &out);
  }
  for (auto& [done, outcome] : out) std::move(done)(std::move(outcome));
}

QuotaDispatcher::Stats QuotaDispatcher::GetStats() {
  absl::MutexLock lock(&mu_);
  Stats stats;
  stats.waiting_calls = waiting_calls_;
  stats.gong_requests_in_flight = in_flight_.size();
  stats.gong_requests = requests_;
  stats.gong_requests_today = daily_.Today(clock_->Now());
  stats.retries = retries_;
  stats.split_requests = split_requests_;
  return stats;
}

}  // namespace gong
