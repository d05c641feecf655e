// The identity file's parser (format: docs/identity.md); lookups are in identity_map.cc.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <unordered_map>

#include "schema/edge.h"
#include "sensor/identity_map.h"
#include "sensor/identity_map_index.h"

namespace edgewatch::sensor {
namespace {

using identity_internal::Address;
using identity_internal::AddressHash;
using identity_internal::AddressText;
using identity_internal::kMaxCommLen;
using identity_internal::Quote;

constexpr size_t kMaxErrors = 20;
constexpr size_t kMaxErrorsKept = 1000;  // a binary file must not build a huge message
constexpr size_t kMinContainerPrefix = 12;
constexpr size_t kContainerIdLen = 64;
constexpr std::array<std::string_view, 1> kFileKeys = {"services"};
constexpr std::array<std::string_view, 4> kServiceKeys = {"name", "business_system", "tags",
                                                          "match"};
constexpr std::array<std::string_view, 4> kMatchKeys = {"cidrs", "endpoints", "containers",
                                                        "processes"};

bool HasControlChars(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool IsTagKey(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsContainerId(std::string_view s) {
  return s.size() >= kMinContainerPrefix && s.size() <= kContainerIdLen &&
         std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

int LineOf(const YAML::Node& n, int fallback) {
  const YAML::Mark m = n.Mark();
  return m.is_null() ? fallback : m.line + 1;
}

// Calls f(line number, line) for each line of `text` until f returns true; that line or 0.
template <typename F>
int FindLine(std::string_view text, F f) {
  int n = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t eol = std::min(text.find('\n', pos), text.size());
    if (f(text.substr(pos, eol - pos))) {
      return n + 1;
    }
    ++n;
    pos = eol + 1;
  }
  return 0;
}

// A line that is not blank, a comment or a bare null.
bool HasContent(std::string_view l) {
  l.remove_prefix(std::min(l.find_first_not_of(" \t\r"), l.size()));
  l.remove_suffix(l.size() - std::min(l.find_last_not_of(" \t\r") + 1, l.size()));
  return !l.empty() && l.front() != '#' && l != "~" && l != "null";
}

// A "---" or "..." document marker; YAML lets nothing else start with them at column 0, so a
// line scan finds documents exactly. Strips the marker from `l`.
bool StripDocumentMarker(std::string_view& l) {
  if ((l.starts_with("---") || l.starts_with("...")) &&
      (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r')) {
    l.remove_prefix(3);
    return true;
  }
  return false;
}

// The first line with content, or 0.
int FirstContentLine(std::string_view text) {
  return FindLine(text, [](std::string_view l) {
    StripDocumentMarker(l);
    return HasContent(l);
  });
}

// The first line with content in a second document, or 0. YAML::Load reads only the first one
// and would silently ignore the services of the others.
int SecondDocumentLine(std::string_view text) {
  bool content = false;
  bool ended = false;
  return FindLine(text, [&](std::string_view l) {
    ended = (StripDocumentMarker(l) && content) || ended;
    content = content || HasContent(l);
    return ended && HasContent(l);
  });
}

struct Entry {
  std::string key;
  int line = 0;
  YAML::Node value;
};

const Entry* Find(const std::vector<Entry>& entries, std::string_view key) {
  const auto it =
      std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == key; });
  return it == entries.end() ? nullptr : &*it;
}

}  // namespace

// Parses one file; collects every error instead of stopping at the first.
class IdentityMapParser {
 public:
  IdentityMapParser(const std::string& path, const IdentityMapOptions& options)
      : path_(path), options_(options) {}

  Result<IdentityMap> Parse(std::string_view text);

 private:
  void Error(int line, const std::string& key, std::string_view message) {
    if (errors_.size() >= kMaxErrorsKept) {
      return;
    }
    errors_.emplace_back(line, path_ + ":" + std::to_string(line) + ": " +
                                   (key.empty() ? "" : key + ": ") + std::string(message));
  }
  // The entries of a mapping; reports non-string, duplicate and unknown keys.
  std::vector<Entry> Entries(const YAML::Node& map, const std::string& key,
                             std::span<const std::string_view> allowed);
  // A required, non-empty single value without control characters.
  std::optional<std::string> RequiredText(const std::vector<Entry>& entries,
                                          const std::string& parent, std::string_view name,
                                          int line);
  void ParseService(const YAML::Node& node, const std::string& key);
  void ParseTags(const Entry& e, const std::string& key, ServiceIdentity& out);
  // Adds the service's matchers to the index; false when it lists nothing (and is not wrong
  // in another way).
  bool ParseMatch(const Entry& e, const std::string& key, uint32_t service);
  void AddMatcher(std::string_view list, const std::string& item, const std::string& key, int line,
                  uint32_t service);
  // Reports `canonical` listed twice (in any service); true when it is new.
  bool FirstListing(const std::string& canonical, const std::string& key, int line);

  const std::string& path_;
  const IdentityMapOptions& options_;
  IdentityMap map_;
  std::vector<std::pair<int, std::string>> errors_;  // (line, message)
  std::map<std::string, int> names_;                 // service name → line
  std::map<std::string, int> listed_;                // canonical matcher → line
  struct ContainerEntry {
    std::string id;
    int line;
    std::string key;
    bool operator<(const ContainerEntry& o) const { return id < o.id; }
  };
  std::vector<ContainerEntry> container_entries_;
  std::map<int, std::unordered_map<Address, uint32_t, AddressHash>, std::greater<>> v4_, v6_;
};

std::vector<Entry> IdentityMapParser::Entries(const YAML::Node& map, const std::string& key,
                                              std::span<const std::string_view> allowed) {
  std::vector<Entry> out;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const int line = LineOf(it->first, LineOf(map, 1));
    if (!it->first.IsScalar()) {
      Error(line, key, "keys must be plain strings");
      continue;
    }
    Entry e{it->first.Scalar(), line, it->second};
    const std::string child = key.empty() ? e.key : key + "." + e.key;
    if (std::any_of(out.begin(), out.end(), [&](const Entry& o) { return o.key == e.key; })) {
      Error(line, child, "duplicate key");
    } else if (!allowed.empty() &&
               std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
      std::string names;
      for (std::string_view a : allowed) {
        names += (names.empty() ? "" : ", ") + std::string(a);
      }
      Error(line, child, "unknown key; allowed: " + names);
    } else {
      out.push_back(std::move(e));
    }
  }
  return out;
}

std::optional<std::string> IdentityMapParser::RequiredText(const std::vector<Entry>& entries,
                                                           const std::string& parent,
                                                           std::string_view name, int line) {
  const std::string key = parent + "." + std::string(name);
  const Entry* e = Find(entries, name);
  if (e == nullptr) {
    Error(line, key, "missing required key");
  } else if (!e->value.IsScalar() || e->value.Scalar().empty()) {
    Error(e->line, key, "must be a single, non-empty value");
  } else if (HasControlChars(e->value.Scalar())) {
    Error(e->line, key, "contains control characters");
  } else {
    return e->value.Scalar();
  }
  return std::nullopt;
}

Result<IdentityMap> IdentityMapParser::Parse(std::string_view text) {
  // YAML::Load only: YAML::LoadAll loops forever on some malformed input in yaml-cpp 0.7
  // (jbeder/yaml-cpp#1040), and Load yields a null document for some of it instead of throwing.
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    Error(e.mark.is_null() ? 1 : e.mark.line + 1, "", "YAML syntax error: " + e.msg);
  }
  if (errors_.empty() && root.IsNull()) {
    const int line = FirstContentLine(text);
    Error(std::max(line, 1), "",
          line != 0 ? "YAML syntax error: no document could be read from here on"
                    : "empty file; expected a mapping with services: [...]");
  } else if (const int second = errors_.empty() ? SecondDocumentLine(text) : 0; second != 0) {
    Error(second, "", "a second YAML document; keep all services in one (remove the ---)");
  } else if (errors_.empty() && !root.IsMap()) {
    Error(LineOf(root, 1), "", "expected a mapping with services: [...]");
  } else if (errors_.empty()) {
    const std::vector<Entry> entries = Entries(root, "", kFileKeys);
    if (entries.empty() || !entries[0].value.IsSequence()) {
      Error(entries.empty() ? LineOf(root, 1) : entries[0].line, "services",
            entries.empty() ? "missing required key (a list of services)" : "must be a list");
    } else {
      for (size_t i = 0; i < entries[0].value.size(); ++i) {
        ParseService(entries[0].value[i], "services[" + std::to_string(i) + "]");
      }
    }
  }
  // Container ids are sorted so that a prefix and the ids it is a prefix of are neighbours.
  std::sort(container_entries_.begin(), container_entries_.end());
  for (size_t i = 1; i < container_entries_.size(); ++i) {
    const ContainerEntry& a = container_entries_[i - 1];
    const ContainerEntry& b = container_entries_[i];
    if (b.id.starts_with(a.id)) {  // equal ids were reported as listed twice
      const ContainerEntry& later = a.line > b.line ? a : b;
      const ContainerEntry& earlier = a.line > b.line ? b : a;
      Error(later.line, later.key,
            Quote(a.id) + " is a prefix of " + Quote(b.id) + " (the other at line " +
                std::to_string(earlier.line) + "); a container must match one entry");
    }
  }
  if (!errors_.empty()) {
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::string out;
    for (size_t i = 0; i < errors_.size() && i < kMaxErrors; ++i) {
      out += (i == 0 ? "" : "\n") + errors_[i].second;
    }
    if (errors_.size() > kMaxErrors) {
      out += "\n" + path_ + ": ... and " + std::to_string(errors_.size() - kMaxErrors) + " more";
    }
    return Err(out);
  }
  IdentityMap::Index& index = *map_.index_;
  std::sort(index.containers.begin(), index.containers.end());
  for (auto& [bits, nets] : v4_) {
    index.v4.push_back({bits, std::move(nets)});
  }
  for (auto& [bits, nets] : v6_) {
    index.v6.push_back({bits, std::move(nets)});
  }
  return std::move(map_);
}

void IdentityMapParser::ParseService(const YAML::Node& node, const std::string& key) {
  const int line = LineOf(node, 1);
  if (!node.IsMap()) {
    Error(line, key, "each service must be a mapping with name, business_system and match");
    return;
  }
  const auto service = static_cast<uint32_t>(map_.services_.size());
  ServiceIdentity& id = map_.services_.emplace_back();
  const std::vector<Entry> entries = Entries(node, key, kServiceKeys);
  if (auto name = RequiredText(entries, key, "name", line)) {
    id.service = std::move(*name);
    const int name_line = Find(entries, "name")->line;
    if (auto [it, fresh] = names_.emplace(id.service, name_line); !fresh) {
      Error(name_line, key + ".name",
            "duplicate service " + Quote(id.service) + "; first defined at line " +
                std::to_string(it->second));
    }
  }
  if (auto bs = RequiredText(entries, key, "business_system", line)) {
    id.business_system = std::move(*bs);
  }
  if (const Entry* tags = Find(entries, "tags")) {
    ParseTags(*tags, key + ".tags", id);
  }
  const Entry* match = Find(entries, "match");
  if (match == nullptr) {
    Error(line, key + ".match", "missing required key");
  } else if (!ParseMatch(*match, key + ".match", service)) {
    Error(match->line, key + ".match",
          "empty match; list at least one of cidrs, endpoints, containers, processes");
  }
}

void IdentityMapParser::ParseTags(const Entry& e, const std::string& key, ServiceIdentity& out) {
  if (e.value.IsNull()) {
    return;
  }
  if (!e.value.IsMap()) {
    Error(e.line, key, "must be a mapping of tag keys to values, e.g. {owner: team-pay}");
    return;
  }
  std::map<std::string, std::string> tags;
  for (const Entry& t : Entries(e.value, key, {})) {
    const std::string child = key + "." + t.key;
    if (!IsTagKey(t.key)) {
      Error(t.line, child, "tag keys must match [a-z0-9_]+");
    } else if (t.value.IsNull() || (t.value.IsScalar() && t.value.Scalar().empty())) {
      Error(t.line, child, "missing value");
    } else if (!t.value.IsScalar()) {
      Error(t.line, child, "tag values must be single values (text or number), not lists or maps");
    } else if (HasControlChars(t.value.Scalar())) {
      Error(t.line, child, "contains control characters");
    } else {
      tags.emplace(t.key, t.value.Scalar());
    }
  }
  if (tags.size() > options_.max_tags_per_service) {
    Error(e.line, key,
          std::to_string(tags.size()) + " tags; at most " +
              std::to_string(options_.max_tags_per_service) + " per service");
  }
  out.tags.assign(tags.begin(), tags.end());
}

bool IdentityMapParser::ParseMatch(const Entry& e, const std::string& key, uint32_t service) {
  if (e.value.IsNull()) {
    return false;
  }
  if (!e.value.IsMap()) {
    Error(e.line, key, "must be a mapping, e.g. {cidrs: [10.9.0.0/16], processes: [java]}");
    return true;
  }
  size_t count = 0;
  for (const Entry& list : Entries(e.value, key, kMatchKeys)) {
    const std::string list_key = key + "." + list.key;
    if (list.value.IsNull()) {
      continue;
    }
    if (!list.value.IsSequence()) {
      Error(list.line, list_key, "must be a list, e.g. [a, b]");
      ++count;
      continue;
    }
    for (size_t i = 0; i < list.value.size(); ++i, ++count) {
      const YAML::Node& item = list.value[i];
      const std::string item_key = list_key + "[" + std::to_string(i) + "]";
      const int line = LineOf(item, list.line);
      if (!item.IsScalar() || item.Scalar().empty()) {
        Error(line, item_key, "must be a single, non-empty value");
      } else {
        AddMatcher(list.key, item.Scalar(), item_key, line, service);
      }
    }
  }
  return count != 0;
}

bool IdentityMapParser::FirstListing(const std::string& canonical, const std::string& key,
                                     int line) {
  auto [it, fresh] = listed_.emplace(canonical, line);
  if (!fresh) {
    Error(line, key,
          Quote(canonical.substr(canonical.find(' ') + 1)) + " is already listed at line " +
              std::to_string(it->second));
  }
  return fresh;
}

void IdentityMapParser::AddMatcher(std::string_view list, const std::string& item,
                                   const std::string& key, int line, uint32_t service) {
  IdentityMap::Index& index = *map_.index_;
  if (list == "endpoints") {
    auto ep = identity_internal::ParseEndpoint(item);
    if (!ep.ok()) {
      Error(line, key, ep.error());
    } else if (FirstListing("endpoint " + schema::HostPort(AddressText(ep->addr), ep->port), key,
                            line)) {
      index.endpoints.emplace(*ep, service);
    }
  } else if (list == "containers") {
    if (!IsContainerId(item)) {
      Error(line, key,
            Quote(item) + " must be a container id, or a prefix of at least 12 of its " +
                "lowercase hex digits");
    } else if (FirstListing("container " + item, key, line)) {
      container_entries_.push_back({item, line, key});
      index.containers.emplace_back(item, service);
    }
  } else if (list == "processes") {
    if (item.size() > kMaxCommLen) {
      Error(line, key,
            Quote(item) + " is longer than 15 characters; the kernel keeps only the first 15 " +
                "of a process name: write " + Quote(item.substr(0, kMaxCommLen)));
    } else if (FirstListing("process " + item, key, line)) {
      index.processes.emplace(item, service);
    }
  } else {  // cidrs
    auto prefix = identity_internal::ParseCidr(item);
    if (!prefix.ok()) {
      Error(line, key, prefix.error());
    } else if (FirstListing(
                   "cidr " + AddressText(prefix->network) + "/" + std::to_string(prefix->bits), key,
                   line)) {
      (prefix->network.v4 ? v4_ : v6_)[prefix->bits].emplace(prefix->network, service);
    }
  }
}

Result<IdentityMap> IdentityMap::Parse(std::string_view yaml, const std::string& path,
                                       const IdentityMapOptions& options) {
  return IdentityMapParser(path, options).Parse(yaml);
}

}  // namespace edgewatch::sensor
