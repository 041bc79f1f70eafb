#include "http/ca_bundle.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace gong::http {

absl::Status CheckCaBundle(const std::string& path) {
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(path, ignored)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the file \"", path, "\""));
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> file(BIO_new_file(path.c_str(), "r"),
                                                 &BIO_free);
  if (file == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the file \"", path, "\""));
  }
  // Every PEM object of the file, as OpenSSL reads a CA bundle; what is
  // not PEM between them is skipped, as OpenSSL skips it too.
  STACK_OF(X509_INFO)* objects =
      PEM_X509_INFO_read_bio(file.get(), nullptr, nullptr, nullptr);
  ERR_clear_error();
  int certificates = 0;
  if (objects != nullptr) {
    for (int i = 0; i < sk_X509_INFO_num(objects); ++i) {
      certificates += sk_X509_INFO_value(objects, i)->x509 != nullptr;
    }
    sk_X509_INFO_pop_free(objects, X509_INFO_free);
  }
  if (certificates == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", path, "\" holds no PEM certificate"));
  }
  return absl::OkStatus();
}

}  // namespace gong::http
