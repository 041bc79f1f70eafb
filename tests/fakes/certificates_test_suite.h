// A gtest suite whose tests share one set of test certificates
// (test_certificates.h), made once per test process in a directory of its
// own (ctest -j runs each test in a process of its own) and removed after.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "fakes/test_certificates.h"
#include "gtest/gtest.h"

namespace gong::fakes {

class CertificatesTestSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::path(::testing::TempDir()) /
                                     absl::StrCat("test_certificates_", getpid()));
    std::filesystem::remove_all(*dir_);
    const std::string failure = MakeTestCertificates(*dir_);
    ASSERT_TRUE(failure.empty()) << failure;
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }

  // The path of the certificates' file `name` ("ca.crt"), and its text.
  static std::string File(const std::string& name) { return (*dir_ / name).string(); }
  static std::string Pem(const std::string& name) {
    std::ifstream in(*dir_ / name);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  inline static std::filesystem::path* dir_ = nullptr;
};

}  // namespace gong::fakes
