#include "quota/quota_steward.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "quota/sliding_window.h"

namespace gong::quota {
namespace {

upstream::GongError Cancelled(bool may_have_acted) {
  return upstream::GongError::Cancelled("cancelled while waiting for Gong's rate limit",
                                        may_have_acted);
}

}  // namespace

struct QuotaSteward::Call {
  CallId id;
  upstream::GongRequest request;
  std::unique_ptr<Coalescable> part;  // null: never merged
  Callback done;
};

// Calls sharing one Gong request: one call, or calls whose parts merged.
// Owned by one place at a time (queue_ while waiting, in_flight_ while
// Gong has it, then whoever answers its callers), and only ever moved.
struct QuotaSteward::Batch {
  std::vector<std::unique_ptr<Call>> calls;  // arrival order
  std::unique_ptr<MergedRequest> merged;     // when its calls may merge
  bool in_flight = false;
  bool split = false;          // a part of a batch Gong refused whole
  uint64_t window_ticket = 0;  // its send in the window
  bool cold = false;           // sent with no recently used connection
  std::list<std::unique_ptr<Batch>>::iterator position;  // while waiting
  upstream::GongClient::CallId upstream = 0;             // while in flight
  int attempts = 0;                                      // Gong requests made so far
  std::optional<upstream::GongError> last_error;  // of the last attempt, when retried
  bool resent_for_credentials = false;            // after a 401 to replaced credentials

  // A new batch for `call`, open to others when coalescing allows.
  static std::unique_ptr<Batch> For(std::unique_ptr<Call> call, bool coalesce) {
    auto batch = std::make_unique<Batch>();
    if (coalesce && call->part != nullptr) {
      batch->merged = call->part->policy().Start();
      batch->merged->TryAdd(*call->part);
    }
    batch->calls.push_back(std::move(call));
    return batch;
  }

  // Whether `call` joined this batch's request.
  bool TryJoin(std::unique_ptr<Call>& call) {
    if (merged == nullptr || !merged->TryAdd(*call->part)) return false;
    calls.push_back(std::move(call));
    return true;
  }

  std::unique_ptr<Call> Remove(CallId id) {
    auto it = std::find_if(calls.begin(), calls.end(),
                           [id](const auto& c) { return c->id == id; });
    std::unique_ptr<Call> call = std::move(*it);
    calls.erase(it);
    if (merged != nullptr && !calls.empty()) {
      merged = calls.front()->part->policy().Start();
      for (const auto& c : calls) merged->TryAdd(*c->part);
    }
    return call;
  }

  // The policy and key of an open batch (in open_).
  std::pair<const CoalescingPolicy*, std::string> Key() const {
    const Coalescable& part = *calls.front()->part;
    return {&part.policy(), part.key()};
  }

  absl::Time LatestDeadline() const {
    absl::Time latest = absl::InfinitePast();
    for (const auto& call : calls) latest = std::max(latest, call->request.deadline);
    return latest;
  }

  // The one Gong request for all calls. It lives as long as its most
  // patient caller; each caller's own deadline still ends that caller's
  // call on time (gRPC cancels it). It carries every call's tags, in
  // arrival order, so that its log line names whom it served.
  upstream::GongRequest Request() const {
    if (calls.size() == 1) return calls.front()->request;
    upstream::GongRequest request = merged->Build(LatestDeadline());
    request.calls.clear();
    for (const auto& call : calls) {
      request.calls.insert(request.calls.end(), call->request.calls.begin(),
                           call->request.calls.end());
    }
    return request;
  }

  upstream::Idempotency idempotency() const { return calls.front()->request.idempotency; }

  // What DecideOnAnswer needs to know of it.
  BatchFacts Facts() const {
    BatchFacts facts;
    facts.callers = calls.size();
    facts.attempts = attempts;
    facts.resent_for_credentials = resent_for_credentials;
    if (!calls.empty()) {
      facts.idempotency = idempotency();
      if (calls.front()->part != nullptr) facts.policy = &calls.front()->part->policy();
    }
    return facts;
  }

  // Whether Gong's answer reaches its callers through their policy's Share:
  // whenever they have parts (only calls with parts ever merge). However
  // many callers are left: those who left took only themselves out, not
  // their ids out of the request Gong is answering.
  bool SharedOut() const { return !calls.empty() && calls.front()->part != nullptr; }
};

QuotaSteward::QuotaSteward(std::unique_ptr<upstream::GongClient> gong,
                           std::unique_ptr<base::Clock> clock, QuotaOptions options)
    : QuotaSteward(std::move(gong), std::move(clock),
                   std::make_unique<SlidingWindow>(
                       options.gong_qps, absl::Seconds(1) + options.window_margin),
                   options) {}

QuotaSteward::QuotaSteward(std::unique_ptr<upstream::GongClient> gong,
                           std::unique_ptr<base::Clock> clock,
                           std::unique_ptr<RequestWindow> window, QuotaOptions options)
    : options_(options),
      backoff_(options.initial_backoff, options.max_backoff),
      gong_(std::move(gong)),
      clock_(std::move(clock)),
      window_(std::move(window)) {
  window_->SetWaker([this] { OnWindowNews(); });
}

QuotaSteward::~QuotaSteward() {
  std::vector<Completion> out;
  std::unique_ptr<RequestWindow> window;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    // What another thread is handing to Gong is Gong's (its callers are told
    // it may have been processed); what nobody has handed over yet never
    // will be.
    mu_.Await(absl::Condition(
        +[](int* sending) { return *sending == 0; }, &sending_));
    for (const auto& [batch_id, request] : outgoing_) {
      auto node = in_flight_.extract(batch_id);
      for (auto& call : node.mapped()->calls)
        out.emplace_back(std::move(call->done), Cancelled(false));
    }
    outgoing_.clear();
    for (auto& batch : queue_) {
      for (auto& call : batch->calls)
        out.emplace_back(std::move(call->done), Cancelled(false));
    }
    for (auto& [id, batch] : in_flight_) {
      for (auto& call : batch->calls)
        out.emplace_back(std::move(call->done), Cancelled(true));
    }
    queue_.clear();
    in_flight_.clear();
    window = std::move(window_);
  }
  for (auto& [done, outcome] : out) std::move(done)(std::move(outcome));
  // The window's news, Gong's answers to what was in flight and the clock's
  // wake-ups now find nothing to do (stopping_). The window first (it may
  // read the clock and wake the steward, so not under mu_), then Gong,
  // whose answers read the clock.
  window.reset();
  gong_.reset();
  clock_.reset();
}

QuotaSteward::CallId QuotaSteward::Submit(upstream::GongRequest request,
                                          std::unique_ptr<Coalescable> part,
                                          Callback done) {
  std::vector<Completion> out;
  CallId id;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    id = next_call_id_++;
    if (waiting_calls_ >= options_.max_pending_calls) {
      // Retry when the queue ahead has had time to drain.
      const absl::Time drained = window_->SlotTime(QueueStart(now), queue_.size());
      out.emplace_back(std::move(done), Capped(QuotaRefusal::QueueFull(drained - now)));
    } else {
      const absl::Time deadline = request.deadline;
      auto call = std::make_unique<Call>(
          Call{id, std::move(request), std::move(part), std::move(done)});
      Batch* batch = nullptr;
      if (options_.coalesce && call->part != nullptr) {
        auto open = open_.find(std::make_pair(&call->part->policy(), call->part->key()));
        if (open != open_.end() && open->second->TryJoin(call)) batch = open->second;
      }
      if (batch == nullptr) {
        std::unique_ptr<Batch> fresh = Batch::For(std::move(call), options_.coalesce);
        batch = fresh.get();
        batch->position = queue_.insert(queue_.end(), std::move(fresh));
        if (batch->merged != nullptr) open_[batch->Key()] = batch;
      }
      batch_of_[id] = batch;
      ++waiting_calls_;
      NoteHeld();
      // Its turn: the slot of its batch's place in the queue.
      // (Counted from the back, where a new call's batch almost always is.)
      const size_t place = queue_.size() - std::distance(batch->position, queue_.end());
      const absl::Time turn = window_->SlotTime(QueueStart(now), place);
      if (turn > deadline) {
        out.emplace_back(std::move(Detach(id)->done),
                         Capped(QuotaRefusal::WouldMissDeadline(turn - now)));
      }
      Pump(now, &out);
    }
  }
  SendOutgoing();
  for (auto& [done, outcome] : out) std::move(done)(std::move(outcome));
  return id;
}

void QuotaSteward::Cancel(CallId id) {
  std::unique_ptr<Call> call;
  upstream::GongClient::CallId abandoned_upstream = 0;
  bool in_flight;
  {
    absl::MutexLock lock(&mu_);
    auto it = batch_of_.find(id);
    if (it == batch_of_.end()) return;  // finished already
    Batch* batch = it->second;
    in_flight = batch->in_flight;
    if (in_flight && batch->calls.size() == 1) {
      // Nobody is left to answer. (0 while it is being sent: SendOutgoing
      // cancels it then.)
      abandoned_upstream = batch->upstream;
    }
    call = Detach(id);
  }
  if (abandoned_upstream != 0) gong_->Cancel(abandoned_upstream);
  std::move(call->done)(Cancelled(in_flight));
}

std::unique_ptr<QuotaSteward::Call> QuotaSteward::Detach(CallId id) {
  auto it = batch_of_.find(id);
  Batch* batch = it->second;
  batch_of_.erase(it);
  const bool open = batch->merged != nullptr && !batch->in_flight;
  const auto key =
      open ? batch->Key() : std::pair<const CoalescingPolicy*, std::string>();
  std::unique_ptr<Call> call = batch->Remove(id);
  if (!batch->in_flight) {
    --waiting_calls_;
    if (batch->calls.empty()) {
      if (open) {
        auto entry = open_.find(key);
        if (entry != open_.end() && entry->second == batch) open_.erase(entry);
      }
      queue_.erase(batch->position);  // frees the batch
    }
  }
  return call;
}

absl::Time QuotaSteward::QueueStart(absl::Time now) const {
  return std::max(now, paused_until_);
}

void QuotaSteward::Pump(absl::Time now, std::vector<Completion>* out) {
  // At the in-flight bound, the next answer pumps again.
  while (!stopping_ && !queue_.empty() && in_flight_.size() < options_.max_in_flight) {
    const absl::Time turn = window_->NextSlot(now, QueueStart(now));
    if (turn > now) {
      WakeAt(turn);
      return;
    }
    std::unique_ptr<Batch> batch = std::move(queue_.front());
    queue_.pop_front();
    if (batch->merged != nullptr) {
      auto open = open_.find(batch->Key());
      if (open != open_.end() && open->second == batch.get()) open_.erase(open);
    }
    waiting_calls_ -= batch->calls.size();
    Send(std::move(batch), now);
  }
}

void QuotaSteward::Send(std::unique_ptr<Batch> batch, absl::Time now) {
  batch->window_ticket = window_->Record(now);
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
    base::LogInfo(absl::StrCat("Gong requests this UTC day: ", today,
                               " (Gong's default daily limit is 10,000)"));
  }
  const uint64_t batch_id = next_batch_id_++;
  batch->in_flight = true;
  outgoing_.emplace_back(batch_id, batch->Request());
  in_flight_[batch_id] = std::move(batch);
}

void QuotaSteward::SendOutgoing() {
  std::vector<std::pair<uint64_t, upstream::GongRequest>> outgoing;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ || outgoing_.empty()) return;
    outgoing.swap(outgoing_);
    ++sending_;
  }
  // Without mu_: handing a request to Gong's client writes it to a socket,
  // and a call arriving meanwhile would otherwise wait for the lock (and
  // its thread sleep) for each.
  std::vector<std::pair<uint64_t, upstream::GongClient::CallId>> sent;
  sent.reserve(outgoing.size());
  for (auto& [batch_id, request] : outgoing) {
    const uint64_t id = batch_id;
    sent.emplace_back(
        id, gong_->Send(std::move(request), [this, id](upstream::GongOutcome outcome) {
          OnAnswer(id, std::move(outcome));
        }));
  }
  std::vector<upstream::GongClient::CallId> abandoned;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [batch_id, upstream] : sent) {
      auto it = in_flight_.find(batch_id);
      if (it == in_flight_.end()) continue;  // answered already
      it->second->upstream = upstream;
      // Every caller left while it was being sent: nobody is left to answer.
      if (it->second->calls.empty()) abandoned.push_back(upstream);
    }
    if (abandoned.empty()) {
      --sending_;
      return;
    }
  }
  for (upstream::GongClient::CallId upstream : abandoned) gong_->Cancel(upstream);
  absl::MutexLock lock(&mu_);
  --sending_;  // the destructor may go on
}

void QuotaSteward::OnAnswer(uint64_t batch_id, upstream::GongOutcome outcome) {
  std::vector<Completion> out;
  std::unique_ptr<Batch> shared;  // answered through its callers' policy
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;  // its callers were answered already
    const absl::Time now = clock_->Now();
    auto node = in_flight_.extract(batch_id);
    if (node.empty()) return;
    std::unique_ptr<Batch> batch = std::move(node.mapped());
    batch->in_flight = false;
    NoteAnswer(*batch, outcome, now);
    switch (DecideOnAnswer(outcome, batch->Facts(), options_.max_attempts)) {
      case AnswerAction::kRetry:
        Retry(std::move(batch), std::get<upstream::GongError>(outcome), now);
        FailLateCalls(now, &out);
        break;
      case AnswerAction::kSplit:
        Split(std::move(batch));
        FailLateCalls(now, &out);
        break;
      case AnswerAction::kResend:
        Resend(std::move(batch));
        FailLateCalls(now, &out);
        break;
      case AnswerAction::kComplete:
        shared = Complete(std::move(batch), &outcome, &out);
        break;
    }
    Pump(now, &out);
  }
  SendOutgoing();
  if (shared != nullptr) {
    ShareOut(shared.get(), std::get<upstream::GongAnswer>(outcome), &out);
  }
  for (auto& [done, result] : out) std::move(done)(std::move(result));
}

void QuotaSteward::NoteAnswer(const Batch& batch, const upstream::GongOutcome& outcome,
                              absl::Time now) {
  const upstream::GongError* error = std::get_if<upstream::GongError>(&outcome);
  const bool cancelled_here =
      error != nullptr && error->kind == upstream::GongError::Kind::kCancelled;
  if (!cancelled_here) {
    if (batch.cold) window_->Delay(batch.window_ticket, now);
    if (error == nullptr || error->answered()) last_answer_ = now;
  }
  if (error == nullptr) {
    // Gong took a request: whatever paused the queue has passed.
    consecutive_failures_ = 0;
    paused_until_ = absl::InfinitePast();
  }
}

void QuotaSteward::Retry(std::unique_ptr<Batch> batch, const upstream::GongError& error,
                         absl::Time now) {
  ++consecutive_failures_;
  const absl::Duration pause = error.http_status == 429 && error.retry_after.has_value()
                                   ? *error.retry_after
                                   : backoff_.Delay(consecutive_failures_, random_);
  paused_until_ = std::max(paused_until_, now + std::min(pause, options_.max_pause));
  // Gong's quota is the company's: every replica sharing the window
  // pauses too.
  if (error.http_status == 429) window_->Pause(now, paused_until_);
  batch->last_error = error;
  waiting_calls_ += batch->calls.size();
  NoteHeld();
  Batch* retried = batch.get();
  retried->position = queue_.insert(queue_.begin(), std::move(batch));
}

void QuotaSteward::Resend(std::unique_ptr<Batch> batch) {
  // No pause and no backoff: neither Gong's health nor the quota is in
  // question. Still a request like any other in the window (Pump sends it
  // when a slot is free). Its 401 is not kept as last_error: a caller whose
  // deadline comes before the resend's turn did not fail authentication.
  batch->resent_for_credentials = true;
  waiting_calls_ += batch->calls.size();
  NoteHeld();
  Batch* resent = batch.get();
  resent->position = queue_.insert(queue_.begin(), std::move(batch));
}

std::unique_ptr<QuotaSteward::Batch> QuotaSteward::Complete(
    std::unique_ptr<Batch> batch, upstream::GongOutcome* outcome,
    std::vector<Completion>* out) {
  for (auto& call : batch->calls) batch_of_.erase(call->id);
  const upstream::GongError* error = std::get_if<upstream::GongError>(outcome);
  if (error == nullptr && batch->SharedOut()) {
    return batch;  // shared out by the caller, not under the lock
  }
  for (auto& call : batch->calls) {
    if (error != nullptr && batch->merged != nullptr) {
      // Gong's texts may name every id sent, others' included.
      out->emplace_back(std::move(call->done),
                        Capped(OwnView(*error, batch->merged->ids(), *call->part)));
    } else if (error != nullptr) {
      out->emplace_back(std::move(call->done), Capped(*error));
    } else {
      out->emplace_back(std::move(call->done),
                        std::get<upstream::GongAnswer>(std::move(*outcome)));
    }
  }
  return nullptr;
}

void QuotaSteward::ShareOut(Batch* batch, const upstream::GongAnswer& answer,
                            std::vector<Completion>* out) {
  // Each caller gets its own part of the answer, one caller left or many.
  std::vector<const Coalescable*> parts;
  for (const auto& call : batch->calls) parts.push_back(call->part.get());
  std::vector<upstream::GongAnswer> shares = parts.front()->policy().Share(answer, parts);
  for (size_t i = 0; i < batch->calls.size(); ++i) {
    out->emplace_back(std::move(batch->calls[i]->done), std::move(shares[i]));
  }
}

void QuotaSteward::Split(std::unique_ptr<Batch> batch) {
  const size_t half = batch->calls.size() / 2;
  std::vector<std::unique_ptr<Call>> halves[2];
  for (size_t i = 0; i < batch->calls.size(); ++i) {
    halves[i >= half ? 1 : 0].push_back(std::move(batch->calls[i]));
  }
  // In front of everyone, first half first: these callers have waited
  // their turn already; each part is a Gong request of its own in the window.
  for (int k = 1; k >= 0; --k) {
    auto part = std::make_unique<Batch>();
    part->merged = halves[k].front()->part->policy().Start();
    for (auto& call : halves[k]) {
      part->merged->TryAdd(*call->part);
      batch_of_[call->id] = part.get();
      part->calls.push_back(std::move(call));
    }
    part->split = true;
    waiting_calls_ += part->calls.size();
    NoteHeld();
    Batch* queued = part.get();
    queued->position = queue_.insert(queue_.begin(), std::move(part));
  }
}

upstream::GongError QuotaSteward::Capped(upstream::GongError error) const {
  if (error.retry_after.has_value()) {
    error.retry_after = std::min(*error.retry_after, options_.max_pause);
  }
  return error;
}

QuotaRefusal QuotaSteward::Capped(QuotaRefusal refusal) const {
  refusal.retry_after = std::min(refusal.retry_after, options_.max_pause);
  return refusal;
}

void QuotaSteward::FailLateCalls(absl::Time now, std::vector<Completion>* out) {
  size_t place = 0;
  for (auto it = queue_.begin(); it != queue_.end();) {
    Batch& batch = **it;
    const absl::Time turn = window_->SlotTime(QueueStart(now), place);
    std::vector<CallId> late;
    for (const auto& call : batch.calls) {
      if (call->request.deadline < turn) late.push_back(call->id);
    }
    ++it;  // Detach may erase the batch
    const bool emptied = late.size() == batch.calls.size();
    for (CallId id : late) {
      // (Before Detach, which may free the batch.) A call retried after
      // Gong's 429 ends with that 429, and the later of its Retry-After and
      // its turn; any other with the steward's refusal.
      QuotaOutcome outcome = Capped(QuotaRefusal::WouldMissDeadline(turn - now));
      if (batch.last_error.has_value()) {
        upstream::GongError error = *batch.last_error;
        error.retry_after =
            std::max(error.retry_after.value_or(absl::ZeroDuration()), turn - now);
        outcome = Capped(std::move(error));
      }
      out->emplace_back(std::move(Detach(id)->done), std::move(outcome));
    }
    if (!emptied) ++place;
  }
}

void QuotaSteward::WakeAt(absl::Time when) {
  if (when >= wake_at_) return;  // an earlier wake-up is already set
  wake_at_ = when;
  clock_->RunAt(when, [this] { OnWake(); });
}

void QuotaSteward::OnWindowNews() {
  std::vector<Completion> out;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    const absl::Time now = clock_->Now();
    // A granted slot may come after some callers' deadlines: they fail now,
    // with their turn as RetryInfo, rather than at their deadline.
    FailLateCalls(now, &out);
    Pump(now, &out);
  }
  SendOutgoing();
  for (auto& [done, outcome] : out) std::move(done)(std::move(outcome));
}

void QuotaSteward::OnWake() {
  std::vector<Completion> out;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;  // (the clock may be going)
    const absl::Time now = clock_->Now();
    if (wake_at_ <= now) wake_at_ = absl::InfiniteFuture();
    Pump(now, &out);
  }
  SendOutgoing();
  for (auto& [done, outcome] : out) std::move(done)(std::move(outcome));
}

void QuotaSteward::NoteHeld() {
  most_held_ = std::max(most_held_, waiting_calls_ + in_flight_.size());
}

size_t QuotaSteward::TakeMostHeld() {
  absl::MutexLock lock(&mu_);
  const size_t now = waiting_calls_ + in_flight_.size();
  const size_t most = std::max(most_held_, now);
  most_held_ = now;
  return most;
}

QuotaSteward::Stats QuotaSteward::GetStats() {
  absl::MutexLock lock(&mu_);
  Stats stats;
  stats.waiting_calls = waiting_calls_;
  stats.gong_requests_in_flight = in_flight_.size();
  stats.gong_requests = requests_;
  const absl::Time now = clock_->Now();
  stats.gong_requests_today = window_->RequestsToday(now).value_or(daily_.Today(now));
  stats.backend = window_->backend();
  stats.retries = retries_;
  stats.split_requests = split_requests_;
  return stats;
}

}  // namespace gong::quota
