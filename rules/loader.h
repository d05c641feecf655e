// Loading rule files (YAML, one file per business system; format in docs/rules.md).
//
// Every error names the file, the 1-based line and column and the key, and says what is
// allowed, e.g.
//   rules/examples/payments.yaml:7:17: rules[0].comparison: "=>" is not one of > >= < <= == !=
// A file with several mistakes reports each of them (up to a bound), one per line, so that
// `edgewatch rules check` shows everything to fix in one pass. Unknown keys are errors.
// Errors are returned, never thrown.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "rules/rule.h"
#include "rules/rule_file_parser.h"  // ParseRuleFile

namespace edgewatch::rules {

// Reads and parses one file.
Result<RuleSet> LoadRuleFile(const std::string& path);

// The rule files `path` stands for: `path` itself when it is a file, otherwise every *.yaml and
// *.yml directly in the directory (not recursive; names starting with "." are skipped, which
// also skips the "..data" entries of Kubernetes ConfigMap mounts), sorted by name. A directory
// without rule files is an error: it is almost always a wrong path.
Result<std::vector<std::string>> ListRuleFiles(const std::string& path);

// Uniqueness of (business_system, rule name) across files: that pair is part of every alert's
// identity (labels business_system and alertname). Feed each file's rules in load order.
class RuleNameIndex {
 public:
  // Errors for the rules of `set` already defined by an earlier Add, one per line; "" if none.
  std::string Add(const RuleSet& set);

 private:
  std::map<std::pair<std::string, std::string>, std::string> where_;  // → "file:line:column"
};

// A file or a directory (see ListRuleFiles). Rule names must be unique per business system
// across all files, since (business_system, alertname) is part of every alert's identity.
Result<RuleSet> LoadRules(const std::string& path);

}  // namespace edgewatch::rules
