#include "value_template.h"

#include "matching.h"
#include "request_keys.h"

namespace kms::policy::internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

bool IsValidKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (IsSpace(c) || c == '{' || c == '}' || c == '$' || c == '\'' || c == ',') return false;
  }
  return true;
}

void Append(std::string_view text, bool literal, std::string* out, std::vector<uint8_t>* mask) {
  out->append(text);
  mask->insert(mask->end(), text.size(), literal ? 1 : 0);
}

}  // namespace

ValueTemplate::ValueTemplate(std::string_view raw, bool variables) : raw_(raw) {
  if (!variables) {
    text_ = raw_;
    return;
  }
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t open = raw.find("${", pos);
    if (open == std::string_view::npos) {
      AddSegment(SegmentKind::kText, raw.substr(pos));
      break;
    }
    AddSegment(SegmentKind::kText, raw.substr(pos, open - pos));
    const size_t end = ParseVariable(raw, open);
    if (end == 0) {
      AddSegment(SegmentKind::kText, raw.substr(open, 2));
      pos = open + 2;
    } else {
      pos = end;
    }
  }
  if (has_variables_) return;
  // Flatten: no variable needs resolving per request.
  bool any_literal = false;
  for (const Segment& segment : segments_) {
    Append(segment.text, segment.kind == SegmentKind::kLiteral, &text_, &mask_);
    any_literal = any_literal || segment.kind == SegmentKind::kLiteral;
  }
  if (!any_literal) mask_.clear();
  segments_.clear();
}

void ValueTemplate::AddSegment(SegmentKind kind, std::string_view text) {
  if (text.empty()) return;
  if (kind == SegmentKind::kText && !segments_.empty() &&
      segments_.back().kind == SegmentKind::kText) {
    segments_.back().text.append(text);
    return;
  }
  segments_.push_back(Segment{kind, std::string(text), std::nullopt});
}

// Parses "${...}" starting at raw[start]; returns the position after the
// closing brace, or 0 when the text is not a well-formed variable.
size_t ValueTemplate::ParseVariable(std::string_view raw, size_t start) {
  size_t pos = start + 2;
  const size_t stop = raw.find_first_of(",}", pos);
  if (stop == std::string_view::npos) return 0;
  const std::string_view key = Trim(raw.substr(pos, stop - pos));
  std::optional<std::string> default_value;
  pos = stop;
  if (raw[pos] == ',') {
    ++pos;
    while (pos < raw.size() && IsSpace(raw[pos])) ++pos;
    if (pos >= raw.size() || raw[pos] != '\'') return 0;
    ++pos;
    std::string value;
    for (;;) {
      if (pos >= raw.size()) return 0;
      if (raw[pos] == '\'') {
        if (pos + 1 < raw.size() && raw[pos + 1] == '\'') {
          value.push_back('\'');
          pos += 2;
          continue;
        }
        ++pos;
        break;
      }
      value.push_back(raw[pos++]);
    }
    while (pos < raw.size() && IsSpace(raw[pos])) ++pos;
    if (pos >= raw.size() || raw[pos] != '}') return 0;
    default_value = std::move(value);
  }
  const size_t end = pos + 1;
  if (!default_value && (key == "*" || key == "?" || key == "$")) {
    AddSegment(SegmentKind::kLiteral, key);
    return end;
  }
  if (!IsValidKey(key)) return 0;
  segments_.push_back(Segment{SegmentKind::kVariable, ToLower(key), std::move(default_value)});
  has_variables_ = true;
  return end;
}

bool ValueTemplate::Resolve(const RequestKeys& keys, std::string* text,
                            std::vector<uint8_t>* mask) const {
  text->clear();
  mask->clear();
  if (!has_variables_) {
    text->assign(text_);
    if (mask_.empty()) {
      mask->assign(text_.size(), 0);
    } else {
      mask->assign(mask_.begin(), mask_.end());
    }
    return true;
  }
  for (const Segment& segment : segments_) {
    if (segment.kind != SegmentKind::kVariable) {
      Append(segment.text, segment.kind == SegmentKind::kLiteral, text, mask);
      continue;
    }
    // A multi-valued key cannot be a policy variable (IAM User Guide,
    // "Single-valued vs. multivalued context keys").
    const auto values = keys.Find(segment.text);
    if (values && values->size() == 1) {
      Append((*values)[0], /*literal=*/true, text, mask);
    } else if (segment.default_value) {
      Append(*segment.default_value, /*literal=*/true, text, mask);
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace kms::policy::internal
