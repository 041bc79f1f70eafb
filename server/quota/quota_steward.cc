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
// Owned by one place at a time (the queue while waiting, in_flight_ while
// Gong has it, then whoever answers its callers), and only ever moved.
struct QuotaSteward::Batch {
  std::vector<std::unique_ptr<Call>> calls;  // arrival order
  std::unique_ptr<MergedRequest> merged;     // when its calls may merge
  bool in_flight = false;
  bool split = false;  // a part of a batch Gong refused whole
  // A caller left while its request was with Gong: the request held ids no
  // caller left asked for, so a refusal of it may be none of theirs.
  bool left_while_sent = false;
  uint64_t window_ticket = 0;  // its send in the window
  bool cold = false;           // sent with no recently used connection
  // Its place in the queue while it waits: first in line, or in the turns
  // of `priority` (the queue's: its first call's, or interactive for every
  // batch without fair queueing) for its first call's queue_key.
  bool first_in_line = false;
  upstream::Priority priority = upstream::Priority::kInteractive;
  std::list<std::unique_ptr<Batch>>::iterator first_position;
  internal::FairTurns<Batch>::Handle turn;
  upstream::GongClient::CallId upstream = 0;      // while in flight
  int attempts = 0;                               // Gong requests made so far
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
    Remerge();
    return call;
  }

  // The policy and key of an open batch (in open_).
  std::pair<const CoalescingPolicy*, std::string> Key() const {
    const Coalescable& part = *calls.front()->part;
    return {&part.policy(), part.key()};
  }
  std::tuple<const CoalescingPolicy*, std::string, upstream::Priority> OpenKey() const {
    const Coalescable& part = *calls.front()->part;
    return {&part.policy(), part.key(), priority};
  }

  // Whether every caller asked for background priority: the day's reserve
  // is kept from such a request.
  bool AllBackground() const {
    return std::all_of(calls.begin(), calls.end(), [](const auto& call) {
      return call->request.priority == upstream::Priority::kBackground;
    });
  }

  // Its merged request made again from the calls left.
  void Remerge() {
    if (merged == nullptr || calls.empty()) return;
    merged = calls.front()->part->policy().Start();
    for (const auto& c : calls) merged->TryAdd(*c->part);
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
    facts.left_while_sent = left_while_sent;
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
    for (Batch* batch : InOrder()) {
      for (auto& call : batch->calls)
        out.emplace_back(std::move(call->done), Cancelled(false));
    }
    for (auto& [id, batch] : in_flight_) {
      for (auto& call : batch->calls)
        out.emplace_back(std::move(call->done), Cancelled(true));
    }
    first_.clear();
    for (auto& turns : turns_) {
      while (!turns.empty()) turns.Take(turns.begin());
    }
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
    std::optional<QuotaRefusal> over_budget =
        BudgetRefusal(request.priority == upstream::Priority::kBackground, now);
    if (over_budget.has_value()) {
      CountRefusal(*over_budget);
      out.emplace_back(std::move(done), *over_budget);
    } else if (waiting_calls_ >= options_.max_pending_calls) {
      // Retry when the queue ahead has had time to drain.
      const absl::Time drained = window_->SlotTime(QueueStart(now), QueuedBatches());
      const QuotaRefusal refusal = Capped(QuotaRefusal::QueueFull(drained - now));
      CountRefusal(refusal);
      out.emplace_back(std::move(done), refusal);
    } else {
      const absl::Time deadline = request.deadline;
      auto call = std::make_unique<Call>(
          Call{id, std::move(request), std::move(part), std::move(done)});
      // Without fair queueing every call waits as an interactive one, in
      // one line.
      const upstream::Priority priority = options_.fair_queueing
                                              ? call->request.priority
                                              : upstream::Priority::kInteractive;
      Batch* batch = nullptr;
      if (options_.coalesce && call->part != nullptr) {
        // A background call rides in an interactive request if it can; an
        // interactive one never waits in a background request.
        for (upstream::Priority joins :
             {upstream::Priority::kInteractive, upstream::Priority::kBackground}) {
          if (priority == upstream::Priority::kInteractive && joins != priority) break;
          auto open = open_.find(
              std::make_tuple(&call->part->policy(), call->part->key(), joins));
          if (open != open_.end() && open->second->TryJoin(call)) {
            batch = open->second;
            break;
          }
        }
      }
      AddWaiting(batch != nullptr ? *batch->calls.back() : *call, +1);
      if (batch == nullptr) {
        std::unique_ptr<Batch> fresh = Batch::For(std::move(call), options_.coalesce);
        fresh->priority = priority;
        batch = fresh.get();
        Enqueue(std::move(fresh));
        if (batch->merged != nullptr) open_[batch->OpenKey()] = batch;
      }
      batch_of_[id] = batch;
      NoteHeld();
      // Its turn: the slot of its batch's place in the queue.
      const absl::Time turn = window_->SlotTime(QueueStart(now), Place(*batch));
      if (turn > deadline) {
        const QuotaRefusal refusal = Capped(QuotaRefusal::WouldMissDeadline(turn - now));
        CountRefusal(refusal);
        out.emplace_back(std::move(Detach(id)->done), refusal);
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
  if (!batch->in_flight && batch->calls.size() == 1) {
    // Its last call: the batch leaves the queue (and is freed on return).
    std::unique_ptr<Batch> emptied = Unqueue(batch, /*took_turn=*/false);
    return std::move(emptied->calls.front());
  }
  std::unique_ptr<Call> call = batch->Remove(id);
  if (batch->in_flight) batch->left_while_sent = true;
  if (!batch->in_flight) AddWaiting(*call, -1);
  return call;
}

absl::Time QuotaSteward::QueueStart(absl::Time now) const {
  return std::max(now, paused_until_);
}

void QuotaSteward::Pump(absl::Time now, std::vector<Completion>* out) {
  while (!stopping_) {
    // Before each send: the day's count grows while calls wait.
    RefuseOverBudget(now, out);
    Batch* next = Next();
    // At the in-flight bound, the next answer pumps again.
    if (next == nullptr || in_flight_.size() >= options_.max_in_flight) return;
    std::optional<QuotaRefusal> over_budget = BudgetRefusal(next->AllBackground(), now);
    if (over_budget.has_value()) {
      Refuse(Unqueue(next, /*took_turn=*/false), *over_budget, out);
      continue;
    }
    const absl::Time turn = window_->NextSlot(now, QueueStart(now));
    if (turn > now) {
      WakeAt(turn);
      return;
    }
    std::unique_ptr<Batch> batch = Unqueue(next, /*took_turn=*/true);
    TakeRiders(batch.get());
    Send(std::move(batch), now);
  }
}

void QuotaSteward::Enqueue(std::unique_ptr<Batch> batch) {
  Batch* queued = batch.get();
  queued->first_in_line = false;
  const std::string key =
      options_.fair_queueing ? queued->calls.front()->request.queue_key : std::string();
  queued->turn =
      turns_[static_cast<size_t>(queued->priority)].Push(key, std::move(batch));
}

void QuotaSteward::PutFirst(std::unique_ptr<Batch> batch) {
  for (const auto& call : batch->calls) AddWaiting(*call, +1);
  NoteHeld();
  Batch* queued = batch.get();
  queued->first_in_line = true;
  queued->first_position = first_.insert(first_.begin(), std::move(batch));
}

QuotaSteward::Batch* QuotaSteward::Next() const {
  if (!first_.empty()) return first_.front().get();
  for (const auto& turns : turns_) {
    if (!turns.empty()) return turns.begin()->item.get();
  }
  return nullptr;
}

std::unique_ptr<QuotaSteward::Batch> QuotaSteward::Unqueue(Batch* batch, bool took_turn) {
  if (batch->merged != nullptr && !batch->calls.empty()) {
    auto open = open_.find(batch->OpenKey());
    if (open != open_.end() && open->second == batch) open_.erase(open);
  }
  for (const auto& call : batch->calls) AddWaiting(*call, -1);
  std::unique_ptr<Batch> out;
  if (batch->first_in_line) {
    out = std::move(*batch->first_position);
    first_.erase(batch->first_position);
  } else {
    auto& turns = turns_[static_cast<size_t>(batch->priority)];
    out = took_turn && batch->turn == turns.begin() ? turns.PopFront()
                                                    : turns.Take(batch->turn);
  }
  return out;
}

size_t QuotaSteward::QueuedBatches() const {
  return first_.size() + turns_[0].size() + turns_[1].size();
}

size_t QuotaSteward::Place(const Batch& batch) const {
  if (batch.first_in_line) {
    return std::distance(
        first_.begin(),
        std::list<std::unique_ptr<Batch>>::const_iterator(batch.first_position));
  }
  size_t place = first_.size();
  if (batch.priority == upstream::Priority::kBackground) place += turns_[0].size();
  return place + turns_[static_cast<size_t>(batch.priority)].Rank(batch.turn);
}

std::vector<QuotaSteward::Batch*> QuotaSteward::InOrder() const {
  std::vector<Batch*> order;
  order.reserve(QueuedBatches());
  for (const auto& batch : first_) order.push_back(batch.get());
  for (const auto& turns : turns_) {
    for (auto it = turns.begin(); it != turns.end(); ++it)
      order.push_back(it->item.get());
  }
  return order;
}

void QuotaSteward::AddWaiting(const Call& call, int sign) {
  const auto priority = static_cast<size_t>(call.request.priority);
  if (sign > 0) {
    ++waiting_calls_;
    ++waiting_by_priority_[priority];
  } else {
    --waiting_calls_;
    --waiting_by_priority_[priority];
  }
}

void QuotaSteward::TakeRiders(Batch* batch) {
  // Only a fresh interactive request: a retried or split one keeps the
  // callers it was refused with.
  auto& background = turns_[static_cast<size_t>(upstream::Priority::kBackground)];
  if (batch->priority != upstream::Priority::kInteractive || batch->merged == nullptr ||
      batch->attempts > 0 || batch->split || background.empty()) {
    return;
  }
  const auto key = batch->Key();
  for (auto it = background.begin(); it != background.end();) {
    Batch* waiting = (it++)->item.get();  // (Unqueue may take it out)
    if (waiting->merged == nullptr) continue;
    const Coalescable& part = *waiting->calls.front()->part;
    if (&part.policy() != key.first || part.key() != key.second) continue;
    std::vector<std::unique_ptr<Call>> staying;
    for (auto& call : waiting->calls) {
      if (batch->merged->TryAdd(*call->part)) {
        AddWaiting(*call, -1);
        batch_of_[call->id] = batch;
        batch->calls.push_back(std::move(call));
      } else {
        staying.push_back(std::move(call));
      }
    }
    if (staying.empty()) {
      // (Unqueue finds no call left to count out of the waiting.)
      waiting->calls.clear();
      auto open = open_.find(std::make_tuple(key.first, key.second, waiting->priority));
      if (open != open_.end() && open->second == waiting) open_.erase(open);
      Unqueue(waiting, /*took_turn=*/false);
    } else if (staying.size() < waiting->calls.size()) {
      waiting->calls = std::move(staying);
      waiting->Remerge();
    } else {
      waiting->calls = std::move(staying);
    }
  }
}

int64_t QuotaSteward::RequestsToday(absl::Time now) const {
  // The company's count is never below what this replica sent today: a
  // shared count that says less (its key tampered with, or reset) must not
  // open more of the day than this replica alone has seen spent.
  return std::max(window_->RequestsToday(now).value_or(0), daily_.Today(now));
}

std::optional<QuotaRefusal> QuotaSteward::BudgetRefusal(bool background, absl::Time now) {
  if (options_.daily_limit <= 0) return std::nullopt;
  const int64_t limit = options_.daily_limit;
  const int64_t reserved_from =
      limit - std::clamp<int64_t>(options_.daily_reserve, 0, limit);
  const int64_t today = RequestsToday(now);
  const int64_t day = internal::UtcDayOf(now);
  if (today >= reserved_from && options_.daily_reserve > 0 &&
      reserve_logged_day_ != day) {
    reserve_logged_day_ = day;
    base::LogInfo(
        "Gong's daily budget reached its reserve: background calls are refused "
        "until the next UTC midnight",
        {{"requests_today", today}, {"daily_limit", limit}});
  }
  if (today >= limit && limit_logged_day_ != day) {
    limit_logged_day_ = day;
    base::LogInfo(
        "Gong's daily budget is spent: every call is refused until the next UTC "
        "midnight",
        {{"requests_today", today}, {"daily_limit", limit}});
  }
  // Not capped by max_pause: the day's count starts again only then.
  const absl::Duration until_midnight = internal::NextUtcMidnight(now) - now;
  if (today >= limit) return QuotaRefusal::DailyLimitReached(until_midnight);
  if (background && today >= reserved_from) {
    return QuotaRefusal::DailyBudgetReserved(until_midnight);
  }
  return std::nullopt;
}

void QuotaSteward::RefuseOverBudget(absl::Time now, std::vector<Completion>* out) {
  if (options_.daily_limit <= 0 || QueuedBatches() == 0) return;
  // Whether background calls are refused now (every call is, if so).
  std::optional<QuotaRefusal> refusal = BudgetRefusal(/*background=*/true, now);
  if (!refusal.has_value()) return;
  const bool everyone = refusal->reason == QuotaRefusal::Reason::kDailyLimitReached;
  if (everyone) {
    for (Batch* batch : InOrder()) Refuse(Unqueue(batch, false), *refusal, out);
    return;
  }
  // The background turns hold only background calls; the first in line and
  // the interactive turns, those whose interactive callers left.
  auto& background = turns_[static_cast<size_t>(upstream::Priority::kBackground)];
  while (!background.empty()) {
    Refuse(Unqueue(background.begin()->item.get(), false), *refusal, out);
  }
  for (auto it = first_.begin(); it != first_.end();) {
    Batch* batch = (it++)->get();
    if (batch->AllBackground()) Refuse(Unqueue(batch, false), *refusal, out);
  }
}

void QuotaSteward::Refuse(std::unique_ptr<Batch> batch, const QuotaRefusal& refusal,
                          std::vector<Completion>* out) {
  for (auto& call : batch->calls) {
    batch_of_.erase(call->id);
    CountRefusal(refusal);
    out->emplace_back(std::move(call->done), refusal);
  }
}

void QuotaSteward::CountRefusal(const QuotaRefusal& refusal) {
  ++refusals_[static_cast<size_t>(refusal.reason)];
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
  batch->left_while_sent = false;  // this request holds only the callers' ids
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
  PutFirst(std::move(batch));
}

void QuotaSteward::Resend(std::unique_ptr<Batch> batch) {
  // No pause and no backoff: neither Gong's health nor the quota is in
  // question. Still a request like any other in the window (Pump sends it
  // when a slot is free). Its 401 is not kept as last_error: a caller whose
  // deadline comes before the resend's turn did not fail authentication.
  batch->resent_for_credentials = true;
  PutFirst(std::move(batch));
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
    // One caller is left alone in its half (a batch of one splits when the
    // others had left while it was sent): there is no other half.
    if (halves[k].empty()) continue;
    auto part = std::make_unique<Batch>();
    part->merged = halves[k].front()->part->policy().Start();
    for (auto& call : halves[k]) {
      part->merged->TryAdd(*call->part);
      batch_of_[call->id] = part.get();
      part->calls.push_back(std::move(call));
    }
    part->split = true;
    part->priority = batch->priority;
    PutFirst(std::move(part));
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
  // (A snapshot: Detach may take a batch out of the queue.)
  for (Batch* waiting : InOrder()) {
    Batch& batch = *waiting;
    const absl::Time turn = window_->SlotTime(QueueStart(now), place);
    std::vector<CallId> late;
    for (const auto& call : batch.calls) {
      if (call->request.deadline < turn) late.push_back(call->id);
    }
    const bool emptied = late.size() == batch.calls.size();
    for (CallId id : late) {
      // (Before Detach, which may free the batch.) A call retried after
      // Gong's 429 ends with that 429, and the later of its Retry-After and
      // its turn; any other with the steward's refusal.
      QuotaOutcome outcome = Capped(QuotaRefusal::WouldMissDeadline(turn - now));
      if (!batch.last_error.has_value()) CountRefusal(std::get<QuotaRefusal>(outcome));
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
  stats.gong_requests_today = RequestsToday(now);
  stats.backend = window_->backend();
  stats.retries = retries_;
  stats.split_requests = split_requests_;
  stats.waiting_interactive =
      waiting_by_priority_[static_cast<size_t>(upstream::Priority::kInteractive)];
  stats.waiting_background =
      waiting_by_priority_[static_cast<size_t>(upstream::Priority::kBackground)];
  if (options_.daily_limit > 0) {
    stats.daily_budget_left =
        std::max<int64_t>(0, options_.daily_limit - stats.gong_requests_today);
  }
  stats.refusals = refusals_;
  return stats;
}

}  // namespace gong::quota
