#include "rules/annotation_template.h"

#include <string>

namespace edgewatch::rules {
namespace {

constexpr std::array<std::string_view, kPlaceholderCount> kNames = {
    "client_workload", "client_ip",      "server", "server_ip", "server_port", "side",
    "value",           "threshold",      "signal", "rule",      "node",        "business_system",
    "client_service",  "server_service",
};

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::string_view PlaceholderName(Placeholder p) {
  const auto i = static_cast<size_t>(p);
  return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

std::string PlaceholderNames() {
  std::string out;
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (i != 0) {
      out += ", ";
    }
    out += kNames[i];
  }
  return out;
}

Result<AnnotationTemplate> AnnotationTemplate::Parse(std::string_view text) {
  AnnotationTemplate t;
  t.text_ = std::string(text);
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      t.segments_.push_back({false, Placeholder::kValue, std::string(text.substr(pos))});
      break;
    }
    if (open > pos) {
      t.segments_.push_back(
          {false, Placeholder::kValue, std::string(text.substr(pos, open - pos))});
    }
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Err("unterminated \"{{\" at offset " + std::to_string(open) +
                 "; placeholders are written {{ name }}");
    }
    const std::string_view name = Trim(text.substr(open + 2, close - open - 2));
    size_t i = 0;
    while (i < kNames.size() && kNames[i] != name) {
      ++i;
    }
    if (i == kNames.size()) {
      return Err("unknown placeholder \"{{ " + std::string(name) +
                 " }}\"; allowed: " + PlaceholderNames());
    }
    t.segments_.push_back({true, static_cast<Placeholder>(i), {}});
    pos = close + 2;
  }
  return t;
}

std::string AnnotationTemplate::Render(const TemplateValues& values) const {
  std::string out;
  out.reserve(text_.size() + 32);
  for (const Segment& s : segments_) {
    if (s.placeholder) {
      out += values[static_cast<size_t>(s.which)];
    } else {
      out += s.literal;
    }
  }
  return out;
}

}  // namespace edgewatch::rules
