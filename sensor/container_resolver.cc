#include "sensor/container_resolver.h"

#include <sys/stat.h>

#include <cctype>
#include <filesystem>
#include <system_error>

namespace edgewatch::sensor {

namespace {
constexpr size_t kContainerIdLen = 64;
constexpr int kMaxDepth = 12;
const std::string kEmpty;

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c)))
      return false;
  }
  return true;
}
}  // namespace

ContainerResolver::ContainerResolver(std::string cgroup_root, size_t max_entries)
    : root_(std::move(cgroup_root)), max_entries_(max_entries) {}

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

const std::string& ContainerResolver::Resolve(uint64_t cgroup_id) {
  if (cgroup_id == 0) return kEmpty;
  if (auto it = ids_.find(cgroup_id); it != ids_.end()) return it->second;
  auto now = std::chrono::steady_clock::now();
  if (now - last_scan_ >= std::chrono::seconds(1)) {
    last_scan_ = now;
    if (ids_.size() >= max_entries_) ids_.clear();  // cgroups come and go: start over
    Rescan();
    if (auto it = ids_.find(cgroup_id); it != ids_.end()) return it->second;
  }
  unresolved_.Add();
  return kEmpty;
}

void ContainerResolver::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_sensor_cgroup_scans_total",
                        "Scans of the cgroup tree to map cgroup ids to containers.", scans_.Get()));
  out.push_back(Counter("edgewatch_sensor_cgroup_unresolved_total",
                        "Events whose cgroup id was not found (container id left empty).",
                        unresolved_.Get()));
  out.push_back(Counter("edgewatch_sensor_cgroup_scan_truncated_total",
                        "cgroup scans stopped at the cache bound.", scan_truncated_.Get()));
}

}  // namespace edgewatch::sensor
