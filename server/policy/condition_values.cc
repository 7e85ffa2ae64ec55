#include <algorithm>

#include "kms/server/policy/policy.h"
#include "kms/text.h"
#include "matching.h"

namespace kms::policy {

std::vector<ConditionValues::Entry>::iterator ConditionValues::LowerBound(std::string_view key) {
  return std::lower_bound(
      entries_.begin(), entries_.end(), key,
      [](const Entry& entry, std::string_view k) { return CompareIgnoreCase(entry.key, k) < 0; });
}

std::vector<ConditionValues::Entry>::iterator ConditionValues::FindOrInsert(std::string_view key) {
  auto it = LowerBound(key);
  if (it != entries_.end() && CompareIgnoreCase(it->key, key) == 0) return it;
  return entries_.insert(it, Entry{ToLower(key), {}});
}

void ConditionValues::Set(std::string_view key, std::string value) {
  auto it = FindOrInsert(key);
  it->values.clear();
  it->values.push_back(std::move(value));
  it->alternatives = false;
}

void ConditionValues::Add(std::string_view key, std::string value) {
  FindOrInsert(key)->values.push_back(std::move(value));
}

void ConditionValues::SetEmpty(std::string_view key) {
  auto it = FindOrInsert(key);
  it->values.clear();
  it->alternatives = false;
}

void ConditionValues::Remove(std::string_view key) {
  auto it = LowerBound(key);
  if (it != entries_.end() && CompareIgnoreCase(it->key, key) == 0) entries_.erase(it);
}

const ConditionValues::Entry* ConditionValues::FindEntry(std::string_view key) const {
  auto it = std::lower_bound(
      entries_.begin(), entries_.end(), key,
      [](const Entry& entry, std::string_view k) { return CompareIgnoreCase(entry.key, k) < 0; });
  if (it == entries_.end() || CompareIgnoreCase(it->key, key) != 0) return nullptr;
  return &*it;
}

const std::vector<std::string>* ConditionValues::Find(std::string_view key) const {
  const Entry* entry = FindEntry(key);
  return entry == nullptr ? nullptr : &entry->values;
}

void ConditionValues::SetAll(std::vector<std::pair<std::string, std::string>> pairs) {
  std::vector<Entry> added;
  added.reserve(pairs.size());
  for (auto& pair : pairs) added.push_back(Entry{ToLower(pair.first), {std::move(pair.second)}});
  std::stable_sort(added.begin(), added.end(),
                   [](const Entry& a, const Entry& b) { return a.key < b.key; });
  // Fold keys that differ only in case into one entry of alternatives.
  std::vector<Entry> folded;
  folded.reserve(added.size());
  for (Entry& entry : added) {
    if (!folded.empty() && folded.back().key == entry.key) {
      folded.back().values.push_back(std::move(entry.values.front()));
      folded.back().alternatives = true;
    } else {
      folded.push_back(std::move(entry));
    }
  }
  // Merge the two sorted lists; a new entry replaces an old one of its key.
  std::vector<Entry> merged;
  merged.reserve(entries_.size() + folded.size());
  auto old = entries_.begin();
  for (Entry& entry : folded) {
    while (old != entries_.end() && old->key < entry.key) merged.push_back(std::move(*old++));
    if (old != entries_.end() && old->key == entry.key) ++old;
    merged.push_back(std::move(entry));
  }
  while (old != entries_.end()) merged.push_back(std::move(*old++));
  entries_ = std::move(merged);
}

}  // namespace kms::policy
