#include "cli_config.h"

#include <cstdlib>

#include "atomic_file.h"
#include "kms/json/reader.h"
#include "kms/json/writer.h"

namespace kms::rds::cli {
namespace {

constexpr std::string_view kDefaultEndpoint = "http://127.0.0.1:4599";
constexpr std::string_view kServiceSuffix = ".amazonaws.com";

std::string Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

std::string Home(const Environment& env) { return env("HOME").value_or("."); }

// The file's parsed contents, or an empty Ini when it cannot be read.
Ini ReadIni(const std::string& path) {
  auto text = ReadFile(path);
  return text ? ParseIni(*text) : Ini{};
}

std::string ProfileName(const Environment& env, const std::optional<std::string>& profile) {
  if (profile) return *profile;
  return env("AWS_PROFILE").value_or("default");
}

}  // namespace

Environment ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

Ini ParseIni(std::string_view text) {
  Ini out;
  std::string section;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string line = Trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = Trim(std::string_view(line).substr(1, line.size() - 2));
      out[section];
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    out[section][Trim(std::string_view(line).substr(0, eq))] =
        Trim(std::string_view(line).substr(eq + 1));
  }
  return out;
}

StatusOr<client::Credentials> LoadUserCredentials(const Environment& env,
                                                  const std::optional<std::string>& profile) {
  client::Credentials from_env{env("AWS_ACCESS_KEY_ID").value_or(""),
                               env("AWS_SECRET_ACCESS_KEY").value_or(""),
                               env("AWS_SESSION_TOKEN").value_or("")};
  if (!from_env.empty() && !profile) return from_env;
  const std::string path =
      env("AWS_SHARED_CREDENTIALS_FILE").value_or(Home(env) + "/.aws/credentials");
  const Ini ini = ReadIni(path);
  const std::string name = ProfileName(env, profile);
  auto section = ini.find(name);
  if (section == ini.end()) {
    if (profile || env("AWS_PROFILE")) {
      return Error(Code::kValidation, "The config profile (" + name + ") could not be found");
    }
    return client::Credentials{};
  }
  auto get = [&](const char* key) {
    auto it = section->second.find(key);
    return it == section->second.end() ? std::string() : it->second;
  };
  return client::Credentials{get("aws_access_key_id"), get("aws_secret_access_key"),
                             get("aws_session_token")};
}

std::optional<std::string> ResolveRegion(const Environment& env,
                                         const std::optional<std::string>& flag,
                                         const std::optional<std::string>& profile) {
  if (flag) return flag;
  if (auto region = env("AWS_REGION")) return region;
  if (auto region = env("AWS_DEFAULT_REGION")) return region;
  const Ini ini = ReadIni(env("AWS_CONFIG_FILE").value_or(Home(env) + "/.aws/config"));
  const std::string name = ProfileName(env, profile);
  auto section = ini.find(name == "default" ? name : "profile " + name);
  if (section == ini.end()) return std::nullopt;
  auto region = section->second.find("region");
  if (region == section->second.end() || region->second.empty()) return std::nullopt;
  return region->second;
}

StatusOr<ClientConfig> ParseClientConfig(std::string_view text) {
  rapidjson::Document document;
  KMS_RETURN_IF_ERROR(json::ParseObject(text, "rds-volume config", &document));
  const rapidjson::Value* service = json::FindObject(document, "service_principal");
  if (service == nullptr) {
    return Error(Code::kValidation, "rds-volume config: \"service_principal\" must be an object");
  }
  ClientConfig config;
  config.service.access_key_id = json::GetString(*service, "access_key_id");
  config.service.secret_access_key = json::GetString(*service, "secret_access_key");
  if (config.service.empty()) {
    return Error(Code::kValidation,
                 "rds-volume config: \"service_principal\" needs \"access_key_id\" and "
                 "\"secret_access_key\"");
  }
  const std::string name = json::GetString(*service, "service");
  if (!name.empty()) {
    if (!name.ends_with(kServiceSuffix) || name.size() == kServiceSuffix.size()) {
      return Error(Code::kValidation,
                   "rds-volume config: \"service\" must look like rds.amazonaws.com");
    }
    config.service_name = name.substr(0, name.size() - kServiceSuffix.size());
  }
  const std::string endpoint = json::GetString(document, "endpoint_url");
  if (!endpoint.empty()) config.endpoint_url = endpoint;
  return config;
}

StatusOr<std::optional<ClientConfig>> LoadClientConfig(const Environment& env,
                                                       const std::optional<std::string>& flag) {
  const std::optional<std::string> path = flag ? flag : env("RDS_VOLUME_CONFIG");
  if (!path) return std::optional<ClientConfig>();
  auto text = ReadFile(*path);
  if (!text) return Error(text.error().code(), "rds-volume config: " + text.error().message());
  auto config = ParseClientConfig(*text);
  if (!config) return Error(Code::kValidation, *path + ": " + config.error().message());
  return std::optional<ClientConfig>(std::move(*config));
}

std::string ResolveEndpoint(const Environment& env, const std::optional<std::string>& flag,
                            const std::optional<ClientConfig>& config) {
  if (flag) return *flag;
  if (auto url = env("AWS_ENDPOINT_URL_KMS")) return *url;
  if (auto url = env("AWS_ENDPOINT_URL")) return *url;
  if (config && config->endpoint_url) return *config->endpoint_url;
  return std::string(kDefaultEndpoint);
}

std::string ResolveStateDir(const Environment& env, const std::optional<std::string>& flag) {
  if (flag) return *flag;
  if (auto dir = env("RDS_VOLUME_STATE")) return *dir;
  return Home(env) + "/.rds-volume";
}

}  // namespace kms::rds::cli
