// Fuzz target for the SigV4 Authorization header parser and the canonical
// request: the input is split into an Authorization value, a request target,
// header lines and a body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kms/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= input.size(); ++i) {
    if (i == input.size() || input[i] == '\n') {
      parts.push_back(input.substr(start, i - start));
      start = i + 1;
    }
  }
  auto auth = kms::sigv4::ParseAuthorization(parts[0]);
  std::vector<kms::sigv4::Header> headers;
  for (size_t i = 2; i + 1 < parts.size(); ++i) {
    const size_t colon = parts[i].find(':');
    headers.push_back({parts[i].substr(0, colon),
                       colon == std::string_view::npos ? "" : parts[i].substr(colon + 1)});
  }
  const kms::sigv4::RequestView request{"POST", parts.size() > 1 ? parts[1] : "/", headers,
                                        parts.back()};
  std::vector<std::string> signed_headers = {"host", "x-amz-date"};
  if (auth) signed_headers = auth->signed_headers;
  const std::string canonical = kms::sigv4::CanonicalRequest(request, signed_headers, "e3b0");
  KMS_CHECK(canonical.starts_with("POST\n"));
  return 0;
}
