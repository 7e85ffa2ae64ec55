#include "kms/server/seed/seed_file.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "kms/clock.h"
#include "kms/encoding.h"
#include "kms/server/crypto/key_material.h"
#include "kms/server/keys/grants.h"
#include "kms/server/keys/key_specs.h"
#include "kms/server/policy/policy.h"
#include "kms/server/seed/yaml_field.h"
#include "kms/text.h"

namespace kms::seed {
namespace {

constexpr size_t kMaxFileBytes = size_t{16} << 20;

using yaml::Field;

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// A key id as KMS makes them: 8-4-4-4-12 lowercase hex digits, or for a
// multi-Region key "mrk-" and 32 lowercase hex digits.
bool IsKeyId(std::string_view id) {
  if (id.size() != 36) return false;
  if (IsMultiRegionKeyId(id)) return std::ranges::all_of(id.substr(4), IsLowerHex);
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !IsLowerHex(id[i])) return false;
  }
  return true;
}

bool IsRegion(std::string_view region) {
  return !region.empty() && region.size() <= 32 && std::ranges::all_of(region, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

class Parser {
 public:
  Parser(std::string file, const SeedDefaults& defaults)
      : file_(std::move(file)), defaults_(defaults) {}

  Seed Parse(const YAML::Node& root) {
    Field top(root, "", &file_);
    if (root.IsNull()) return std::move(seed_);  // an empty file seeds nothing
    top.OnlyMembers({"Keys", "Aliases", "Grants"});
    if (std::optional<Field> keys = top.Member("Keys")) {
      if (keys->IsSequence()) {
        // local-kms's legacy form: a list of AES keys.
        for (const Field& item : keys->Items()) ReadSymmetric(item, false);
      } else {
        keys->OnlyMembers({"Symmetric", "Asymmetric"});
        if (std::optional<Field> symmetric = keys->Member("Symmetric")) {
          symmetric->OnlyMembers({"Aes", "Hmac"});
          for (const Field& item : ItemsOf(*symmetric, "Aes")) ReadSymmetric(item, false);
          for (const Field& item : ItemsOf(*symmetric, "Hmac")) ReadSymmetric(item, true);
        }
        if (std::optional<Field> asymmetric = keys->Member("Asymmetric")) {
          asymmetric->OnlyMembers({"Rsa", "Ecc"});
          for (const Field& item : ItemsOf(*asymmetric, "Rsa")) ReadAsymmetric(item, true);
          for (const Field& item : ItemsOf(*asymmetric, "Ecc")) ReadAsymmetric(item, false);
        }
      }
    }
    for (const Field& item : ItemsOf(top, "Aliases")) ReadAlias(item);
    for (const Field& item : ItemsOf(top, "Grants")) ReadGrant(item);
    return std::move(seed_);
  }

 private:
  // kmsd's Account and Region fields, where given, in place of the defaults.
  static void ReadPlacement(const Field& parent, std::string& account, std::string& region) {
    if (std::optional<Field> f = parent.Member("Account")) {
      account = f->Text();
      if (!IsAccountId(account)) f->Fail("must be a 12-digit account id");
    }
    if (std::optional<Field> f = parent.Member("Region")) {
      region = f->Text();
      if (!IsRegion(region)) f->Fail("must be a region name like us-east-1");
    }
  }

  static std::vector<Field> ItemsOf(const Field& parent, const std::string& name) {
    std::optional<Field> list = parent.Member(name);
    return list ? list->Items() : std::vector<Field>{};
  }

  // The Metadata every kind of key has (KeyUsage and KeySpec are read by
  // the caller, which knows the kind of key).
  KeyRecord ReadMetadata(const Field& metadata) {
    metadata.OnlyMembers({"KeyId",
                          "Description",
                          "Enabled",
                          "KeyUsage",
                          "KeySpec",
                          "Origin",
                          "Account",
                          "Region",
                          "KeyState",
                          "PendingWindowInDays",
                          "Policy",
                          "Tags",
                          "EnableKeyRotation",
                          "RotationPeriodInDays",
                          "MultiRegion",
                          "ReplicaRegions",
                          "Arn",
                          "AWSAccountId",
                          "CustomerMasterKeySpec",
                          "SigningAlgorithms",
                          "EncryptionAlgorithms",
                          "KeyManager",
                          "CreationDate"});
    KeyRecord key;
    const Field id = metadata.Required("KeyId");
    key.key_id = id.Text();
    if (!IsKeyId(key.key_id))
      id.Fail("must be a key id like 1234abcd-12ab-34cd-56ef-1234567890ab, not '" + key.key_id +
              "'");
    if (!key_ids_.insert(key.key_id).second) id.Fail("key " + key.key_id + " is seeded twice");
    key.account = defaults_.account;
    key.region = defaults_.region;
    ReadPlacement(metadata, key.account, key.region);
    if (std::optional<Field> f = metadata.Member("Description")) {
      key.description = f->Text();
      if (key.description.size() > 8192) f->Fail("is longer than 8192 characters");
    }
    if (std::optional<Field> f = metadata.Member("Origin"))
      key.origin = f->OneOf({"AWS_KMS", "EXTERNAL"});
    ReadMultiRegion(metadata, id, key);
    // local-kms ignores Arn, AWSAccountId and the other derived fields, and
    // so does kmsd; but an Arn that names another key is a mistake.
    if (std::optional<Field> f = metadata.Member("Arn"); f && f->Text() != key.Arn())
      f->Fail("is " + f->Text() + " but the key's ARN is " + key.Arn());
    key.state = KeyState::kEnabled;
    if (std::optional<Field> f = metadata.Member("Enabled"); f && !f->Bool())
      key.state = KeyState::kDisabled;
    if (std::optional<Field> f = metadata.Member("KeyState")) {
      const std::string state = f->OneOf({"Enabled", "Disabled", "PendingDeletion"});
      ParseKeyState(state, &key.state);
    }
    if (std::optional<Field> f = metadata.Member("PendingWindowInDays")) {
      if (key.state != KeyState::kPendingDeletion) f->Fail("needs KeyState: PendingDeletion");
      key.pending_window_days = f->Int(7, 30);
    } else if (key.state == KeyState::kPendingDeletion) {
      key.pending_window_days = 30;
    }
    if (key.state == KeyState::kPendingDeletion && key.multi_region &&
        !key.multi_region->replica_regions.empty())
      metadata.Required("KeyState")
          .Fail(
              "a multi-Region key with replicas waits for their deletion: seed it without "
              "PendingDeletion and schedule the deletions after start-up");
    if (std::optional<Field> f = metadata.Member("Policy")) key.policy = ReadPolicy(*f);
    if (std::optional<Field> f = metadata.Member("Tags")) key.tags = ReadTags(*f);
    return key;
  }

  // MultiRegion: true makes the key a multi-Region primary ("mrk-" id);
  // kmsd's ReplicaRegions lists the regions of its replicas.
  static void ReadMultiRegion(const Field& metadata, const Field& id, KeyRecord& key) {
    std::optional<Field> flag = metadata.Member("MultiRegion");
    const bool multi_region = flag && flag->Bool();
    if (multi_region != IsMultiRegionKeyId(key.key_id)) {
      id.Fail(multi_region
                  ? "must be a multi-Region key id like mrk-1234abcd12ab34cd56ef1234567890ab"
                  : "is a multi-Region key id: the key needs MultiRegion: true");
    }
    std::optional<Field> replicas = metadata.Member("ReplicaRegions");
    if (!multi_region) {
      if (replicas) replicas->Fail("needs MultiRegion: true");
      return;
    }
    MultiRegionSet& set = key.multi_region.emplace(MultiRegionSet{key.region, {}});
    if (!replicas) return;
    for (const Field& item : replicas->Items()) {
      const std::string region = item.Text();
      if (!IsRegion(region)) item.Fail("must be a region name like us-west-2");
      if (region == key.region ||
          std::ranges::find(set.replica_regions, region) != set.replica_regions.end())
        item.Fail("the key already has a key in " + region);
      set.replica_regions.push_back(region);
    }
  }

  std::string ReadPolicy(const Field& field) {
    std::string json;
    if (field.node().IsScalar()) {
      json = field.Text();
    } else {
      json = field.Json(policy::kMaxKeyPolicyBytes);
    }
    policy::ParseOptions options;
    options.max_bytes = policy::kMaxKeyPolicyBytes;
    if (auto parsed = policy::ParsePolicy(json, options); !parsed)
      field.Fail("is not a valid key policy: " + parsed.error().message());
    return json;
  }

  static std::vector<Tag> ReadTags(const Field& field) {
    std::vector<Tag> tags;
    for (const Field& item : field.Items()) {
      item.OnlyMembers({"TagKey", "TagValue"});
      Tag tag{item.Required("TagKey").Text(), ""};
      if (std::optional<Field> value = item.Member("TagValue")) tag.value = value->Text();
      if (tag.key.empty() || tag.key.size() > 128) item.Fail("TagKey must be 1 to 128 characters");
      if (tag.value.size() > 256) item.Fail("TagValue must be at most 256 characters");
      if (tag.key.starts_with("aws:")) item.Fail("TagKey must not start with aws:");
      if (std::ranges::any_of(tags, [&](const Tag& t) { return t.key == tag.key; }))
        item.Fail("tag " + tag.key + " is given twice");
      tags.push_back(std::move(tag));
    }
    if (tags.size() > 50) field.Fail("has more than 50 tags");
    return tags;
  }

  void ReadRotation(const Field& item, const Field& metadata, KeyRecord& key) {
    if (std::optional<Field> f = metadata.Member("EnableKeyRotation"))
      key.rotation_enabled = f->Bool();
    if (std::optional<Field> f = metadata.Member("RotationPeriodInDays")) {
      key.rotation_period_days = f->Int(90, 2560);
      if (!key.rotation_enabled) f->Fail("needs EnableKeyRotation: true");
    }
    if (std::optional<Field> f = item.Member("NextKeyRotation")) {
      // local-kms: a key with a NextKeyRotation rotates when it passes.
      EpochMillis when = 0;
      if (!ParseIso8601(f->Text(), &when))
        f->Fail("must be an ISO 8601 date like 2019-09-12T15:19:21+00:00");
      key.rotation_enabled = true;
      key.next_rotation_date = when;
    }
    if (key.rotation_enabled && (key.key_spec != "SYMMETRIC_DEFAULT" || key.origin != "AWS_KMS"))
      metadata.Fail("only symmetric encryption keys of Origin AWS_KMS rotate automatically");
  }

  // Keys.Symmetric.Aes[] (and the legacy Keys[]) or .Hmac[].
  void ReadSymmetric(const Field& item, bool hmac) {
    item.OnlyMembers({"Metadata", "BackingKeys", "NextKeyRotation"});
    const Field metadata = item.Required("Metadata");
    KeyRecord key = ReadMetadata(metadata);
    if (hmac) {
      const Field spec = metadata.Required("KeySpec");
      key.key_spec = spec.OneOf({"HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"});
      key.key_usage = "GENERATE_VERIFY_MAC";
    } else if (std::optional<Field> spec = metadata.Member("KeySpec")) {
      spec->OneOf({"SYMMETRIC_DEFAULT"});
    }
    if (std::optional<Field> usage = metadata.Member("KeyUsage"))
      usage->OneOf({hmac ? "GENERATE_VERIFY_MAC" : "ENCRYPT_DECRYPT"});
    ReadRotation(item, metadata, key);
    const size_t length = hmac ? crypto::HmacKeyLength(key.key_spec) : 32;
    SeedKey seeded{std::move(key), {}, item.Location()};
    const std::optional<Field> backing = item.Member("BackingKeys");
    if (!backing && seeded.record.origin == "EXTERNAL") {
      // local-kms: an EXTERNAL key without backing keys waits for an import.
      seeded.record.state = KeyState::kPendingImport;
      seed_.keys.push_back(std::move(seeded));
      return;
    }
    if (!backing) item.Fail("needs BackingKeys");
    const std::vector<Field> hex_keys = backing->Items();
    if (hex_keys.empty()) backing->Fail("needs at least one backing key");
    if (seeded.record.origin == "EXTERNAL" && hex_keys.size() > 1)
      backing->Fail("EXTERNAL keys can only have a single backing key");
    for (const Field& hex : hex_keys) {
      const std::optional<Bytes> bytes = HexDecode(hex.Text());
      if (!bytes) hex.Fail("must be hex digits");
      if (bytes->size() != length)
        hex.Fail("must be " + std::to_string(length) + " bytes (" + std::to_string(length * 2) +
                 " hex digits); " + std::to_string(bytes->size()) + " bytes found");
      seeded.materials.emplace_back(ByteView(*bytes));
    }
    seed_.keys.push_back(std::move(seeded));
  }

  // Keys.Asymmetric.Rsa[] or .Ecc[].
  void ReadAsymmetric(const Field& item, bool rsa) {
    item.OnlyMembers({"Metadata", "PrivateKeyPem"});
    const Field metadata = item.Required("Metadata");
    KeyRecord key = ReadMetadata(metadata);
    const Field pem = item.Required("PrivateKeyPem");
    auto parsed = crypto::PrivateKeyFromPem(pem.Text());
    if (!parsed) pem.Fail(parsed.error().message());
    const bool is_rsa = parsed->key_spec.starts_with("RSA_");
    if (is_rsa != rsa)
      pem.Fail(std::string("holds ") + (is_rsa ? "an RSA" : "an elliptic-curve") +
               " key; it belongs under " + (is_rsa ? "Rsa" : "Ecc"));
    key.key_spec = parsed->key_spec;
    if (!keys::IsOfferedIn(key.key_spec, key.region))
      pem.Fail(
          "holds an SM2 key, which AWS offers only in its China Regions (cn-north-1, "
          "cn-northwest-1), not in " +
          key.region);
    if (std::optional<Field> spec = metadata.Member("KeySpec");
        spec && spec->Text() != key.key_spec)
      spec->Fail("is " + spec->Text() + " but the private key is " + key.key_spec);
    // local-kms requires KeyUsage for RSA keys; ECC keys sign unless told.
    std::optional<Field> usage = metadata.Member("KeyUsage");
    if (rsa && !usage) metadata.Fail("needs KeyUsage (ENCRYPT_DECRYPT or SIGN_VERIFY)");
    key.key_usage = usage ? usage->Text() : "SIGN_VERIFY";
    const std::span<const std::string_view> usages = keys::UsagesOf(key.key_spec);
    if (std::ranges::find(usages, key.key_usage) == usages.end()) {
      std::string list;
      for (std::string_view u : usages) list += (list.empty() ? "" : ", ") + std::string(u);
      (usage ? *usage : metadata)
          .Fail("a " + key.key_spec + " key's KeyUsage must be one of " + list + ", not '" +
                key.key_usage + "'");
    }
    ReadRotation(item, metadata, key);
    seed_.keys.push_back(SeedKey{std::move(key), {}, item.Location()});
    seed_.keys.back().materials.push_back(std::move(parsed->pkcs8));
  }

  const SeedKey* FindKey(std::string_view key_id) const {
    for (const SeedKey& key : seed_.keys)
      if (key.record.key_id == key_id) return &key;
    return nullptr;
  }

  // A TargetKeyId or a grant's KeyId: a key id or a key ARN.
  static std::string KeyIdOf(const Field& field) {
    std::string id = field.Text();
    if (const size_t slash = id.rfind(":key/");
        id.starts_with("arn:") && slash != std::string::npos)
      id = id.substr(slash + 5);
    if (!IsKeyId(id)) field.Fail("must be a key id or key ARN, not '" + field.Text() + "'");
    return id;
  }

  void ReadAlias(const Field& item) {
    item.OnlyMembers({"AliasName", "TargetKeyId", "Account", "Region", "AliasArn"});
    AliasRecord alias;
    const Field name = item.Required("AliasName");
    alias.alias_name = name.Text();
    const std::string_view rest =
        std::string_view(alias.alias_name).substr(std::min<size_t>(6, alias.alias_name.size()));
    if (!alias.alias_name.starts_with("alias/") || rest.empty() || rest.size() > 250 ||
        !std::ranges::all_of(rest, [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-';
        }))
      name.Fail("must be alias/ and then 1 to 250 of a-z, A-Z, 0-9, /, _ and -");
    if (alias.alias_name.starts_with("alias/aws/"))
      name.Fail("alias/aws/ names are reserved for AWS managed keys");
    const Field target = item.Required("TargetKeyId");
    alias.target_key_id = KeyIdOf(target);
    const SeedKey* key = FindKey(alias.target_key_id);
    alias.account = key ? key->record.account : defaults_.account;
    alias.region = key ? key->record.region : defaults_.region;
    ReadPlacement(item, alias.account, alias.region);
    if (key && (key->record.account != alias.account || !InSet(key->record, alias.region)))
      target.Fail("key " + alias.target_key_id + " is in " + key->record.account + " " +
                  key->record.region + ", not in the alias's " + alias.account + " " +
                  alias.region);
    if (!alias_names_.insert(alias.account + "/" + alias.region + "/" + alias.alias_name).second)
      name.Fail("alias " + alias.alias_name + " is seeded twice");
    seed_.aliases.push_back(SeedAlias{std::move(alias), item.Location()});
  }

  static EncryptionContext ReadContext(const Field& field) {
    if (!field.IsMap()) field.Fail("must be a mapping of strings");
    EncryptionContext context;
    for (const auto& member : field.node()) {
      if (!member.first.IsScalar() || !member.second.IsScalar())
        field.Fail("must be a mapping of strings");
      context[member.first.Scalar()] = member.second.Scalar();
    }
    if (context.size() > 8) field.Fail("can have at most 8 pairs");
    return context;
  }

  static bool InSet(const KeyRecord& key, std::string_view region) {
    const std::vector<std::string> regions = key.SetRegions();
    return std::ranges::find(regions, region) != regions.end();
  }

  void ReadGrant(const Field& item) {
    item.OnlyMembers({"KeyId", "Region", "GranteePrincipal", "RetiringPrincipal", "Operations",
                      "Name", "Constraints"});
    GrantRecord grant;
    const Field key_field = item.Required("KeyId");
    const std::string key_id = KeyIdOf(key_field);
    const SeedKey* key = FindKey(key_id);
    if (!key) key_field.Fail("key " + key_id + " is not seeded by this file");
    // A multi-Region key's grant belongs to one key of its set (Region).
    std::string region = key->record.region;
    if (std::optional<Field> f = item.Member("Region")) {
      region = f->Text();
      if (!InSet(key->record, region)) f->Fail("key " + key_id + " has no key in " + region);
    }
    grant.key_id = KeyStoreId(key_id, region);
    const Field grantee = item.Required("GranteePrincipal");
    grant.grantee_principal = grantee.Text();
    if (!grants::IsGrantPrincipal(grant.grantee_principal))
      grantee.Fail("is not a valid principal ARN or service principal");
    if (std::optional<Field> f = item.Member("RetiringPrincipal")) {
      grant.retiring_principal = f->Text();
      if (!grants::IsGrantPrincipal(grant.retiring_principal))
        f->Fail("is not a valid principal ARN or service principal");
    }
    const Field operations = item.Required("Operations");
    for (const Field& op : operations.Items()) {
      const std::string name = op.Text();
      const auto all = grants::AllOperations();
      if (std::ranges::find(all, name) == all.end()) op.Fail("is not a grant operation");
      if (!grants::IsValidForKey(name, key->record.key_spec, key->record.key_usage))
        op.Fail(name + " does not apply to a " + key->record.key_spec + " " +
                key->record.key_usage + " key");
      if (std::ranges::find(grant.operations, name) == grant.operations.end())
        grant.operations.push_back(name);
    }
    if (grant.operations.empty()) operations.Fail("needs at least one operation");
    if (std::optional<Field> f = item.Member("Name")) {
      grant.name = f->Text();
      if (grant.name.empty() || grant.name.size() > 256) f->Fail("must be 1 to 256 characters");
    }
    if (std::optional<Field> constraints = item.Member("Constraints")) {
      constraints->OnlyMembers({"EncryptionContextSubset", "EncryptionContextEquals"});
      if (auto f = constraints->Member("EncryptionContextSubset"))
        grant.encryption_context_subset = ReadContext(*f);
      if (auto f = constraints->Member("EncryptionContextEquals"))
        grant.encryption_context_equals = ReadContext(*f);
    }
    seed_.grants.push_back(SeedGrant{std::move(grant), item.Location()});
  }

  std::string file_;
  const SeedDefaults& defaults_;
  Seed seed_;
  std::set<std::string> key_ids_;
  std::set<std::string> alias_names_;
};

}  // namespace

StatusOr<Seed> ParseSeed(std::string_view text, std::string_view file_name,
                         const SeedDefaults& defaults) {
  const std::string file(file_name);
  return yaml::ReadYaml<Seed>(
      text, file, [&](const Field& root) { return Parser(file, defaults).Parse(root.node()); });
}

StatusOr<Seed> LoadSeedFile(const std::string& path, const SeedDefaults& defaults) {
  KMS_ASSIGN_OR_RETURN(std::string text, yaml::ReadTextFile(path, kMaxFileBytes, "seed file"));
  return ParseSeed(text, path, defaults);
}

}  // namespace kms::seed
