#include "offline_kms.h"

#include <stdlib.h>

#include <filesystem>

#include "kms/clock.h"
#include "kms/crypto.h"
#include "kms/server/crypto/key_material.h"
#include "kms/server/keys/access.h"
#include "kms/server/keys/key_specs.h"

namespace kms::tools {
namespace {

// Who asks for the explanations: an admin of the tool's own config only.
constexpr std::string_view kAsker = "arn:aws:iam::000000000000:user/kmsd-offline";

// A data directory of the run's own, removed when the run ends.
class ScratchDirectory {
 public:
  static StatusOr<std::unique_ptr<ScratchDirectory>> Make() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kmsd-offline-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      return Error(Code::kInternal, "cannot make a scratch directory under " +
                                        std::filesystem::temp_directory_path().string());
    return std::unique_ptr<ScratchDirectory>(new ScratchDirectory(pattern));
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace

// Declared in the order they are made; destroyed in reverse.
struct OfflineKms::Parts {
  config::ServerConfig config;
  std::unique_ptr<ScratchDirectory> scratch;
  std::unique_ptr<KeyStore> store;
  std::unique_ptr<keys::KeyService> key_service;
  std::unique_ptr<keys::Access> access;
  std::unique_ptr<grants::TokenCodec> tokens;
  std::unique_ptr<keys::StoredGrantAuthority> grant_authority;
  std::unique_ptr<keys::ExplainService> explain;
};

OfflineKms::OfflineKms(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
OfflineKms::~OfflineKms() = default;

StatusOr<std::unique_ptr<OfflineKms>> OfflineKms::Create(config::ServerConfig config) {
  auto parts = std::make_unique<Parts>();
  parts->config = std::move(config);
  parts->config.admin_principals = {std::string(kAsker)};
  KMS_ASSIGN_OR_RETURN(parts->scratch, ScratchDirectory::Make());
  KMS_ASSIGN_OR_RETURN(parts->store,
                       OpenLmdbKeyStore({parts->scratch->path(), uint64_t{64} << 20}));
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<keys::RootKey> root,
                       keys::RootKey::FromBytes(crypto::RandomSecret(32)));
  parts->key_service =
      std::make_unique<keys::KeyService>(*parts->store, std::move(root), SystemClock::Get(),
                                         keys::AwsManagedKeyTemplates(), parts->config.accounts);
  KMS_ASSIGN_OR_RETURN(parts->access, keys::Access::Create(parts->config, *parts->store));
  parts->tokens =
      std::make_unique<grants::TokenCodec>(parts->key_service->root_key().Derive("grant tokens"));
  parts->grant_authority =
      std::make_unique<keys::StoredGrantAuthority>(*parts->store, *parts->tokens);
  parts->access->set_grant_authority(parts->grant_authority.get());
  parts->explain = std::make_unique<keys::ExplainService>(keys::ServiceDeps{
      *parts->key_service, *parts->store, *parts->access, *parts->tokens, parts->config});
  return std::unique_ptr<OfflineKms>(new OfflineKms(std::move(parts)));
}

Status OfflineKms::AddKey(KeyRecord& key, const std::vector<std::string>& aliases,
                          const std::vector<GrantRecord>& grants, std::string_view where) {
  if (auto parsed = parts_->access->ParseKeyPolicy(key.policy); !parsed) {
    std::string message(where);
    message.append(": ").append(parsed.error().message());
    return Error(Code::kValidation, message);
  }
  SecretBytes material = crypto::RandomSecret(32);
  if (key.key_spec != "SYMMETRIC_DEFAULT") {
    KMS_ASSIGN_OR_RETURN(material, crypto::NewKeyMaterial(key.key_spec));
  }
  const EpochMillis now = SystemClock::Get().NowMillis();
  key.creation_date = now;
  return parts_->store->Update([&](KeyStoreTxn& txn) -> Status {
    KMS_RETURN_IF_ERROR(parts_->key_service->PutKeyWithMaterial(txn, key, std::span(&material, 1)));
    for (const std::string& alias : aliases)
      KMS_RETURN_IF_ERROR(txn.PutAlias({key.account, key.region, alias, key.key_id, now, now}));
    for (const GrantRecord& grant : grants) KMS_RETURN_IF_ERROR(txn.PutGrant(grant));
    return OkStatus();
  });
}

StatusOr<keys::Explanation> OfflineKms::Explain(const keys::ExplainRequest& request,
                                                const std::string& region) {
  auth::Caller asker;
  asker.principal.arn = std::string(kAsker);
  asker.region = region;
  keys::CallContext call{asker, {"000000000000", region}, SystemClock::Get().NowMillis(), {}};
  return parts_->explain->Explain(call, request);
}

}  // namespace kms::tools
