// Positions in rule files and rule-test files, printed the way compilers and promtool print
// them: <path>:<line>:<column>, both 1-based.
#pragma once

#include <string>
#include <string_view>

namespace edgewatch::rules {

struct TextPosition {
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown

  bool operator==(const TextPosition&) const = default;
  // Reading order: by line, then by column. (Not a defaulted <=>, which clang-tidy's
  // modernize-use-nullptr misreads.)
  bool operator<(const TextPosition& o) const {
    return line != o.line ? line < o.line : column < o.column;
  }
};

// "<path>:<line>:<column>"
std::string Where(std::string_view path, TextPosition at);

}  // namespace edgewatch::rules
