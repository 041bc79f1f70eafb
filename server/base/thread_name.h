// Names the calling thread as `top -H`, perf and /proc/<pid>/task/*/comm
// show it (at most 15 bytes; longer names are cut), so that a profile says
// which of the facade's own threads did the work: otherwise they all bear
// the binary's name.
#pragma once

#include "absl/strings/string_view.h"

namespace gong::base {

void NameThisThread(absl::string_view name);

}  // namespace gong::base
