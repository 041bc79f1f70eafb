// Where RestGongClient gets Gong's credentials for each request: a fixed
// set (the environment's), or a directory that is re-read when it changes
// (credentials_directory.h). Each set in force has a generation, so that a
// request Gong refused with 401 can tell whether it was sent with
// credentials that have since been replaced.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "upstream/credentials.h"

namespace gong::upstream {

// The credentials in force at one moment. `generation` grows by one each
// time the credentials change, and only then.
struct CredentialsSnapshot {
  std::shared_ptr<const GongCredentials> credentials;
  uint64_t generation = 0;
};

class CredentialsSource {
 public:
  virtual ~CredentialsSource() = default;

  // The credentials for a request about to be sent. A source that watches
  // files may first look at them (cheaply, and at most once a recheck
  // interval). Thread-safe.
  virtual CredentialsSnapshot Current() = 0;

  // Looks for new credentials at once, whatever the recheck interval (Gong
  // has just refused the ones in force), and returns those in force after.
  // Thread-safe.
  virtual CredentialsSnapshot ReloadNow() = 0;
};

// The environment's credentials: read once, never change.
class FixedCredentials final : public CredentialsSource {
 public:
  explicit FixedCredentials(GongCredentials credentials)
      : snapshot_{std::make_shared<const GongCredentials>(std::move(credentials)), 1} {}

  CredentialsSnapshot Current() override { return snapshot_; }
  CredentialsSnapshot ReloadNow() override { return snapshot_; }

 private:
  const CredentialsSnapshot snapshot_;
};

}  // namespace gong::upstream
