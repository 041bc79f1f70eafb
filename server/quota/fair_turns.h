// Turns between callers within one of the quota steward's queues:
// start-time fair queuing, each item costing one turn. An item pushed for a
// key starts at the later of the queue's virtual time and the end of that
// key's previous item, and items go in order of start (then arrival). So a
// key with one item waiting goes at most one turn of each other key after
// the current one, however many items another key has queued; and with a
// single key the order is arrival order. Internal to the steward.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace gong::quota::internal {

template <typename T>
class FairTurns {
 public:
  struct Entry {
    int64_t start;  // in turns of virtual time
    uint64_t arrival;
    std::string key;
    // Owned; mutable so that a node taken out of the set can hand it over.
    mutable std::unique_ptr<T> item;

    bool operator<(const Entry& other) const {
      return std::tie(start, arrival) < std::tie(other.start, other.arrival);
    }
  };
  using Handle = typename std::set<Entry>::const_iterator;

  // Queues `item` for `key`'s next turn; the handle stays valid until it
  // leaves (PopFront, Take).
  Handle Push(const std::string& key, std::unique_ptr<T> item) {
    KeyState& state = keys_[key];
    const int64_t start = std::max(now_, state.end);
    state.end = start + 1;
    ++state.waiting;
    return entries_.insert(Entry{start, next_arrival_++, key, std::move(item)}).first;
  }

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  Handle begin() const { return entries_.begin(); }
  Handle end() const { return entries_.end(); }

  // The first item (the queue must not be empty) leaves, and its turn
  // becomes the queue's virtual time.
  std::unique_ptr<T> PopFront() {
    now_ = entries_.begin()->start;
    return Take(entries_.begin());
  }

  // Any item leaves, without moving virtual time (its turn was not taken).
  std::unique_ptr<T> Take(Handle handle) {
    auto node = entries_.extract(handle);
    // A key with nothing waiting is forgotten: its next item starts at the
    // virtual time, as a newcomer's would, and the map stays as small as
    // the queue.
    auto state = keys_.find(node.value().key);
    if (--state->second.waiting == 0) keys_.erase(state);
    return std::move(node.value().item);
  }

  // How many items go before `handle`'s, counted from whichever end of the
  // queue is nearer: a newcomer's item is usually near one end.
  size_t Rank(Handle handle) const {
    auto forward = entries_.begin();
    auto backward = entries_.end();
    size_t ahead = 0;
    size_t behind = 0;
    while (true) {
      if (forward == handle) return ahead;
      --backward;
      if (backward == handle) return entries_.size() - 1 - behind;
      ++forward;
      ++ahead;
      ++behind;
    }
  }

 private:
  struct KeyState {
    int64_t end = 0;  // when the key's last queued item's turn ends
    size_t waiting = 0;
  };

  std::set<Entry> entries_;
  absl::flat_hash_map<std::string, KeyState> keys_;
  int64_t now_ = 0;  // the start of the last item that took its turn
  uint64_t next_arrival_ = 0;
};

}  // namespace gong::quota::internal
