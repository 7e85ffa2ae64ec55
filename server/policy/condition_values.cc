#include <algorithm>

#include "kms/policy.h"
#include "server/policy/matching.h"

namespace kms::policy {

using internal::CompareIgnoreCase;

std::vector<ConditionValues::Entry>::iterator ConditionValues::LowerBound(std::string_view key) {
  return std::lower_bound(
      entries_.begin(), entries_.end(), key,
      [](const Entry& entry, std::string_view k) { return CompareIgnoreCase(entry.key, k) < 0; });
}

std::vector<ConditionValues::Entry>::iterator ConditionValues::FindOrInsert(std::string_view key) {
  auto it = LowerBound(key);
  if (it != entries_.end() && CompareIgnoreCase(it->key, key) == 0) return it;
  return entries_.insert(it, Entry{internal::ToLowerAscii(key), {}});
}

void ConditionValues::Set(std::string_view key, std::string value) {
  auto it = FindOrInsert(key);
  it->values.clear();
  it->values.push_back(std::move(value));
}

void ConditionValues::Add(std::string_view key, std::string value) {
  FindOrInsert(key)->values.push_back(std::move(value));
}

void ConditionValues::SetEmpty(std::string_view key) { FindOrInsert(key)->values.clear(); }

void ConditionValues::Remove(std::string_view key) {
  auto it = LowerBound(key);
  if (it != entries_.end() && CompareIgnoreCase(it->key, key) == 0) entries_.erase(it);
}

const std::vector<std::string>* ConditionValues::Find(std::string_view key) const {
  auto it = std::lower_bound(
      entries_.begin(), entries_.end(), key,
      [](const Entry& entry, std::string_view k) { return CompareIgnoreCase(entry.key, k) < 0; });
  if (it == entries_.end() || CompareIgnoreCase(it->key, key) != 0) return nullptr;
  return &it->values;
}

}  // namespace kms::policy
