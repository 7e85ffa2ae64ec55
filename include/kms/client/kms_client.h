// A client for kmsd's KMS API (the AWS KMS JSON protocol), SigV4-signed with
// the shared signer in kms/sigv4.h. Besides plain user calls it makes the two
// kinds of calls an AWS service makes (DESIGN.md section 3): calls on a
// user's behalf (the user's signature plus the service's countersignature,
// so kmsd sees kms:ViaService) and calls as the service principal itself.
//
// KMS errors come back as kms::Status with the code named by the answer's
// __type (AccessDeniedException -> Code::kAccessDenied, ...) and KMS's
// message. A failure to reach kmsd at all is Code::kDependencyTimeout.
#ifndef KMS_CLIENT_KMS_CLIENT_H_
#define KMS_CLIENT_KMS_CLIENT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kms/bytes.h"
#include "kms/clock.h"
#include "kms/encryption_context.h"
#include "kms/status.h"

namespace kms::client {

// An AWS access key. session_token is optional.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;

  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
};

// Who signs a request.
enum class CallAs {
  kUser,            // the user's signature only: a direct call
  kUserViaService,  // the user's signature and the service's countersignature
  kService,         // the service principal's own signature only
};

// The identities a client signs with. `service_name` is the short name of the
// service ("rds"): calls via the service name "rds.<region>.amazonaws.com".
struct SigningIdentities {
  Credentials user;
  Credentials service;
  std::string service_name = "rds";
};

// An HTTP/1.1 request as sent: headers in order (Host first).
struct HttpRequest {
  std::string method = "POST";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The value of the first header named `name` (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

// Header naming the service that calls on the user's behalf, the header
// carrying the service's signature, and the header naming the user's access
// key id that the service signs (as server/auth expects them).
inline constexpr std::string_view kViaServiceHeader = "X-Kmsd-Via-Service";
inline constexpr std::string_view kServiceAuthorizationHeader = "X-Kmsd-Service-Authorization";
inline constexpr std::string_view kViaPrincipalHeader = "X-Kmsd-Via-Principal";

// Builds the signed POST of KMS `operation` ("GenerateDataKey") with JSON
// `body` to `host` ("127.0.0.1:4599") for `region` at time `now`.
// kUserViaService signs with the service's keys first (X-Kmsd-Via-Service
// included), moves that Authorization into X-Kmsd-Service-Authorization and
// then signs with the user's keys at the same X-Amz-Date.
// kValidation when the credentials the call needs are not configured.
StatusOr<HttpRequest> BuildKmsRequest(std::string_view host, std::string_view region,
                                      std::string_view operation, std::string body, CallAs as,
                                      const SigningIdentities& identities, EpochMillis now);

// The parts of an endpoint URL "http://host[:port][/]".
struct Endpoint {
  std::string host;
  std::string port = "80";
  std::string url;  // as given

  // The Host header value: "host" for port 80, else "host:port".
  std::string HostHeader() const;
};
// kValidation for anything but an http:// URL with a host (kmsd has no TLS).
StatusOr<Endpoint> ParseEndpointUrl(std::string_view url);

// Sends one request and reads the answer. Implementations decide about
// connection reuse. Not thread-safe.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // The Host header value for requests to this transport's endpoint.
  virtual const std::string& host() const = 0;
  // kDependencyTimeout when the endpoint cannot be reached or the exchange
  // fails; any HTTP status is a successful exchange.
  virtual StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

// A transport over plain TCP (Boost.Beast), one connection per request;
// connecting and each exchange time out after 60 seconds.
std::unique_ptr<HttpTransport> NewHttpTransport(const Endpoint& endpoint);

// Where and as whom one KMS call is made.
struct CallTarget {
  CallAs as = CallAs::kUser;
  std::string region;
};

// DescribeKey's answer, the parts a caller of KMS needs.
struct KeyDescription {
  std::string key_id;
  std::string arn;
  std::string account;
  std::string key_state;    // "Enabled", "Disabled", "PendingDeletion", ...
  std::string key_manager;  // "AWS" or "CUSTOMER"
  std::string key_usage;    // "ENCRYPT_DECRYPT", ...
  std::string key_spec;     // "SYMMETRIC_DEFAULT", ...
};

// GenerateDataKey's answer. The plaintext is secret.
struct DataKey {
  SecretBytes plaintext;
  Bytes ciphertext_blob;
  std::string key_arn;
};

// CreateGrant's parameters (Constraints: EncryptionContextSubset only).
struct GrantRequest {
  std::string key_id;
  std::string grantee_principal;
  std::string retiring_principal;
  std::vector<std::string> operations;
  EncryptionContext encryption_context_subset;
  std::string name;
};

// A grant as CreateGrant returns it; RetireGrant takes it back.
struct Grant {
  std::string grant_id;
  std::string grant_token;
};

// The KMS operations a service such as RDS uses. Every call returns KMS's
// error as a Status (see the file comment).
class KmsApi {
 public:
  virtual ~KmsApi() = default;
  virtual StatusOr<KeyDescription> DescribeKey(const CallTarget& target,
                                               std::string_view key_id) = 0;
  virtual StatusOr<DataKey> GenerateDataKey(const CallTarget& target, std::string_view key_id,
                                            size_t number_of_bytes,
                                            const EncryptionContext& context) = 0;
  virtual StatusOr<SecretBytes> Decrypt(const CallTarget& target, ByteView ciphertext_blob,
                                        const EncryptionContext& context) = 0;
  virtual StatusOr<Bytes> Encrypt(const CallTarget& target, std::string_view key_id,
                                  const SecretBytes& plaintext,
                                  const EncryptionContext& context) = 0;
  virtual StatusOr<Bytes> ReEncrypt(const CallTarget& target, ByteView ciphertext_blob,
                                    const EncryptionContext& source_context,
                                    std::string_view destination_key_id,
                                    const EncryptionContext& destination_context) = 0;
  virtual StatusOr<Grant> CreateGrant(const CallTarget& target, const GrantRequest& request) = 0;
  // Retires by grant token when it has one, else by `key_arn` and grant id.
  virtual Status RetireGrant(const CallTarget& target, const Grant& grant,
                             std::string_view key_arn) = 0;
};

// KmsApi over `transport`, signing with `identities` at `clock`'s time.
// `clock` must outlive the client. Not thread-safe.
std::unique_ptr<KmsApi> NewKmsClient(std::unique_ptr<HttpTransport> transport,
                                     SigningIdentities identities, const Clock& clock);

// The Code a KMS error __type names ("AccessDeniedException", also with a
// "namespace#" prefix); kInternal for names kms::Code does not know.
Code CodeFromErrorType(std::string_view error_type);

}  // namespace kms::client

#endif  // KMS_CLIENT_KMS_CLIENT_H_
