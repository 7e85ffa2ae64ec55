// A string from a policy that may contain policy variables.
#ifndef KMS_SERVER_POLICY_VALUE_TEMPLATE_H_
#define KMS_SERVER_POLICY_VALUE_TEMPLATE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kms::policy::internal {

class RequestKeys;

// A policy string (a Resource, or a String/Arn/Bool condition value) after
// policy variables are parsed, as IAM defines them for Version 2012-10-17
// (IAM User Guide, "IAM policy elements: Variables and tags"):
//   ${key}              the single value of a condition key (key names are
//                       case-insensitive);
//   ${key, 'default'}   the same, or `default` when the key has no value
//                       ('' inside the quotes is one quote);
//   ${*} ${?} ${$}      a literal '*', '?' or '$'.
// Text produced by a variable is literal: its '*' and '?' are not wildcards.
// This is recorded in a mask (one byte per character, 1 = literal) that the
// glob matchers honour. A "${" without a closing "}" is plain text.
// Immutable and thread-safe after construction.
class ValueTemplate {
 public:
  ValueTemplate() = default;
  // `variables` is false for policies without Version 2012-10-17, where IAM
  // treats "${...}" as literal text.
  ValueTemplate(std::string_view raw, bool variables);

  const std::string& raw() const { return raw_; }
  bool has_variables() const { return has_variables_; }

  // When !has_variables(): the final text and its literal mask (empty when no
  // character is literal). Allocation-free.
  std::string_view text() const { return text_; }
  std::span<const uint8_t> literal_mask() const { return mask_; }

  // Substitutes variables from `keys` into `text` and `mask` (cleared first).
  // Returns false when a variable has no value (absent or multi-valued key)
  // and no default: IAM then treats the policy value as not matching.
  bool Resolve(const RequestKeys& keys, std::string* text, std::vector<uint8_t>* mask) const;

 private:
  enum class SegmentKind { kText, kLiteral, kVariable };
  struct Segment {
    SegmentKind kind = SegmentKind::kText;
    std::string text;  // text (wildcards active), a literal, or the lowercased key
    std::optional<std::string> default_value;  // kVariable only
  };

  void AddSegment(SegmentKind kind, std::string_view text);
  size_t ParseVariable(std::string_view raw, size_t start);

  std::string raw_;
  bool has_variables_ = false;
  std::vector<Segment> segments_;  // only when has_variables_
  std::string text_;               // only when !has_variables_
  std::vector<uint8_t> mask_;      // only when !has_variables_
};

}  // namespace kms::policy::internal

#endif  // KMS_SERVER_POLICY_VALUE_TEMPLATE_H_
