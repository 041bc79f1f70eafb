// --quota_redis's URL, redis://HOST:PORT[/DB], read into a RedisAddress.
// Errors name the flag and say what is wrong, but echo nothing that could
// be a password: the password comes from the environment, and a URL that
// carries one must not print it into a log on its way to being refused.
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "redis/redis_client.h"

namespace gong::redis {
namespace {

constexpr int kDefaultPort = 6379;
// Redis's default `databases 16`; a server configured with more is rare
// enough that a typo (/61) is the likelier reading.
constexpr int kMaxDb = 15;

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--quota_redis: ", why));
}

bool AllDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A host name or IPv4 address: letters, digits, '-', '.', '_'.
bool IsHostName(absl::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (!absl::ascii_isalnum(u) && c != '-' && c != '.' && c != '_') return false;
  }
  return true;
}

// What goes between the brackets of an IPv6 host: hex digits, ':' and '.'
// (an embedded IPv4 address).
bool IsIpv6Literal(absl::string_view host) {
  if (host.find(':') == absl::string_view::npos) return false;
  for (char c : host) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<int> ParsePort(absl::string_view text) {
  int port = 0;
  // Only digits are echoed: anything else might be a misplaced password.
  if (!AllDigits(text)) return Invalid("the port must be a number from 1 to 65535");
  if (!absl::SimpleAtoi(text, &port) || port < 1 || port > 65535) {
    return Invalid(absl::StrCat("port ", text, " is not from 1 to 65535"));
  }
  return port;
}

absl::StatusOr<int> ParseDb(absl::string_view path) {
  // "", "/" and "/N", with one trailing slash allowed: "/N/".
  if (path.empty() || path == "/") return 0;
  absl::ConsumePrefix(&path, "/");
  absl::ConsumeSuffix(&path, "/");
  int db = -1;
  if (!AllDigits(path) || !absl::SimpleAtoi(path, &db) || db > kMaxDb) {
    return Invalid(absl::StrCat(
        "the database (after the port) must be a number from 0 to ", kMaxDb));
  }
  return db;
}

}  // namespace

std::string RedisAddress::ToString() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return ipv6 ? absl::StrCat("[", host, "]:", port, "/", db)
              : absl::StrCat(host, ":", port, "/", db);
}

absl::StatusOr<RedisAddress> ParseRedisUrl(absl::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) {
    return Invalid("expected redis://HOST:PORT[/DB]");
  }
  const absl::string_view scheme = url.substr(0, scheme_end);
  if (absl::EqualsIgnoreCase(scheme, "rediss")) {
    return Invalid("rediss:// (Redis over TLS) is not supported; use redis://");
  }
  if (!absl::EqualsIgnoreCase(scheme, "redis")) {
    return Invalid(
        "expected redis://HOST:PORT[/DB]; only the redis:// scheme is supported");
  }
  absl::string_view rest = url.substr(scheme_end + 3);  // past "://"
  // Checked before anything else is looked at, so no later message can
  // quote a part of a URL that carries credentials.
  if (rest.find('@') != absl::string_view::npos) {
    return Invalid(
        "the URL must not carry a user or password (user:password@); the password "
        "comes from the environment");
  }
  if (rest.find_first_of("?#") != absl::string_view::npos) {
    return Invalid("the URL takes no query or fragment: redis://HOST:PORT[/DB]");
  }
  const size_t slash = rest.find('/');
  const absl::string_view authority = rest.substr(0, slash);
  const absl::string_view path =
      slash == absl::string_view::npos ? absl::string_view() : rest.substr(slash);

  RedisAddress address;
  absl::string_view port_text;
  bool has_port = false;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return Invalid("an IPv6 host's ']' is missing");
    const absl::string_view host = authority.substr(1, close - 1);
    if (!IsIpv6Literal(host))
      return Invalid("the host in brackets is not an IPv6 address");
    address.host = std::string(host);
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!absl::ConsumePrefix(&after, ":")) {
        return Invalid("expected ':PORT' after an IPv6 host's ']'");
      }
      port_text = after;
      has_port = true;
    }
  } else {
    const size_t colon = authority.find(':');
    if (colon != absl::string_view::npos &&
        authority.find(':', colon + 1) != absl::string_view::npos) {
      return Invalid("an IPv6 host goes in brackets: redis://[::1]:6379");
    }
    const absl::string_view host = authority.substr(0, colon);
    if (host.empty()) return Invalid("the host is missing: redis://HOST:PORT[/DB]");
    if (!IsHostName(host)) return Invalid("the host is not a host name or IP address");
    address.host = std::string(host);
    if (colon != absl::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (has_port) {
    absl::StatusOr<int> port = ParsePort(port_text);
    if (!port.ok()) return port.status();
    address.port = *port;
  } else {
    address.port = kDefaultPort;
  }
  absl::StatusOr<int> db = ParseDb(path);
  if (!db.ok()) return db.status();
  address.db = *db;
  return address;
}

}  // namespace gong::redis
