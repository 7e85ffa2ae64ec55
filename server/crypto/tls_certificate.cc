#include "kms/server/crypto/tls_certificate.h"

#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "kms/crypto.h"

namespace kms::crypto {
namespace {

constexpr long kValidSeconds = 825L * 24 * 60 * 60;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

std::unexpected<Status> Failed(const std::string& what) {
  return Error(Code::kInternal, "TLS certificate: " + what);
}

Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (!extension || X509_add_ext(cert, extension.get(), -1) != 1)
    return Failed("cannot add an extension");
  return OkStatus();
}

// Writes `write(file)` to `path` with `mode`, through a temporary file.
template <class WriteFn>
Status WritePem(const std::string& path, mode_t mode, WriteFn write) {
  const std::string tmp = path + ".tmp";
  std::FILE* file = std::fopen(tmp.c_str(), "wx");
  if (file == nullptr) file = (std::remove(tmp.c_str()), std::fopen(tmp.c_str(), "wx"));
  if (file == nullptr) return Failed("cannot create " + tmp);
  const bool written = ::fchmod(fileno(file), mode) == 0 && write(file) == 1;
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Failed("cannot write " + path);
  }
  return OkStatus();
}

}  // namespace

Status WriteSelfSignedCertificate(const std::string& certificate_path,
                                  const std::string& private_key_path) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Failed("cannot generate a P-256 key");
  X509Ptr cert(X509_new());
  if (!cert) return Failed("out of memory");
  Bytes serial(16);
  RandomBytes(serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* serial_number = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  const bool serial_set = serial_number != nullptr &&
                          BN_to_ASN1_INTEGER(serial_number, X509_get_serialNumber(cert.get()));
  BN_free(serial_number);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!serial_set || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValidSeconds) == nullptr ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("kmsd (self-signed)"), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1) {
    return Failed("cannot fill in the certificate");
  }
  // A CA certificate for itself, so that clients can take it as their bundle.
  KMS_RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE"));
  KMS_RETURN_IF_ERROR(
      AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign"));
  KMS_RETURN_IF_ERROR(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"));
  KMS_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_key_identifier, "hash"));
  KMS_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_alt_name,
                                   "DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return Failed("cannot sign");
  KMS_RETURN_IF_ERROR(WritePem(private_key_path, 0600, [&](std::FILE* file) {
    return PEM_write_PrivateKey(file, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  }));
  return WritePem(certificate_path, 0644,
                  [&](std::FILE* file) { return PEM_write_X509(file, cert.get()); });
}

std::string OpenSslRuntimeVersion() { return OpenSSL_version(OPENSSL_VERSION_STRING); }
std::string OpenSslBuildVersion() { return OPENSSL_VERSION_TEXT; }

}  // namespace kms::crypto
