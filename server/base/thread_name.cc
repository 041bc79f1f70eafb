#include "base/thread_name.h"

#include <pthread.h>

#include <string>

namespace gong::base {

void NameThisThread(absl::string_view name) {
  // The kernel keeps 16 bytes with the terminating NUL.
  const std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace gong::base
