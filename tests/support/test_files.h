// Files for tests of what the server reads from disk (the caller tokens
// file, Gong's credentials directory): a fresh directory of the test's own,
// files written whole, and a Secret laid out the way the kubelet mounts it.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace gong::support {

// An empty directory under the test temp dir, named after `prefix`, this
// process (ctest -j runs tests side by side) and the running test.
inline std::filesystem::path FreshTestDir(absl::string_view prefix) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) /
      absl::StrCat(prefix, "_", getpid(), "_",
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Writes `text` as the whole of `path`.
inline void WriteFile(const std::filesystem::path& path, absl::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// Publishes `files` in `dir` as the kubelet updates a mounted Secret:
// `version`/ (such as "..2026_x") holds the files, each file name links into
// ..data once, and a new ..data link is renamed over the old one, so the
// switch to the new version is one atomic step.
inline void PublishAsKubelet(
    const std::filesystem::path& dir, const std::string& version,
    const std::vector<std::pair<std::string, std::string>>& files) {
  namespace fs = std::filesystem;
  fs::create_directory(dir / version);
  for (const auto& [name, text] : files) {
    WriteFile(dir / version / name, text);
    if (!fs::is_symlink(dir / name)) {
      fs::create_symlink(fs::path("..data") / name, dir / name);
    }
  }
  fs::create_directory_symlink(version, dir / "..data_tmp");
  fs::rename(dir / "..data_tmp", dir / "..data");
}

}  // namespace gong::support
