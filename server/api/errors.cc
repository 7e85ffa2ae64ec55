#include "errors.h"

#include "kms/json/writer.h"

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
  json::Writer w;
  w.StartObject().Field("__type", CodeName(status.code()));
  if (!status.message().empty()) {
    const bool capital =
        status.code() == Code::kAccessDenied || status.code() == Code::kSerialization;
    // Messages may echo header bytes (SigV4 errors quote the Authorization
    // header): the writer keeps the body valid UTF-8 whatever they hold.
    w.Field(capital ? "Message" : "message", status.message());
  }
  w.EndObject();
  return w.Take();
}

}  // namespace kms::api
