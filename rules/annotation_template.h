// Annotation templates: literal text with {{ name }} placeholders from a fixed set.
//
// Deliberately not Go templates: placeholders are resolved at load time, so an unknown name or
// a Prometheus-ism like {{ $value }} is a load error instead of an empty string at 3 a.m.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace edgewatch::rules {

enum class Placeholder : uint8_t {
  kClientWorkload,
  kClientIp,
  kServer,  // "<server ip>:<port>", IPv6 in brackets
  kServerIp,
  kServerPort,
  kSide,
  kValue,
  kThreshold,
  kSignal,
  kRule,
  kNode,
  kBusinessSystem,
  kClientService,  // from the sensor's identity file; "" when unmapped
  kServerService,
  kCount_
};
inline constexpr size_t kPlaceholderCount = static_cast<size_t>(Placeholder::kCount_);

std::string_view PlaceholderName(Placeholder p);
// "client_workload, client_ip, ...", for error messages and docs.
std::string PlaceholderNames();

// The values a template is rendered with, indexed by Placeholder.
using TemplateValues = std::array<std::string_view, kPlaceholderCount>;

class AnnotationTemplate {
 public:
  AnnotationTemplate() = default;

  // Errors name the offending placeholder and list the allowed ones.
  static Result<AnnotationTemplate> Parse(std::string_view text);

  std::string Render(const TemplateValues& values) const;
  const std::string& text() const { return text_; }

 private:
  struct Segment {
    bool placeholder = false;
    Placeholder which = Placeholder::kValue;  // when placeholder
    std::string literal;                      // otherwise
  };
  std::string text_;
  std::vector<Segment> segments_;
};

}  // namespace edgewatch::rules
