// Fuzz target for request bodies: parsing, typed reading of every member kind
// with validation, and CloudTrail's requestParameters rendering.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kms/json_text.h"
#include "server/api/request_parameters.h"
#include "server/api/request_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kms::api;
  rapidjson::Document doc;
  if (!ParseBody(std::string_view(reinterpret_cast<const char*>(data), size), &doc).ok()) return 0;
  static constexpr std::array<std::string_view, 2> kSpecs = {"AES_256", "AES_128"};
  RequestReader in(doc);
  in.String("KeyId", StringRule{.required = true, .min_length = 1, .max_length = 2048});
  in.Int("NumberOfBytes", IntRule{.min = 1, .max = 1024});
  in.String("KeySpec", StringRule{.enum_values = kSpecs});
  in.SecretBlob("Plaintext", BlobRule{.min_length = 1, .max_length = 4096, .sensitive = true});
  in.Blob("CiphertextBlob", BlobRule{.min_length = 1, .max_length = 6144});
  in.StringMap("EncryptionContext");
  in.StringList("GrantTokens", ListRule{.max_items = 10}, StringRule{.min_length = 1});
  in.Tags("Tags", ListRule{.max_items = 50});
  in.Bool("DryRun");
  if (const rapidjson::Value* nested = in.Structure("Constraints")) {
    RequestReader inner = in.Nested(*nested, "constraints");
    inner.StringMap("EncryptionContextSubset");
    (void)inner.Finish();
  }
  (void)in.Finish();
  // Whatever the body, its record fragment is bounded, well-formed JSON.
  for (std::string_view operation :
       {"CreateKey", "CreateGrant", "TagResource", "ReEncrypt", "GenerateDataKey", "PutKeyPolicy",
        "UntagResource", "LookupEvents"}) {
    const std::string rendered = RenderRequestParameters(operation, doc);
    KMS_CHECK(rendered.size() < (size_t{128} << 10));
    KMS_CHECK(kms::CheckJsonText(rendered, kms::JsonTextLimits{}) == kms::JsonTextProblem::kNone);
    rapidjson::Document check;
    check.Parse(rendered.data(), rendered.size());
    KMS_CHECK(!check.HasParseError());
  }
  return 0;
}
