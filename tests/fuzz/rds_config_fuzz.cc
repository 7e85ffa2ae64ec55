// Fuzz target for rds-volume's settings files (client/cli_config.h): each
// input is parsed both as the client config file and as an INI file
// (~/.aws/credentials, ~/.aws/config). A config that parses has the service
// principal's keys and a service name, and written back as JSON it parses to
// the same config. An INI file's section names, keys and values are trimmed
// single lines, and written back as INI they parse to the same sections.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "client/cli_config.h"
#include "kms/json/writer.h"

namespace {

using kms::rds::cli::ClientConfig;
using kms::rds::cli::Ini;

constexpr std::string_view kBlank = " \t\r";

std::string WriteConfig(const ClientConfig& config) {
  kms::json::Writer out;
  out.StartObject()
      .Key("service_principal")
      .StartObject()
      .Field("service", config.service_name + ".amazonaws.com")
      .Field("access_key_id", config.service.access_key_id)
      .Field("secret_access_key", config.service.secret_access_key)
      .EndObject();
  if (config.endpoint_url) out.Field("endpoint_url", *config.endpoint_url);
  return out.EndObject().Take();
}

bool SameConfig(const ClientConfig& a, const ClientConfig& b) {
  return a.service.access_key_id == b.service.access_key_id &&
         a.service.secret_access_key == b.service.secret_access_key &&
         a.service.session_token == b.service.session_token && a.service_name == b.service_name &&
         a.endpoint_url == b.endpoint_url;
}

void CheckConfig(std::string_view text) {
  const kms::StatusOr<ClientConfig> config = kms::rds::cli::ParseClientConfig(text);
  if (!config) return;
  KMS_CHECK(!config->service.empty());
  KMS_CHECK(config->service.session_token.empty());
  KMS_CHECK(!config->service_name.empty());
  KMS_CHECK(!config->endpoint_url || !config->endpoint_url->empty());
  const kms::StatusOr<ClientConfig> again = kms::rds::cli::ParseClientConfig(WriteConfig(*config));
  KMS_CHECK(again.has_value());
  KMS_CHECK(SameConfig(*again, *config));
}

// One line, without the blanks ParseIni trims.
bool IsTrimmedLine(std::string_view text) {
  return text.find('\n') == std::string_view::npos &&
         (text.empty() || (kBlank.find(text.front()) == std::string_view::npos &&
                           kBlank.find(text.back()) == std::string_view::npos));
}

std::string WriteIni(const Ini& ini) {
  std::string out;
  for (const auto& [section, entries] : ini) {
    out += "[" + section + "]\n";
    for (const auto& [key, value] : entries) out += key + " = " + value + "\n";
  }
  return out;
}

void CheckIni(std::string_view text) {
  const Ini ini = kms::rds::cli::ParseIni(text);
  for (const auto& [section, entries] : ini) {
    KMS_CHECK(IsTrimmedLine(section));
    KMS_CHECK(!section.empty() || entries.empty());
    for (const auto& [key, value] : entries) {
      KMS_CHECK(IsTrimmedLine(key) && IsTrimmedLine(value));
      KMS_CHECK(key.find('=') == std::string::npos);
      KMS_CHECK(key.empty() || (key.front() != '#' && key.front() != ';'));
    }
  }
  KMS_CHECK(kms::rds::cli::ParseIni(WriteIni(ini)) == ini);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckConfig(text);
  CheckIni(text);
  return 0;
}
