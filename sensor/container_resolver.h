// cgroup v2 id → container id. The cgroup id the probe records is the inode number of the
// cgroup's directory under /sys/fs/cgroup; the container id is the 64-hex component that
// runtimes put in that path (docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope,
// libpod-<id>.scope or a bare <id>). Unknown ids trigger a bounded re-scan at most once a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/stats.h"

namespace edgewatch::sensor {

class ContainerResolver : public StatsSource {
 public:
  explicit ContainerResolver(std::string cgroup_root = "/sys/fs/cgroup",
                             size_t max_entries = 65536);

  // "" when the cgroup is not a container's (host processes) or unknown.
  const std::string& Resolve(uint64_t cgroup_id);

  // The container id in a cgroup path, or "" (exposed for tests).
  static std::string ContainerIdFromPath(std::string_view path);

  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  void Rescan();

  std::string root_;
  size_t max_entries_;
  std::unordered_map<uint64_t, std::string> ids_;
  std::chrono::steady_clock::time_point last_scan_{};
  StatCounter scans_;
  StatCounter unresolved_;
  StatCounter scan_truncated_;
};

}  // namespace edgewatch::sensor
