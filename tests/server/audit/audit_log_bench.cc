// Measures AuditLog::Append throughput with fsync on: P producer threads each
// append a record and wait for its durable callback before the next, as a
// request handler does. Built with the tests, not run by ctest.
//
//   audit_log_bench [--dir DIR] [--records N] [--producers 1,16,64] [--disabled]
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <semaphore>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kms/server/audit/audit_log.h"
#include "kms/server/crypto/ciphertext_blob.h"

namespace kms::audit {
namespace {

struct BenchOptions {
  std::string dir;
  int records = 20000;
  std::vector<int> producers = {1, 16, 64};
  bool disabled = false;
};

// A GenerateDataKey record of realistic size (about 1.3 KB).
CloudTrailEvent SampleEvent(EpochMillis now) {
  CloudTrailEvent e;
  e.event_name = "GenerateDataKey";
  e.region = "us-east-1";
  e.event_time = now;
  e.principal.type = PrincipalType::kAssumedRole;
  e.principal.account = "111122223333";
  e.principal.arn = "arn:aws:sts::111122223333:assumed-role/DbAdmin/dbadmin";
  e.principal.principal_arn = "arn:aws:iam::111122223333:role/DbAdmin";
  e.principal.principal_id = "AROAEXAMPLE:dbadmin";
  e.principal.user_name = "DbAdmin";
  e.principal.session_name = "dbadmin";
  e.access_key_id = "ASIAEXAMPLE";
  e.invoked_by = "rds.amazonaws.com";
  const std::string arn =
      "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  e.request_parameters = R"({"keyId":")" + arn +
                         R"(","keySpec":"AES_256",)"
                         R"("encryptionContext":{"aws:rds:db-id":"db-CQYSMDPBRZ7BPMH7Y3RTDG5QY"}})";
  e.additional_event_data =
      R"({"keyMaterialId":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})";
  e.request_id = NewUuid();
  e.event_id = NewTimeOrderedUuid(SystemClock::Get().NowMillis());
  e.read_only = true;
  e.resource_arns = {arn};
  e.recipient_account_id = "111122223333";
  return e;
}

double RunOnce(const BenchOptions& bench, int producers, const std::string& dir) {
  AuditOptions options;
  options.enabled = !bench.disabled;
  options.directory = dir;
  options.hmac_key = SecretBytes(32);
  StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(options);
  if (!log) {
    std::fprintf(stderr, "open: %s\n", log.error().ToString().c_str());
    std::exit(1);
  }
  const CloudTrailEvent sample = SampleEvent(SystemClock::Get().NowMillis());
  const int per_producer = bench.records / producers;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&] {
      std::binary_semaphore durable(0);
      for (int i = 0; i < per_producer; ++i) {
        CloudTrailEvent event = sample;
        event.event_id = NewTimeOrderedUuid(SystemClock::Get().NowMillis());
        (*log)->Append(*MakeAuditEntry(event), [&](Status status) {
          if (!status.ok()) std::fprintf(stderr, "append: %s\n", status.ToString().c_str());
          durable.release();
        });
        durable.acquire();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return per_producer * producers / seconds;
}

BenchOptions ParseArgs(int argc, char** argv) {
  BenchOptions bench;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--dir" && i + 1 < argc)
      bench.dir = argv[++i];
    else if (arg == "--records" && i + 1 < argc)
      bench.records = std::stoi(argv[++i]);
    else if (arg == "--disabled")
      bench.disabled = true;
    else if (arg == "--producers" && i + 1 < argc) {
      bench.producers.clear();
      std::stringstream list(argv[++i]);
      for (std::string n; std::getline(list, n, ',');) bench.producers.push_back(std::stoi(n));
    } else {
      std::fprintf(stderr,
                   "usage: %s [--dir DIR] [--records N] [--producers 1,16,64] [--disabled]\n",
                   argv[0]);
      std::exit(2);
    }
  }
  if (bench.dir.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "kms-audit-bench-XXXXXX").string();
    bench.dir = mkdtemp(pattern.data());
  }
  return bench;
}

}  // namespace
}  // namespace kms::audit

int main(int argc, char** argv) {
  using namespace kms::audit;
  const BenchOptions bench = ParseArgs(argc, argv);
  std::printf("audit log %s, %d records per run, data in %s\n",
              bench.disabled ? "disabled" : "enabled (fsync on)", bench.records, bench.dir.c_str());
  for (const int producers : bench.producers) {
    const std::string dir = bench.dir + "/p" + std::to_string(producers);
    std::filesystem::remove_all(dir);
    const double rate = RunOnce(bench, producers, dir);
    std::printf("producers %3d: %10.0f appends/s\n", producers, rate);
    std::filesystem::remove_all(dir);
  }
  return 0;
}
