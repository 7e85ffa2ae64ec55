#include "request_parameters.h"

#include <span>
#include <unordered_map>

#include "kms/json/writer.h"
#include "kms/text.h"
#include "request_reader.h"

namespace kms::api {
namespace {

using json::Writer;

// How a recorded member is read from the body and bounded.
enum class Kind {
  kString,  // up to `max` bytes
  kNumber,
  kBool,
  kStringList,        // up to `max` items of up to 2048 bytes
  kStringMap,         // encryption contexts: up to kMaxEncryptionContextBytes of keys and values
  kTags,              // [{TagKey, TagValue}], up to `max` items
  kConstraints,       // CreateGrant's {EncryptionContextSubset, EncryptionContextEquals}
  kLookupAttributes,  // [{AttributeKey, AttributeValue}], up to `max` items
};

struct Member {
  std::string_view name;  // as the model spells it
  Kind kind;
  size_t max = 0;
};

constexpr size_t kMaxListItemBytes = 2048;

constexpr Member kKeyId{"KeyId", Kind::kString, 2048};
constexpr Member kLimit{"Limit", Kind::kNumber};
constexpr Member kMarker{"Marker", Kind::kString, 1024};
constexpr Member kPolicy{"Policy", Kind::kString, kMaxRecordedPolicyBytes};
constexpr Member kPolicyName{"PolicyName", Kind::kString, 128};
constexpr Member kBypassLockout{"BypassPolicyLockoutSafetyCheck", Kind::kBool};
constexpr Member kDescription{"Description", Kind::kString, 8192};
constexpr Member kTagList{"Tags", Kind::kTags, 50};
constexpr Member kAliasName{"AliasName", Kind::kString, 256};
constexpr Member kTargetKeyId{"TargetKeyId", Kind::kString, 2048};
constexpr Member kContext{"EncryptionContext", Kind::kStringMap};
constexpr Member kAlgorithm{"EncryptionAlgorithm", Kind::kString, 64};
constexpr Member kKeySpec{"KeySpec", Kind::kString, 64};
constexpr Member kNumberOfBytes{"NumberOfBytes", Kind::kNumber};
constexpr Member kGrantId{"GrantId", Kind::kString, 128};
constexpr Member kGrantee{"GranteePrincipal", Kind::kString, 256};
constexpr Member kRetiring{"RetiringPrincipal", Kind::kString, 256};
constexpr Member kMessageType{"MessageType", Kind::kString, 64};
constexpr Member kSigningAlgorithm{"SigningAlgorithm", Kind::kString, 64};
constexpr Member kMacAlgorithm{"MacAlgorithm", Kind::kString, 64};
constexpr Member kKeyPairSpec{"KeyPairSpec", Kind::kString, 64};

// Per operation, in the order CloudTrail writes them. An empty list records
// null (GenerateRandom, RetireGrant).
const std::unordered_map<std::string_view, std::vector<Member>>& RecordedMembers() {
  static const auto* table = new std::unordered_map<std::string_view, std::vector<Member>>{
      {"CreateKey",
       {kPolicy,
        kDescription,
        {"KeyUsage", Kind::kString, 64},
        kKeySpec,
        {"CustomerMasterKeySpec", Kind::kString, 64},
        {"Origin", Kind::kString, 64},
        kBypassLockout,
        {"CustomKeyStoreId", Kind::kString, 64},
        {"MultiRegion", Kind::kBool},
        kTagList}},
      {"DescribeKey", {kKeyId}},
      {"ListKeys", {kLimit, kMarker}},
      {"UpdateKeyDescription", {kKeyId, kDescription}},
      {"EnableKey", {kKeyId}},
      {"DisableKey", {kKeyId}},
      {"ScheduleKeyDeletion", {kKeyId, {"PendingWindowInDays", Kind::kNumber}}},
      {"CancelKeyDeletion", {kKeyId}},
      {"EnableKeyRotation", {kKeyId, {"RotationPeriodInDays", Kind::kNumber}}},
      {"DisableKeyRotation", {kKeyId}},
      {"GetKeyRotationStatus", {kKeyId}},
      {"RotateKeyOnDemand", {kKeyId}},
      {"GetParametersForImport",
       {kKeyId, {"WrappingAlgorithm", Kind::kString, 64}, {"WrappingKeySpec", Kind::kString, 64}}},
      // Neither the import token nor the wrapped key material.
      {"ImportKeyMaterial",
       {kKeyId,
        {"ExpirationModel", Kind::kString, 64},
        {"ImportType", Kind::kString, 64},
        {"KeyMaterialDescription", Kind::kString, 256}}},
      {"DeleteImportedKeyMaterial", {kKeyId, {"KeyMaterialId", Kind::kString, 64}}},
      // Passwords and proxy credentials are never recorded.
      {"CreateCustomKeyStore",
       {{"CustomKeyStoreName", Kind::kString, 256},
        {"CloudHsmClusterId", Kind::kString, 24},
        {"CustomKeyStoreType", Kind::kString, 64},
        {"XksProxyUriEndpoint", Kind::kString, 128},
        {"XksProxyUriPath", Kind::kString, 128},
        {"XksProxyVpcEndpointServiceName", Kind::kString, 64},
        {"XksProxyConnectivity", Kind::kString, 64}}},
      {"DescribeCustomKeyStores",
       {{"CustomKeyStoreId", Kind::kString, 64},
        {"CustomKeyStoreName", Kind::kString, 256},
        kLimit,
        kMarker}},
      {"ConnectCustomKeyStore", {{"CustomKeyStoreId", Kind::kString, 64}}},
      {"DisconnectCustomKeyStore", {{"CustomKeyStoreId", Kind::kString, 64}}},
      {"DeleteCustomKeyStore", {{"CustomKeyStoreId", Kind::kString, 64}}},
      {"UpdateCustomKeyStore",
       {{"CustomKeyStoreId", Kind::kString, 64},
        {"NewCustomKeyStoreName", Kind::kString, 256},
        {"CloudHsmClusterId", Kind::kString, 24},
        {"XksProxyUriEndpoint", Kind::kString, 128},
        {"XksProxyUriPath", Kind::kString, 128},
        {"XksProxyVpcEndpointServiceName", Kind::kString, 64},
        {"XksProxyConnectivity", Kind::kString, 64}}},
      {"ListKeyRotations", {kKeyId, {"IncludeKeyMaterial", Kind::kString, 64}, kLimit, kMarker}},
      {"ReplicateKey",
       {kKeyId, {"ReplicaRegion", Kind::kString, 32}, kBypassLockout, kDescription}},
      {"UpdatePrimaryRegion", {kKeyId, {"PrimaryRegion", Kind::kString, 32}}},
      {"TagResource", {kKeyId, kTagList}},
      {"UntagResource", {kKeyId, {"TagKeys", Kind::kStringList, 50}}},
      {"ListResourceTags", {kKeyId, kLimit, kMarker}},
      {"GetKeyPolicy", {kKeyId, kPolicyName}},
      {"PutKeyPolicy", {kKeyId, kPolicyName, kPolicy, kBypassLockout}},
      {"ListKeyPolicies", {kKeyId, kLimit, kMarker}},
      {"CreateAlias", {kAliasName, kTargetKeyId}},
      {"UpdateAlias", {kAliasName, kTargetKeyId}},
      {"DeleteAlias", {kAliasName}},
      {"ListAliases", {kKeyId, kLimit, kMarker}},
      {"Encrypt", {kKeyId, kContext, kAlgorithm}},
      {"Decrypt", {kKeyId, kContext, kAlgorithm}},
      {"ReEncrypt",
       {{"SourceKeyId", Kind::kString, 2048},
        {"DestinationKeyId", Kind::kString, 2048},
        {"SourceEncryptionContext", Kind::kStringMap},
        {"DestinationEncryptionContext", Kind::kStringMap},
        {"SourceEncryptionAlgorithm", Kind::kString, 64},
        {"DestinationEncryptionAlgorithm", Kind::kString, 64}}},
      {"GenerateDataKey", {kKeyId, kKeySpec, kNumberOfBytes, kContext}},
      {"GenerateDataKeyWithoutPlaintext", {kKeyId, kKeySpec, kNumberOfBytes, kContext}},
      {"GenerateRandom", {}},
      {"Sign", {kKeyId, kMessageType, kSigningAlgorithm}},
      {"Verify", {kKeyId, kMessageType, kSigningAlgorithm}},
      {"GetPublicKey", {kKeyId}},
      {"DeriveSharedSecret", {kKeyId, {"KeyAgreementAlgorithm", Kind::kString, 64}}},
      {"GenerateDataKeyPair", {kKeyId, kKeyPairSpec, kContext}},
      {"GenerateDataKeyPairWithoutPlaintext", {kKeyId, kKeyPairSpec, kContext}},
      {"GenerateMac", {kKeyId, kMacAlgorithm}},
      {"VerifyMac", {kKeyId, kMacAlgorithm}},
      {"CreateGrant",
       {kKeyId,
        kGrantee,
        kRetiring,
        {"Operations", Kind::kStringList, 32},
        {"Constraints", Kind::kConstraints},
        {"Name", Kind::kString, 256}}},
      {"ListGrants", {kKeyId, kLimit, kMarker, kGrantId, kGrantee}},
      {"ListRetirableGrants", {kRetiring, kLimit, kMarker}},
      {"RetireGrant", {}},
      {"RevokeGrant", {kKeyId, kGrantId}},
      {"ExplainAuthorization",
       {{"Action", Kind::kString, 128},
        kKeyId,
        {"Principal", Kind::kString, 2048},
        kContext,
        {"ViaService", Kind::kString, 256},
        {"SourceIp", Kind::kString, 64}}},
      {"LookupEvents",
       {{"LookupAttributes", Kind::kLookupAttributes, 50},
        {"StartTime", Kind::kNumber},
        {"EndTime", Kind::kNumber},
        {"EventCategory", Kind::kString, 64},
        {"MaxResults", Kind::kNumber},
        {"NextToken", Kind::kString, 1024}}},
  };
  return *table;
}

void WriteBounded(Writer& w, std::string_view text, size_t max) {
  if (text.size() <= max) {
    w.String(text);
  } else {
    w.String(TruncateUtf8(text, max));
  }
}

void WriteName(Writer& w, std::string_view model_name) { w.Key(LowerCamel(model_name)); }

std::string_view Text(const rapidjson::Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

// The string members of an object, in order, with their keys as sent; stops
// once `budget` bytes of keys and values are written.
void WriteStringMap(Writer& w, const rapidjson::Value& map, size_t budget) {
  w.StartObject();
  size_t used = 0;
  for (const auto& m : map.GetObject()) {
    if (!m.value.IsString()) continue;
    used += m.name.GetStringLength() + m.value.GetStringLength();
    if (used > budget) break;
    w.Field(Text(m.name), Text(m.value));
  }
  w.EndObject();
}

// A list of {<first>, <second>} string pairs, up to `max` items.
void WritePairList(Writer& w, const rapidjson::Value& list, size_t max, std::string_view first,
                   std::string_view second, size_t first_max, size_t second_max) {
  w.StartArray();
  size_t written = 0;
  for (const auto& item : list.GetArray()) {
    if (!item.IsObject() || written == max) continue;
    ++written;
    w.StartObject();
    for (const auto& [name, bound] : {std::pair{first, first_max}, std::pair{second, second_max}}) {
      auto it = item.FindMember(rapidjson::StringRef(name.data(), name.size()));
      if (it == item.MemberEnd() || !it->value.IsString()) continue;
      WriteName(w, name);
      WriteBounded(w, Text(it->value), bound);
    }
    w.EndObject();
  }
  w.EndArray();
}

// Writes the member when the body has it with the expected JSON type;
// whether it did.
bool WriteMember(Writer& w, const Member& member, const rapidjson::Value& value) {
  switch (member.kind) {
    case Kind::kString:
      if (!value.IsString()) return false;
      WriteName(w, member.name);
      WriteBounded(w, Text(value), member.max);
      return true;
    case Kind::kNumber:
      if (!value.IsNumber()) return false;
      WriteName(w, member.name);
      w.Value(value);
      return true;
    case Kind::kBool:
      if (!value.IsBool()) return false;
      WriteName(w, member.name);
      w.Bool(value.GetBool());
      return true;
    case Kind::kStringList: {
      if (!value.IsArray()) return false;
      WriteName(w, member.name);
      w.StartArray();
      size_t written = 0;
      for (const auto& item : value.GetArray()) {
        if (!item.IsString() || written == member.max) continue;
        ++written;
        WriteBounded(w, Text(item), kMaxListItemBytes);
      }
      w.EndArray();
      return true;
    }
    case Kind::kStringMap:
      if (!value.IsObject()) return false;
      WriteName(w, member.name);
      WriteStringMap(w, value, kMaxEncryptionContextBytes);
      return true;
    case Kind::kTags:
      if (!value.IsArray()) return false;
      WriteName(w, member.name);
      WritePairList(w, value, member.max, "TagKey", "TagValue", 128, 256);
      return true;
    case Kind::kLookupAttributes:
      if (!value.IsArray()) return false;
      WriteName(w, member.name);
      WritePairList(w, value, member.max, "AttributeKey", "AttributeValue", 64, 2000);
      return true;
    case Kind::kConstraints:
      if (!value.IsObject()) return false;
      WriteName(w, member.name);
      w.StartObject();
      for (std::string_view name : {"EncryptionContextSubset", "EncryptionContextEquals"}) {
        auto it = value.FindMember(rapidjson::StringRef(name.data(), name.size()));
        if (it == value.MemberEnd() || !it->value.IsObject()) continue;
        WriteName(w, name);
        WriteStringMap(w, it->value, kMaxEncryptionContextBytes);
      }
      w.EndObject();
      return true;
  }
  return false;
}

}  // namespace

std::string RenderRequestParameters(std::string_view operation, const rapidjson::Value& body) {
  if (!body.IsObject()) return "null";
  auto recorded = RecordedMembers().find(operation);
  if (recorded == RecordedMembers().end()) return "null";
  Writer w;
  w.StartObject();
  bool any = false;
  for (const Member& member : recorded->second) {
    auto it = body.FindMember(rapidjson::StringRef(member.name.data(), member.name.size()));
    if (it != body.MemberEnd()) any |= WriteMember(w, member, it->value);
  }
  w.EndObject();
  return any ? w.Take() : "null";
}

}  // namespace kms::api
