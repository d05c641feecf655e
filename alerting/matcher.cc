#include "alerting/matcher.h"

#include <cctype>

namespace edgewatch::alerting {

namespace {

bool IsLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!(std::isalpha(c) != 0 || c == '_' || (i > 0 && std::isdigit(c) != 0))) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

// A double-quoted value starting at s[0] == '"': its unescaped text and the characters used.
Result<std::pair<std::string, size_t>> Unquote(std::string_view s) {
  std::string out;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char c = s[++i];
      out.push_back(c == 'n' ? '\n' : c);
    } else if (s[i] == '"') {
      return std::pair{out, i + 1};
    } else {
      out.push_back(s[i]);
    }
  }
  return Err("unterminated quote");
}

}  // namespace

const char* OpText(Matcher::Op op) {
  switch (op) {
    case Matcher::Op::kEqual:
      return "=";
    case Matcher::Op::kNotEqual:
      return "!=";
    case Matcher::Op::kRegex:
      return "=~";
    case Matcher::Op::kNotRegex:
      return "!~";
  }
  return "?";
}

Result<Matcher> Matcher::Create(std::string name, Op op, std::string value) {
  Matcher m;
  m.name_ = std::move(name);
  m.op_ = op;
  m.value_ = std::move(value);
  if (!IsLabelName(m.name_)) {
    return Err("matcher " + m.ToString() + ": " +
               (m.name_.empty()
                    ? std::string("no label name")
                    : "\"" + m.name_ + "\" is not a label name ([A-Za-z_][A-Za-z0-9_]*)"));
  }
  if (m.is_regex()) {
    try {
      m.re_ = std::make_shared<const std::regex>(m.value_, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Err("matcher " + m.ToString() + ": \"" + m.value_ +
                 "\" is not a valid regex (ECMAScript syntax): " + e.what());
    }
  }
  return m;
}

Result<Matcher> Matcher::Parse(std::string_view text) {
  const std::string_view t = Trim(text);
  size_t i = 0;
  while (i < t.size() && t[i] != '=' && t[i] != '!') ++i;
  if (i == t.size()) {
    return Err("matcher \"" + std::string(t) + "\": no operator (=, !=, =~ or !~)");
  }
  const std::string name(Trim(t.substr(0, i)));
  Op op = Op::kEqual;
  if (t[i] == '!') {
    if (i + 1 >= t.size() || (t[i + 1] != '=' && t[i + 1] != '~')) {
      return Err("matcher \"" + std::string(t) + "\": '!' must be followed by '=' or '~'");
    }
    op = t[i + 1] == '=' ? Op::kNotEqual : Op::kNotRegex;
    i += 2;
  } else if (i + 1 < t.size() && t[i + 1] == '~') {
    op = Op::kRegex;
    i += 2;
  } else {
    i += 1;
  }
  std::string_view rest = Trim(t.substr(i));
  std::string value;
  if (!rest.empty() && rest.front() == '"') {
    auto q = Unquote(rest);
    if (!q) return Err("matcher \"" + std::string(t) + "\": " + q.error());
    if (!Trim(rest.substr(q->second)).empty()) {
      return Err("matcher \"" + std::string(t) + "\": text after the closing quote");
    }
    value = std::move(q->first);
  } else {
    value = std::string(rest);
  }
  return Create(name, op, std::move(value));
}

bool Matcher::Matches(const Labels& labels) const {
  static const std::string kEmpty;
  auto it = labels.find(name_);
  const std::string& value = it == labels.end() ? kEmpty : it->second;
  switch (op_) {
    case Op::kEqual:
      return value == value_;
    case Op::kNotEqual:
      return value != value_;
    case Op::kRegex:
      return std::regex_match(value, *re_);
    case Op::kNotRegex:
      return !std::regex_match(value, *re_);
  }
  return false;
}

bool Matcher::MatchesEmpty() const {
  switch (op_) {
    case Op::kEqual:
      return value_.empty();
    case Op::kNotEqual:
      return !value_.empty();
    case Op::kRegex:
      return std::regex_match(std::string(), *re_);
    case Op::kNotRegex:
      return !std::regex_match(std::string(), *re_);
  }
  return false;
}

std::string Matcher::ToString() const {
  std::string out = name_ + OpText(op_) + "\"";
  for (char c : value_) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

Result<std::vector<Matcher>> ParseMatchers(std::string_view text) {
  std::string_view t = Trim(text);
  if (!t.empty() && t.front() == '{') {
    if (t.back() != '}') return Err("matchers \"" + std::string(t) + "\": missing '}'");
    t = Trim(t.substr(1, t.size() - 2));
  }
  std::vector<Matcher> out;
  // Split on commas outside quotes.
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i <= t.size(); ++i) {
    if (i < t.size()) {
      if (t[i] == '\\' && quoted) {
        ++i;
        continue;
      }
      if (t[i] == '"') quoted = !quoted;
      if (t[i] != ',' || quoted) continue;
    }
    const std::string_view part = Trim(t.substr(start, i - start));
    start = i + 1;
    if (part.empty()) {
      if (i == t.size() && !out.empty()) break;  // a trailing comma
      if (i == t.size() && out.empty()) break;   // no matcher at all
      return Err("matchers \"" + std::string(text) + "\": empty matcher between commas");
    }
    auto m = Matcher::Parse(part);
    if (!m) return Err(m.error());
    out.push_back(std::move(*m));
  }
  if (quoted) return Err("matchers \"" + std::string(text) + "\": unterminated quote");
  return out;
}

bool MatchesAll(const std::vector<Matcher>& matchers, const Labels& labels) {
  for (const Matcher& m : matchers) {
    if (!m.Matches(labels)) return false;
  }
  return true;
}

}  // namespace edgewatch::alerting
