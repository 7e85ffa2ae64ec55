// KmsApi over HTTP: JSON request bodies, signed requests, KMS error answers.
#include "kms/client/kms_client.h"

#include "kms/encoding.h"
#include "kms/json/reader.h"
#include "kms/json/writer.h"

namespace kms::client {
namespace {

using json::Writer;

// Wipes a string that held a secret (a response with a Plaintext member).
void WipeString(std::string& text) {
  SecureWipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(text.data()), text.size()));
  text.clear();
}

Writer& Context(Writer& writer, std::string_view name, const EncryptionContext& context) {
  return context.empty() ? writer : writer.StringMap(name, context);
}

// The Status of a KMS error answer.
Status ErrorFromResponse(std::string_view operation, const HttpResponse& response) {
  rapidjson::Document document;
  if (!json::ParseObject(response.body, "error", &document).ok()) {
    return Status(Code::kInternal, std::string(operation) + " answered HTTP " +
                                       std::to_string(response.status) + " without a KMS error");
  }
  const std::string type = json::GetString(document, "__type");
  std::string message = json::GetString(document, "message");
  if (message.empty()) message = json::GetString(document, "Message");
  const Code code = CodeFromErrorType(type);
  if (code == Code::kInternal && type.find("KMSInternalException") == std::string::npos) {
    message = type + (message.empty() ? "" : ": " + message);
  }
  return Status(code, std::move(message));
}

Status MissingMember(std::string_view operation, std::string_view member) {
  return Status(Code::kInternal,
                std::string(operation) + " answered without " + std::string(member));
}

StatusOr<Bytes> DecodeBlob(std::string_view operation, const rapidjson::Value& object,
                           const char* member) {
  std::optional<Bytes> blob = Base64Decode(json::GetString(object, member));
  if (!blob || blob->empty()) return std::unexpected(MissingMember(operation, member));
  return std::move(*blob);
}

StatusOr<SecretBytes> DecodeSecret(std::string_view operation, const rapidjson::Value& object,
                                   const char* member) {
  auto it = object.FindMember(member);
  if (it == object.MemberEnd() || !it->value.IsString()) {
    return std::unexpected(MissingMember(operation, member));
  }
  std::optional<SecretBytes> secret =
      Base64DecodeSecret(std::string_view(it->value.GetString(), it->value.GetStringLength()));
  if (!secret) return std::unexpected(MissingMember(operation, member));
  return std::move(*secret);
}

// A 200 answer: its text, parsed in place (so that the document's strings,
// a Plaintext among them, live in `text`), wiped on destruction.
struct Answer {
  Answer() = default;
  Answer(const Answer&) = delete;
  Answer& operator=(const Answer&) = delete;
  ~Answer() { WipeString(text); }

  std::string text;
  rapidjson::Document document;
};

class KmsClient final : public KmsApi {
 public:
  KmsClient(std::unique_ptr<HttpTransport> transport, SigningIdentities identities,
            const Clock& clock)
      : transport_(std::move(transport)), identities_(std::move(identities)), clock_(clock) {}

  StatusOr<KeyDescription> DescribeKey(const CallTarget& target, std::string_view key_id) override {
    Writer body;
    body.StartObject().Field("KeyId", key_id).EndObject();
    Answer answer;
    KMS_RETURN_IF_ERROR(Call(target, "DescribeKey", body.Take(), answer));
    const rapidjson::Value* meta = json::FindObject(answer.document, "KeyMetadata");
    if (meta == nullptr) return std::unexpected(MissingMember("DescribeKey", "KeyMetadata"));
    return KeyDescription{
        json::GetString(*meta, "KeyId"),        json::GetString(*meta, "Arn"),
        json::GetString(*meta, "AWSAccountId"), json::GetString(*meta, "KeyState"),
        json::GetString(*meta, "KeyManager"),   json::GetString(*meta, "KeyUsage"),
        json::GetString(*meta, "KeySpec")};
  }

  StatusOr<DataKey> GenerateDataKey(const CallTarget& target, std::string_view key_id,
                                    size_t number_of_bytes,
                                    const EncryptionContext& context) override {
    Writer body;
    body.StartObject().Field("KeyId", key_id).Uint("NumberOfBytes", number_of_bytes);
    Context(body, "EncryptionContext", context).EndObject();
    Answer answer;
    KMS_RETURN_IF_ERROR(Call(target, "GenerateDataKey", body.Take(), answer));
    DataKey key;
    KMS_ASSIGN_OR_RETURN(key.plaintext,
                         DecodeSecret("GenerateDataKey", answer.document, "Plaintext"));
    KMS_ASSIGN_OR_RETURN(key.ciphertext_blob,
                         DecodeBlob("GenerateDataKey", answer.document, "CiphertextBlob"));
    key.key_arn = json::GetString(answer.document, "KeyId");
    return key;
  }

  StatusOr<SecretBytes> Decrypt(const CallTarget& target, ByteView ciphertext_blob,
                                const EncryptionContext& context) override {
    Writer body;
    body.StartObject().Field("CiphertextBlob", Base64Encode(ciphertext_blob));
    Context(body, "EncryptionContext", context).EndObject();
    Answer answer;
    KMS_RETURN_IF_ERROR(Call(target, "Decrypt", body.Take(), answer));
    return DecodeSecret("Decrypt", answer.document, "Plaintext");
  }

  StatusOr<Bytes> Encrypt(const CallTarget& target, std::string_view key_id,
                          const SecretBytes& plaintext, const EncryptionContext& context) override {
    Writer body;
    std::string encoded = Base64Encode(plaintext.view());
    body.StartObject().Field("KeyId", key_id).Field("Plaintext", encoded);
    WipeString(encoded);
    Context(body, "EncryptionContext", context).EndObject();
    Answer answer;
    KMS_RETURN_IF_ERROR(Call(target, "Encrypt", body.Take(), answer));
    return DecodeBlob("Encrypt", answer.document, "CiphertextBlob");
  }

  StatusOr<Bytes> ReEncrypt(const CallTarget& target, ByteView ciphertext_blob,
                            const EncryptionContext& source_context,
                            std::string_view destination_key_id,
                            const EncryptionContext& destination_context) override {
    Writer body;
    body.StartObject().Field("CiphertextBlob", Base64Encode(ciphertext_blob));
    Context(body, "SourceEncryptionContext", source_context);
    body.Field("DestinationKeyId", destination_key_id);
    Context(body, "DestinationEncryptionContext", destination_context).EndObject();
    Answer answer;
    KMS_RETURN_IF_ERROR(Call(target, "ReEncrypt", body.Take(), answer));
    return DecodeBlob("ReEncrypt", answer.document, "CiphertextBlob");
  }

  StatusOr<Grant> CreateGrant(const CallTarget& target, const GrantRequest& request) override {
    Writer body;
    body.StartObject().Field("KeyId", request.key_id);
    body.Field("GranteePrincipal", request.grantee_principal);
    if (!request.retiring_principal.empty()) {
      body.Field("RetiringPrincipal", request.retiring_principal);
    }
    body.StringList("Operations", request.operations);
    if (!request.encryption_context_subset.empty()) {
      body.Key("Constraints").StartObject();
      body.StringMap("EncryptionContextSubset", request.encryption_context_subset).EndObject();
    }
    if (!request.name.empty()) body.Field("Name", request.name);
    body.EndObject();
    Answer answer;
    KMS_RETURN_IF_ERROR(Call(target, "CreateGrant", body.Take(), answer));
    Grant grant{json::GetString(answer.document, "GrantId"),
                json::GetString(answer.document, "GrantToken")};
    if (grant.grant_id.empty()) return std::unexpected(MissingMember("CreateGrant", "GrantId"));
    return grant;
  }

  Status RetireGrant(const CallTarget& target, const Grant& grant,
                     std::string_view key_arn) override {
    Writer body;
    body.StartObject();
    if (!grant.grant_token.empty()) {
      body.Field("GrantToken", grant.grant_token);
    } else {
      body.Field("KeyId", key_arn).Field("GrantId", grant.grant_id);
    }
    body.EndObject();
    Answer answer;
    return Call(target, "RetireGrant", body.Take(), answer);
  }

 private:
  // Sends one call (its body is wiped once sent) and parses a 200 answer
  // into `answer` (an empty body is {}); other answers become KMS errors.
  Status Call(const CallTarget& target, std::string_view operation, std::string body,
              Answer& answer) {
    auto request = BuildKmsRequest(transport_->host(), target.region, operation, std::move(body),
                                   target.as, identities_, clock_.NowMillis());
    if (!request) return request.error();
    auto response = transport_->Send(*request);
    WipeString(request->body);
    if (!response) return response.error();
    if (response->status != 200) return ErrorFromResponse(operation, *response);
    answer.text = response->body.empty() ? std::string("{}") : std::move(response->body);
    Status parsed = json::ParseObjectInPlace(answer.text, std::string(operation) + "'s answer",
                                             &answer.document);
    if (!parsed.ok()) return Status(Code::kInternal, parsed.message());
    return OkStatus();
  }

  std::unique_ptr<HttpTransport> transport_;
  SigningIdentities identities_;
  const Clock& clock_;
};

}  // namespace

Code CodeFromErrorType(std::string_view error_type) {
  const size_t hash = error_type.rfind('#');
  if (hash != std::string_view::npos) error_type = error_type.substr(hash + 1);
  const size_t colon = error_type.find(':');
  if (colon != std::string_view::npos) error_type = error_type.substr(0, colon);
  // kms::Code has fewer than 256 values; CodeName maps unknown ones to kInternal's name.
  for (int value = 1; value < 256; ++value) {
    const Code code = static_cast<Code>(value);
    if (CodeName(code) == error_type) return code;
  }
  return Code::kInternal;
}

std::unique_ptr<KmsApi> NewKmsClient(std::unique_ptr<HttpTransport> transport,
                                     SigningIdentities identities, const Clock& clock) {
  return std::make_unique<KmsClient>(std::move(transport), std::move(identities), clock);
}

}  // namespace kms::client
