#include "rules/name_pattern.h"

#include <fnmatch.h>

namespace edgewatch::rules {

Result<NamePattern> NamePattern::Parse(std::string_view text) {
  NamePattern p{std::string(text)};
  if (text.starts_with('~')) {
    p.kind_ = Kind::kRegex;
    try {
      p.regex_ = std::make_shared<const std::regex>(std::string(text.substr(1)),
                                                    std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return Err("\"" + std::string(text) + "\" is not a valid regular expression (" + e.what() +
                 "); a value starting with ~ is a regex matched against the whole name");
    }
    return p;
  }
  if (text.find_first_of("*?[") != std::string_view::npos) {
    if (std::count(text.begin(), text.end(), '[') != std::count(text.begin(), text.end(), ']')) {
      return Err("\"" + std::string(text) + "\": unbalanced [ ] in the glob");
    }
    p.kind_ = Kind::kGlob;
  }
  return p;
}

bool NamePattern::Matches(std::string_view name) const {
  switch (kind_) {
    case Kind::kExact:
      return name == text_;
    case Kind::kGlob:
      return fnmatch(text_.c_str(), std::string(name).c_str(), 0) == 0;
    case Kind::kRegex:
      return std::regex_match(name.begin(), name.end(), *regex_);
  }
  return false;
}

}  // namespace edgewatch::rules
