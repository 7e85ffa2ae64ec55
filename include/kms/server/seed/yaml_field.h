// Reading the YAML (or JSON) files people write for kmsd (seed files, policy
// test files) so that every mistake is reported where it is:
// "<file>:<line>:<column>: <field path>: <what is wrong>". Never quotes the
// text around a mistake (it may hold key material).
#ifndef KMS_SERVER_SEED_YAML_FIELD_H_
#define KMS_SERVER_SEED_YAML_FIELD_H_

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "kms/status.h"

namespace kms::yaml {

// What Field::Fail throws; ReadYaml turns it into its error.
struct FieldError {
  std::string message;
};

// One node being read, with its field path ("Keys.Symmetric.Aes[0]") and
// the file name.
class Field {
 public:
  Field(const YAML::Node& node, std::string path, const std::string* file)
      : node_(node), path_(std::move(path)), file_(file) {}

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  // "<file>:<line>:<column>" of the node.
  std::string Location() const;
  [[noreturn]] void Fail(const std::string& what) const;

  Field Child(const YAML::Node& node, std::string path) const {
    return Field(node, std::move(path), file_);
  }
  bool IsMap() const { return node_.IsMap(); }
  bool IsSequence() const { return node_.IsSequence(); }

  // The named member of a mapping, or nullopt when absent or null.
  std::optional<Field> Member(const std::string& name) const;
  Field Required(const std::string& name) const;
  // The items of a list (Fail otherwise).
  std::vector<Field> Items() const;
  // The members of a mapping, in the file's order (Fail otherwise).
  std::vector<std::pair<std::string, Field>> Members() const;
  std::string Text() const;
  bool Bool() const;
  int Int(int min, int max) const;
  std::string OneOf(std::initializer_list<std::string_view> allowed) const;
  // A mapping of strings to strings.
  std::vector<std::pair<std::string, std::string>> StringMap() const;
  // A single value or a list of values.
  std::vector<std::string> Texts() const;
  // Refuses members not in `known`, suggesting the one meant when it differs
  // only in case.
  void OnlyMembers(std::initializer_list<std::string_view> known) const;
  // The node as JSON text (a policy written as a YAML mapping): scalars are
  // strings, except unquoted true and false. Fails past `max_bytes` or 32
  // levels of nesting (an anchor may name itself).
  std::string Json(size_t max_bytes) const;

 private:
  YAML::Node node_;
  std::string path_;
  const std::string* file_;
};

// Parses `text` (from `file`) and runs `read` on its root. kValidation with
// the location for YAML that does not parse and for what `read` fails.
template <class T>
StatusOr<T> ReadYaml(std::string_view text, const std::string& file,
                     const std::function<T(const Field& root)>& read) {
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    return read(Field(root, "", &file));
  } catch (const FieldError& e) {
    return Error(Code::kValidation, e.message);
  } catch (const YAML::Exception& e) {
    // The parser's message and position; never the text around it.
    std::string where = file;
    if (!e.mark.is_null())
      where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    return Error(Code::kValidation, where + ": not valid YAML: " + e.msg);
  } catch (const std::exception& e) {
    return Error(Code::kValidation, file + ": cannot be read: " + e.what());
  }
}

// The text of the file `path`; kValidation "<what> <path> cannot be read" or
// "... is larger than N MiB".
StatusOr<std::string> ReadTextFile(const std::string& path, size_t max_bytes,
                                   std::string_view what);

}  // namespace kms::yaml

#endif  // KMS_SERVER_SEED_YAML_FIELD_H_
