// Label matchers, as Alertmanager writes them: name="value", name!="value", name=~"regex",
// name!~"regex". Regexes are anchored (the whole value must match), as in Alertmanager. A label
// that is absent has the value "" (so `team!="x"` matches alerts without a team label).
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/notification.h"
#include "common/result.h"

namespace edgewatch::alerting {

class Matcher {
 public:
  enum class Op : uint8_t { kEqual, kNotEqual, kRegex, kNotRegex };

  // Errors quote the matcher and say what is wrong: a bad name, a missing operator, an
  // unterminated quote, a regex that does not compile (std::regex, ECMAScript syntax: RE2's
  // common subset works, `(?i)` and other RE2-only groups do not).
  static Result<Matcher> Create(std::string name, Op op, std::string value);
  // One matcher: `severity="critical"`, `team=~"pay.*"`, also unquoted values (`team=pay`).
  static Result<Matcher> Parse(std::string_view text);

  bool Matches(const Labels& labels) const;
  // Whether it holds for an absent label (value ""): a silence whose matchers all do would
  // silence everything, and is refused.
  bool MatchesEmpty() const;

  const std::string& name() const { return name_; }
  Op op() const { return op_; }
  const std::string& value() const { return value_; }
  bool is_regex() const { return op_ == Op::kRegex || op_ == Op::kNotRegex; }
  bool is_negative() const { return op_ == Op::kNotEqual || op_ == Op::kNotRegex; }
  // Back to text: name, operator and the value double-quoted with `"`, `\` and newline escaped
  // (Parse reads it back).
  std::string ToString() const;
  bool operator==(const Matcher& o) const {
    return name_ == o.name_ && op_ == o.op_ && value_ == o.value_;
  }

 private:
  Matcher() = default;
  std::string name_;
  Op op_ = Op::kEqual;
  std::string value_;
  std::shared_ptr<const std::regex> re_;  // set for the regex operators
};

const char* OpText(Matcher::Op op);

// A list: `{a="b", c=~"d|e"}` or the same without braces; empty text is no matcher.
Result<std::vector<Matcher>> ParseMatchers(std::string_view text);
// All of them hold (an empty list matches everything).
bool MatchesAll(const std::vector<Matcher>& matchers, const Labels& labels);

}  // namespace edgewatch::alerting
