// What the Gong codecs' tests share: JSON text as a value to compare with,
// failing the test (not throwing) when the text is not JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "gtest/gtest.h"

namespace gong::support {

inline nlohmann::json ParseOrFail(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(json.is_discarded()) << "not JSON: " << text;
  return json;
}

}  // namespace gong::support
