#include "grpc_probe.h"

#include <grpcpp/generic/generic_stub.h>

#include <future>

namespace gong::e2e {
namespace {

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  (void)buffer.Dump(&slices);
  std::string out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

// A protobuf length-delimited field: tag, length (< 128 here), bytes.
std::string StringField(int number, const std::string& value) {
  return std::string{static_cast<char>((number << 3) | 2),
                     static_cast<char>(value.size())} +
         value;
}

}  // namespace

int HealthCheck(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                grpc::Status* status) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  const grpc::ByteBuffer request = ToBuffer(StringField(1, service));
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                 &response, [&done](grpc::Status s) { done.set_value(std::move(s)); });
  const grpc::Status result = done.get_future().get();
  if (status != nullptr) *status = result;
  if (!result.ok()) return -1;
  // HealthCheckResponse{status = 1 (varint)}; absent means 0, UNKNOWN.
  const std::string bytes = FromBuffer(response);
  return bytes.size() == 2 && bytes[0] == 0x08 ? bytes[1] : 0;
}

namespace {

// One request on a ServerReflectionInfo stream; the raw bytes of the answer.
std::string ReflectionExchange(const std::shared_ptr<grpc::Channel>& channel,
                               const std::string& request_bytes) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  auto step = [&cq] {
    void* tag;
    bool ok = false;
    return cq.Next(&tag, &ok) && ok;
  };
  const grpc::ByteBuffer request = ToBuffer(request_bytes);
  grpc::ByteBuffer response;
  grpc::Status status;
  call->StartCall(nullptr);
  std::string out;
  if (step()) {
    call->Write(request, nullptr);
    if (step()) {
      call->WritesDone(nullptr);
      if (step()) {
        call->Read(&response, nullptr);
        if (step()) out = FromBuffer(response);
      }
    }
  }
  call->Finish(&status, nullptr);
  step();
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  return out;
}

}  // namespace

std::string ReflectionListServices(const std::shared_ptr<grpc::Channel>& channel) {
  // ServerReflectionRequest.list_services is field 7.
  return ReflectionExchange(channel, StringField(7, "*"));
}

std::string ReflectionFileContainingSymbol(const std::shared_ptr<grpc::Channel>& channel,
                                           const std::string& symbol) {
  // ServerReflectionRequest.file_containing_symbol is field 4.
  return ReflectionExchange(channel, StringField(4, symbol));
}

}  // namespace gong::e2e
