// Fuzz target for `kmsd policy test`'s case file reader (YAML through
// yaml-cpp, inline policies as JSON): any input is read or refused with a
// validation error naming where, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kms/server/tools/policy_test.h"

namespace {

const kms::config::ServerConfig& TestConfig() {
  static const kms::config::ServerConfig* config = [] {
    auto parsed = kms::config::ParseConfig(R"({"accounts": [{"id": "111122223333",
        "users": [{"name": "alice", "user_id": "AIDAKMSDALICE0000001",
                   "access_key_id": "AKIAKMSD0ALICE000001",
                   "secret_access_key": "kmsdAliceSecretKey000000000000000000001"}]}]})");
    KMS_CHECK(parsed.has_value());
    return new kms::config::ServerConfig(*parsed);
  }();
  return *config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // No directory: a policy_file names nothing that exists.
  const kms::Status read =
      kms::tools::CheckPolicyTestFile(text, "/nonexistent/case.yaml", TestConfig());
  KMS_CHECK(read.ok() || read.code() == kms::Code::kValidation);
  return 0;
}
