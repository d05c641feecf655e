#include "sensor/container_resolver.h"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace edgewatch::sensor {

namespace {
constexpr size_t kContainerIdLen = 64;
constexpr int kMaxDepth = 12;
const std::string kEmpty;

// steady_clock's clock (CLOCK_MONOTONIC) at tick resolution. FromProc runs for every event of a
// host process, and Resolve's rescan limit for every event of an unknown cgroup (the cgroup2
// root is never in the table); a precise read was ~30 % of the sensor's user-space time per
// TCP event (BENCHMARKS.md). A one-minute expiry and a once-a-second rescan need no more than
// the tick.
std::chrono::steady_clock::time_point CoarseNow() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) ||
        std::isupper(static_cast<unsigned char>(c)))
      return false;
  }
  return true;
}
}  // namespace

ContainerResolver::ContainerResolver(std::string cgroup_root, size_t max_entries)
    : root_(cgroup_root.empty() ? FindCgroup2Root() : std::move(cgroup_root)),
      max_entries_(max_entries) {}

std::string ContainerResolver::FindCgroup2Root() {
  for (const char* path : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    struct statfs fs {};
    if (::statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) return path;
  }
  return "";
}

const std::string& ContainerResolver::FromProc(uint32_t pid) {
  auto now = CoarseNow();
  if (now - by_pid_since_ >= std::chrono::minutes(1) || by_pid_.size() >= max_entries_) {
    by_pid_.clear();  // pids are reused: answers are kept only briefly
    by_pid_since_ = now;
  }
  auto [it, inserted] = by_pid_.try_emplace(pid);
  if (!inserted) return it->second;
  proc_lookups_.Add();
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    // "<id>:<controllers>:<path>"
    auto colon = line.find(':', line.find(':') + 1);
    if (colon == std::string::npos) continue;
    std::string id = ContainerIdFromPath(std::string_view(line).substr(colon + 1));
    if (!id.empty()) {
      it->second = std::move(id);
      break;
    }
  }
  return it->second;
}

std::string ContainerResolver::ContainerIdFromPath(std::string_view path) {
  // The innermost component that carries a 64-hex id wins (nested cgroups of a container).
  std::string found;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view comp = path.substr(pos, end - pos);
    if (comp.ends_with(".scope")) comp.remove_suffix(6);
    if (comp.size() >= kContainerIdLen) {
      std::string_view tail = comp.substr(comp.size() - kContainerIdLen);
      size_t prefix = comp.size() - kContainerIdLen;
      bool sep_ok = prefix == 0 || comp[prefix - 1] == '-' || comp[prefix - 1] == ':';
      if (sep_ok && IsHex(tail)) found = std::string(tail);
    }
    pos = end + 1;
  }
  return found;
}

void ContainerResolver::Rescan() {
  namespace fs = std::filesystem;
  scans_.Add();
  std::error_code ec;
  fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    if (it.depth() > kMaxDepth) {
      it.disable_recursion_pending();
      continue;
    }
    if (ids_.size() >= max_entries_) {
      scan_truncated_.Add();
      return;
    }
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;
    std::string rel = it->path().string().substr(root_.size());
    ids_.emplace(static_cast<uint64_t>(st.st_ino), ContainerIdFromPath(rel));
  }
}

const std::string& ContainerResolver::Resolve(uint64_t cgroup_id, uint32_t pid) {
  if (cgroup_id != 0 && !root_.empty()) {
    auto it = ids_.find(cgroup_id);
    if (it == ids_.end()) {
      auto now = CoarseNow();
      if (now - last_scan_ >= std::chrono::seconds(1)) {
        last_scan_ = now;
        if (ids_.size() >= max_entries_) ids_.clear();  // cgroups come and go: start over
        Rescan();
        it = ids_.find(cgroup_id);
      }
    }
    if (it != ids_.end() && !it->second.empty()) return it->second;
    if (it == ids_.end()) unresolved_.Add();
  }
  // Host processes in the cgroup v2 tree, or containers in v1 hierarchies.
  if (pid != 0) return FromProc(pid);
  return kEmpty;
}

void ContainerResolver::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_sensor_cgroup_scans_total",
                        "Scans of the cgroup tree to map cgroup ids to containers.", scans_.Get()));
  out.push_back(Counter("edgewatch_sensor_cgroup_unresolved_total",
                        "Events whose cgroup id was not found (container id left empty).",
                        unresolved_.Get()));
  out.push_back(Counter("edgewatch_sensor_cgroup_proc_lookups_total",
                        "Container ids looked up in /proc/<pid>/cgroup.", proc_lookups_.Get()));
  out.push_back(Counter("edgewatch_sensor_cgroup_scan_truncated_total",
                        "cgroup scans stopped at the cache bound.", scan_truncated_.Get()));
}

}  // namespace edgewatch::sensor
