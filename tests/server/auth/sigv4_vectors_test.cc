// Runs every vector of AWS's SigV4 test suite (testdata/sigv4) through our
// canonical request, string to sign and Authorization header.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "kms/encoding.h"
#include "kms/sigv4.h"

namespace kms::sigv4 {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDate = "20150830T123600Z";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct ParsedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A .req file: request line, "Name:value" headers (a line starting with a
// space continues the previous header as another value, as the suite's
// canonical requests expect), a blank line, the body.
ParsedRequest ParseReq(const std::string& text) {
  ParsedRequest out;
  std::vector<std::string> lines;
  size_t start = 0;
  while (true) {
    const size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  const std::string& request_line = lines[0];
  out.method = request_line.substr(0, request_line.find(' '));
  out.target = request_line.substr(out.method.size() + 1,
                                   request_line.rfind(" HTTP/") - out.method.size() - 1);
  size_t i = 1;
  for (; i < lines.size() && !lines[i].empty(); ++i) {
    if (lines[i][0] == ' ' || lines[i][0] == '\t') {
      out.headers.emplace_back(out.headers.back().first, lines[i]);
      continue;
    }
    const size_t colon = lines[i].find(':');
    out.headers.emplace_back(lines[i].substr(0, colon), lines[i].substr(colon + 1));
  }
  for (size_t j = i + 1; j < lines.size(); ++j) {
    if (j > i + 1) out.body += "\n";
    out.body += lines[j];
  }
  return out;
}

std::vector<fs::path> Vectors() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(KMS_SIGV4_TESTDATA)) {
    if (entry.path().extension() == ".req") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SigV4VectorsTest, SuiteIsPresent) { EXPECT_GE(Vectors().size(), 25u); }

TEST(SigV4VectorsTest, EveryVectorMatches) {
  EpochMillis time = 0;
  ASSERT_TRUE(ParseAmzDate(kDate, &time));
  const CredentialScope scope{"20150830", "us-east-1", "service"};
  for (const fs::path& req_path : Vectors()) {
    SCOPED_TRACE(req_path.string());
    fs::path base = req_path;
    base.replace_extension();
    const ParsedRequest req = ParseReq(ReadFile(req_path));
    std::vector<Header> headers;
    std::vector<std::string> names;
    for (const auto& [name, value] : req.headers) {
      headers.push_back(Header{name, value});
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (std::find(names.begin(), names.end(), lower) == names.end()) names.push_back(lower);
    }
    std::sort(names.begin(), names.end());
    const RequestView view{req.method, req.target, headers, req.body};
    const std::string canonical =
        CanonicalRequest(view, names, HexEncode(crypto::Sha256(AsBytes(req.body))));
    EXPECT_EQ(canonical, ReadFile(base.string() + ".creq"));
    const std::string string_to_sign = StringToSign(kDate, scope, canonical);
    EXPECT_EQ(string_to_sign, ReadFile(base.string() + ".sts"));
    std::string joined;
    for (const std::string& name : names) joined += (joined.empty() ? "" : ";") + name;
    const std::string authorization =
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + scope.ToString() +
        ", SignedHeaders=" + joined +
        ", Signature=" + Signature(SigningKey(kSecret, scope), string_to_sign);
    EXPECT_EQ(authorization, ReadFile(base.string() + ".authz"));
  }
}

}  // namespace
}  // namespace kms::sigv4
