// The problems validation finds in one request, kept as the caller will be
// told of them: a bounded list, and a count of the rest.
//
// A BadRequest travels in grpc-status-details-bin, and a caller's gRPC
// refuses metadata past its limit (8 KiB by default): an unbounded list
// turned 70 bad ids into RESOURCE_EXHAUSTED "received initial metadata size
// exceeds limit", without the code or the ErrorInfo, and a million bad ids
// into a million descriptions held in memory. So the list keeps the first
// kMaxListedViolations, each field path and description cut to a bound,
// and only counts the others. With these bounds the serialized details stay
// under 4 KiB (tests/api/invalid_request_test.cc checks the worst case).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "api/error_details.h"

namespace gong::api {

// At most this many violations are listed in a BadRequest; the status
// message and ErrorInfo say how many more there were.
inline constexpr size_t kMaxListedViolations = 10;
// At most this many bytes of a listed violation's field path.
inline constexpr size_t kMaxViolationFieldBytes = 128;
// At most this many bytes of a listed violation's description.
inline constexpr size_t kMaxViolationDescriptionBytes = 192;

class ViolationList {
 public:
  // Records a violation of `field`; only the first kMaxListedViolations are
  // kept, cut to the bounds above, the others counted.
  void Add(std::string field, std::string description);

  // Whether no violation was recorded.
  bool empty() const { return total_ == 0; }
  // How many violations were recorded, listed or not.
  size_t total() const { return total_; }
  // Whether the list is full: a check that finds a violation now has only
  // to count it, not to describe it.
  bool full() const { return listed_.size() >= kMaxListedViolations; }

  // The violations listed, in the order they were recorded.
  const std::vector<FieldViolation>& listed() const { return listed_; }
  // How many were recorded beyond the listed ones.
  size_t unlisted() const { return total_ - listed_.size(); }

  // For range-for over the listed violations.
  std::vector<FieldViolation>::const_iterator begin() const { return listed_.begin(); }
  std::vector<FieldViolation>::const_iterator end() const { return listed_.end(); }

 private:
  std::vector<FieldViolation> listed_;
  size_t total_ = 0;
};

// A request checked: the plain request it stands for, or what is wrong
// with it.
template <typename Request>
struct Validated {
  Request request;           // meaningful only when valid
  ViolationList violations;  // empty when the request is valid
};

}  // namespace gong::api
