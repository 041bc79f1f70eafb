// gong-flows-server's flags, each declared once in flags.cc: from that one
// declaration come its GONG_FLOWS_* variable (env_flags.h), its FacadeConfig
// field (ConfigFromFlags) and its field of the start-up log line
// (DescribeConfig). tests/app/flags_test.cc checks every flag for all three.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "app/config.h"
#include "base/log.h"

namespace gong::app {

// Whether abseil's `filename` (where a flag is declared) is flags.cc: the
// server's flags are told from those of the libraries it links this way, for
// the GONG_FLOWS_* variables and for --help.
bool IsServerFlagsFile(absl::string_view filename);

// The names of the server's flags, from abseil's registry.
std::vector<std::string> ServerFlagNames();

// The flags' current values in a FacadeConfig; options no flag sets keep
// FacadeConfig's defaults.
FacadeConfig ConfigFromFlags();

// The effective configuration for the start-up and stop log lines: the
// listening ports, Gong's auth scheme, whether TLS and mutual TLS are on,
// then each flag under its own name. Never a secret: credentials are not in
// a FacadeConfig, and no flag carries one (a flag names a file, never its
// contents).
base::LogFields DescribeConfig(const FacadeConfig& config, absl::string_view auth_scheme,
                               int port, int metrics_port);

}  // namespace gong::app
