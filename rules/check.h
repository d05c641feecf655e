// `edgewatch rules check`: validate rule files and summarize them, in the spirit of
// `promtool check rules` (one block per file, SUCCESS or FAILED, exit code 0 or 1).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "rules/rule.h"

namespace edgewatch::rules {

struct RuleFileCheck {
  std::string path;
  std::string error;  // empty when the file is valid; one line per problem otherwise
  std::string business_system;
  size_t rules = 0;
  std::array<size_t, kSeverityCount> by_severity{};
};

struct RuleCheckReport {
  std::string error;  // the path itself is unusable (missing, empty directory)
  std::vector<RuleFileCheck> files;

  bool ok() const;
  size_t rules() const;
  // Human-readable report:
  //   Checking rules/examples/payments.yaml
  //     SUCCESS: 2 rules found (business_system payments: 1 critical, 1 warning)
  //   Checking rules/bad.yaml
  //     FAILED:
  //   rules/bad.yaml:7:17: rules[0].comparison: "=>" is not one of > >= < <= == !=
  std::string Text() const;
};

// Checks a file or a directory (as LoadRules does, including uniqueness of rule names per
// business system across files); never stops at the first bad file.
RuleCheckReport CheckRules(const std::string& path);

}  // namespace edgewatch::rules
