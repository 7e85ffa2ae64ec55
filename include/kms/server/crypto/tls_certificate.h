// The TLS certificate kmsd makes for itself when HTTPS is on and no
// certificate is configured, and the OpenSSL version for `kmsd --version`.
#ifndef KMS_SERVER_CRYPTO_TLS_CERTIFICATE_H_
#define KMS_SERVER_CRYPTO_TLS_CERTIFICATE_H_

#include <string>

#include "kms/status.h"

namespace kms::crypto {

// Writes a self-signed certificate for "localhost" (subject alternative
// names DNS:localhost, IP:127.0.0.1 and IP:::1), valid for 825 days, with a
// new ECDSA P-256 key: the certificate to `certificate_path` (PEM, mode 0644,
// usable as its own CA bundle) and the key to `private_key_path` (PEM,
// mode 0600). Both are written to temporary files and renamed into place.
Status WriteSelfSignedCertificate(const std::string& certificate_path,
                                  const std::string& private_key_path);

// "3.0.19" and the like: the OpenSSL kmsd runs with, and the one it was
// built with ("OpenSSL 3.0.19 27 Jan 2026").
std::string OpenSslRuntimeVersion();
std::string OpenSslBuildVersion();

}  // namespace kms::crypto

#endif  // KMS_SERVER_CRYPTO_TLS_CERTIFICATE_H_
