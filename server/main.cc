// kmsd: wiring only. command line -> config -> store -> services -> endpoint
// -> listener. The commands and options: kms/server/config/command_line.h.
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/version.hpp>
#include <lmdb.h>

#include "kms/server/api/endpoint.h"
#include "kms/server/audit/audit_log.h"
#include "kms/server/auth/authenticator.h"
#include "kms/server/config/command_line.h"
#include "kms/server/config/config.h"
#include "kms/server/crypto/tls_certificate.h"
#include "kms/server/http/http_server.h"
#include "kms/server/keys/grant_authority.h"
#include "kms/server/keys/key_service.h"
#include "kms/server/keys/services.h"
#include "kms/server/log/log.h"
#include "kms/server/metrics/metrics.h"
#include "kms/server/policy/policy.h"
#include "kms/server/seed/seed_loader.h"
#include "kms/server/seed/yaml_field.h"
#include "kms/server/store/data_dir_lock.h"
#include "kms/server/store/state_environment.h"
#include "kms/server/tools/audit_report.h"
#include "kms/server/tools/audit_tail.h"
#include "kms/server/tools/policy_diff.h"
#include "kms/server/tools/policy_lint.h"
#include "kms/server/tools/policy_test.h"

namespace kms {
namespace {

// A clock shifted by KMSD_TEST_CLOCK_OFFSET_SECONDS, so tests can see key
// deletion and rotation happen without waiting days. SigV4 checks always
// use the real clock.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(EpochMillis offset) : offset_(offset) {}
  EpochMillis NowMillis() const override { return SystemClock::Get().NowMillis() + offset_; }

 private:
  EpochMillis offset_;
};

// The versions kmsd was built with (and, for OpenSSL, runs with).
void PrintVersion() {
  std::printf("kmsd %s\n", KMSD_VERSION);
  std::printf("OpenSSL %s (built with %s)\n", crypto::OpenSslRuntimeVersion().c_str(),
              crypto::OpenSslBuildVersion().c_str());
  std::printf("LMDB %d.%d.%d\n", MDB_VERSION_MAJOR, MDB_VERSION_MINOR, MDB_VERSION_PATCH);
  std::printf("Boost %d.%d.%d\n", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
              BOOST_VERSION % 100);
}

// A command line is not a KMS client: the message alone, not an AWS error type.
// Exit status 1, or `exit_code` (2 for what the user gave wrong).
int Fail(const Status& status, int exit_code = 1) {
  std::fprintf(stderr, "kmsd: %s\n", status.message().c_str());
  return exit_code;
}

// The account of the key the policy tools evaluate: --account, else the
// config's first.
std::string KeyAccount(const config::ServerConfig& config, const config::CommandLine& line) {
  return line.account.value_or(config.accounts.empty() ? "111122223333" : config.accounts.front());
}

// The state environment holds the keys and the audit log: room for both.
size_t StateMapSize(const config::ServerConfig& config) {
  return static_cast<size_t>(config.map_size_mb + config.audit_map_size_mb) << 20;
}

size_t MaxStateMapSize(const config::ServerConfig& config) {
  return std::max(StateMapSize(config), static_cast<size_t>(config.max_map_size_mb) << 20);
}

audit::AuditOptions AuditOptionsFor(const config::ServerConfig& config,
                                    const keys::RootKey& root_key) {
  audit::AuditOptions options;
  options.enabled = config.audit_enabled;
  options.directory = store::StateDirectory(config.data_dir);
  options.map_size = StateMapSize(config);
  options.hmac_key = root_key.Derive("kmsd audit log v1");
  options.retention.max_age_days = config.audit_max_age_days;
  options.retention.max_records = config.audit_max_records;
  return options;
}

// kmsd audit tail: 0, or 1 when the log cannot be read; 2 for a wrong filter.
int RunAuditTail(const audit::AuditLog& log, const config::CommandLine& line) {
  auto filter = tools::RecordFilter::Parse(line.filters);
  if (!filter) return Fail(filter.error(), 2);
  tools::TailOptions options;
  options.lines = line.lines.value_or(options.lines);
  options.follow = line.follow;
  options.filter = *std::move(filter);
  Status tailed = tools::RunAuditTail(log, options, std::cout, [] { return true; });
  return tailed.ok() ? 0 : Fail(tailed);
}

// kmsd audit report: 0 when the page is written, 2 for a wrong time bound.
int RunAuditReport(const audit::AuditLog& log, const config::CommandLine& line) {
  const EpochMillis now = SystemClock::Get().NowMillis();
  tools::ReportOptions options;
  options.account = line.account;
  for (auto [given, bound, name] : {std::tuple(&line.since, &options.since, "--since"),
                                    std::tuple(&line.until, &options.until, "--until")}) {
    if (!*given) continue;
    auto time = tools::ParseTimeBound(**given, name, now);
    if (!time) return Fail(time.error(), 2);
    *bound = *time;
  }
  auto page = tools::BuildAuditReport(log, options, now);
  if (!page) return Fail(page.error());
  std::ofstream out(*line.out_dir, std::ios::binary | std::ios::trunc);
  out << *page;
  if (!out.flush()) {
    std::fprintf(stderr, "kmsd: cannot write %s\n", line.out_dir->c_str());
    return 1;
  }
  std::printf("wrote %s (%zu bytes)\n", line.out_dir->c_str(), page->size());
  return 0;
}

int RunAudit(const config::ServerConfig& config, const config::CommandLine& line) {
  // Reading makes nothing: no root key where kmsd never ran.
  auto root_key = keys::RootKey::Load(config.data_dir + "/root.key");
  if (!root_key) return Fail(root_key.error());
  audit::AuditOptions options = AuditOptionsFor(config, **root_key);
  options.read_only = true;
  options.directory = store::AuditDirectoryToRead(config.data_dir);
  if (line.command == config::Command::kAuditTail ||
      line.command == config::Command::kAuditReport) {
    auto log = audit::AuditLog::Open(options);
    if (!log) return Fail(log.error());
    return line.command == config::Command::kAuditTail ? RunAuditTail(**log, line)
                                                       : RunAuditReport(**log, line);
  }
  if (line.command == config::Command::kAuditVerify) {
    auto report = audit::RunAuditVerify(options);
    if (!report) return Fail(report.error());
    std::printf("%s", report->ToString().c_str());
    return report->ok ? 0 : 3;
  }
  audit::ExportOptions export_options;
  export_options.out_dir = line.out_dir.value_or("");
  auto report = audit::RunAuditExport(options, export_options);
  if (!report) return Fail(report.error());
  std::printf("%s", report->ToString().c_str());
  return 0;
}

// Creates what the seed file has and the store does not (before serving, and
// before the first maintenance sweep rotates seeded keys that are due).
Status ApplySeedFile(const config::ServerConfig& config, keys::KeyService& keys, KeyStore& store,
                     const seed::SeedRecorder& record) {
  seed::SeedDefaults defaults;
  defaults.account = config.seed_account.empty() && !config.accounts.empty()
                         ? config.accounts.front()
                         : config.seed_account;
  defaults.region = config.seed_region;
  KMS_ASSIGN_OR_RETURN(seed::Seed seed, seed::LoadSeedFile(config.seed_file, defaults));
  KMS_ASSIGN_OR_RETURN(seed::SeedResult result,
                       seed::ApplySeed(seed, keys, store, config.accounts, record));
  for (const std::string& note : result.notes) log::Info("seed: " + note);
  log::Info("seed " + config.seed_file + ": " + std::to_string(result.keys_created) + " keys, " +
                std::to_string(result.aliases_created) + " aliases and " +
                std::to_string(result.grants_created) + " grants created; " +
                std::to_string(result.keys_kept) + " keys and " +
                std::to_string(result.aliases_kept) + " aliases were there already",
            {{"seed_file", config.seed_file}});
  return OkStatus();
}

// Runs key maintenance (deletions after their window, due rotations) once
// before serving, so that no call sees work that was already due at start-up,
// and then every `period` until stopped.
class Maintenance {
 public:
  Maintenance(keys::KeyService& keys, keys::KeyService::MaintenanceRecorder record,
              std::chrono::seconds period)
      : record_(std::move(record)) {
    Sweep(keys);
    thread_ = std::thread([this, &keys, period] { Run(keys, period); });
  }
  ~Maintenance() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Run(keys::KeyService& keys, std::chrono::seconds period) {
    pthread_setname_np(pthread_self(), "kmsd-maint");
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, period, [this] { return stop_; })) {
      lock.unlock();
      Sweep(keys);
      lock.lock();
    }
  }

  void Sweep(keys::KeyService& keys) const {
    auto changed = keys.RunMaintenance(record_);
    if (!changed) log::Error("key maintenance: " + changed.error().ToString());
  }

  const keys::KeyService::MaintenanceRecorder record_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Lets the process hold max_connections sockets plus its own files (LMDB,
// the refusal slack): raises the soft RLIMIT_NOFILE up to the hard one.
void RaiseOpenFileLimit(size_t max_connections) {
  const rlim_t wanted = static_cast<rlim_t>(max_connections) + 256;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  setrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < wanted) {
    std::fprintf(
        stderr,
        "kmsd: the open-file limit (%llu) is below max_connections + 256; past it, accepts pause "
        "until connections close\n",
        static_cast<unsigned long long>(limit.rlim_cur));
  }
}

// The metrics read at each scrape: connections, keys, grants, the audit
// log's, and the process's CPU and memory.
void AddServerMetrics(metrics::Registry& metrics, KeyStore& store, const audit::AuditLog& audit,
                      const http::Server& server, const http::Server* tls_server) {
  metrics.AddValue(
      "kmsd_connections", "Open client connections (HTTP and HTTPS).", [&server, tls_server] {
        return static_cast<double>(server.open_connections() +
                                   (tls_server != nullptr ? tls_server->open_connections() : 0));
      });
  const auto count = [&store](uint64_t KeyStore::Counts::*field) {
    return [&store, field] {
      StatusOr<KeyStore::Counts> counts = store.Count();
      return counts ? static_cast<double>((*counts).*field) : -1.0;
    };
  };
  metrics.AddValue("kmsd_keys", "KMS keys stored, in every account and region.",
                   count(&KeyStore::Counts::keys));
  metrics.AddValue("kmsd_aliases", "Aliases stored.", count(&KeyStore::Counts::aliases));
  metrics.AddValue("kmsd_grants", "Grants stored.", count(&KeyStore::Counts::grants));
  audit.AddMetrics(metrics);
  metrics.AddValue("process_cpu_seconds_total", "User and system CPU time spent, in seconds.",
                   metrics::ProcessCpuSeconds, /*counter=*/true);
  metrics.AddValue("process_resident_memory_bytes", "Resident memory size in bytes.",
                   metrics::ProcessResidentBytes);
}

// Writes `port` to `path` (through a temporary file, so readers never see
// half of it).
void WritePortFile(const std::string& path, uint16_t port) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::rename(tmp.c_str(), path.c_str());
}

// The HTTPS server's options: `plain`'s, on the TLS port, with the configured
// certificate, or with a self-signed one made (once) in <data_dir>/tls/.
StatusOr<http::ServerOptions> TlsOptions(const config::ServerConfig& config,
                                         const http::ServerOptions& plain) {
  http::ServerOptions options = plain;
  options.port = *config.tls_port;
  options.tls_certificate_file = config.tls_certificate;
  options.tls_private_key_file = config.tls_private_key;
  if (!options.tls_certificate_file.empty()) return options;
  const std::string directory = config.data_dir + "/tls";
  options.tls_certificate_file = directory + "/cert.pem";
  options.tls_private_key_file = directory + "/key.pem";
  std::error_code ec;
  if (std::filesystem::exists(options.tls_certificate_file, ec) &&
      std::filesystem::exists(options.tls_private_key_file, ec)) {
    return options;
  }
  std::filesystem::create_directories(directory, ec);
  if (ec) return Error(Code::kInternal, "cannot create " + directory + ": " + ec.message());
  KMS_RETURN_IF_ERROR(crypto::WriteSelfSignedCertificate(options.tls_certificate_file,
                                                         options.tls_private_key_file));
  log::Info("made a self-signed TLS certificate for localhost and 127.0.0.1: " +
                options.tls_certificate_file + " (clients trust it with --ca-bundle " +
                options.tls_certificate_file + ", or boto3's verify=)",
            {{"certificate", options.tls_certificate_file}});
  return options;
}

int Serve(const config::ServerConfig& config, const config::CommandLine& line) {
  // Signals go to sigwait below, not to whichever thread happens to run.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  EpochMillis offset = 0;
  if (const char* env = std::getenv("KMSD_TEST_CLOCK_OFFSET_SECONDS"))
    offset = std::atoll(env) * 1000;
  OffsetClock clock(offset);

  // One server per data directory; held until the process ends.
  auto data_dir_lock = store::DataDirLock::Acquire(config.data_dir);
  if (!data_dir_lock) return Fail(data_dir_lock.error());
  // A change and its record commit together: one environment holds both.
  auto state =
      store::OpenStateEnvironment(config.data_dir, StateMapSize(config), MaxStateMapSize(config));
  if (!state) return Fail(state.error());
  auto store = OpenLmdbKeyStore({.env = *state});
  if (!store) return Fail(store.error());
  auto root_key = keys::RootKey::LoadOrCreate(config.data_dir + "/root.key");
  if (!root_key) return Fail(root_key.error());
  audit::AuditOptions audit_options = AuditOptionsFor(config, **root_key);
  audit_options.env = *state;
  auto audit_log = audit::AuditLog::Open(audit_options);
  if (!audit_log) return Fail(audit_log.error());
  keys::KeyService key_service(**store, std::move(*root_key), clock, keys::AwsManagedKeyTemplates(),
                               config.accounts);
  auto access = keys::Access::Create(config, **store);
  if (!access) return Fail(access.error());
  const grants::TokenCodec grant_tokens(key_service.root_key().Derive("kmsd grant tokens v1"));
  keys::StoredGrantAuthority grant_authority(**store, grant_tokens);
  (*access)->set_grant_authority(&grant_authority);
  keys::Services operations(
      keys::ServiceDeps{key_service, **store, **access, grant_tokens, config});
  auth::Authenticator authenticator(config, SystemClock::Get());
  metrics::Registry metrics;
  api::Services services{&operations, &config, &clock, &metrics};
  std::unique_ptr<http::Handler> endpoint =
      api::NewEndpoint(services, authenticator, audit_log->get());

  http::ServerOptions options;
  options.address = config.address;
  options.port = config.port;
  options.threads = config.threads > 0
                        ? config.threads
                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.max_body_bytes = config.max_body_bytes;
  options.max_header_bytes = config.max_header_bytes;
  options.idle_timeout_seconds = config.idle_timeout_seconds;
  options.header_timeout_seconds = config.header_timeout_seconds;
  options.read_timeout_seconds = config.read_timeout_seconds;
  options.max_connections = static_cast<size_t>(config.max_connections);
  RaiseOpenFileLimit(options.max_connections);
  if (!config.seed_file.empty()) {
    Status seeded = ApplySeedFile(config, key_service, **store,
                                  api::SeedRecorder(audit_log->get(), clock, config.seed_file));
    if (!seeded.ok()) return Fail(seeded);
  }
  Maintenance maintenance(key_service, api::MaintenanceRecorder(audit_log->get(), clock),
                          std::chrono::seconds(60));
  auto server = http::StartServer(options, *endpoint);
  if (!server) return Fail(server.error());
  std::unique_ptr<http::Server> tls_server;
  if (config.tls_port) {
    auto tls_options = TlsOptions(config, options);
    if (!tls_options) return Fail(tls_options.error());
    auto started = http::StartServer(*tls_options, *endpoint);
    if (!started) return Fail(started.error());
    tls_server = std::move(*started);
  }

  AddServerMetrics(metrics, **store, **audit_log, **server, tls_server.get());

  const std::string url = "http://" + config.address + ":" + std::to_string((*server)->port());
  log::Info("listening on " + url + " (data in " + config.data_dir + ", " +
                std::to_string(options.threads) + " threads, auth " +
                (config.auth_mode == config::AuthMode::kSigV4 ? "sigv4" : "permissive") + ")",
            {{"url", url}, {"data_dir", config.data_dir}, {"version", KMSD_VERSION}});
  if (tls_server) {
    const std::string tls_url =
        "https://" + config.address + ":" + std::to_string(tls_server->port());
    log::Info("listening on " + tls_url, {{"url", tls_url}});
  }
  // The HTTP port file last: whoever waits for it then finds the HTTPS one.
  if (tls_server && line.tls_port_file) WritePortFile(*line.tls_port_file, tls_server->port());
  if (line.port_file) WritePortFile(*line.port_file, (*server)->port());

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log::Info(std::string(signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
            " received, shutting down");
  if (tls_server) tls_server->Stop();
  (*server)->Stop();
  Status flushed = (*audit_log)->Flush();
  if (!flushed.ok()) return Fail(flushed);
  return 0;
}

// kmsd policy test: 0 when every case gets its expected decision, 1 when
// one does not, 2 when the file is wrong.
int RunPolicyTest(const config::ServerConfig& config, const config::CommandLine& line) {
  auto report = tools::RunPolicyTest(line.policy_file, config);
  if (!report) return Fail(report.error(), 2);
  tools::PrintPolicyTestReport(*report, std::cout);
  if (line.junit_file) {
    std::ofstream junit(*line.junit_file, std::ios::binary | std::ios::trunc);
    junit << tools::PolicyTestJunit(*report);
    if (!junit.flush()) {
      std::fprintf(stderr, "kmsd: cannot write %s\n", line.junit_file->c_str());
      return 2;
    }
  }
  return report->failures() == 0 ? 0 : 1;
}

// kmsd policy lint: 0 when nothing is found, 1 when something is, 2 when the
// file is no key policy.
int RunPolicyLint(const config::ServerConfig& config, const config::CommandLine& line) {
  auto findings = [&]() -> StatusOr<std::vector<tools::LintFinding>> {
    KMS_ASSIGN_OR_RETURN(
        const std::string text,
        yaml::ReadTextFile(line.policy_file, policy::kMaxKeyPolicyBytes, "key policy"));
    return tools::LintKeyPolicy(text, line.policy_file, KeyAccount(config, line));
  }();
  if (!findings) return Fail(findings.error(), 2);
  std::cout << tools::FormatLintFindings(*findings);
  if (findings->empty()) std::cout << line.policy_file << ": no findings\n";
  return findings->empty() ? 0 : 1;
}

// kmsd policy diff: 0, or 1 when --fail-on-new-access and something is newly
// allowed; 2 when a file is no key policy.
int RunPolicyDiff(const config::ServerConfig& config, const config::CommandLine& line) {
  const std::string account = KeyAccount(config, line);
  auto diff = [&]() -> StatusOr<tools::PolicyDiff> {
    KMS_ASSIGN_OR_RETURN(const std::string old_policy,
                         yaml::ReadTextFile(line.policy_file, policy::kMaxKeyPolicyBytes, "OLD"));
    KMS_ASSIGN_OR_RETURN(
        const std::string new_policy,
        yaml::ReadTextFile(line.new_policy_file, policy::kMaxKeyPolicyBytes, "NEW"));
    return tools::DiffKeyPolicies(old_policy, new_policy, account, config);
  }();
  if (!diff) return Fail(diff.error(), diff.error().code() == Code::kValidation ? 2 : 1);
  std::cout << "kmsd policy diff " << line.policy_file << " " << line.new_policy_file
            << " (a key of account " << account << ")\n"
            << tools::FormatPolicyDiff(*diff);
  return line.fail_on_new_access && !diff->gains.empty() ? 1 : 0;
}

int Main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  auto line = config::ParseCommandLine(args, config::ProcessEnvironment);
  if (!line) {
    std::fprintf(stderr, "kmsd: %s\nRun 'kmsd --help' for the commands and options.\n",
                 line.error().message().c_str());
    return 2;
  }
  switch (line->command) {
    case config::Command::kHelp:
      std::printf("%s", config::HelpText(line->help_topic).c_str());
      return 0;
    case config::Command::kVersion:
      PrintVersion();
      return 0;
    default:
      break;
  }
  auto config_path = config::ResolveConfigPath(
      line->config_path, config::kInstalledConfigPath,
      [](const std::string& path) { return std::filesystem::exists(path); });
  if (!config_path) return Fail(config_path.error());
  auto config = config::LoadConfig(*config_path);
  if (!config) return Fail(config.error());
  if (line->command == config::Command::kPolicyTest) return RunPolicyTest(*config, *line);
  if (line->command == config::Command::kPolicyLint) return RunPolicyLint(*config, *line);
  if (line->command == config::Command::kPolicyDiff) return RunPolicyDiff(*config, *line);
  if (line->command == config::Command::kConfigCheck) {
    std::printf("%s: OK (%zu accounts, %zu access keys)\n", config_path->c_str(),
                config->accounts.size(), config->identities.size());
    return 0;
  }
  log::Configure(config->log_format, line->log_level.value_or(config->log_level));
  if (line->data_dir) config->data_dir = *line->data_dir;
  if (line->port) config->port = *line->port;
  if (line->tls_port) config->tls_port = *line->tls_port;
  if (line->seed_file) config->seed_file = *line->seed_file;
  if (line->seed_account) config->seed_account = *line->seed_account;
  if (line->seed_region) config->seed_region = *line->seed_region;
  if (line->command == config::Command::kServe) return Serve(*config, *line);
  return RunAudit(*config, *line);
}

}  // namespace
}  // namespace kms

int main(int argc, char** argv) { return kms::Main(argc, argv); }
