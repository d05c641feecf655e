// Parsing the text of one rule file (format: docs/rules.md). Reading files and directories is
// loader.h's job; this is the part that knows YAML.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "rules/rule.h"

namespace edgewatch::rules {

// Parses one rule file's text; `path` names the rules' file and prefixes every message.
// All problems are reported, one per line in (line, column) order, each as
//   <path>:<line>:<column>: <key>: <what is wrong and what is allowed>
// (at most 20, then a count of the rest). Unknown and duplicate keys are errors. Line and
// column are 1-based; the column is where the offending value starts, or its key for unknown,
// duplicate and misplaced keys; a missing key is reported at the mapping that lacks it.
Result<RuleSet> ParseRuleFile(std::string_view yaml, const std::string& path);

}  // namespace edgewatch::rules
