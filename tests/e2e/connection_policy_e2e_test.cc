// The facade's HTTP/2 connection policy, as a client sees it on the wire
// (docs/operations.md#keepalive): pings every 10 s on an idle connection are
// accepted, and --max_connection_age closes connections with a GOAWAY while
// calls in flight get --shutdown_grace to finish.
//
// A gRPC channel hides pings and GOAWAY frames, so the keepalive test
// speaks HTTP/2 itself over a plain socket: it sends exactly the pings it
// means to and reads exactly what the server answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "facade_test_env.h"
#include "gmock/gmock.h"
#include "support/wait_until.h"

namespace gong::e2e {
namespace {

using flows::v1::UnassignByInstanceIdsResponse;

constexpr uint8_t kSettings = 0x4;
constexpr uint8_t kPing = 0x6;
constexpr uint8_t kGoaway = 0x7;
constexpr uint8_t kAck = 0x1;

struct Frame {
  uint8_t type = 0;
  uint8_t flags = 0;
  std::string payload;
};

// One HTTP/2 connection with prior knowledge (no TLS), as gRPC's plaintext
// port expects, that acknowledges the server's SETTINGS and PINGs and does
// nothing else unasked.
class RawHttp2Connection {
 public:
  explicit RawHttp2Connection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(fd_);
      fd_ = -1;
      return;
    }
    Write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    WriteFrame(kSettings, 0, "");
  }
  ~RawHttp2Connection() {
    if (fd_ >= 0) close(fd_);
  }

  bool connected() const { return fd_ >= 0; }

  void SendPing(uint64_t opaque) { WriteFrame(kPing, 0, Opaque(opaque)); }

  // Reads until the ACK of ping `opaque` ("ack"), a GOAWAY ("GOAWAY: " and
  // its debug text, as gRPC says "too_many_pings"), the connection's end
  // ("closed") or `timeout` ("timeout").
  std::string AwaitPingAck(uint64_t opaque, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (true) {
      const std::optional<Frame> frame = ReadFrame(deadline);
      if (!frame.has_value()) return closed_ ? "closed" : "timeout";
      if (frame->type == kGoaway) return GoawayText(*frame);
      if (frame->type == kPing && (frame->flags & kAck) != 0 &&
          frame->payload == Opaque(opaque)) {
        return "ack";
      }
    }
  }

  // Reads until a GOAWAY (its text), the connection's end or `timeout`.
  std::string AwaitGoaway(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (true) {
      const std::optional<Frame> frame = ReadFrame(deadline);
      if (!frame.has_value()) return closed_ ? "closed" : "timeout";
      if (frame->type == kGoaway) return GoawayText(*frame);
    }
  }

 private:
  static std::string Opaque(uint64_t value) {
    std::string bytes(8, '\0');
    for (int i = 7; i >= 0; --i, value >>= 8) bytes[i] = static_cast<char>(value & 0xff);
    return bytes;
  }

  // GOAWAY's payload: last stream id (4), error code (4), debug data.
  static std::string GoawayText(const Frame& frame) {
    return absl::StrCat("GOAWAY: ",
                        frame.payload.size() > 8 ? frame.payload.substr(8) : "");
  }

  void Write(const std::string& bytes) {
    size_t sent = 0;
    while (fd_ >= 0 && sent < bytes.size()) {
      const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  void WriteFrame(uint8_t type, uint8_t flags, const std::string& payload) {
    const size_t n = payload.size();
    std::string frame = {static_cast<char>(n >> 16),
                         static_cast<char>(n >> 8),
                         static_cast<char>(n),
                         static_cast<char>(type),
                         static_cast<char>(flags),
                         0,
                         0,
                         0,
                         0};
    Write(frame + payload);
  }

  // Fills buffer_ to `size` bytes; false at the connection's end (closed_)
  // or the deadline.
  bool Fill(size_t size, absl::Time deadline) {
    while (buffer_.size() < size) {
      pollfd pfd{fd_, POLLIN, 0};
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return false;
      const int ready =
          poll(&pfd, 1, static_cast<int>(absl::ToInt64Milliseconds(left) + 1));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return false;
      char chunk[4096];
      const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        closed_ = true;
        return false;
      }
      buffer_.append(chunk, static_cast<size_t>(n));
    }
    return true;
  }

  // The next frame, after acknowledging it if it is the server's SETTINGS
  // or PING (as any HTTP/2 peer must).
  std::optional<Frame> ReadFrame(absl::Time deadline) {
    if (fd_ < 0 || !Fill(9, deadline)) return std::nullopt;
    const auto byte = [this](int i) { return static_cast<uint8_t>(buffer_[i]); };
    const size_t length = (byte(0) << 16) | (byte(1) << 8) | byte(2);
    if (!Fill(9 + length, deadline)) return std::nullopt;
    Frame frame{byte(3), byte(4), buffer_.substr(9, length)};
    buffer_.erase(0, 9 + length);
    if (frame.type == kSettings && (frame.flags & kAck) == 0) {
      WriteFrame(kSettings, kAck, "");
    } else if (frame.type == kPing && (frame.flags & kAck) == 0) {
      WriteFrame(kPing, kAck, frame.payload);
    }
    return frame;
  }

  int fd_ = -1;
  bool closed_ = false;  // the server closed the connection
  std::string buffer_;
};

using ConnectionPolicyTest = FacadeTest;

// gRPC's default policy takes a ping on an idle connection sooner than two
// hours after the last one as a strike, and at the third strike closes the
// connection with GOAWAY "too_many_pings": sidecars pinging every 10 s
// would lose their connection at the fourth ping. The facade accepts them.
//
// This takes about 31 s: four pings 10 s apart is the shortest run that
// tells the two policies apart. Each waits 10 s from the previous ping's
// ACK, which the server sent after it read that ping, so the server never
// sees two pings less than 10 s apart however late this test runs.
TEST_F(ConnectionPolicyTest, PingsEveryTenSecondsOnAnIdleConnectionAreAccepted) {
  StartFacade();
  RawHttp2Connection connection(facade_->port());
  ASSERT_TRUE(connection.connected());

  for (uint64_t ping = 1; ping <= 4; ++ping) {
    SCOPED_TRACE(absl::StrCat("ping ", ping));
    // The wait is the point: pings at the rate docs/operations.md allows.
    if (ping > 1) absl::SleepFor(absl::Seconds(10) + absl::Milliseconds(200));
    connection.SendPing(ping);
    ASSERT_EQ(connection.AwaitPingAck(ping, absl::Seconds(10)), "ack");
  }
  // gRPC may send its GOAWAY just after the ACK of the ping that struck
  // out; none comes.
  EXPECT_EQ(connection.AwaitGoaway(absl::Seconds(1)), "timeout");
}

// The age closes the connection: a GOAWAY, not before the age (gRPC adds up
// to 10% jitter either way).
TEST_F(ConnectionPolicyTest, MaxConnectionAgeSendsGoawayAfterTheAge) {
  app::FacadeConfig config = PlainProxy();
  config.max_connection_age = absl::Seconds(1);
  StartFacade(config);
  const absl::Time start = absl::Now();
  RawHttp2Connection connection(facade_->port());
  ASSERT_TRUE(connection.connected());

  const std::string goaway = connection.AwaitGoaway(absl::Seconds(20));

  EXPECT_EQ(goaway.substr(0, 7), "GOAWAY:") << goaway;
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(850));
}

// A call in flight when its connection ages out still finishes, within
// --shutdown_grace; the client then connects again for the next call.
TEST_F(ConnectionPolicyTest, ACallInFlightFinishesWhenItsConnectionAgesOut) {
  app::FacadeConfig config = PlainProxy();
  config.max_connection_age = absl::Seconds(1);
  config.shutdown_grace = absl::Seconds(30);
  StartFacade(config);
  // Gong's answer comes well after the age, well within the grace.
  SlowGong(absl::Seconds(4));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  UnassignByInstanceIdsResponse response;
  std::future<grpc::Status> call = StartCall(&context, "1001", &response);
  EXPECT_TRUE(AwaitGongRequests(1));  // no ASSERT: the call must end first

  // The channel leaves READY when its connection gets the GOAWAY.
  bool goaway_while_in_flight = false;
  EXPECT_TRUE(support::WaitUntil([&] {
    if (channel_->GetState(false) == GRPC_CHANNEL_READY) return false;
    goaway_while_in_flight =
        call.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
    return true;
  }));
  const grpc::Status status = call.get();

  EXPECT_TRUE(goaway_while_in_flight) << "the call ended before its connection aged";
  EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_THAT(response.unassigned_flow_instance_ids(), ::testing::ElementsAre("1001"));
  sandbox_->SetBehavior({});
  EXPECT_TRUE(Call({"1002"}, &response).ok());
}

// Past the grace a call still in flight is cut off: the grace is
// --shutdown_grace, not gRPC's default of forever.
TEST_F(ConnectionPolicyTest, ACallOutlastingTheGraceIsCutOff) {
  app::FacadeConfig config = PlainProxy();
  config.max_connection_age = absl::Seconds(1);
  config.shutdown_grace = absl::Seconds(1);
  StartFacade(config);
  SlowGong(absl::Seconds(60));  // woken when the sandbox stops
  UnassignByInstanceIdsResponse response;

  const grpc::Status status = Call({"1001"}, &response, absl::Seconds(30));

  // The connection closed under the call, long before its deadline.
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

}  // namespace
}  // namespace gong::e2e
