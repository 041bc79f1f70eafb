// Speaks grpc.health.v1 and grpc.reflection.v1alpha to a server the way
// grpcurl and Kubernetes probes do, through a generic stub with hand-encoded
// messages: neither proto ships with Debian's gRPC, and these calls need
// only one field each way.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace gong::e2e {

// grpc.health.v1.Health/Check for `service`: the serving status number
// (1 SERVING, 2 NOT_SERVING), or -1 with `status` set when the call failed.
int HealthCheck(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                grpc::Status* status = nullptr);

// The raw bytes of reflection's answer to list_services: it holds each
// service's full name.
std::string ReflectionListServices(const std::shared_ptr<grpc::Channel>& channel);

// The raw bytes of reflection's answer to file_containing_symbol: the
// serialized file descriptors (holding the file's name), or an error text.
std::string ReflectionFileContainingSymbol(const std::shared_ptr<grpc::Channel>& channel,
                                           const std::string& symbol);

}  // namespace gong::e2e
