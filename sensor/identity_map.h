// The sensor's identity layer: a metadata file (format: docs/identity.md) that maps peers to
// services, each with its business system and CMDB tags. IdentityMap is the loaded file
// (immutable, shared between threads); IdentityMapReloader follows the file on disk;
// UnknownPeers remembers, bounded, which peers no service claimed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/stats.h"

namespace edgewatch::sensor {

struct IdentityMapOptions {
  size_t max_tags_per_service = 16;  // tags may become labels downstream: keep them few
};

// What a peer is, as the identity file says.
struct ServiceIdentity {
  std::string service;  // the service's name, unique in the file
  std::string business_system;
  std::vector<std::pair<std::string, std::string>> tags;  // sorted by key, keys unique
};

class IdentityMap {
 public:
  // Parses a file's text; `path` prefixes every message. All problems are reported, one per
  // line in line order (at most 20), each as "<path>:<line>: <key>: <what is wrong>".
  static Result<IdentityMap> Parse(std::string_view yaml, const std::string& path,
                                   const IdentityMapOptions& options = {});
  // Reads and parses `path`.
  static Result<IdentityMap> Load(const std::string& path, const IdentityMapOptions& options = {});

  // The service a peer belongs to, or nullptr (valid as long as this map lives). The first
  // kind of match that applies wins, most specific first:
  //   1. endpoints   — exact ip and port;
  //   2. containers  — `container_id` starts with a listed id (prefixes are unique at load);
  //   3. processes   — `comm` equals a listed process name;
  //   4. cidrs       — the longest prefix containing `ip`.
  // `ip` is textual IPv4 or IPv6 (IPv4-mapped IPv6 counts as IPv4); "" or unparsable matches
  // no endpoint or CIDR. Empty `container_id` / `comm` match nothing. Does not allocate.
  const ServiceIdentity* Resolve(std::string_view ip, uint16_t port, std::string_view container_id,
                                 std::string_view comm) const;

  size_t size() const { return services_.size(); }
  const std::vector<ServiceIdentity>& services() const { return services_; }

  IdentityMap(IdentityMap&&) noexcept;
  IdentityMap& operator=(IdentityMap&&) noexcept;
  ~IdentityMap();

 private:
  friend class IdentityMapParser;
  struct Index;  // lookup tables, defined in sensor/identity_map_index.h

  IdentityMap();

  std::vector<ServiceIdentity> services_;
  std::unique_ptr<Index> index_;
};

// Follows the identity file: CheckReload() (once per window, from one thread) reloads it when
// its inode, size or mtime changed. A file that fails to load, or is deleted, keeps the map in
// use; the failure is counted and said once on `log`. Current() may be called from any thread.
class IdentityMapReloader : public StatsSource {
 public:
  // Fails when the file cannot be read or is invalid at start. `log` (default std::cerr) gets
  // one message per failed reload and per disappearance of the file.
  static Result<std::unique_ptr<IdentityMapReloader>> Create(std::string path,
                                                             IdentityMapOptions options = {},
                                                             std::ostream* log = nullptr);

  std::shared_ptr<const IdentityMap> Current() const;
  // Stats the file and reloads it if it changed; true when a new map was installed. Each
  // version of the file is loaded once: a bad one is not retried until it changes again.
  bool CheckReload();

  const std::string& path() const { return path_; }
  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  IdentityMapReloader(std::string path, IdentityMapOptions options, std::ostream* log);
  void Say(const std::string& message);

  std::string path_;
  IdentityMapOptions options_;
  std::ostream* log_;
  struct FileStamp {
    uint64_t dev = 0, ino = 0, size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  // The file's stamp, or false when it cannot be stat'ed.
  bool Stat(FileStamp& out) const;

  FileStamp loaded_stamp_;
  bool file_missing_ = false;  // said once per disappearance
  mutable std::mutex mu_;
  std::shared_ptr<const IdentityMap> current_;  // guarded by mu_
  StatCounter reloads_;
  StatCounter reload_failures_;
  std::atomic<size_t> services_{0};
};

// Distinct peers that no service claimed, for reporting: at most `capacity` keys
// ("10.0.0.1:443", "[fd00::1]:443"); peers past the cap are only counted. Single-threaded,
// except CollectStats.
class UnknownPeers : public StatsSource {
 public:
  explicit UnknownPeers(size_t capacity = 1024) : capacity_(capacity) {}

  // Counts one lookup that found no service and remembers the peer if there is room.
  void Add(const std::string& ip, uint16_t port);
  const std::set<std::string, std::less<>>& keys() const { return keys_; }
  // Forgets the keys (e.g. at each window's end); counters keep counting.
  void Reset();

  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  size_t capacity_;
  std::set<std::string, std::less<>> keys_;
  std::string scratch_;
  StatCounter lookups_;
  StatCounter overflow_;
  std::atomic<size_t> size_{0};
};

}  // namespace edgewatch::sensor
