#include "schema/edge_window.h"

#include <array>
#include <string_view>

namespace edgewatch::schema {
namespace {

// Wire and rule names, indexed by Counter. Renaming one breaks rules and consumers: don't.
constexpr std::array<std::string_view, kCounterCount> kCounterNames = {
    "connects",
    "accepts",
    "refused",
    "timeout",
    "reset",
    "unreachable",
    "other_failures",
    "accept_failures",
    "syn_retransmits",
    "synack_retransmits",
    "data_retransmits",
    "resets_sent",
    "resets_received",
};

}  // namespace

std::string_view CounterName(Counter c) {
  const auto i = static_cast<size_t>(c);
  return i < kCounterNames.size() ? kCounterNames[i] : std::string_view("unknown");
}

std::optional<Counter> CounterFromName(std::string_view name) {
  for (size_t i = 0; i < kCounterNames.size(); ++i) {
    if (kCounterNames[i] == name) return static_cast<Counter>(i);
  }
  return std::nullopt;
}

uint64_t EdgeWindow::Failures() const {
  return at(Counter::kRefused) + at(Counter::kTimeout) + at(Counter::kReset) +
         at(Counter::kUnreachable) + at(Counter::kOtherFailures) + at(Counter::kAcceptFailures);
}

}  // namespace edgewatch::schema

namespace edgewatch::schema {

std::string_view DnsRcodeClassName(DnsRcodeClass r) {
  constexpr std::array<std::string_view, kDnsRcodeClasses> kNames = {
      "noerror", "nxdomain", "servfail", "refused", "formerr", "other"};
  const auto i = static_cast<size_t>(r);
  return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

}  // namespace edgewatch::schema

namespace edgewatch::schema {

std::string_view HttpStatusClassName(HttpStatusClass c) {
  constexpr std::array<std::string_view, kHttpStatusClasses> kNames = {"1xx", "2xx", "3xx",
                                                                       "4xx", "5xx", "other"};
  const auto i = static_cast<size_t>(c);
  return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

HttpStatusClass HttpStatusClassOf(int status) {
  if (status < 100 || status > 599) return HttpStatusClass::kOther;
  return static_cast<HttpStatusClass>(status / 100 - 1);
}

}  // namespace edgewatch::schema
