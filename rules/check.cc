#include "rules/check.h"

#include <utility>

#include "rules/loader.h"

namespace edgewatch::rules {

bool RuleCheckReport::ok() const {
  if (!error.empty()) {
    return false;
  }
  for (const RuleFileCheck& f : files) {
    if (!f.error.empty()) {
      return false;
    }
  }
  return true;
}

size_t RuleCheckReport::rules() const {
  size_t n = 0;
  for (const RuleFileCheck& f : files) {
    n += f.rules;
  }
  return n;
}

std::string RuleCheckReport::Text() const {
  if (!error.empty()) {
    return "FAILED: " + error + "\n";
  }
  std::string out;
  for (const RuleFileCheck& f : files) {
    out += "Checking " + f.path + "\n";
    if (!f.error.empty()) {
      out += "  FAILED:\n" + f.error + "\n";
      continue;
    }
    out += "  SUCCESS: " + std::to_string(f.rules) + (f.rules == 1 ? " rule" : " rules") +
           " found (business_system " + f.business_system;
    std::string sep = ": ";
    for (size_t s = 0; s < kSeverityCount; ++s) {
      if (f.by_severity[s] == 0) {
        continue;
      }
      out += sep + std::to_string(f.by_severity[s]) + " " +
             std::string(SeverityName(static_cast<Severity>(s)));
      sep = ", ";
    }
    out += ")\n";
  }
  return out;
}

RuleCheckReport CheckRules(const std::string& path) {
  RuleCheckReport report;
  auto files = ListRuleFiles(path);
  if (!files.ok()) {
    report.error = files.error();
    return report;
  }
  RuleNameIndex names;
  for (const std::string& file : *files) {
    RuleFileCheck check;
    check.path = file;
    auto set = LoadRuleFile(file);
    if (!set.ok()) {
      check.error = set.error();
      report.files.push_back(std::move(check));
      continue;
    }
    check.error = names.Add(*set);
    for (const Rule& r : set->rules) {
      ++check.by_severity[static_cast<size_t>(r.severity)];
    }
    if (check.error.empty()) {
      check.business_system = set->files.front().business_system;
      check.rules = set->rules.size();
    }
    report.files.push_back(std::move(check));
  }
  return report;
}

}  // namespace edgewatch::rules
