#include "request_reader.h"

#include "kms/encoding.h"
#include "kms/json/reader.h"

namespace kms::api {
namespace {

// The JSON token names Coral uses in SerializationException texts.
std::string_view TokenName(const rapidjson::Value& v) {
  if (v.IsString()) return "STRING_VALUE";
  if (v.IsTrue()) return "TRUE_VALUE";
  if (v.IsFalse()) return "FALSE_VALUE";
  return "NUMBER_VALUE";
}

std::string Join(std::span<const std::string_view> values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += values[i];
  }
  return out + "]";
}

}  // namespace

std::string LowerCamel(std::string_view member) {
  std::string out(member);
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

Status ParseBody(std::string_view body, rapidjson::Document* doc) {
  // Malformed JSON (too deep, too wide or not UTF-8 included), trailing
  // garbage, an empty body or a scalar: no message, as AWS answers.
  if (!json::Parse(body, kRequestJsonLimits, doc).ok()) return Error(Code::kSerialization);
  if (doc->IsArray()) return Error(Code::kSerialization, "Start of list found where not expected");
  if (!doc->IsObject()) return Error(Code::kSerialization);
  return OkStatus();
}

std::string RequestReader::Path(const char* member) const { return prefix_ + LowerCamel(member); }

const rapidjson::Value* RequestReader::Find(const char* member, bool required) {
  auto it = body_.FindMember(member);
  if (it == body_.MemberEnd() || it->value.IsNull()) {
    if (required)
      violations_.push_back("Value null at '" + Path(member) +
                            "' failed to satisfy constraint: Member must not be null");
    return nullptr;
  }
  return &it->value;
}

void RequestReader::TypeMismatch(const rapidjson::Value& value, std::string_view wanted) {
  if (serialization_error_) return;
  std::string message;
  if (value.IsObject()) {
    message = "Start of structure or map found where not expected.";
  } else if (value.IsArray()) {
    message = "Start of list found where not expected";
  } else if (wanted == "list") {
    message = "Expected list or null";
  } else if (wanted == "structure") {
    message = "Expected null";
  } else {
    message = std::string(TokenName(value)) + " can not be converted to " + std::string(wanted);
  }
  serialization_error_ = Status(Code::kSerialization, std::move(message));
}

void RequestReader::Violation(const char* member, const std::string* value,
                              std::string_view constraint) {
  std::string text = "Value ";
  if (value != nullptr) text += "'" + *value + "' ";
  text +=
      "at '" + std::string(member) + "' failed to satisfy constraint: " + std::string(constraint);
  violations_.push_back(std::move(text));
}

bool RequestReader::CheckString(const std::string& path, const std::string& value,
                                const StringRule& rule) {
  const std::string* shown = rule.sensitive ? nullptr : &value;
  const size_t before = violations_.size();
  if (!rule.enum_values.empty()) {
    bool found = false;
    for (std::string_view allowed : rule.enum_values) found |= allowed == value;
    if (!found)
      Violation(path.c_str(), shown,
                "Member must satisfy enum value set: " + Join(rule.enum_values));
  }
  if (rule.matches != nullptr && !rule.matches(value)) {
    Violation(path.c_str(), shown,
              "Member must satisfy regular expression pattern: " + std::string(rule.pattern));
  }
  if (value.size() < rule.min_length) {
    Violation(
        path.c_str(), shown,
        "Member must have length greater than or equal to " + std::to_string(rule.min_length));
  }
  if (value.size() > rule.max_length) {
    Violation(path.c_str(), shown,
              "Member must have length less than or equal to " + std::to_string(rule.max_length));
  }
  return violations_.size() == before;
}

std::optional<std::string> RequestReader::String(const char* member, const StringRule& rule) {
  const rapidjson::Value* v = Find(member, rule.required);
  if (v == nullptr) return std::nullopt;
  if (!v->IsString()) {
    TypeMismatch(*v, "a String");
    return std::nullopt;
  }
  std::string value(v->GetString(), v->GetStringLength());
  if (!CheckString(Path(member), value, rule)) return std::nullopt;
  return value;
}

std::optional<EpochMillis> RequestReader::Timestamp(const char* member) {
  const rapidjson::Value* v = Find(member, false);
  if (v == nullptr) return std::nullopt;
  if (!v->IsNumber()) {
    TypeMismatch(*v, "a Timestamp");
    return std::nullopt;
  }
  // Far beyond any date KMS takes, and within int64 milliseconds.
  const double seconds = std::max(-1e15, std::min(1e15, v->GetDouble()));
  return static_cast<EpochMillis>(seconds * 1000);
}

std::optional<int64_t> RequestReader::Int(const char* member, const IntRule& rule) {
  const rapidjson::Value* v = Find(member, rule.required);
  if (v == nullptr) return std::nullopt;
  if (!v->IsNumber()) {
    TypeMismatch(*v, "an Integer");
    return std::nullopt;
  }
  // Coral truncates a decimal where an integer is expected.
  const int64_t value =
      v->IsInt64()    ? v->GetInt64()
      : v->IsUint64() ? INT64_MAX
                      : static_cast<int64_t>(std::max(-9.2e18, std::min(9.2e18, v->GetDouble())));
  const std::string shown = std::to_string(value);
  if (value < rule.min) {
    Violation(Path(member).c_str(), &shown,
              "Member must have value greater than or equal to " + std::to_string(rule.min));
    return std::nullopt;
  }
  if (value > rule.max) {
    Violation(Path(member).c_str(), &shown,
              "Member must have value less than or equal to " + std::to_string(rule.max));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> RequestReader::Bool(const char* member) {
  const rapidjson::Value* v = Find(member, false);
  if (v == nullptr) return std::nullopt;
  if (!v->IsBool()) {
    TypeMismatch(*v, "a Boolean");
    return std::nullopt;
  }
  return v->GetBool();
}

std::optional<SecretBytes> RequestReader::SecretBlob(const char* member, const BlobRule& rule) {
  const rapidjson::Value* v = Find(member, rule.required);
  if (v == nullptr) return std::nullopt;
  if (!v->IsString()) {
    TypeMismatch(*v, "a ByteBuffer");
    return std::nullopt;
  }
  std::optional<SecretBytes> bytes =
      Base64DecodeSecret(std::string_view(v->GetString(), v->GetStringLength()));
  if (!bytes) {
    if (!serialization_error_) {
      serialization_error_ =
          Status(Code::kSerialization, "Invalid base64 value at '" + Path(member) + "'");
    }
    return std::nullopt;
  }
  // Coral shows a non-sensitive blob as the Java ByteBuffer it decoded into.
  const std::string shown = "java.nio.HeapByteBuffer[pos=0 lim=" + std::to_string(bytes->size()) +
                            " cap=" + std::to_string(bytes->size()) + "]";
  const std::string* value = rule.sensitive ? nullptr : &shown;
  if (bytes->size() < rule.min_length) {
    Violation(
        Path(member).c_str(), value,
        "Member must have length greater than or equal to " + std::to_string(rule.min_length));
    return std::nullopt;
  }
  if (bytes->size() > rule.max_length) {
    Violation(Path(member).c_str(), value,
              "Member must have length less than or equal to " + std::to_string(rule.max_length));
    return std::nullopt;
  }
  return bytes;
}

std::optional<Bytes> RequestReader::Blob(const char* member, const BlobRule& rule) {
  std::optional<SecretBytes> secret = SecretBlob(member, rule);
  if (!secret) return std::nullopt;
  return Bytes(secret->view().begin(), secret->view().end());
}

std::optional<EncryptionContext> RequestReader::StringMap(const char* member, bool required) {
  const rapidjson::Value* v = Find(member, required);
  if (v == nullptr) return std::nullopt;
  if (!v->IsObject()) {
    TypeMismatch(*v, "structure");
    return std::nullopt;
  }
  EncryptionContext out;
  for (const auto& m : v->GetObject()) {
    if (m.value.IsNull()) continue;
    if (!m.value.IsString()) {
      TypeMismatch(m.value, "a String");
      return std::nullopt;
    }
    // JSON objects may repeat a name; the last value wins, as in Jackson.
    out[std::string(m.name.GetString(), m.name.GetStringLength())] =
        std::string(m.value.GetString(), m.value.GetStringLength());
  }
  size_t bytes = 0;
  for (const auto& [key, value] : out) bytes += key.size() + value.size();
  if (bytes > kMaxEncryptionContextBytes && !service_error_) {
    service_error_ = Status(Code::kValidation,
                            "Invalid EncryptionContext: its keys and values add up to more than " +
                                std::to_string(kMaxEncryptionContextBytes) + " bytes");
  }
  return out;
}

std::optional<std::vector<std::string>> RequestReader::StringList(const char* member,
                                                                  const ListRule& rule,
                                                                  const StringRule& item) {
  const rapidjson::Value* v = Find(member, rule.required);
  if (v == nullptr) return std::nullopt;
  if (!v->IsArray()) {
    TypeMismatch(*v, "list");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const auto& element : v->GetArray()) {
    if (element.IsNull()) continue;
    if (!element.IsString()) {
      TypeMismatch(element, "a String");
      return std::nullopt;
    }
    out.emplace_back(element.GetString(), element.GetStringLength());
  }
  const std::string path = Path(member);
  for (const std::string& value : out) {
    if (!item.enum_values.empty()) {
      bool found = false;
      for (std::string_view allowed : item.enum_values) found |= allowed == value;
      if (!found) {
        std::string shown = "[";
        for (size_t i = 0; i < out.size(); ++i) shown += (i ? ", " : "") + out[i];
        shown += "]";
        Violation(path.c_str(), &shown,
                  "Member must satisfy constraint: [Member must satisfy enum value set: " +
                      Join(item.enum_values) + "]");
        ok = false;
        break;
      }
    } else {
      ok &= CheckString(path, value, item);
    }
  }
  if (out.size() < rule.min_items) {
    Violation(path.c_str(), nullptr,
              "Member must have length greater than or equal to " + std::to_string(rule.min_items));
    ok = false;
  }
  if (out.size() > rule.max_items) {
    Violation(path.c_str(), nullptr,
              "Member must have length less than or equal to " + std::to_string(rule.max_items));
    ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<Tag>> RequestReader::Tags(const char* member, const ListRule& rule) {
  const rapidjson::Value* v = Find(member, rule.required);
  if (v == nullptr) return std::nullopt;
  if (!v->IsArray()) {
    TypeMismatch(*v, "list");
    return std::nullopt;
  }
  std::vector<Tag> out;
  bool ok = true;
  int index = 0;
  for (const auto& element : v->GetArray()) {
    if (element.IsNull()) continue;
    ++index;
    if (!element.IsObject()) {
      TypeMismatch(element, "structure");
      return std::nullopt;
    }
    RequestReader tag =
        Nested(element, (LowerCamel(member) + "." + std::to_string(index) + ".member").c_str());
    std::optional<std::string> key =
        tag.String("TagKey", StringRule{.required = true, .min_length = 1, .max_length = 128});
    std::optional<std::string> value =
        tag.String("TagValue", StringRule{.required = true, .min_length = 0, .max_length = 256});
    if (tag.serialization_error_ && !serialization_error_)
      serialization_error_ = tag.serialization_error_;
    for (std::string& violation : tag.violations_) violations_.push_back(std::move(violation));
    if (!key || !value) {
      ok = false;
      continue;
    }
    out.push_back(Tag{std::move(*key), std::move(*value)});
  }
  if (out.size() < rule.min_items || out.size() > rule.max_items) {
    Violation(
        Path(member).c_str(), nullptr,
        out.size() < rule.min_items
            ? "Member must have length greater than or equal to " + std::to_string(rule.min_items)
            : "Member must have length less than or equal to " + std::to_string(rule.max_items));
    ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

const rapidjson::Value* RequestReader::Structure(const char* member) {
  const rapidjson::Value* v = Find(member, false);
  if (v == nullptr) return nullptr;
  if (!v->IsObject()) {
    TypeMismatch(*v, "structure");
    return nullptr;
  }
  return v;
}

RequestReader RequestReader::Nested(const rapidjson::Value& value, const char* member) const {
  RequestReader child(value);
  child.prefix_ = prefix_ + std::string(member) + ".";
  return child;
}

Status RequestReader::Finish() const {
  if (serialization_error_) return *serialization_error_;
  if (violations_.empty()) return service_error_.value_or(OkStatus());
  std::string message =
      std::to_string(violations_.size()) +
      (violations_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < violations_.size(); ++i) {
    if (i > 0) message += "; ";
    message += violations_[i];
  }
  return Error(Code::kValidation, std::move(message));
}

}  // namespace kms::api
