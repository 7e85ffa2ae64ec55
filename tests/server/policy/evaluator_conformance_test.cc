// Table-driven conformance cases for the policy evaluator and Authorize. Each
// case is a fact from the IAM User Guide (IAM) or the KMS Developer Guide
// (KMS); its name states the fact.
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kms/server/policy/policy.h"
#include "server/policy/policy_test_util.h"

namespace kms::policy {
namespace {

using testing::Document;
using testing::kAccount;
using testing::kKeyArn;
using testing::MakeRequest;
using testing::Values;
using testing::Who;

// ---------------------------------------------------------------------------
// Conditions: a key policy allowing {"AWS":"*"} kms:Decrypt under one
// Condition block; the request is allowed exactly when the block holds.
// Sources: IAM "Condition operators", "Creating a condition with multiple
// keys or values", "Variables and tags"; KMS "AWS KMS condition keys".

struct ConditionCase {
  std::string name;
  std::string condition;  // the JSON object of the Condition element
  Values request;
  bool holds;
  Who caller = Who::kAlice;
  std::string version = "2012-10-17";  // "" omits the Version element
};

const std::string kVia = "kms:ViaService";
const std::string kRdsVia = "rds.us-east-1.amazonaws.com";
const std::string kEcDept = "kms:encryptioncontext:department";
const std::string kEcKeys = "kms:EncryptionContextKeys";
const std::string kDays = "kms:ScheduleKeyDeletionPendingWindowInDays";
const std::string kTime = "aws:CurrentTime";
const std::string kSrcIp = "aws:SourceIp";
const std::string kSrcArn = "aws:SourceArn";
const std::string kRdsDbArn = "arn:aws:rds:us-east-1:111122223333:db:mydb";
const std::string kDocExampleArn =
    "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";

std::vector<ConditionCase> ConditionCases() {
  const std::string via_eq = R"({"StringEquals":{"kms:ViaService":"rds.us-east-1.amazonaws.com"}})";
  const std::string two_values = R"({"StringEquals":{"kms:ViaService":["a","b"]}})";
  const std::string not_two = R"({"StringNotEquals":{"kms:ViaService":["a","b"]}})";
  const std::string dept = R"({"StringEquals":{"kms:EncryptionContext:Department":"Finance"}})";
  const std::string ip = R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})";
  const std::string ip6 = R"({"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}})";
  const std::string ip_two = R"({"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}})";
  const std::string not_ip_two =
      R"({"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}})";
  const std::string arn_like = R"({"ArnLike":{"aws:SourceArn":"arn:aws:rds:*:111122223333:db:*"}})";
  const std::string any_ab =
      R"({"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":["a","b"]}})";
  const std::string all_ab =
      R"({"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["a","b"]}})";
  const std::string owner_is_user =
      R"({"StringEquals":{"kms:EncryptionContext:owner":"${aws:username}"}})";
  const std::string star_escape = R"({"StringLike":{"kms:EncryptionContext:p":"a${*}b"}})";
  const std::string grant_ops =
      R"({"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt","Encrypt"]}})";
  const std::string date_lt = R"({"DateLessThan":{"aws:CurrentTime":"2025-01-01T00:00:00Z"}})";
  const std::string days_lt =
      R"({"NumericLessThan":{"kms:ScheduleKeyDeletionPendingWindowInDays":"30"}})";
  const std::string both_keys =
      R"({"StringEquals":{"kms:ViaService":"rds.us-east-1.amazonaws.com",)"
      R"("kms:CallerAccount":"111122223333"}})";
  const std::string two_ops = R"({"StringEquals":{"kms:ViaService":"rds.us-east-1.amazonaws.com"},)"
                              R"("Bool":{"aws:SecureTransport":"true"}})";
  return {
      // String operators.
      {"StringEqualsMatchesTheExactValue", via_eq, {{kVia, {kRdsVia}}}, true},
      {"StringEqualsIsCaseSensitiveForValues",
       via_eq,
       {{kVia, {"RDS.us-east-1.amazonaws.com"}}},
       false},
      {"StringEqualsIsFalseWhenTheKeyIsAbsent", via_eq, {}, false},
      {"ConditionKeyNamesAreCaseInsensitive",
       R"({"StringEquals":{"KMS:VIASERVICE":"rds.us-east-1.amazonaws.com"}})",
       {{"kms:viaservice", {kRdsVia}}},
       true},
      {"SeveralPolicyValuesForOneKeyAreOred", two_values, {{kVia, {"b"}}}, true},
      {"NoPolicyValueMatchingMeansFalse", two_values, {{kVia, {"c"}}}, false},
      {"StringNotEqualsHoldsForADifferentValue",
       R"({"StringNotEquals":{"kms:ViaService":"a"}})",
       {{kVia, {"b"}}},
       true},
      {"StringNotEqualsFailsForTheEqualValue",
       R"({"StringNotEquals":{"kms:ViaService":"a"}})",
       {{kVia, {"a"}}},
       false},
      {"StringNotEqualsIsTrueWhenTheKeyIsAbsent",
       R"({"StringNotEquals":{"kms:ViaService":"a"}})",
       {},
       true},
      {"NegatedOperatorWithSeveralValuesIsNorSoOneMatchFails", not_two, {{kVia, {"a"}}}, false},
      {"NegatedOperatorWithSeveralValuesHoldsWhenNoneMatches", not_two, {{kVia, {"c"}}}, true},
      {"StringEqualsIgnoreCaseMatchesAnotherCase",
       R"({"StringEqualsIgnoreCase":{"kms:ViaService":"RDS.US-EAST-1.AMAZONAWS.COM"}})",
       {{kVia, {kRdsVia}}},
       true},
      {"StringEqualsIgnoreCaseFailsForAnotherValue",
       R"({"StringEqualsIgnoreCase":{"kms:ViaService":"ec2.us-east-1.amazonaws.com"}})",
       {{kVia, {kRdsVia}}},
       false},
      {"StringNotEqualsIgnoreCaseFailsWhenOnlyCaseDiffers",
       R"({"StringNotEqualsIgnoreCase":{"kms:ViaService":"RDS.us-east-1.amazonaws.com"}})",
       {{kVia, {kRdsVia}}},
       false},
      {"StringNotEqualsIgnoreCaseHoldsForAnotherValue",
       R"({"StringNotEqualsIgnoreCase":{"kms:ViaService":"ec2.us-east-1.amazonaws.com"}})",
       {{kVia, {kRdsVia}}},
       true},
      {"StringLikeStarMatchesAnyRun",
       R"({"StringLike":{"kms:ViaService":"rds.*.amazonaws.com"}})",
       {{kVia, {kRdsVia}}},
       true},
      {"StringLikeQuestionMarkMatchesOneCharacter",
       R"({"StringLike":{"kms:EncryptionContext:db":"db-?"}})",
       {{"kms:encryptioncontext:db", {"db-1"}}},
       true},
      {"StringLikeQuestionMarkDoesNotMatchTwoCharacters",
       R"({"StringLike":{"kms:EncryptionContext:db":"db-?"}})",
       {{"kms:encryptioncontext:db", {"db-12"}}},
       false},
      {"StringLikeIsCaseSensitive",
       R"({"StringLike":{"kms:ViaService":"RDS.*"}})",
       {{kVia, {kRdsVia}}},
       false},
      {"StringLikeWithoutWildcardMatchesWholeStringOnly",
       R"({"StringLike":{"kms:ViaService":"rds"}})",
       {{kVia, {kRdsVia}}},
       false},
      {"StringNotLikeHoldsWhenThePatternDoesNotMatch",
       R"({"StringNotLike":{"kms:ViaService":"ec2.*"}})",
       {{kVia, {kRdsVia}}},
       true},
      {"StringNotLikeFailsWhenThePatternMatches",
       R"({"StringNotLike":{"kms:ViaService":"rds.*"}})",
       {{kVia, {kRdsVia}}},
       false},
      {"StringNotLikeIsTrueWhenTheKeyIsAbsent",
       R"({"StringNotLike":{"kms:ViaService":"rds.*"}})",
       {},
       true},
      // kms:EncryptionContext:<key> (KMS "kms:EncryptionContext:context-key").
      {"EncryptionContextKeyPartIsCaseInsensitive", dept, {{kEcDept, {"Finance"}}}, true},
      {"EncryptionContextValueIsCaseSensitiveWithStringEquals",
       dept,
       {{kEcDept, {"finance"}}},
       false},
      {"EncryptionContextMissingPairFailsStringEquals",
       dept,
       {{"kms:encryptioncontext:project", {"x"}}},
       false},
      // Numeric operators.
      {"NumericEqualsMatchesTheSameNumber",
       R"({"NumericEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":"10"}})",
       {{kDays, {"10"}}},
       true},
      {"NumericEqualsComparesNumbersNotText",
       R"({"NumericEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":"10"}})",
       {{kDays, {"10.0"}}},
       true},
      {"NumericNotEqualsHoldsForAnotherNumber",
       R"({"NumericNotEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":"10"}})",
       {{kDays, {"7"}}},
       true},
      {"NumericNotEqualsFailsForTheSameNumber",
       R"({"NumericNotEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":"10"}})",
       {{kDays, {"10"}}},
       false},
      {"NumericLessThanHoldsBelow", days_lt, {{kDays, {"7"}}}, true},
      {"NumericLessThanFailsAtEquality", days_lt, {{kDays, {"30"}}}, false},
      {"NumericLessThanFailsWhenTheKeyIsAbsent", days_lt, {}, false},
      {"NumericLessThanEqualsHoldsAtEquality",
       R"({"NumericLessThanEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":"30"}})",
       {{kDays, {"30"}}},
       true},
      {"NumericGreaterThanHoldsAbove",
       R"({"NumericGreaterThan":{"kms:ScheduleKeyDeletionPendingWindowInDays":"7"}})",
       {{kDays, {"8"}}},
       true},
      {"NumericGreaterThanFailsBelow",
       R"({"NumericGreaterThan":{"kms:ScheduleKeyDeletionPendingWindowInDays":"7"}})",
       {{kDays, {"6"}}},
       false},
      {"NumericGreaterThanEqualsHoldsAtEquality",
       R"({"NumericGreaterThanEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":"7"}})",
       {{kDays, {"7"}}},
       true},
      {"NumericComparisonFailsForANonNumericRequestValue", days_lt, {{kDays, {"seven"}}}, false},
      {"NumericPolicyValueMayBeAJsonNumber",
       R"({"NumericLessThanEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":30}})",
       {{kDays, {"30"}}},
       true},
      {"NumericComparesDecimals",
       R"({"NumericLessThan":{"kms:ScheduleKeyDeletionPendingWindowInDays":"2.5"}})",
       {{kDays, {"2.25"}}},
       true},
      // Date operators (W3C ISO 8601 or epoch seconds).
      {"DateLessThanHoldsBefore", date_lt, {{kTime, {"2024-06-01T12:00:00Z"}}}, true},
      {"DateLessThanFailsAfter", date_lt, {{kTime, {"2025-06-01T12:00:00Z"}}}, false},
      {"DateLessThanFailsWhenTheKeyIsAbsent", date_lt, {}, false},
      {"DateGreaterThanHoldsAfter",
       R"({"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:01Z"}})",
       {{kTime, {"2024-06-01T12:00:00Z"}}},
       true},
      {"DateEqualsMatchesEpochSecondsAgainstIsoDate",
       R"({"DateEquals":{"aws:EpochTime":"2024-01-01T00:00:00Z"}})",
       {{"aws:EpochTime", {"1704067200"}}},
       true},
      {"DateLessThanEqualsHoldsAtTheSameInstant",
       R"({"DateLessThanEquals":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})",
       {{kTime, {"2024-01-01T00:00:00Z"}}},
       true},
      {"DateGreaterThanEqualsHonoursTimeZoneOffsets",
       R"({"DateGreaterThanEquals":{"aws:CurrentTime":"2024-01-01T01:00:00+01:00"}})",
       {{kTime, {"2024-01-01T00:00:00Z"}}},
       true},
      {"DateNotEqualsHoldsForAnotherInstant",
       R"({"DateNotEquals":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})",
       {{kTime, {"2024-01-01T00:00:01Z"}}},
       true},
      {"DateOnlyPolicyValueIsMidnightUtc",
       R"({"DateLessThan":{"aws:CurrentTime":"2024-06-01"}})",
       {{kTime, {"2024-05-31T23:59:59Z"}}},
       true},
      // Bool.
      {"BoolTrueMatchesTrue",
       R"({"Bool":{"aws:SecureTransport":"true"}})",
       {{"aws:SecureTransport", {"true"}}},
       true},
      {"BoolTrueFailsForFalse",
       R"({"Bool":{"aws:SecureTransport":"true"}})",
       {{"aws:SecureTransport", {"false"}}},
       false},
      {"BoolFalseMatchesFalse",
       R"({"Bool":{"aws:SecureTransport":"false"}})",
       {{"aws:SecureTransport", {"false"}}},
       true},
      {"BoolIsFalseWhenTheKeyIsAbsent", R"({"Bool":{"aws:SecureTransport":"true"}})", {}, false},
      {"BoolPolicyValueMayBeAJsonBoolean",
       R"({"Bool":{"kms:GrantIsForAWSResource":true}})",
       {{"kms:GrantIsForAWSResource", {"true"}}},
       true},
      // BinaryEquals compares bytes against the base64 text in the policy.
      {"BinaryEqualsMatchesTheDecodedBytes",
       R"({"BinaryEquals":{"kms:EncryptionContext:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}})",
       {{"kms:EncryptionContext:bin", {"BinaryValueInBase64"}}},
       true},
      {"BinaryEqualsFailsForOtherBytes",
       R"({"BinaryEquals":{"kms:EncryptionContext:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}})",
       {{"kms:EncryptionContext:bin", {"OtherValue"}}},
       false},
      // IP address operators.
      {"IpAddressMatchesAnAddressInsideTheIpv4Cidr", ip, {{kSrcIp, {"203.0.113.7"}}}, true},
      {"IpAddressFailsOutsideTheIpv4Cidr", ip, {{kSrcIp, {"203.0.114.1"}}}, false},
      {"IpAddressWithoutPrefixIsASlash32",
       R"({"IpAddress":{"aws:SourceIp":"203.0.113.7"}})",
       {{kSrcIp, {"203.0.113.7"}}},
       true},
      {"IpAddressWithoutPrefixRejectsTheNextAddress",
       R"({"IpAddress":{"aws:SourceIp":"203.0.113.7"}})",
       {{kSrcIp, {"203.0.113.8"}}},
       false},
      {"IpAddressMatchesInsideAnIpv6Cidr", ip6, {{kSrcIp, {"2001:db8:1234:5678::1"}}}, true},
      {"IpAddressFailsOutsideAnIpv6Cidr", ip6, {{kSrcIp, {"2001:db8:1234:5679::1"}}}, false},
      {"IpAddressIpv4ClientIsNotInAnIpv6Range", ip6, {{kSrcIp, {"203.0.113.7"}}}, false},
      {"IpAddressWithSeveralRangesIsOr", ip_two, {{kSrcIp, {"10.1.2.3"}}}, true},
      {"IpAddressIsFalseWhenTheKeyIsAbsent", ip, {}, false},
      {"NotIpAddressHoldsOutsideTheRange",
       R"({"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}})",
       {{kSrcIp, {"198.51.100.1"}}},
       true},
      {"NotIpAddressFailsInsideTheRange",
       R"({"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}})",
       {{kSrcIp, {"203.0.113.1"}}},
       false},
      {"NotIpAddressWithSeveralRangesIsNor", not_ip_two, {{kSrcIp, {"192.168.1.1"}}}, false},
      {"NotIpAddressIsTrueWhenTheKeyIsAbsent", not_ip_two, {}, true},
      // ARN operators: per-component matching.
      {"ArnLikeMatchesWildcardComponents", arn_like, {{kSrcArn, {kRdsDbArn}}}, true},
      {"ArnLikeWildcardDoesNotSpanComponents",
       R"({"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}})",
       {{kSrcArn, {kDocExampleArn}}},
       false},
      {"StringLikeWildcardSpansArnComponents",
       R"({"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}})",
       {{kSrcArn, {kDocExampleArn}}},
       true},
      {"ArnEqualsAcceptsWildcardsLikeArnLike",
       R"({"ArnEquals":{"aws:SourceArn":"arn:aws:rds:*:111122223333:db:*"}})",
       {{kSrcArn, {kRdsDbArn}}},
       true},
      {"ArnLikeIsCaseSensitive",
       R"({"ArnLike":{"aws:SourceArn":"arn:aws:rds:*:111122223333:db:MYDB"}})",
       {{kSrcArn, {kRdsDbArn}}},
       false},
      {"ArnNotLikeHoldsForAnotherArn",
       R"({"ArnNotLike":{"aws:SourceArn":"arn:aws:rds:*:444455556666:db:*"}})",
       {{kSrcArn, {kRdsDbArn}}},
       true},
      {"ArnNotLikeFailsForAMatchingArn",
       R"({"ArnNotLike":{"aws:SourceArn":"arn:aws:rds:*:111122223333:db:*"}})",
       {{kSrcArn, {kRdsDbArn}}},
       false},
      {"ArnNotEqualsIsTrueWhenTheKeyIsAbsent",
       R"({"ArnNotEquals":{"aws:SourceArn":"arn:aws:rds:*:111122223333:db:*"}})",
       {},
       true},
      {"ArnLikeFailsForAValueThatIsNotAnArn", arn_like, {{kSrcArn, {"mydb"}}}, false},
      {"ArnLikeMatchesTheDerivedPrincipalArnOfASession",
       R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/Adm*"}})",
       {},
       true,
       Who::kAdminSession},
      // Null.
      {"NullTrueHoldsWhenTheKeyIsAbsent", R"({"Null":{"kms:ViaService":"true"}})", {}, true},
      {"NullTrueFailsWhenTheKeyIsPresent",
       R"({"Null":{"kms:ViaService":"true"}})",
       {{kVia, {kRdsVia}}},
       false},
      {"NullFalseHoldsWhenTheKeyIsPresent",
       R"({"Null":{"kms:ViaService":"false"}})",
       {{kVia, {kRdsVia}}},
       true},
      {"NullFalseFailsWhenTheKeyIsAbsent", R"({"Null":{"kms:ViaService":"false"}})", {}, false},
      // ...IfExists.
      {"IfExistsIsTrueWhenTheKeyIsAbsent",
       R"({"StringEqualsIfExists":{"kms:ViaService":"rds.us-east-1.amazonaws.com"}})",
       {},
       true},
      {"IfExistsChecksTheValueWhenPresent",
       R"({"StringEqualsIfExists":{"kms:ViaService":"rds.us-east-1.amazonaws.com"}})",
       {{kVia, {kRdsVia}}},
       true},
      {"IfExistsFailsForAWrongValueWhenPresent",
       R"({"StringEqualsIfExists":{"kms:ViaService":"rds.us-east-1.amazonaws.com"}})",
       {{kVia, {"ec2.us-east-1.amazonaws.com"}}},
       false},
      {"NumericIfExistsIsTrueWhenTheKeyIsAbsent",
       R"({"NumericLessThanIfExists":{"kms:ScheduleKeyDeletionPendingWindowInDays":"30"}})",
       {},
       true},
      {"NegatedIfExistsFailsForAListedValue",
       R"({"StringNotEqualsIfExists":{"kms:ViaService":"rds.us-east-1.amazonaws.com"}})",
       {{kVia, {kRdsVia}}},
       false},
      {"IpAddressIfExistsIsTrueWhenTheKeyIsAbsent",
       R"({"IpAddressIfExists":{"aws:SourceIp":"203.0.113.0/24"}})",
       {},
       true},
      {"ArnLikeIfExistsFailsForAnotherArn",
       R"({"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:rds:*:444455556666:db:*"}})",
       {{kSrcArn, {kRdsDbArn}}},
       false},
      // ForAnyValue / ForAllValues.
      {"ForAnyValueIsFalseWhenTheKeyIsAbsent", any_ab, {}, false},
      {"ForAnyValueIsFalseWhenTheKeyIsEmpty", any_ab, {{kEcKeys, {}}}, false},
      {"ForAnyValueHoldsWhenOneRequestValueMatches", any_ab, {{kEcKeys, {"a", "x"}}}, true},
      {"ForAnyValueFailsWhenNoRequestValueMatches", any_ab, {{kEcKeys, {"x", "y"}}}, false},
      {"ForAnyValueIfExistsIsTrueWhenTheKeyIsAbsent",
       R"({"ForAnyValue:StringEqualsIfExists":{"kms:EncryptionContextKeys":"a"}})",
       {},
       true},
      {"ForAllValuesIsTrueWhenTheKeyIsAbsent", all_ab, {}, true},
      {"ForAllValuesIsTrueWhenTheKeyIsEmpty", all_ab, {{kEcKeys, {}}}, true},
      {"ForAllValuesFailsOnAPartialMatch", all_ab, {{kEcKeys, {"a", "x"}}}, false},
      {"ForAllValuesHoldsWhenEveryRequestValueMatches", all_ab, {{kEcKeys, {"b", "a"}}}, true},
      {"ForAllValuesHoldsForASubsetOfThePolicyValues", all_ab, {{kEcKeys, {"b"}}}, true},
      {"ForAnyValueStringLikeMatchesAPattern",
       R"({"ForAnyValue:StringLike":{"kms:EncryptionContextKeys":"Dept*"}})",
       {{kEcKeys, {"Project", "DeptA"}}},
       true},
      {"ForAnyValueStringNotEqualsHoldsWhenSomeValueIsUnlisted",
       R"({"ForAnyValue:StringNotEquals":{"kms:EncryptionContextKeys":"a"}})",
       {{kEcKeys, {"a", "b"}}},
       true},
      {"ForAllValuesStringNotEqualsFailsWhenSomeValueIsListed",
       R"({"ForAllValues:StringNotEquals":{"kms:EncryptionContextKeys":"a"}})",
       {{kEcKeys, {"a", "b"}}},
       false},
      {"GrantOperationsOutsideTheListFailForAllValues",
       grant_ops,
       {{"kms:GrantOperations", {"Decrypt", "ReEncryptFrom"}}},
       false},
      {"GrantOperationsInsideTheListPassForAllValues",
       grant_ops,
       {{"kms:GrantOperations", {"Decrypt"}}},
       true},
      // Several keys and operators are AND-ed.
      {"SeveralKeysInOneOperatorHoldWhenAllHold",
       both_keys,
       {{kVia, {kRdsVia}}, {"kms:CallerAccount", {kAccount}}},
       true},
      {"SeveralKeysInOneOperatorFailWhenOneFails",
       both_keys,
       {{kVia, {kRdsVia}}, {"kms:CallerAccount", {"444455556666"}}},
       false},
      {"SeveralOperatorsHoldWhenAllHold",
       two_ops,
       {{kVia, {kRdsVia}}, {"aws:SecureTransport", {"true"}}},
       true},
      {"SeveralOperatorsFailWhenOneFails",
       two_ops,
       {{kVia, {kRdsVia}}, {"aws:SecureTransport", {"false"}}},
       false},
      // Policy variables.
      {"UsernameVariableTakesTheCallersName",
       owner_is_user,
       {{"kms:EncryptionContext:owner", {"alice"}}},
       true},
      {"UsernameVariableRejectsAnotherUsersValue",
       owner_is_user,
       {{"kms:EncryptionContext:owner", {"bob"}}},
       false},
      {"UsernameVariableIsAbsentForRoleSessionsSoNothingMatches",
       owner_is_user,
       {{"kms:EncryptionContext:owner", {"Admin"}}},
       false,
       Who::kAdminSession},
      {"VariableDefaultIsUsedWhenTheKeyIsAbsent",
       R"({"StringEquals":{"kms:EncryptionContext:owner":"${aws:username, 'nobody'}"}})",
       {{"kms:EncryptionContext:owner", {"nobody"}}},
       true,
       Who::kAdminSession},
      {"UseridVariableTakesThePrincipalId",
       R"({"StringEquals":{"kms:EncryptionContext:owner":"${aws:userid}"}})",
       {{"kms:EncryptionContext:owner", {"AIDAALICE"}}},
       true},
      {"PrincipalTagVariableTakesTheTagValue",
       R"({"StringEquals":{"kms:EncryptionContext:team":"${aws:PrincipalTag/team}"}})",
       {{"kms:EncryptionContext:team", {"blue"}}},
       true},
      {"SourceIpVariableTakesTheCallerAddress",
       R"({"StringEquals":{"kms:EncryptionContext:ip":"${aws:SourceIp}"}})",
       {{"kms:EncryptionContext:ip", {"198.51.100.9"}}, {kSrcIp, {"198.51.100.9"}}},
       true},
      {"AnyConditionKeyCanBeAVariable",
       R"({"StringEquals":{"kms:EncryptionContext:a":"${kms:EncryptionContext:b}"}})",
       {{"kms:EncryptionContext:a", {"same"}}, {"kms:EncryptionContext:b", {"same"}}},
       true},
      {"TextFromAVariableIsNotAWildcard",
       R"({"StringLike":{"kms:EncryptionContext:a":"${kms:EncryptionContext:b}"}})",
       {{"kms:EncryptionContext:a", {"xyz"}}, {"kms:EncryptionContext:b", {"*"}}},
       false},
      {"MultiValuedKeyCannotBeAVariable",
       R"({"StringEquals":{"kms:EncryptionContext:a":"${kms:EncryptionContextKeys}"}})",
       {{"kms:EncryptionContext:a", {"x"}}, {kEcKeys, {"x", "y"}}},
       false},
      {"StarEscapeMatchesALiteralAsterisk",
       star_escape,
       {{"kms:EncryptionContext:p", {"a*b"}}},
       true},
      {"StarEscapeIsNotAWildcard", star_escape, {{"kms:EncryptionContext:p", {"axb"}}}, false},
      {"DollarEscapeMatchesALiteralDollar",
       R"({"StringEquals":{"kms:EncryptionContext:p":"${$}x"}})",
       {{"kms:EncryptionContext:p", {"$x"}}},
       true},
      {"VariablesAreLiteralTextInVersion2008",
       owner_is_user,
       {{"kms:EncryptionContext:owner", {"${aws:username}"}}},
       true,
       Who::kAlice,
       "2008-10-17"},
      {"VariablesAreLiteralTextWithoutAVersion",
       owner_is_user,
       {{"kms:EncryptionContext:owner", {"alice"}}},
       false,
       Who::kAlice,
       ""},
      // Keys KMS and IAM fill from the caller.
      {"PrincipalTypeOfAnIamUserIsUser",
       R"({"StringEquals":{"aws:PrincipalType":"User"}})",
       {},
       true},
      {"PrincipalTypeOfARoleSessionIsAssumedRole",
       R"({"StringEquals":{"aws:PrincipalType":"AssumedRole"}})",
       {},
       true,
       Who::kAdminSession},
      {"CallerAccountIsTheCallersAccount",
       R"({"StringEquals":{"kms:CallerAccount":"111122223333"}})",
       {},
       true},
      {"PrincipalTagConditionUsesTheCallersTags",
       R"({"StringEquals":{"aws:PrincipalTag/Team":"blue"}})",
       {},
       true},
  };
}

void PrintTo(const ConditionCase& c, std::ostream* os) { *os << c.name; }

RequestContext RequestFor(const ConditionCase& c) {
  return MakeRequest(c.caller, "kms:Decrypt", kKeyArn, c.request);
}

std::string KeyPolicyFor(const ConditionCase& c) {
  std::string out = "{";
  if (!c.version.empty()) out += R"("Version":")" + c.version + R"(",)";
  return out + R"("Statement":[{"Sid":"Conditional","Effect":"Allow","Principal":{"AWS":"*"},)" +
         R"("Action":"kms:Decrypt","Resource":"*","Condition":)" + c.condition + "}]}";
}

class ConditionConformanceTest : public ::testing::TestWithParam<ConditionCase> {};

TEST_P(ConditionConformanceTest, AllowsExactlyWhenTheConditionHolds) {
  const ConditionCase& c = GetParam();
  auto policy = ParsePolicy(KeyPolicyFor(c), ParseOptions{});
  ASSERT_TRUE(policy) << policy.error().ToString();
  const RequestContext request = RequestFor(c);
  EXPECT_EQ((*policy)->Evaluate(request).allowed(), c.holds);
  const Decision decision =
      Authorize(AuthorizationInput{&request, kAccount, *policy, {}, std::nullopt});
  EXPECT_EQ(decision.allowed, c.holds) << decision.Explain();
}

std::string ConditionCaseName(const ::testing::TestParamInfo<ConditionCase>& param) {
  return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(Iam, ConditionConformanceTest, ::testing::ValuesIn(ConditionCases()),
                         ConditionCaseName);

// ---------------------------------------------------------------------------
// Authorization: key policy, identity policies, grants and callers.

using Reason = Decision::Reason;

struct AuthzCase {
  std::string name;
  std::string key_policy;  // "" for an action without a key
  std::vector<std::string> identity;
  Who caller;
  std::string action;
  Reason expected;
  Values request = {};
  bool grant = false;
  std::string resource = "";  // default: the key ARN, or "*" without a key
};

void PrintTo(const AuthzCase& c, std::ostream* os) { *os << c.name; }

bool IsAllowed(Reason reason) {
  return reason == Reason::kAllowedByKeyPolicy || reason == Reason::kAllowedByIdentityPolicy ||
         reason == Reason::kAllowedByGrant || reason == Reason::kAllowedAsAccountRoot;
}

// Key policy with one statement.
std::string KeyStatement(const std::string& effect, const std::string& principal,
                         const std::string& action, const std::string& extra = "") {
  return Document({R"({"Effect":")" + effect + R"(",)" + principal + R"(,"Action":)" + action +
                   R"(,"Resource":"*")" + extra + "}"});
}

// Identity policy with one statement.
std::string Iam(const std::string& effect, const std::string& action, const std::string& resource) {
  return Document(
      {R"({"Effect":")" + effect + R"(","Action":)" + action + R"(,"Resource":)" + resource + "}"});
}

const std::string kKeyRes = std::string("\"") + kKeyArn + "\"";
const std::string kAliceP = R"("Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"})";
const std::string kAdminRoleP = R"("Principal":{"AWS":"arn:aws:iam::111122223333:role/Admin"})";
const std::string kOtherAcctP = R"("Principal":{"AWS":"arn:aws:iam::444455556666:root"})";
const std::string kStarP = R"("Principal":"*")";
const std::string kDecrypt = R"("kms:Decrypt")";
const std::string kAll = R"("kms:*")";

std::vector<AuthzCase> AuthzCases() {
  const std::string def = testing::kDefaultKeyPolicy;
  const std::string rds = testing::kAwsRdsKeyPolicy;
  const std::string alice_decrypt = KeyStatement("Allow", kAliceP, kDecrypt);
  const std::string iam_all_on_key = Iam("Allow", kAll, kKeyRes);
  const std::string iam_all = Iam("Allow", kAll, R"("*")");
  const std::string cross = KeyStatement("Allow", kOtherAcctP, kAll);
  const std::string deny_alice_decrypt = Document(
      {R"({"Sid":"Enable IAM User Permissions","Effect":"Allow",)"
       R"("Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"})",
       R"({"Sid":"NoDecryptForAlice","Effect":"Deny",)"
       R"("Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Decrypt",)"
       R"("Resource":"*"})"});
  const std::string not_principal_alice_and_account =
      Document({R"({"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})",
                R"({"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice",)"
                R"("arn:aws:iam::111122223333:root"]},"Action":"kms:*","Resource":"*"})"});
  const std::string not_principal_alice_only =
      Document({R"({"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})",
                R"({"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
                R"("Action":"kms:*","Resource":"*"})"});
  const std::string not_principal_session = Document(
      {R"({"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})",
       R"({"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:role/Admin",)"
       R"("arn:aws:sts::111122223333:assumed-role/Admin/s1","111122223333"]},"Action":"kms:*",)"
       R"("Resource":"*"})"});
  const std::string not_principal_role_only =
      Document({R"({"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})",
                R"({"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:role/Admin",)"
                R"("111122223333"]},"Action":"kms:*","Resource":"*"})"});
  const std::string deny_not_decrypt =
      Document({R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
                R"("Action":"kms:*","Resource":"*"})",
                R"({"Effect":"Deny","Principal":"*","NotAction":"kms:Decrypt","Resource":"*"})"});
  const std::string via_ctx =
      R"(,"Condition":{"StringEquals":{"kms:ViaService":"rds.us-east-1.amazonaws.com"}})";
  const Values via_rds = {{kVia, {kRdsVia}}, {"kms:CallerAccount", {kAccount}}};
  const std::string create = "kms:CreateKey";
  return {
      // Delegation to IAM by the account principal (KMS "Default key policy").
      {"DefaultKeyPolicyDelegatesToIamSoAUserWithoutIamPolicyIsDenied",
       def,
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoIdentityPolicyAllow},
      {"DefaultKeyPolicyPlusIamAllowOnTheKeyAllows",
       def,
       {iam_all_on_key},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByIdentityPolicy},
      {"DefaultKeyPolicyAllowsTheAccountRootDirectly",
       def,
       {},
       Who::kRoot,
       "kms:ScheduleKeyDeletion",
       Reason::kAllowedByKeyPolicy},
      {"DefaultKeyPolicyDelegatesToRoleSessionsIamPolicies",
       def,
       {iam_all_on_key},
       Who::kAdminSession,
       "kms:Encrypt",
       Reason::kAllowedByIdentityPolicy},
      {"AccountIdPrincipalDelegatesLikeTheRootArn",
       KeyStatement("Allow", R"("Principal":{"AWS":"111122223333"})", kAll),
       {iam_all_on_key},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByIdentityPolicy},
      {"AccountIdPrincipalAloneDoesNotAllowAUser",
       KeyStatement("Allow", R"("Principal":{"AWS":"111122223333"})", kAll),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoIdentityPolicyAllow},
      {"IamAllowIsIneffectiveWithoutKeyPolicyDelegation",
       alice_decrypt,
       {iam_all_on_key},
       Who::kBob,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"RootIsDeniedWhenTheKeyPolicyDoesNotNameTheAccount",
       alice_decrypt,
       {},
       Who::kRoot,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"IamPolicyCannotExceedTheActionsTheKeyPolicyDelegates",
       KeyStatement("Allow", R"("Principal":{"AWS":"arn:aws:iam::111122223333:root"})",
                    R"("kms:Describe*")"),
       {iam_all_on_key},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      // Principals named directly.
      {"KeyPolicyNamingAUserAllowsItWithoutIamPolicy",
       alice_decrypt,
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"KeyPolicyNamingAUserDoesNotAllowAnotherUser",
       alice_decrypt,
       {},
       Who::kBob,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"KeyPolicyRoleArnMatchesSessionsOfThatRole",
       KeyStatement("Allow", kAdminRoleP, kAll),
       {},
       Who::kAdminSession,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"KeyPolicySessionArnMatchesThatSession",
       KeyStatement("Allow",
                    R"("Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/Admin/s1"})",
                    kAll),
       {},
       Who::kAdminSession,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"KeyPolicySessionArnDoesNotMatchAnotherSession",
       KeyStatement("Allow",
                    R"("Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/Admin/s1"})",
                    kAll),
       {},
       Who::kAdminSession2,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"KeyPolicyRoleArnDoesNotMatchAUser",
       KeyStatement("Allow", kAdminRoleP, kAll),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"KeyPolicyPrincipalListMatchesAnyEntry",
       KeyStatement("Allow",
                    R"("Principal":{"AWS":["arn:aws:iam::111122223333:user/bob",)"
                    R"("arn:aws:iam::111122223333:user/alice"]})",
                    kAll),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"StarPrincipalAllowsASameAccountUserDirectly",
       KeyStatement("Allow", kStarP, kDecrypt),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"AwsStarPrincipalEqualsStar",
       KeyStatement("Allow", R"("Principal":{"AWS":"*"})", kDecrypt),
       {},
       Who::kBob,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"ServicePrincipalIsAllowedWhenNamed",
       KeyStatement("Allow", R"("Principal":{"Service":"rds.amazonaws.com"})", kDecrypt),
       {},
       Who::kRds,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"ServicePrincipalListMatchesAnyEntry",
       KeyStatement("Allow", R"("Principal":{"Service":["ec2.amazonaws.com","rds.amazonaws.com"]})",
                    kDecrypt),
       {},
       Who::kRds,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"ServicePrincipalIsDeniedWhenAnotherServiceIsNamed",
       KeyStatement("Allow", R"("Principal":{"Service":"ec2.amazonaws.com"})", kDecrypt),
       {},
       Who::kRds,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"ServicePrincipalIsNotCoveredByTheAccountPrincipal",
       def,
       {},
       Who::kRds,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"ServicePrincipalIsCoveredByStar",
       KeyStatement("Allow", kStarP, kDecrypt),
       {},
       Who::kRds,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"ServiceNameDoesNotMatchAUserPrincipal",
       KeyStatement("Allow", R"("Principal":{"Service":"rds.amazonaws.com"})", kDecrypt),
       {iam_all_on_key},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      // Cross-account use (KMS "Allowing users in other accounts to use a KMS key").
      {"CrossAccountUserNeedsIamPolicyAndKeyPolicy",
       cross,
       {iam_all_on_key},
       Who::kCarol,
       "kms:Decrypt",
       Reason::kAllowedByIdentityPolicy},
      {"CrossAccountUserWithoutIamPolicyIsDenied",
       cross,
       {},
       Who::kCarol,
       "kms:Decrypt",
       Reason::kNoIdentityPolicyAllow},
      {"CrossAccountUserNamedInKeyPolicyStillNeedsIamPolicy",
       KeyStatement("Allow", R"("Principal":{"AWS":"arn:aws:iam::444455556666:user/carol"})", kAll),
       {},
       Who::kCarol,
       "kms:Decrypt",
       Reason::kNoIdentityPolicyAllow},
      {"CrossAccountUserNamedInKeyPolicyWithIamPolicyIsAllowed",
       KeyStatement("Allow", R"("Principal":{"AWS":"arn:aws:iam::444455556666:user/carol"})", kAll),
       {iam_all_on_key},
       Who::kCarol,
       "kms:Decrypt",
       Reason::kAllowedByIdentityPolicy},
      {"CrossAccountIamPolicyAloneIsNotEnough",
       def,
       {iam_all_on_key},
       Who::kCarol,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"CrossAccountStarPrincipalStillNeedsIamPolicy",
       KeyStatement("Allow", kStarP, kAll),
       {},
       Who::kCarol,
       "kms:Decrypt",
       Reason::kNoIdentityPolicyAllow},
      {"CrossAccountStarPrincipalWithIamPolicyIsAllowed",
       KeyStatement("Allow", kStarP, kAll),
       {iam_all},
       Who::kCarol,
       "kms:Decrypt",
       Reason::kAllowedByIdentityPolicy},
      {"CrossAccountRootIsAllowedWhenTheKeyPolicyNamesItsAccount",
       cross,
       {},
       Who::kOtherRoot,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"CrossAccountRoleArnPlusIamPolicyAllowsItsSession",
       KeyStatement("Allow", R"("Principal":{"AWS":"arn:aws:iam::444455556666:role/Ops"})", kAll),
       {iam_all_on_key},
       Who::kOpsSession,
       "kms:Decrypt",
       Reason::kAllowedByIdentityPolicy},
      {"CrossAccountIamPolicyMustCoverThisKey",
       cross,
       {Iam("Allow", kAll, std::string("\"") + testing::kOtherKeyArn + "\"")},
       Who::kCarol,
       "kms:Decrypt",
       Reason::kNoIdentityPolicyAllow},
      {"CrossAccountKeyPolicyActionsLimitTheIamPolicy",
       KeyStatement("Allow", kOtherAcctP, R"("kms:Encrypt")"),
       {iam_all_on_key},
       Who::kCarol,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      // Explicit deny wins (IAM "Policy evaluation logic").
      {"ExplicitDenyInKeyPolicyOverridesItsAllow",
       deny_alice_decrypt,
       {iam_all_on_key},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kExplicitDenyInKeyPolicy},
      {"ExplicitDenyForOneUserLeavesOthersAllowed",
       deny_alice_decrypt,
       {iam_all_on_key},
       Who::kBob,
       "kms:Decrypt",
       Reason::kAllowedByIdentityPolicy},
      {"ExplicitDenyInIdentityPolicyOverridesKeyPolicyAllow",
       alice_decrypt,
       {Iam("Deny", kDecrypt, R"("*")")},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kExplicitDenyInIdentityPolicy},
      {"ExplicitDenyInAnyOfSeveralIdentityPoliciesWins",
       def,
       {iam_all_on_key, Iam("Deny", kDecrypt, kKeyRes)},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kExplicitDenyInIdentityPolicy},
      {"ExplicitDenyOverridesAGrant",
       deny_alice_decrypt,
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kExplicitDenyInKeyPolicy,
       {},
       true},
      {"ExplicitIamDenyOverridesAGrant",
       def,
       {Iam("Deny", kAll, R"("*")")},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kExplicitDenyInIdentityPolicy,
       {},
       true},
      {"GrantAllowsWhenNoPolicyDoes",
       alice_decrypt,
       {},
       Who::kBob,
       "kms:Decrypt",
       Reason::kAllowedByGrant,
       {},
       true},
      {"ExplicitDenyInKeyPolicyAppliesToRoot",
       KeyStatement("Deny", R"("Principal":{"AWS":"arn:aws:iam::111122223333:root"})", kAll),
       {},
       Who::kRoot,
       "kms:Decrypt",
       Reason::kExplicitDenyInKeyPolicy},
      {"DenyNamingTheAccountDeniesEveryPrincipalOfIt",
       Document({R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
                 R"("Action":"kms:*","Resource":"*"})",
                 R"({"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"kms:Decrypt",)"
                 R"("Resource":"*"})"}),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kExplicitDenyInKeyPolicy},
      {"DenyWhoseConditionFailsDoesNotDeny",
       Document({R"({"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})",
                 R"({"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*",)"
                 R"("Condition":{"Bool":{"aws:SecureTransport":"false"}}})"}),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy,
       {{"aws:SecureTransport", {"true"}}}},
      {"DenyWithNegatedConditionAppliesWhenTheKeyIsAbsent",
       Document({R"({"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})",
                 R"({"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*",)"
                 R"("Condition":{"StringNotEquals":)"
                 R"({"kms:ViaService":"rds.us-east-1.amazonaws.com"}}})"}),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kExplicitDenyInKeyPolicy},
      // Action and NotAction.
      {"ActionNamesAreCaseInsensitive",
       KeyStatement("Allow", kAliceP, R"("KMS:decrypt")"),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"KmsStarCoversEveryKmsAction",
       KeyStatement("Allow", kAliceP, kAll),
       {},
       Who::kAlice,
       "kms:PutKeyPolicy",
       Reason::kAllowedByKeyPolicy},
      {"StarCoversEveryAction",
       KeyStatement("Allow", kAliceP, R"("*")"),
       {},
       Who::kAlice,
       "kms:Sign",
       Reason::kAllowedByKeyPolicy},
      {"GenerateDataKeyStarCoversWithoutPlaintext",
       KeyStatement("Allow", kAliceP, R"("kms:GenerateDataKey*")"),
       {},
       Who::kAlice,
       "kms:GenerateDataKeyWithoutPlaintext",
       Reason::kAllowedByKeyPolicy},
      {"GenerateDataKeyStarCoversPairWithoutPlaintext",
       KeyStatement("Allow", kAliceP, R"("kms:GenerateDataKey*")"),
       {},
       Who::kAlice,
       "kms:GenerateDataKeyPairWithoutPlaintext",
       Reason::kAllowedByKeyPolicy},
      {"ReEncryptStarCoversReEncryptFrom",
       KeyStatement("Allow", kAliceP, R"("kms:ReEncrypt*")"),
       {},
       Who::kAlice,
       "kms:ReEncryptFrom",
       Reason::kAllowedByKeyPolicy},
      {"ReEncryptStarCoversReEncryptTo",
       KeyStatement("Allow", kAliceP, R"("kms:ReEncrypt*")"),
       {},
       Who::kAlice,
       "kms:ReEncryptTo",
       Reason::kAllowedByKeyPolicy},
      {"DescribeStarDoesNotCoverDecrypt",
       KeyStatement("Allow", kAliceP, R"("kms:Describe*")"),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"ActionQuestionMarkMatchesOneCharacter",
       KeyStatement("Allow", kAliceP, R"("kms:?ecrypt")"),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"ActionOfAnotherServiceDoesNotMatch",
       KeyStatement("Allow", kAliceP, R"("s3:*")"),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"NotActionAllowsActionsNotListed",
       Document({R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
                 R"("NotAction":"kms:ScheduleKeyDeletion","Resource":"*"})"}),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"NotActionDoesNotAllowTheListedAction",
       Document({R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
                 R"("NotAction":"kms:ScheduleKeyDeletion","Resource":"*"})"}),
       {},
       Who::kAlice,
       "kms:ScheduleKeyDeletion",
       Reason::kNoKeyPolicyAllow},
      {"DenyWithNotActionDeniesEveryOtherAction",
       deny_not_decrypt,
       {},
       Who::kAlice,
       "kms:Encrypt",
       Reason::kExplicitDenyInKeyPolicy},
      {"DenyWithNotActionLeavesTheListedActionAllowed",
       deny_not_decrypt,
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      // Resource and NotResource.
      {"KeyPolicyResourceStarMeansThisKey",
       alice_decrypt,
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"KeyPolicyResourceArnWildcardMatchesTheKey",
       Document({R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
                 R"("Action":"kms:*","Resource":"arn:aws:kms:*:111122223333:key/*"})"}),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"KeyPolicyResourceNamingAnotherKeyDoesNotMatch",
       Document(
           {std::string(
                R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
                R"("Action":"kms:*","Resource":")") +
            testing::kOtherKeyArn + "\"}"}),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"IdentityPolicyResourceWildcardRegionMatches",
       def,
       {Iam("Allow", kAll, R"("arn:aws:kms:*:111122223333:key/*")")},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByIdentityPolicy},
      {"IdentityPolicyResourceMatchingIsCaseSensitive",
       def,
       {Iam("Allow", kAll,
            R"("arn:aws:kms:us-east-1:111122223333:key/1234ABCD-12AB-34CD-56EF-1234567890AB")")},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoIdentityPolicyAllow},
      {"IdentityPolicyAliasArnDoesNotCoverTheKey",
       def,
       {Iam("Allow", kAll, R"("arn:aws:kms:us-east-1:111122223333:alias/*")")},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoIdentityPolicyAllow},
      {"NotResourceExcludesTheListedKey",
       def,
       {Document({std::string(R"({"Effect":"Allow","Action":"kms:*","NotResource":")") + kKeyArn +
                  "\"}"})},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoIdentityPolicyAllow},
      {"NotResourceCoversKeysNotListed",
       def,
       {Document({std::string(R"({"Effect":"Allow","Action":"kms:*","NotResource":")") +
                  testing::kOtherKeyArn + "\"}"})},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByIdentityPolicy},
      {"ResourcePolicyVariableTakesThePrincipalTag",
       def,
       {Iam("Allow", kAll,
            R"("arn:aws:kms:us-east-1:111122223333:key/${aws:PrincipalTag/key-id}")")},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByIdentityPolicy},
      {"ResourceWithAnUnresolvedVariableMatchesNothing",
       def,
       {Iam("Allow", kAll,
            R"("arn:aws:kms:us-east-1:111122223333:key/${aws:PrincipalTag/key-id}")")},
       Who::kBob,
       "kms:Decrypt",
       Reason::kNoIdentityPolicyAllow},
      // NotPrincipal (IAM "NotPrincipal": list the account too).
      {"NotPrincipalDenyExemptsAUserListedWithItsAccount",
       not_principal_alice_and_account,
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"NotPrincipalDenyAppliesToUnlistedUsers",
       not_principal_alice_and_account,
       {},
       Who::kBob,
       "kms:Decrypt",
       Reason::kExplicitDenyInKeyPolicy},
      {"NotPrincipalDenyWithoutTheAccountDeniesTheListedUserToo",
       not_principal_alice_only,
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kExplicitDenyInKeyPolicy},
      {"NotPrincipalDenyExemptsASessionListedWithRoleAndAccount",
       not_principal_session,
       {},
       Who::kAdminSession,
       "kms:Decrypt",
       Reason::kAllowedByKeyPolicy},
      {"NotPrincipalDenyNeedsTheSessionArnToExemptASession",
       not_principal_role_only,
       {},
       Who::kAdminSession,
       "kms:Decrypt",
       Reason::kExplicitDenyInKeyPolicy},
      {"NotPrincipalDenyAppliesToServicePrincipalsNotListed",
       not_principal_alice_and_account,
       {},
       Who::kRds,
       "kms:Decrypt",
       Reason::kExplicitDenyInKeyPolicy},
      // The aws/rds managed key policy (reference section 6).
      {"AwsRdsKeyDeniesDirectGenerateDataKeyByAnAccountUser",
       rds,
       {iam_all},
       Who::kAlice,
       "kms:GenerateDataKey",
       Reason::kNoKeyPolicyAllow},
      {"AwsRdsKeyAllowsGenerateDataKeyViaRdsFromTheAccount",
       rds,
       {},
       Who::kAlice,
       "kms:GenerateDataKey",
       Reason::kAllowedByKeyPolicy,
       via_rds},
      {"AwsRdsKeyDeniesUseViaRdsFromAnotherAccount",
       rds,
       {iam_all},
       Who::kCarol,
       "kms:GenerateDataKey",
       Reason::kNoKeyPolicyAllow,
       {{kVia, {kRdsVia}}}},
      {"AwsRdsKeyDeniesUseViaAnotherService",
       rds,
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow,
       {{kVia, {"ec2.us-east-1.amazonaws.com"}}}},
      {"AwsRdsKeyDeniesUseViaRdsInAnotherRegion",
       rds,
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow,
       {{kVia, {"rds.eu-west-1.amazonaws.com"}}}},
      {"AwsRdsKeyAllowsDirectDescribeKeyToTheRootUser",
       rds,
       {},
       Who::kRoot,
       "kms:DescribeKey",
       Reason::kAllowedByKeyPolicy},
      {"AwsRdsKeyAllowsDirectDescribeKeyToAUserWithIamPolicy",
       rds,
       {Iam("Allow", R"("kms:DescribeKey")", R"("*")")},
       Who::kAlice,
       "kms:DescribeKey",
       Reason::kAllowedByIdentityPolicy},
      {"AwsRdsKeyDirectDescribeKeyNeedsIamPolicyForAUser",
       rds,
       {},
       Who::kAlice,
       "kms:DescribeKey",
       Reason::kNoIdentityPolicyAllow},
      {"AwsRdsKeyDeniesScheduleKeyDeletionEvenToRoot",
       rds,
       {},
       Who::kRoot,
       "kms:ScheduleKeyDeletion",
       Reason::kNoKeyPolicyAllow},
      {"ViaServiceConditionFailsOnADirectCall",
       KeyStatement("Allow", kAliceP, kAll, via_ctx),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      // Actions without a key: IAM policies alone decide.
      {"CreateKeyIsAllowedByAnIamPolicyOnStar",
       "",
       {Iam("Allow", R"("kms:CreateKey")", R"("*")")},
       Who::kAlice,
       create,
       Reason::kAllowedByIdentityPolicy},
      {"CreateKeyIsDeniedWithoutAnIamPolicy",
       "",
       {},
       Who::kAlice,
       create,
       Reason::kNoIdentityPolicyAllow},
      {"CreateKeyIsAllowedForTheRootUser",
       "",
       {},
       Who::kRoot,
       create,
       Reason::kAllowedAsAccountRoot},
      {"CreateKeyNeedsResourceStarNotAKeyArn",
       "",
       {Iam("Allow", kAll, R"("arn:aws:kms:*:111122223333:key/*")")},
       Who::kAlice,
       create,
       Reason::kNoIdentityPolicyAllow},
      {"CreateKeyExplicitIamDenyWins",
       "",
       {iam_all, Iam("Deny", R"("kms:Create*")", R"("*")")},
       Who::kAlice,
       create,
       Reason::kExplicitDenyInIdentityPolicy},
      {"ListKeysIsAllowedByKmsStarOnStar",
       "",
       {iam_all},
       Who::kAdminSession,
       "kms:ListKeys",
       Reason::kAllowedByIdentityPolicy},
      // Statements that do not apply.
      {"KeyPolicyStatementWithoutActionHasNoEffect",
       Document({R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
                 R"("Resource":"*"})"}),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"KeyPolicyStatementWithoutResourceHasNoEffect",
       Document({R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
                 R"("Action":"kms:*"})"}),
       {},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
      {"AllowWithAFailedConditionDelegatesNothing",
       KeyStatement("Allow", R"("Principal":{"AWS":"arn:aws:iam::111122223333:root"})", kAll,
                    via_ctx),
       {iam_all_on_key},
       Who::kAlice,
       "kms:Decrypt",
       Reason::kNoKeyPolicyAllow},
  };
}

class AuthorizationConformanceTest : public ::testing::TestWithParam<AuthzCase> {};

TEST_P(AuthorizationConformanceTest, DecidesAsKms) {
  const AuthzCase& c = GetParam();
  const std::string resource =
      !c.resource.empty() ? c.resource : (c.key_policy.empty() ? "*" : kKeyArn);
  const RequestContext request = MakeRequest(c.caller, c.action, resource, c.request);
  AuthorizationInput input;
  input.request = &request;
  if (!c.key_policy.empty()) {
    auto key_policy = ParsePolicy(c.key_policy, ParseOptions{});
    ASSERT_TRUE(key_policy) << key_policy.error().ToString();
    input.key_policy = *key_policy;
    input.key_account = kAccount;
  }
  for (size_t i = 0; i < c.identity.size(); ++i) {
    ParseOptions options;
    options.kind = PolicyKind::kIdentityPolicy;
    auto identity = ParsePolicy(c.identity[i], options);
    ASSERT_TRUE(identity) << identity.error().ToString();
    input.identity_policies.push_back({"policy" + std::to_string(i), *identity});
  }
  if (c.grant) input.grant_allows = "grant 1a2b3c";
  const Decision decision = Authorize(input);
  EXPECT_EQ(ReasonName(decision.reason), ReasonName(c.expected)) << decision.Explain();
  EXPECT_EQ(decision.allowed, IsAllowed(c.expected)) << decision.Explain();
}

std::string AuthzCaseName(const ::testing::TestParamInfo<AuthzCase>& param) {
  return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(Kms, AuthorizationConformanceTest, ::testing::ValuesIn(AuthzCases()),
                         AuthzCaseName);

}  // namespace
}  // namespace kms::policy
