// A name selector value: exact text, a glob (`*`, `?`, `[...]`, as in shells; `payments-*`),
// or a regular expression written `~<regex>` (ECMAScript, matched against the whole name:
// `~(checkout|cart)-v[0-9]+`). Used by rule selectors for workloads, services and business
// systems.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include "common/result.h"

namespace edgewatch::rules {

class NamePattern {
 public:
  // A plain string converts to an exact match (tests and programmatic rules).
  NamePattern(const char* exact) : NamePattern(std::string(exact)) {}
  NamePattern(std::string exact) : text_(std::move(exact)) {}

  // Errors say what is wrong with the glob or regex.
  static Result<NamePattern> Parse(std::string_view text);

  bool Matches(std::string_view name) const;
  const std::string& text() const { return text_; }  // as written
  bool operator==(const NamePattern& other) const { return text_ == other.text_; }

 private:
  enum class Kind : uint8_t { kExact, kGlob, kRegex };
  Kind kind_ = Kind::kExact;
  std::string text_;
  std::shared_ptr<const std::regex> regex_;  // kRegex; shared: rules are copied per detector
};

}  // namespace edgewatch::rules
