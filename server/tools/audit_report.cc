#include "kms/server/tools/audit_report.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <numeric>

#include "audit_summary.h"
#include "kms/text.h"

namespace kms::tools {
namespace {

constexpr std::string_view kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                         "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
// Series drawn in a chart; the rest are summed as "other".
constexpr size_t kChartSeries = 7;
// Lists of at most this many rows are shown unfolded.
constexpr size_t kOpenRows = 20;

std::string Number(uint64_t n) {
  std::string digits = std::to_string(n);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3)
    digits.insert(static_cast<size_t>(at), ",");
  return digits;
}

// The entries of `counts` with the most calls first (ties by name), at most `limit`.
template <typename Map, typename Weight>
std::vector<typename Map::const_pointer> Busiest(const Map& counts, size_t limit, Weight weight) {
  std::vector<typename Map::const_pointer> order;
  order.reserve(counts.size());
  for (const auto& entry : counts) order.push_back(&entry);
  std::ranges::stable_sort(order, [&](auto* a, auto* b) { return weight(*a) > weight(*b); });
  if (order.size() > limit) order.resize(limit);
  return order;
}

struct Series {
  std::string name;
  Buckets buckets;
};

// The busiest series, then one "other" with the rest.
template <typename Map, typename BucketsOf>
std::vector<Series> ChartSeries(const Map& map, BucketsOf buckets_of, size_t bucket_count) {
  auto total = [&](const auto& entry) {
    const Buckets& b = buckets_of(entry.second);
    return std::accumulate(b.begin(), b.end(), uint64_t{0});
  };
  const auto busiest = Busiest(map, kChartSeries, total);
  std::vector<Series> series;
  series.reserve(busiest.size() + 1);
  for (const auto* entry : busiest) series.push_back({entry->first, buckets_of(entry->second)});
  if (map.size() > busiest.size()) {
    Series other{"other (" + Number(map.size() - busiest.size()) + ")", Buckets(bucket_count)};
    for (const auto& entry : map) {
      if (std::ranges::find(busiest, &entry) != busiest.end()) continue;
      const Buckets& b = buckets_of(entry.second);
      for (size_t i = 0; i < b.size(); ++i) other.buckets[i] += b[i];
    }
    series.push_back(std::move(other));
  }
  return series;
}

// A column chart of calls per bucket, the series stacked, with its legend.
std::string Chart(const AuditSummary& summary, const std::vector<Series>& series,
                  std::string_view title) {
  constexpr int kWidth = 760;
  constexpr int kHeight = 220;
  constexpr int kLeft = 56;
  constexpr int kRight = 12;
  constexpr int kTop = 12;
  constexpr int kBottom = 28;
  uint64_t peak = 1;
  for (size_t b = 0; b < summary.bucket_count; ++b) {
    uint64_t stacked = 0;
    for (const Series& s : series) stacked += s.buckets[b];
    peak = std::max(peak, stacked);
  }
  const double plot_width = kWidth - kLeft - kRight;
  const double plot_height = kHeight - kTop - kBottom;
  const double column = plot_width / static_cast<double>(summary.bucket_count);
  std::string svg = "<figure><figcaption>" + EscapeMarkup(title) + " (calls per " +
                    Number(static_cast<uint64_t>(summary.bucket_millis / 1000)) +
                    " s)</figcaption>\n<svg role=\"img\" width=\"" + std::to_string(kWidth) +
                    "\" height=\"" + std::to_string(kHeight) + "\" viewBox=\"0 0 " +
                    std::to_string(kWidth) + " " + std::to_string(kHeight) +
                    "\" xmlns=\"http://www.w3.org/2000/svg\">";
  char buffer[200];
  for (size_t b = 0; b < summary.bucket_count; ++b) {
    double bottom = kTop + plot_height;
    for (size_t i = 0; i < series.size(); ++i) {
      const uint64_t calls = series[i].buckets[b];
      if (calls == 0) continue;
      const double height = plot_height * static_cast<double>(calls) / static_cast<double>(peak);
      bottom -= height;
      std::snprintf(buffer, sizeof buffer,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">",
                    kLeft + column * static_cast<double>(b) + 0.5, bottom,
                    std::max(1.0, column - 1.0), height,
                    std::string(kPalette[i % std::size(kPalette)]).c_str());
      svg += buffer;
      svg += "<title>" + EscapeMarkup(series[i].name) + ": " + Number(calls) + " from " +
             FormatIso8601(summary.from + static_cast<EpochMillis>(b) * summary.bucket_millis) +
             "</title></rect>";
    }
  }
  // Axes, the peak and the time range.
  std::snprintf(buffer, sizeof buffer, "<path d=\"M%d %d V%d H%d\" stroke=\"#888\" fill=\"none\"/>",
                kLeft, kTop, kHeight - kBottom, kWidth - kRight);
  svg += buffer;
  const auto label = [&](int x, int y, bool right_aligned, const std::string& text) {
    svg += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\"" +
           (right_aligned ? " text-anchor=\"end\"" : "") + " class=\"axis\">" + text + "</text>";
  };
  label(kLeft - 6, kTop + 10, true, Number(peak));
  label(kLeft - 6, kHeight - kBottom, true, "0");
  label(kLeft, kHeight - 8, false, FormatIso8601(summary.from));
  label(kWidth - kRight, kHeight - 8, true,
        FormatIso8601(summary.from +
                      static_cast<EpochMillis>(summary.bucket_count) * summary.bucket_millis));
  svg += "</svg>\n<ul class=\"legend\">";
  for (size_t i = 0; i < series.size(); ++i) {
    const uint64_t total =
        std::accumulate(series[i].buckets.begin(), series[i].buckets.end(), uint64_t{0});
    svg += "<li><span class=\"swatch\" style=\"background:" +
           std::string(kPalette[i % std::size(kPalette)]) + "\"></span>" +
           EscapeMarkup(series[i].name) + " <b>" + Number(total) + "</b></li>";
  }
  svg += "</ul></figure>\n";
  return svg;
}

class Page {
 public:
  void Raw(std::string_view html) { html_ += html; }
  void Heading(std::string_view text, std::string_view id) {
    html_ += "<h2 id=\"" + std::string(id) + "\">" + EscapeMarkup(text) + "</h2>\n";
  }
  void Paragraph(std::string_view text) { html_ += "<p>" + EscapeMarkup(text) + "</p>\n"; }
  // A table; `cells` are escaped text.
  void Table(const std::vector<std::string>& header,
             const std::vector<std::vector<std::string>>& rows) {
    html_ += "<table><thead><tr>";
    for (const std::string& h : header) html_ += "<th>" + EscapeMarkup(h) + "</th>";
    html_ += "</tr></thead><tbody>\n";
    for (const auto& row : rows) {
      html_ += "<tr>";
      for (const std::string& cell : row) html_ += "<td>" + EscapeMarkup(cell) + "</td>";
      html_ += "</tr>\n";
    }
    html_ += "</tbody></table>\n";
  }
  // A folded section: its rows appear when opened (at once when `open`).
  void Folded(std::string_view summary, bool open, const std::function<void()>& body) {
    html_ += std::string(open ? "<details open>" : "<details>") + "<summary>" +
             EscapeMarkup(summary) + "</summary>\n";
    body();
    html_ += "</details>\n";
  }
  std::string Take() { return std::move(html_); }

 private:
  std::string html_;
};

std::string Keys(const RecordView& view) {
  std::string keys;
  for (const std::string& key : view.keys) keys += (keys.empty() ? "" : " ") + key;
  return keys.empty() ? "-" : keys;
}

// "5,000", or "the newest 1,000 of 5,000" when rows were left out (`which`:
// "newest", "busiest").
std::string Shown(size_t shown, uint64_t total, std::string_view which) {
  if (shown == total) return Number(total);
  return "the " + std::string(which) + " " + Number(shown) + " of " + Number(total);
}

template <typename Map>
std::string TopList(const Map& counts, size_t limit) {
  std::string text;
  for (const auto* entry : Busiest(counts, limit, [](const auto& e) { return e.second; }))
    text += (text.empty() ? "" : ", ") + entry->first + " " + Number(entry->second);
  if (counts.size() > limit) text += ", +" + Number(counts.size() - limit) + " more";
  return text;
}

void SummaryCards(Page& page, const AuditSummary& summary) {
  uint64_t via = 0;
  for (const auto& [group, counts] : summary.via_services) via += counts.calls;
  const std::pair<std::string, std::string> cards[] = {
      {"calls", Number(summary.total.calls)},
      {"keys used", Number(summary.keys.size())},
      {"principals", Number(summary.principals.size())},
      {"denied", Number(summary.total.denied)},
      {"other errors", Number(summary.total.errors)},
      {"via services", Number(via)},
      {"grant changes", Number(summary.grant_changes.total)},
      {"key changes", Number(summary.key_changes.total)},
  };
  page.Raw("<div class=\"cards\">");
  for (const auto& [label, value] : cards) {
    page.Raw("<div class=\"card\"><div class=\"value\">" + EscapeMarkup(value) +
             "</div><div class=\"label\">" + EscapeMarkup(label) + "</div></div>");
  }
  const bool ok = summary.chain.ok;
  page.Raw(std::string("<div class=\"card ") + (ok ? "ok" : "bad") + "\"><div class=\"value\">" +
           (ok ? "verified" : "BROKEN") + "</div><div class=\"label\">hash chain</div></div>");
  page.Raw("</div>\n");
}

void KeysSection(Page& page, const AuditSummary& summary, const ReportOptions& options) {
  page.Heading("Keys", "keys");
  const auto busiest = Busiest(summary.keys, options.max_table_rows,
                               [](const auto& entry) { return entry.second.counts.calls; });
  std::map<std::string, std::string> aliases;  // key id -> " alias/a alias/b"
  for (const auto& [alias, key] : summary.alias_targets) aliases[key].append(" ").append(alias);
  std::vector<std::vector<std::string>> rows;
  for (const auto* entry : busiest) {
    const KeyUse& use = entry->second;
    std::string key = entry->first;
    if (auto it = aliases.find(key); it != aliases.end()) key += it->second;
    rows.push_back({key, Number(use.counts.calls), Number(use.counts.denied),
                    Number(use.counts.errors), TopList(use.principals, 5),
                    TopList(use.operations, 5)});
  }
  page.Paragraph(Shown(rows.size(), summary.keys.size(), "busiest") + " keys, the busiest first.");
  page.Table({"key (aliases)", "calls", "denied", "errors", "top principals", "operations"}, rows);
}

enum class Rows { kDenied, kGrants, kKeyChanges };

// `records`, the newest first.
void RecordRows(Page& page, const std::deque<RecordView>& records, Rows kind) {
  std::vector<std::vector<std::string>> rows;
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    const RecordView& view = *it;
    std::vector<std::string> row = {FormatIso8601(view.time), CallerOf(view), view.operation,
                                    Keys(view)};
    if (kind == Rows::kDenied) {
      row.push_back(view.authorization);
      row.push_back(view.error_message);
    } else {
      if (kind == Rows::kGrants) row.push_back(view.grant_id);
      row.push_back(view.detail);
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::string> header = {"time", "principal", "operation", "key"};
  switch (kind) {
    case Rows::kDenied:
      header.insert(header.end(), {"kmsd's explanation", "error message"});
      break;
    case Rows::kGrants:
      header.insert(header.end(), {"grant", "detail"});
      break;
    case Rows::kKeyChanges:
      header.emplace_back("detail");
      break;
  }
  page.Table(header, rows);
}

void DeniedSection(Page& page, const AuditSummary& summary, const ReportOptions& options) {
  page.Heading("Denied calls", "denied");
  if (summary.denied.total == 0) {
    page.Paragraph("No call was denied.");
    return;
  }
  const auto groups = Busiest(summary.denial_groups, options.max_table_rows,
                              [](const auto& e) { return e.second; });
  page.Paragraph(Number(summary.denied.total) +
                 (summary.denied.total == 1 ? " call was" : " calls were") +
                 " denied. Each distinct principal, operation, key and reason (" +
                 Shown(groups.size(), summary.denial_groups.size(), "commonest") + "):");
  std::vector<std::vector<std::string>> rows;
  for (const auto* entry : groups) {
    const DenialGroup& group = entry->first;
    rows.push_back({Number(entry->second), group.principal, group.operation, group.key,
                    group.authorization, group.message});
  }
  page.Table({"calls", "principal", "operation", "key", "kmsd's explanation", "error message"},
             rows);
  page.Folded("Every denied call (" +
                  Shown(summary.denied.rows.size(), summary.denied.total, "newest") + ")",
              summary.denied.rows.size() <= kOpenRows,
              [&] { RecordRows(page, summary.denied.rows, Rows::kDenied); });
}

void ViaServicesSection(Page& page, const AuditSummary& summary) {
  page.Heading("Calls via AWS services", "via");
  if (summary.via_services.empty()) {
    page.Paragraph("No call was made via a service (invokedBy).");
    return;
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(summary.via_services.size());
  for (const auto& [group, counts] : summary.via_services) {
    rows.push_back({group.first, group.second, Number(counts.calls), Number(counts.denied),
                    Number(counts.errors)});
  }
  page.Table({"invoked by", "operation", "calls", "denied", "errors"}, rows);
}

void ChangesSection(Page& page, const NewestRows<RecordView>& changes, Rows kind,
                    std::string_view title, std::string_view id, std::string_view none) {
  page.Heading(title, id);
  if (changes.total == 0) {
    page.Paragraph(none);
    return;
  }
  page.Folded(std::string(title) + " (" + Shown(changes.rows.size(), changes.total, "newest") + ")",
              changes.rows.size() <= kOpenRows, [&] { RecordRows(page, changes.rows, kind); });
}

void ChainSection(Page& page, const AuditSummary& summary) {
  page.Heading("Hash chain", "chain");
  page.Raw("<pre>" + EscapeMarkup(summary.chain.ToString()) + "</pre>\n");
}

constexpr std::string_view kStyle = R"css(
body{font-family:"DejaVu Sans",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{border:1px solid #ccc;border-radius:6px;padding:8px 14px;min-width:110px}
.card .value{font-size:22px;font-weight:bold}.card .label{color:#666;font-size:12px}
.card.ok{border-color:#2ca02c}.card.bad{border-color:#d62728;background:#fde8e8}
figure{margin:8px 0 16px}figcaption{font-weight:bold;font-size:14px}
.axis{font-size:11px;fill:#555}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:12px;font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}
table{border-collapse:collapse;font-size:12px;margin:6px 0}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}summary{cursor:pointer;margin:6px 0;font-weight:bold}
pre{background:#f7f7f7;padding:8px}
)css";

}  // namespace

StatusOr<EpochMillis> ParseTimeBound(std::string_view text, std::string_view option,
                                     EpochMillis now) {
  constexpr std::pair<char, EpochMillis> kUnits[] = {
      {'s', 1000}, {'m', 60 * 1000}, {'h', 3600 * 1000}, {'d', 24 * 3600 * 1000}};
  if (text.size() >= 2 && text.size() <= 8) {
    const auto* unit = std::ranges::find(kUnits, text.back(), &std::pair<char, EpochMillis>::first);
    const std::string_view digits = text.substr(0, text.size() - 1);
    if (unit != std::end(kUnits) && IsAsciiDigits(digits))
      return now - std::stoll(std::string(digits)) * unit->second;
  }
  EpochMillis time = 0;
  if (ParseIso8601(text, &time)) return time;
  return Error(Code::kValidation,
               std::string(option) + " must be an ISO 8601 time " +
                   "(2026-12-07T10:00:00Z) or an age (45s, 90m, 12h, 7d), not '" +
                   std::string(text) + "'");
}

StatusOr<std::string> BuildAuditReport(const audit::AuditLog& log, const ReportOptions& options,
                                       EpochMillis now) {
  KMS_ASSIGN_OR_RETURN(const AuditSummary summary, SummarizeAuditLog(log, options));
  Page page;
  page.Raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
  page.Raw(
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">");
  page.Raw("<title>kmsd audit report</title><style>" + std::string(kStyle) +
           "</style></head><body>\n");
  page.Raw("<h1>kmsd audit report</h1>\n");
  std::string meta = summary.total.calls == 0 ? "No record was selected"
                                              : "Records from " + FormatIso8601(summary.from) +
                                                    " to " + FormatIso8601(summary.to);
  if (options.since) meta += ", since " + FormatIso8601(*options.since);
  if (options.until) meta += ", until " + FormatIso8601(*options.until);
  if (options.account) meta += ", account " + *options.account;
  meta += "; written " + FormatIso8601(now) + ".";
  page.Raw("<p class=\"meta\">" + EscapeMarkup(meta) + "</p>\n");
  SummaryCards(page, summary);

  page.Heading("Calls over time", "time");
  if (summary.total.calls == 0) {
    page.Paragraph("No calls.");
  } else {
    page.Raw(Chart(summary,
                   ChartSeries(
                       summary.operations, [](const Buckets& b) -> const Buckets& { return b; },
                       summary.bucket_count),
                   "Per operation"));
    page.Raw(
        Chart(summary,
              ChartSeries(
                  summary.keys, [](const KeyUse& use) -> const Buckets& { return use.buckets; },
                  summary.bucket_count),
              "Per key"));
  }
  KeysSection(page, summary, options);

  page.Heading("Principals", "principals");
  std::vector<std::vector<std::string>> rows;
  for (const auto* entry : Busiest(summary.principals, options.max_table_rows,
                                   [](const auto& e) { return e.second.calls; })) {
    rows.push_back({entry->first, Number(entry->second.calls), Number(entry->second.denied),
                    Number(entry->second.errors)});
  }
  page.Paragraph(Shown(rows.size(), summary.principals.size(), "busiest") +
                 " principals, the busiest first.");
  page.Table({"principal", "calls", "denied", "errors"}, rows);

  DeniedSection(page, summary, options);
  ViaServicesSection(page, summary);
  ChangesSection(page, summary.grant_changes, Rows::kGrants, "Grants created, retired and revoked",
                 "grants", "No grant was created, retired or revoked.");
  ChangesSection(
      page, summary.key_changes, Rows::kKeyChanges, "Key changes", "key-changes",
      "No key was created, disabled, scheduled for deletion, rotated or otherwise changed.");
  ChainSection(page, summary);
  page.Raw("</body></html>\n");
  return page.Take();
}

}  // namespace kms::tools
