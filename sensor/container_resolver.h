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
  // `cgroup_root` "" finds the cgroup v2 mount (see FindCgroup2Root).
  explicit ContainerResolver(std::string cgroup_root = "", size_t max_entries = 65536);

  // "" when the cgroup is not a container's (host processes) or unknown. When the cgroup v2 id
  // says nothing (cgroup v1 hosts put containers in v1 hierarchies), /proc/<pid>/cgroup is read.
  const std::string& Resolve(uint64_t cgroup_id, uint32_t pid = 0);

  // /sys/fs/cgroup when it is cgroup2 (unified layout), /sys/fs/cgroup/unified on hybrid
  // layouts, "" when there is no cgroup2 mount.
  static std::string FindCgroup2Root();

  // The container id in a cgroup path, or "" (exposed for tests).
  static std::string ContainerIdFromPath(std::string_view path);

  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  void Rescan();
  const std::string& FromProc(uint32_t pid);

  std::string root_;
  size_t max_entries_;
  std::unordered_map<uint64_t, std::string> ids_;
  std::unordered_map<uint32_t, std::string> by_pid_;  // /proc answers, cleared every minute
  std::chrono::steady_clock::time_point by_pid_since_{};
  std::chrono::steady_clock::time_point last_scan_{};
  StatCounter scans_;
  StatCounter unresolved_;
  StatCounter scan_truncated_;
  StatCounter proc_lookups_;
};

}  // namespace edgewatch::sensor
