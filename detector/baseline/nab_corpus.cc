#include "detector/baseline/nab_corpus.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace edgewatch::baseline {

namespace {

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(const std::string& s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::vector<std::string> SplitComma(const std::string& line) {
  std::vector<std::string> cells;
  size_t start = 0;
  for (;;) {
    size_t comma = line.find(',', start);
    cells.push_back(line.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return cells;
}

bool ParseDouble(const std::string& s, double* out) {
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end && std::isfinite(*out);
}

}  // namespace

Result<int64_t> ParseNabTimestamp(const std::string& text) {
  int y, mo, d, h, mi, s;
  bool ok = text.size() >= 19 && Digits(text, 0, 4, &y) && text[4] == '-' &&
            Digits(text, 5, 2, &mo) && text[7] == '-' && Digits(text, 8, 2, &d) &&
            (text[10] == ' ' || text[10] == 'T') && Digits(text, 11, 2, &h) && text[13] == ':' &&
            Digits(text, 14, 2, &mi) && text[16] == ':' && Digits(text, 17, 2, &s);
  if (ok && text.size() > 19) {
    ok = text[19] == '.' && text.size() > 20 &&
         std::all_of(text.begin() + 20, text.end(), [](char c) { return c >= '0' && c <= '9'; });
  }
  if (!ok || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return Err("bad timestamp \"" + text + "\" (want YYYY-MM-DD HH:MM:SS)");
  }
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * int64_t{86400} +
         int64_t{h} * 3600 + int64_t{mi} * 60 + s;
}

Result<NabCsv> ReadNabCsv(const std::string& path, bool with_scores) {
  std::ifstream in(path);
  if (!in) return Err(path + ": cannot open");
  NabCsv csv;
  std::string line;
  size_t lineno = 0;
  auto fail = [&](const std::string& msg) {
    return Err(path + ":" + std::to_string(lineno) + ": " + msg);
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lineno == 1) {
      auto head = SplitComma(line);
      bool good = head.size() >= 2 && head[0] == "timestamp" && head[1] == "value" &&
                  (!with_scores || (head.size() >= 3 && head[2] == "anomaly_score"));
      if (!good) {
        return fail(with_scores ? "header must start timestamp,value,anomaly_score"
                                : "header must be timestamp,value");
      }
      continue;
    }
    if (line.empty()) continue;
    auto cells = SplitComma(line);
    size_t want = with_scores ? 3 : 2;
    if (cells.size() < want || (!with_scores && cells.size() != 2)) {
      return fail("want " + std::to_string(want) + " columns, got " + std::to_string(cells.size()));
    }
    auto ts = ParseNabTimestamp(cells[0]);
    if (!ts.ok()) return fail(ts.error());
    if (!csv.timestamps.empty() && *ts < csv.timestamps.back()) {
      return fail("timestamp " + cells[0] + " is before the previous record's");
    }
    double value = 0;
    if (!ParseDouble(cells[1], &value)) return fail("bad value \"" + cells[1] + "\"");
    if (with_scores) {
      double score = 0;
      if (!ParseDouble(cells[2], &score) || score < 0 || score > 1) {
        return fail("bad anomaly_score \"" + cells[2] + "\" (want a number in [0, 1])");
      }
      csv.scores.push_back(score);
    }
    csv.timestamp_text.push_back(cells[0]);
    csv.value_text.push_back(cells[1]);
    csv.timestamps.push_back(*ts);
    csv.values.push_back(value);
  }
  if (lineno == 0) return Err(path + ":1: empty file (want a timestamp,value header)");
  return csv;
}

Result<NabWindows> ReadNabLabels(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Err(path + ": cannot open");
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Err(path + ": not a JSON object of \"<group>/<file>.csv\": [[start, end], ...]");
  }
  NabWindows windows;
  for (const auto& [name, list] : doc.items()) {
    auto& out = windows[name];
    if (!list.is_array()) return Err(path + ": \"" + name + "\": want a list of windows");
    for (const auto& w : list) {
      if (!w.is_array() || w.size() != 2 || !w[0].is_string() || !w[1].is_string()) {
        return Err(path + ": \"" + name + "\": want each window as [\"start\", \"end\"]");
      }
      auto a = ParseNabTimestamp(w[0].get<std::string>());
      auto b = ParseNabTimestamp(w[1].get<std::string>());
      if (!a.ok() || !b.ok()) return Err(path + ": \"" + name + "\": " + (a.ok() ? b : a).error());
      if (*b < *a) return Err(path + ": \"" + name + "\": window ends before it starts");
      out.emplace_back(*a, *b);
    }
    std::sort(out.begin(), out.end());
  }
  return windows;
}

Result<std::vector<std::string>> ListNabFiles(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Err(dir + ": not a directory");
  std::vector<std::string> files;
  for (const auto& group : fs::directory_iterator(dir, ec)) {
    if (!group.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(group.path(), ec)) {
      if (f.is_regular_file() && f.path().extension() == ".csv") {
        files.push_back(group.path().filename().string() + "/" + f.path().filename().string());
      }
    }
  }
  if (ec) return Err(dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace edgewatch::baseline
