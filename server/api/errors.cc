#include "server/api/errors.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "kms/text.h"

namespace kms::api {

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kInternal:
    case Code::kStoreFull:
    case Code::kKeyUnavailable:
      return 500;
    case Code::kDependencyTimeout:
      return 503;
    default:
      return 400;
  }
}

std::string ErrorBody(const Status& status) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("__type");
  const std::string_view type = CodeName(status.code());
  w.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
  if (!status.message().empty()) {
    const bool capital = status.code() == Code::kAccessDenied || status.code() == Code::kSerialization;
    w.Key(capital ? "Message" : "message");
    // Messages may echo header bytes (SigV4 errors quote the Authorization
    // header): the body stays valid UTF-8 JSON whatever they hold.
    const std::string message = SanitizeUtf8(status.message());
    w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace kms::api
