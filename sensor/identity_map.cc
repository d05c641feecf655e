#include "sensor/identity_map.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>

#include "schema/edge.h"
#include "sensor/identity_map_index.h"

namespace edgewatch::sensor {
namespace identity_internal {
namespace {

constexpr std::array<uint8_t, 12> kV4Mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool Parse1To65535(std::string_view s, uint16_t& out) {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 1 || v > 65535) {
    return false;
  }
  out = static_cast<uint16_t>(v);
  return true;
}

}  // namespace

std::optional<Address> ParseAddress(std::string_view text) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf)) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  Address a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
    a.v4 = true;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) {
    return std::nullopt;
  }
  if (std::equal(kV4Mapped.begin(), kV4Mapped.end(), a.bytes.begin())) {
    std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
    std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
    a.v4 = true;
  }
  return a;
}

Address Masked(Address a, int bits) {
  const int full = bits / 8;
  if (full < 16) {
    a.bytes[full] &= static_cast<uint8_t>(0xff00 >> (bits % 8));
    std::fill(a.bytes.begin() + full + 1, a.bytes.end(), 0);
  }
  return a;
}

std::string AddressText(const Address& a) {
  char buf[INET6_ADDRSTRLEN] = "";
  inet_ntop(a.v4 ? AF_INET : AF_INET6, a.bytes.data(), buf, sizeof(buf));
  return buf;
}

std::string Quote(std::string_view s) {
  constexpr size_t kMaxQuoted = 80;
  return "\"" + std::string(s.substr(0, kMaxQuoted)) + (s.size() > kMaxQuoted ? "...\"" : "\"");
}

Result<Endpoint> ParseEndpoint(std::string_view s) {
  const std::string bad = Quote(s) + " is not ip:port or [ipv6]:port (e.g. 10.2.0.14:8443)";
  std::string_view host;
  std::string_view port;
  if (s.starts_with('[')) {
    const size_t close = s.find(']');
    if (close == std::string_view::npos || s.substr(close + 1, 1) != ":") {
      return Err(bad);
    }
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) {
      return Err(bad);
    }
    if (s.find(':') != colon) {
      return Err(Quote(s) + ": write IPv6 endpoints as [address]:port, e.g. [fd00::14]:8443");
    }
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  Endpoint e;
  const auto addr = ParseAddress(host);
  if (!addr || !Parse1To65535(port, e.port)) {
    return Err(bad);
  }
  e.addr = *addr;
  return e;
}

Result<Prefix> ParseCidr(std::string_view s) {
  const size_t slash = s.find('/');
  const std::string_view host = s.substr(0, slash);
  const auto addr = ParseAddress(host);
  if (!addr) {
    return Err(Quote(s) + " is not a CIDR prefix (e.g. 10.9.0.0/16, fd00::/64) or an address");
  }
  if (addr->v4 && host.find(':') != std::string_view::npos) {
    return Err(Quote(s) + ": write IPv4-mapped prefixes in IPv4 form (10.9.0.0/16); they also " +
               "match ::ffff: peers");
  }
  const int max_bits = addr->v4 ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view len = s.substr(slash + 1);
    const auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), bits);
    if (len.empty() || ec != std::errc() || end != len.data() + len.size() || bits < 0 ||
        bits > max_bits) {
      return Err(Quote(s) + ": prefix length must be 0.." + std::to_string(max_bits));
    }
  }
  const Address network = Masked(*addr, bits);
  if (network != *addr) {
    // Host bits set is a typo that would silently select another network than the one meant.
    return Err(Quote(s) + ": address has bits set beyond the /" + std::to_string(bits) +
               " prefix; did you mean " + AddressText(network) + "/" + std::to_string(bits) + "?");
  }
  return Prefix{network, bits};
}

}  // namespace identity_internal

using identity_internal::Address;
using identity_internal::Endpoint;
using identity_internal::kMaxCommLen;
using identity_internal::Masked;
using identity_internal::ParseAddress;

IdentityMap::IdentityMap() : index_(std::make_unique<Index>()) {}
IdentityMap::IdentityMap(IdentityMap&&) noexcept = default;
IdentityMap& IdentityMap::operator=(IdentityMap&&) noexcept = default;
IdentityMap::~IdentityMap() = default;

Result<IdentityMap> IdentityMap::Load(const std::string& path, const IdentityMapOptions& options) {
  // Identity files are small; a huge one is a wrong path and would only produce a huge error.
  constexpr std::streamsize kMaxBytes = 4 << 20;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Err(path + ": cannot open identity file: " + std::strerror(errno));
  }
  std::string text(static_cast<size_t>(kMaxBytes) + 1, '\0');
  in.read(text.data(), kMaxBytes + 1);
  if (in.bad()) {
    return Err(path + ": cannot read identity file: " + std::strerror(errno));
  }
  if (in.gcount() > kMaxBytes) {
    return Err(path + ": identity file larger than 4 MiB; check the path");
  }
  text.resize(static_cast<size_t>(in.gcount()));
  return Parse(text, path, options);
}

const ServiceIdentity* IdentityMap::Resolve(std::string_view ip, uint16_t port,
                                            std::string_view container_id,
                                            std::string_view comm) const {
  if (!index_) {
    return nullptr;  // moved from
  }
  const Index& idx = *index_;
  const std::optional<Address> addr = ParseAddress(ip);
  if (addr && !idx.endpoints.empty()) {
    if (auto it = idx.endpoints.find(Endpoint{*addr, port}); it != idx.endpoints.end()) {
      return &services_[it->second];
    }
  }
  if (!container_id.empty()) {
    // Prefixes are unique, so the only candidate is the greatest entry not above the id.
    auto it = std::upper_bound(idx.containers.begin(), idx.containers.end(), container_id,
                               [](std::string_view id, const auto& e) { return id < e.first; });
    if (it != idx.containers.begin() && container_id.starts_with((--it)->first)) {
      return &services_[it->second];
    }
  }
  if (!comm.empty() && comm.size() <= kMaxCommLen) {
    // A string of at most 15 characters is stored inline: no allocation.
    if (auto it = idx.processes.find(std::string(comm)); it != idx.processes.end()) {
      return &services_[it->second];
    }
  }
  if (addr) {
    for (const Index::PrefixTable& t : addr->v4 ? idx.v4 : idx.v6) {
      if (auto it = t.networks.find(Masked(*addr, t.bits)); it != t.networks.end()) {
        return &services_[it->second];
      }
    }
  }
  return nullptr;
}

// ---- IdentityMapReloader ----

IdentityMapReloader::IdentityMapReloader(std::string path, IdentityMapOptions options,
                                         std::ostream* log)
    : path_(std::move(path)), options_(options), log_(log != nullptr ? log : &std::cerr) {}

Result<std::unique_ptr<IdentityMapReloader>> IdentityMapReloader::Create(std::string path,
                                                                         IdentityMapOptions options,
                                                                         std::ostream* log) {
  std::unique_ptr<IdentityMapReloader> r(new IdentityMapReloader(std::move(path), options, log));
  // Stat before reading: a change during the read shows as a new stamp at the next check.
  if (!r->Stat(r->loaded_stamp_)) {
    const int err = errno;
    return Err(r->path_ + ": cannot open identity file: " + std::strerror(err));
  }
  auto map = IdentityMap::Load(r->path_, r->options_);
  if (!map.ok()) {
    return Err(map.error());
  }
  r->services_.store(map->size(), std::memory_order_relaxed);
  r->current_ = std::make_shared<const IdentityMap>(std::move(*map));
  return r;
}

bool IdentityMapReloader::Stat(FileStamp& out) const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    return false;
  }
  out = {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
         static_cast<uint64_t>(st.st_size),
         static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  return true;
}

std::shared_ptr<const IdentityMap> IdentityMapReloader::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

void IdentityMapReloader::Say(const std::string& message) {
  *log_ << "edgewatch sensor: " << message << "; keeping the last identity map ("
        << services_.load(std::memory_order_relaxed) << " services)\n";
}

bool IdentityMapReloader::CheckReload() {
  FileStamp stamp;
  if (!Stat(stamp)) {
    const int err = errno;
    if (!file_missing_) {
      file_missing_ = true;
      reload_failures_.Add();
      Say(path_ + ": cannot stat identity file: " + std::strerror(err));
    }
    return false;
  }
  file_missing_ = false;
  if (stamp == loaded_stamp_) {
    return false;
  }
  loaded_stamp_ = stamp;  // each version is tried once: a bad one is counted and said once
  auto map = IdentityMap::Load(path_, options_);
  if (!map.ok()) {
    reload_failures_.Add();
    Say(map.error() + "\n" + path_ + ": identity file not reloaded");
    return false;
  }
  auto next = std::make_shared<const IdentityMap>(std::move(*map));
  services_.store(next->size(), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_.swap(next);
  }
  reloads_.Add();
  return true;  // the old map is freed here, outside the lock, unless a reader still holds it
}

void IdentityMapReloader::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_sensor_identity_reloads_total",
                        "Identity file reloads that installed a new map.", reloads_.Get()));
  out.push_back(Counter("edgewatch_sensor_identity_reload_failures_total",
                        "Identity file changes that could not be loaded (the last map is kept), "
                        "and disappearances of the file.",
                        reload_failures_.Get()));
  out.push_back(Gauge("edgewatch_sensor_identity_services", "Services in the identity map in use.",
                      static_cast<double>(services_.load(std::memory_order_relaxed))));
}

// ---- UnknownPeers ----

void UnknownPeers::Add(const std::string& ip, uint16_t port) {
  lookups_.Add();
  scratch_.clear();
  schema::AppendHostPort(ip, port, scratch_);
  if (keys_.find(scratch_) != keys_.end()) {
    return;
  }
  if (keys_.size() >= capacity_) {
    overflow_.Add();
    return;
  }
  keys_.insert(scratch_);
  size_.store(keys_.size(), std::memory_order_relaxed);
}

void UnknownPeers::Reset() {
  keys_.clear();
  size_.store(0, std::memory_order_relaxed);
}

void UnknownPeers::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_sensor_identity_unknown_lookups_total",
                        "Peer lookups that matched no service in the identity map.",
                        lookups_.Get()));
  out.push_back(Counter("edgewatch_sensor_identity_unknown_overflow_total",
                        "Unknown-peer lookups not remembered because the set was full.",
                        overflow_.Get()));
  out.push_back(Gauge("edgewatch_sensor_identity_unknown_peers",
                      "Distinct unknown peers remembered since the last reset.",
                      static_cast<double>(size_.load(std::memory_order_relaxed))));
}

}  // namespace edgewatch::sensor
