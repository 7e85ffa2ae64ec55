// GoogleTest helpers for kms::Status and kms::StatusOr<T>.
#ifndef KMS_TESTS_TESTING_STATUS_MATCHERS_H_
#define KMS_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>

#include <gmock/gmock.h>

#include "kms/status.h"

namespace kms {

inline void PrintTo(const Status& status, std::ostream* os) { *os << status.ToString(); }

namespace testing_internal {
inline Status GetStatus(const Status& status) { return status; }
template <class T>
Status GetStatus(const StatusOr<T>& value) {
  return value ? Status() : value.error();
}
}  // namespace testing_internal

// EXPECT_THAT(s, StatusIs(Code::kNotFound)) for a Status or a StatusOr<T>.
MATCHER_P(StatusIs, code, "has status code " + std::string(::kms::CodeName(code))) {
  const ::kms::Status status = ::kms::testing_internal::GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message, "has status " + std::string(::kms::CodeName(code))) {
  const ::kms::Status status = ::kms::testing_internal::GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code && ::testing::Matches(message)(status.message());
}

MATCHER(IsOk, "is OK") {
  const ::kms::Status status = ::kms::testing_internal::GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.ok();
}

}  // namespace kms

// lhs is a declaration ("auto x"), which parentheses would break.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define KMS_ASSERT_OK_AND_ASSIGN(lhs, expr)                         \
  auto KMS_CONCAT_(kms_test_value_, __LINE__) = (expr);             \
  ASSERT_TRUE(KMS_CONCAT_(kms_test_value_, __LINE__).has_value())   \
      << KMS_CONCAT_(kms_test_value_, __LINE__).error().ToString(); \
  lhs = std::move(*KMS_CONCAT_(kms_test_value_, __LINE__))
// NOLINTEND(bugprone-macro-parentheses)

#endif  // KMS_TESTS_TESTING_STATUS_MATCHERS_H_
