#!/usr/bin/env bash
# Self-test of scripts/check-layers on small synthetic repo trees: a clean
# tree passes, and each kind of layering violation fails with exit 1 and
# names the offending file and include (or link).
# Usage: check_layers_test.sh SCRIPT   (SCRIPT: the path of scripts/check-layers)
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 SCRIPT" >&2
  exit 2
fi
script=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0

# put PATH: writes stdin to PATH (under the current tree), creating its folders.
put() {
  mkdir -p "$(dirname "$tree/$1")"
  cat >"$tree/$1"
}

# fail WHY: reports a failed expectation and stops.
fail() {
  echo "FAIL: $1" >&2
  if [[ -s $tmp/out ]]; then sed 's/^/    /' "$tmp/out" >&2; fi
  echo "$passed passed, 1 failed"
  exit 1
}

# The clean tree: every layer uses only what it may, the CLI only protos and
# gRPC, and tests/ breaks every rule (it is not checked).
clean_tree() {
  put server/CMakeLists.txt <<'EOF'
# Only the layers, bottom up.
add_subdirectory(base)
add_subdirectory(http)
add_subdirectory(upstream)
add_subdirectory(quota)
add_subdirectory(auth)
add_subdirectory(api)
add_subdirectory(observability)
add_subdirectory(app)
EOF
  put server/base/log.h <<'EOF'
#pragma once
#include <string>
#include "absl/strings/string_view.h"
EOF
  put server/base/log.cc <<'EOF'
#include "base/log.h"
#include "log.h"
EOF
  put server/base/clock.h <<'EOF'
#pragma once
#include "base/log.h"
namespace gong::base {
namespace internal {
}  // namespace internal
}  // namespace gong::base
namespace gong::base::internal::detail {
namespace {
}  // namespace
}  // namespace gong::base::internal::detail
namespace v1 = gong::flows::v1;
EOF
  put server/base/CMakeLists.txt <<'EOF'
add_library(gong_base log.cc)
target_link_libraries(gong_base PUBLIC absl::strings absl::time)
EOF
  put server/http/http_transport.h <<'EOF'
#pragma once
#include "base/log.h"
EOF
  put server/http/curl_transport.cc <<'EOF'
#include <curl/curl.h>
#include "http/http_transport.h"
EOF
  put server/http/CMakeLists.txt <<'EOF'
add_library(gong_http curl_transport.cc)
target_link_libraries(gong_http
  PUBLIC gong_base  # the logger
  PRIVATE CURL::libcurl OpenSSL::SSL)
EOF
  put server/upstream/gong_client.h <<'EOF'
#pragma once
#include "base/clock.h"
#include "http/http_transport.h"
/* #include <grpcpp/grpcpp.h> in a comment is no include */
EOF
  put server/upstream/gong_client.cc <<'EOF'
#include "upstream/gong_client.h"
#include <nlohmann/json.hpp>
EOF
  put server/upstream/CMakeLists.txt <<'EOF'
add_library(gong_upstream gong_client.cc)
target_link_libraries(gong_upstream PUBLIC gong_http gong_base
  PRIVATE nlohmann_json::nlohmann_json)
EOF
  put server/quota/quota_steward.h <<'EOF'
#pragma once
#include "base/clock.h"
#include "upstream/gong_client.h"
#include "absl/status/statusor.h"
EOF
  put server/quota/CMakeLists.txt <<'EOF'
add_library(gong_quota quota_steward.cc)
target_link_libraries(gong_quota PUBLIC gong_upstream gong_base absl::random_random)
EOF
  put server/auth/tls_credentials.h <<'EOF'
#pragma once
#include <grpcpp/security/server_credentials.h>
#include "base/log.h"
EOF
  put server/auth/CMakeLists.txt <<'EOF'
add_library(gong_auth tls_credentials.cc)
target_link_libraries(gong_auth PUBLIC gong_base gRPC::grpc++)
EOF
  put server/api/status_mapping.h <<'EOF'
#pragma once
#include <grpcpp/grpcpp.h>
#include "auth/tls_credentials.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "gong/flows/v1/flow_service.pb.h"
#include "upstream/gong_client.h"
#include "google/rpc/status.pb.h"
#include "quota/quota_steward.h"
EOF
  put server/api/CMakeLists.txt <<'EOF'
add_library(gong_api flow_service.cc status_mapping.cc)
target_link_libraries(gong_api
  PUBLIC
    gong_quota gong_auth gong_upstream
    flow_service_proto rpc_status_proto health_proto
    gRPC::grpc++ gRPC::grpc++_reflection
    $<$<CONFIG:Debug>:some debug lib>
  PRIVATE ${EXTRA_LIBS} absl::flat_hash_set)
EOF
  put server/observability/metered_gong_client.h <<'EOF'
#pragma once
#include "api/status_mapping.h"
#include "upstream/gong_client.h"
#include "quota/quota_steward.h"
#include <prometheus/counter.h>
EOF
  put server/observability/CMakeLists.txt <<'EOF'
add_library(gong_observability metered_gong_client.cc)
target_link_libraries(gong_observability PUBLIC gong_api gong_quota gong_upstream
  prometheus-cpp::core)
EOF
  put server/app/config.h <<'EOF'
#pragma once
#include "base/log.h"
EOF
  put server/app/main.cc <<'EOF'
#include <curl/curl.h>
#include "api/status_mapping.h"
#include "app/config.h"
#include "auth/tls_credentials.h"
#include "http/http_transport.h"
#include "observability/metered_gong_client.h"
EOF
  put server/app/CMakeLists.txt <<'EOF'
add_library(gong_app config.cc)
target_link_libraries(gong_app PUBLIC gong_observability gong_api gong_http CURL::libcurl)
add_executable(gong-flows-server main.cc)
target_link_libraries(gong-flows-server PRIVATE gong_app absl::flags_parse)
EOF
  put server/protos/grpc/health/v1/health.proto <<'EOF'
syntax = "proto3";
EOF
  put client/gong_flows_main.cc <<'EOF'
namespace gong::cli {
}  // namespace gong::cli
#include <grpcpp/grpcpp.h>
#include "absl/flags/flag.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "google/rpc/error_details.pb.h"
EOF
  put client/CMakeLists.txt <<'EOF'
add_executable(gong-flows gong_flows_main.cc)
target_link_libraries(gong-flows PRIVATE flow_service_proto rpc_status_proto
  gRPC::grpc++ absl::flags)
EOF
  put tests/unit/anything_test.cc <<'EOF'
namespace gong::fakes {}
namespace gong::http { namespace { } }
#include <curl/curl.h>
#include "app/config.h"
#include "http/http_transport.h"
EOF
}

# new_tree NAME: a fresh copy of the clean tree in $tree.
new_tree() {
  tree=$tmp/$1
  clean_tree
}

# expect_pass WHAT: the checker passes on $tree.
expect_pass() {
  echo "case: $1"
  local rc=0
  "$script" "$tree" >"$tmp/out" 2>&1 || rc=$?
  ((rc == 0)) || fail "$1: want exit 0, got $rc"
  grep -Eq '^layers ok: [0-9]+ files, [0-9]+ link lines checked$' "$tmp/out" ||
    fail "$1: no 'layers ok' line"
  passed=$((passed + 1))
  echo "  ok: $(cat "$tmp/out")"
}

# expect_fail WHAT PATH NEEDLE: the checker exits 1 on $tree, and one line of
# its output starts with PATH: and contains NEEDLE.
expect_fail() {
  echo "case: $1"
  local rc=0 line
  "$script" "$tree" >"$tmp/out" 2>&1 || rc=$?
  ((rc == 1)) || fail "$1: want exit 1, got $rc"
  line=$(grep -F -- "$2:" "$tmp/out" | grep -F -- "$3" | head -n1) ||
    fail "$1: no line names $2 and $3"
  passed=$((passed + 1))
  echo "  ok: $line"
}

new_tree clean
expect_pass "a clean tree passes (tests/ is not checked)"

new_tree http-gong
put server/http/x.cc <<'EOF'
#include "base/log.h"
#include "upstream/gong_client.h"
EOF
expect_fail "http includes an existing gong header" \
  server/http/x.cc:2 'includes "upstream/gong_client.h"'

new_tree gong-grpcpp
put server/upstream/y.cc <<'EOF'
#include <grpcpp/grpcpp.h>
EOF
expect_fail "gong includes <grpcpp/grpcpp.h>" server/upstream/y.cc:1 'includes "grpcpp/grpcpp.h"'

new_tree api-curl
put server/api/z.cc <<'EOF'
#include "api/status_mapping.h"

#include <curl/curl.h>
EOF
expect_fail "api includes <curl/curl.h>" server/api/z.cc:3 'includes "curl/curl.h"'

new_tree quota-app
put server/quota/q.h <<'EOF'
#pragma once
#include "app/config.h"
EOF
expect_fail "quota includes app's config.h" server/quota/q.h:2 'includes "app/config.h"'

new_tree gong-links-grpc
put server/upstream/CMakeLists.txt <<'EOF'
add_library(gong_upstream gong_client.cc)
# gRPC, on a later line of the same command
target_link_libraries(gong_upstream PUBLIC gong_http
  gRPC::grpc++)
EOF
expect_fail "gong's CMakeLists.txt links gRPC::grpc++" \
  server/upstream/CMakeLists.txt:4 'links gRPC::grpc++'

new_tree client-server-header
put server/api/status_mapping.h <<'EOF'
#pragma once
EOF
put client/main.cc <<'EOF'
#include "api/status_mapping.h"
EOF
expect_fail "the CLI includes a server header" client/main.cc:1 'includes "api/status_mapping.h"'

new_tree client-links-server
put client/CMakeLists.txt <<'EOF'
add_executable(gong-flows gong_flows_main.cc)
target_link_libraries(gong-flows PRIVATE flow_service_proto gong_api)
EOF
expect_fail "the CLI links a server library" client/CMakeLists.txt:2 'links gong_api'

new_tree gong-generated-proto
put server/upstream/w.cc <<'EOF'
#include "upstream/gong_client.h"
#include "gong/flows/v1/flow_service.pb.h"
EOF
expect_fail "a generated gong/flows/v1 proto in server/upstream counts as gRPC-API" \
  server/upstream/w.cc:2 'includes "gong/flows/v1/flow_service.pb.h"'

new_tree api-generated-proto
put server/api/w.cc <<'EOF'
#include "upstream/gong_client.h"
#include "gong/flows/v1/flow_service.pb.h"
EOF
expect_pass "the same generated proto in server/api passes"

new_tree loose-file
put server/foo.cc <<'EOF'
int foo() { return 0; }
EOF
expect_fail "a loose server/foo.cc is outside any layer" server/foo.cc:1 'loose file outside any layer'

new_tree root-namespace
put server/quota/r.h <<'EOF'
#pragma once
namespace gong {
}  // namespace gong
EOF
expect_fail "a layer's file declares into gong:: itself" server/quota/r.h:2 \
  'namespace gong: a file of quota declares into gong::quota'

new_tree other-layers-namespace
put server/quota/s.cc <<'EOF'
namespace gong::api {
}  // namespace gong::api
EOF
expect_fail "quota declares into api's namespace" server/quota/s.cc:1 'namespace gong::api'

new_tree nested-namespace
put server/api/t.cc <<'EOF'
namespace gong::api {
namespace helpers {
}  // namespace helpers
}  // namespace gong::api
EOF
expect_fail "a nested namespace other than internal" server/api/t.cc:2 'namespace helpers'

new_tree internal-use
put server/api/v.cc <<'EOF'
namespace gong::api {
int Use() { return quota::internal::Helper(); }  // api::internal::X would be fine
}  // namespace gong::api
EOF
expect_fail "api uses quota's internal namespace" server/api/v.cc:2 'uses quota::internal'

new_tree cli-namespace
put client/u.cc <<'EOF'
namespace gong_flows_cli {
}
EOF
expect_fail "the CLI declares outside gong::cli" client/u.cc:1 \
  'namespace gong_flows_cli: a file of the CLI declares into gong::cli'

new_tree testing-namespace
put tests/fakes/fake_thing.h <<'EOF'
namespace gong::testing {
}  // namespace gong::testing
EOF
expect_fail "a test helper in a namespace testing" tests/fakes/fake_thing.h:1 \
  'hides GoogleTest'

echo "$passed passed, 0 failed"
