#include "kms/server/seed/yaml_field.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace kms::yaml {
namespace {

constexpr int kMaxJsonDepth = 32;

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void ToJson(const Field& field, JsonWriter& out, const rapidjson::StringBuffer& buffer,
            size_t budget, int depth) {
  if (buffer.GetSize() > budget) field.Fail("is longer than " + std::to_string(budget) + " bytes");
  // An anchor may name itself: the YAML is then a cycle, not a tree.
  if (depth > kMaxJsonDepth)
    field.Fail("nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  const YAML::Node& node = field.node();
  if (node.IsMap()) {
    out.StartObject();
    for (const auto& member : node) {
      if (!member.first.IsScalar()) field.Fail("has a member name that is not text");
      const std::string& name = member.first.Scalar();
      out.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
      ToJson(field.Child(member.second, field.path() + "." + name), out, buffer, budget, depth + 1);
    }
    out.EndObject();
  } else if (node.IsSequence()) {
    out.StartArray();
    for (size_t i = 0; i < node.size(); ++i)
      ToJson(field.Child(node[i], field.path() + "[" + std::to_string(i) + "]"), out, buffer,
             budget, depth + 1);
    out.EndArray();
  } else if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if ((text == "true" || text == "false") && node.Tag() != "!") {
      out.Bool(text == "true");
    } else {
      out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }
  } else {
    out.Null();
  }
}

}  // namespace

std::string Field::Location() const {
  const YAML::Mark mark = node_.Mark();
  if (mark.is_null()) return *file_;
  return *file_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

void Field::Fail(const std::string& what) const {
  throw FieldError{Location() + ": " + path_ + ": " + what};
}

std::optional<Field> Field::Member(const std::string& name) const {
  if (!node_.IsMap()) return std::nullopt;
  const YAML::Node child = node_[name];
  if (!child.IsDefined() || child.IsNull()) return std::nullopt;
  return Field(child, path_.empty() ? name : path_ + "." + name, file_);
}

Field Field::Required(const std::string& name) const {
  std::optional<Field> child = Member(name);
  if (!child) Fail("needs " + name);
  return *child;
}

std::vector<Field> Field::Items() const {
  if (!node_.IsSequence()) Fail("must be a list");
  std::vector<Field> items;
  for (size_t i = 0; i < node_.size(); ++i)
    items.emplace_back(node_[i], path_ + "[" + std::to_string(i) + "]", file_);
  return items;
}

std::vector<std::pair<std::string, Field>> Field::Members() const {
  if (!node_.IsMap()) Fail("must be a mapping");
  std::vector<std::pair<std::string, Field>> members;
  for (const auto& member : node_) {
    if (!member.first.IsScalar()) Child(member.first, path_).Fail("has a name that is not text");
    const std::string name = member.first.Scalar();
    members.emplace_back(name, Child(member.second, path_.empty() ? name : path_ + "." + name));
  }
  return members;
}

std::string Field::Text() const {
  if (!node_.IsScalar()) Fail("must be a single value");
  return node_.Scalar();
}

bool Field::Bool() const {
  const std::string text = Text();
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  Fail("must be true or false, not '" + text + "'");
}

int Field::Int(int min, int max) const {
  const std::string text = Text();
  const bool digits = !text.empty() && text.size() <= 9 &&
                      std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
  const int value = digits ? std::stoi(text) : -1;
  if (!digits || value < min || value > max)
    Fail("must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  return value;
}

std::string Field::OneOf(std::initializer_list<std::string_view> allowed) const {
  std::string text = Text();
  if (std::ranges::find(allowed, text) != allowed.end()) return text;
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  Fail("must be one of " + list + ", not '" + text + "'");
}

std::vector<std::pair<std::string, std::string>> Field::StringMap() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : Members()) out.emplace_back(name, value.Text());
  return out;
}

std::vector<std::string> Field::Texts() const {
  if (!node_.IsSequence()) return {Text()};
  std::vector<std::string> out;
  for (const Field& item : Items()) out.push_back(item.Text());
  return out;
}

void Field::OnlyMembers(std::initializer_list<std::string_view> known) const {
  if (!node_.IsMap()) Fail("must be a mapping");
  for (const auto& member : node_) {
    const std::string name = member.first.IsScalar() ? member.first.Scalar() : "?";
    if (std::ranges::find(known, name) != known.end()) continue;
    std::string hint;
    for (std::string_view k : known) {
      if (std::ranges::equal(k, name, [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          }))
        hint = " (did you mean " + std::string(k) + "?)";
    }
    Child(member.first, path_.empty() ? name : path_ + "." + name).Fail("unknown field" + hint);
  }
}

std::string Field::Json(size_t max_bytes) const {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  ToJson(*this, writer, buffer, max_bytes, 0);
  return std::string(buffer.GetString(), buffer.GetSize());
}

StatusOr<std::string> ReadTextFile(const std::string& path, size_t max_bytes,
                                   std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  const std::string name = std::string(what) + " " + path;
  if (!in) return Error(Code::kValidation, name + " cannot be read");
  std::string text;
  text.resize(max_bytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) return Error(Code::kValidation, name + " cannot be read");
  if (text.size() > max_bytes)
    return Error(Code::kValidation,
                 name + " is larger than " + std::to_string(max_bytes >> 20) + " MiB");
  return text;
}

}  // namespace kms::yaml
