#include "rules/rule.h"

#include <array>
#include <iterator>

namespace edgewatch::rules {
namespace {

constexpr std::array<std::string_view, 6> kComparisonNames = {">", ">=", "<", "<=", "==", "!="};
constexpr std::array<std::string_view, kSeverityCount> kSeverityNames = {"critical", "warning",
                                                                         "info"};

}  // namespace

std::string_view ComparisonName(Comparison c) {
  const auto i = static_cast<size_t>(c);
  return i < kComparisonNames.size() ? kComparisonNames[i] : std::string_view("?");
}

std::optional<Comparison> ComparisonFromName(std::string_view name) {
  for (size_t i = 0; i < kComparisonNames.size(); ++i) {
    if (kComparisonNames[i] == name) {
      return static_cast<Comparison>(i);
    }
  }
  return std::nullopt;
}

bool Compare(Comparison c, double value, double threshold) {
  switch (c) {
    case Comparison::kGt:
      return value > threshold;
    case Comparison::kGe:
      return value >= threshold;
    case Comparison::kLt:
      return value < threshold;
    case Comparison::kLe:
      return value <= threshold;
    case Comparison::kEq:
      return value == threshold;
    case Comparison::kNe:
      return value != threshold;
  }
  return false;
}

std::string_view SeverityName(Severity s) {
  const auto i = static_cast<size_t>(s);
  return i < kSeverityNames.size() ? kSeverityNames[i] : std::string_view("unknown");
}

std::optional<Severity> SeverityFromName(std::string_view name) {
  for (size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == name) {
      return static_cast<Severity>(i);
    }
  }
  return std::nullopt;
}

bool IsReservedLabel(std::string_view name) {
  for (std::string_view r : kReservedLabels) {
    if (r == name) {
      return true;
    }
  }
  return false;
}

void RuleSet::Append(RuleSet other) {
  files.insert(files.end(), std::make_move_iterator(other.files.begin()),
               std::make_move_iterator(other.files.end()));
  rules.insert(rules.end(), std::make_move_iterator(other.rules.begin()),
               std::make_move_iterator(other.rules.end()));
}

}  // namespace edgewatch::rules
