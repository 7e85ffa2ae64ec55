#include "kms/server/audit/audit_log.h"

#include "lmdb_audit_log.h"

namespace kms::audit {
namespace {

// AuditOptions::enabled == false: nothing is stored.
class DisabledAuditLog final : public AuditLog {
 public:
  void Append(AuditEntry, DurableCallback on_durable) override { on_durable(OkStatus()); }
  bool Stores() const override { return false; }
  Status AppendInTransaction(lmdb::Txn&, std::span<const AuditEntry>) override {
    return OkStatus();
  }
  Status Flush() override { return OkStatus(); }
  StatusOr<LookupEventsResult> LookupEvents(const LookupScope&, const LookupEventsQuery& query,
                                            EpochMillis) const override {
    KMS_RETURN_IF_ERROR(ValidateLookupEventsQuery(query));
    if (!query.next_token.empty()) return Error(Code::kInvalidNextToken, "NextToken is not valid.");
    return LookupEventsResult();
  }
  StatusOr<VerifyReport> Verify() const override { return VerifyReport(); }
  StatusOr<uint64_t> ReadRecords(uint64_t after, size_t, const RecordVisitor&) const override {
    return after;
  }
  StatusOr<uint64_t> LastSequence() const override { return 0; }
  Status Prune(EpochMillis) override { return OkStatus(); }
  StatusOr<ExportReport> ExportCloudTrailFiles(const ExportOptions&) const override {
    return ExportReport();
  }
};

}  // namespace

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const AuditOptions& options) {
  if (!options.enabled) return std::make_unique<DisabledAuditLog>();
  return LmdbAuditLog::Open(options, options.read_only);
}

StatusOr<std::string> AuditLog::HandleLookupEvents(std::string_view request_json,
                                                   const LookupScope& scope,
                                                   EpochMillis now) const {
  KMS_ASSIGN_OR_RETURN(LookupEventsQuery query, ParseLookupEventsRequest(request_json));
  KMS_ASSIGN_OR_RETURN(LookupEventsResult result, LookupEvents(scope, query, now));
  return SerializeLookupEventsResponse(result);
}

StatusOr<VerifyReport> RunAuditVerify(const AuditOptions& options) {
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<AuditLog> log,
                       LmdbAuditLog::Open(options, /*read_only=*/true));
  return log->Verify();
}

StatusOr<ExportReport> RunAuditExport(const AuditOptions& options,
                                      const ExportOptions& export_options) {
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<AuditLog> log,
                       LmdbAuditLog::Open(options, /*read_only=*/true));
  return log->ExportCloudTrailFiles(export_options);
}

}  // namespace kms::audit
