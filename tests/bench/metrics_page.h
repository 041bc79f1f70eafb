// The facade's Prometheus /metrics page, fetched and read: how the
// benchmark checks what the server itself counts (calls waiting in its
// quota queue, calls handled by gRPC code) rather than trusting the load
// generator's view.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace gong::bench {

// GET http://<address>/metrics (HOST:PORT); nullopt when it cannot be had.
// Expects curl_global_init to have run.
std::optional<std::string> FetchMetrics(const std::string& address);

// The sum of every sample of metric `name` on `page` (text exposition
// format), over all label sets; 0 when there is none.
double MetricSum(absl::string_view page, absl::string_view name);

// The samples of metric `name` summed by the value of its label `label`
// (e.g. grpc_server_handled_total by grpc_code).
std::map<std::string, double> MetricByLabel(absl::string_view page,
                                            absl::string_view name,
                                            absl::string_view label);

}  // namespace gong::bench
