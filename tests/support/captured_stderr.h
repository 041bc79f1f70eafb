// What code under test writes to stderr, where the facade's JSON log lines
// and the sandbox's request lines go: the text, and the text as JSON lines.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace gong::support {

// Runs `run` with stderr (the file descriptor, so writes that bypass stdio
// count too) sent to a file, and returns what it wrote there.
template <typename Run>
std::string StderrOf(Run run) {
  std::string path = ::testing::TempDir() + "stderr.XXXXXX";
  const int file = mkstemp(path.data());
  EXPECT_GE(file, 0) << path;
  unlink(path.c_str());
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  dup2(file, STDERR_FILENO);
  run();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::string written;
  char buffer[4096];
  lseek(file, 0, SEEK_SET);
  for (ssize_t n; (n = read(file, buffer, sizeof buffer)) > 0;) written.append(buffer, n);
  close(file);
  return written;
}

// Each line of `text`, parsed; a line that is not a JSON object fails the
// test (and stands as a discarded value).
inline std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(nlohmann::json::parse(text.substr(start, end - start), nullptr,
                                          /*allow_exceptions=*/false));
    EXPECT_TRUE(lines.back().is_object()) << text.substr(start, end - start);
  }
  return lines;
}

}  // namespace gong::support
