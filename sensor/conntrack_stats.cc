#include "sensor/conntrack_stats.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <thread>

namespace edgewatch::sensor {
namespace {

using schema::ConntrackCounter;

// The kernel's column name of each counter.
constexpr std::array<std::string_view, schema::kConntrackCounterCount> kColumns = {
    "insert_failed", "drop", "early_drop", "clashres", "search_restart", "insert", "invalid"};

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Reads a whole small /proc file from offset 0.
Result<std::string> ReadAll(int fd) {
  std::string text;
  std::array<char, 4096> buf{};
  off_t off = 0;
  for (;;) {
    const ssize_t n = pread(fd, buf.data(), buf.size(), off);
    if (n < 0) return Err(Errno("read"));
    if (n == 0) break;
    text.append(buf.data(), static_cast<size_t>(n));
    off += n;
    if (text.size() > (1U << 20)) return Err("unexpectedly large");
  }
  return text;
}

uint64_t ReadConntrackMax() {
  int fd = open("/proc/sys/net/netfilter/nf_conntrack_max", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  auto text = ReadAll(fd);
  close(fd);
  uint64_t v = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), v);
  return v;
}

}  // namespace

Result<ConntrackReading> ParseConntrackStat(std::string_view text) {
  const size_t eol = text.find('\n');
  const std::vector<std::string_view> header = Fields(text.substr(0, eol));
  if (header.empty() || header[0] != "entries") {
    return Err("nf_conntrack stat: header does not start with \"entries\"");
  }
  std::array<int, schema::kConntrackCounterCount> column{};
  column.fill(-1);
  for (size_t c = 0; c < kColumns.size(); ++c) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == kColumns[c]) column[c] = static_cast<int>(i);
    }
  }
  ConntrackReading r;
  size_t cpus = 0;
  size_t pos = eol == std::string_view::npos ? text.size() : eol + 1;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::vector<std::string_view> f = Fields(text.substr(pos, end - pos));
    pos = end + 1;
    if (f.empty()) continue;
    if (f.size() != header.size()) {
      return Err("nf_conntrack stat: line " + std::to_string(cpus + 2) + " has " +
                 std::to_string(f.size()) + " columns, the header " +
                 std::to_string(header.size()));
    }
    std::vector<uint64_t> v(f.size());
    for (size_t i = 0; i < f.size(); ++i) {
      auto [p, ec] = std::from_chars(f[i].data(), f[i].data() + f[i].size(), v[i], 16);
      if (ec != std::errc() || p != f[i].data() + f[i].size()) {
        return Err("nf_conntrack stat: line " + std::to_string(cpus + 2) + ": \"" +
                   std::string(f[i]) + "\" is not hexadecimal");
      }
    }
    r.entries = v[0];  // the namespace's count, repeated on every CPU's line
    for (size_t c = 0; c < column.size(); ++c) {
      if (column[c] >= 0) r.counts[c] += v[static_cast<size_t>(column[c])];
    }
    ++cpus;
  }
  if (cpus == 0) return Err("nf_conntrack stat: no CPU lines");
  return r;
}

Result<ConntrackNamespace> ParseConntrackNamespace(std::string_view spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size()) {
    return Err("conntrack namespace \"" + std::string(spec) +
               "\": expected NAME=PATH, e.g. nat=/var/run/netns/nat");
  }
  ConntrackNamespace ns{std::string(spec.substr(0, eq)), std::string(spec.substr(eq + 1))};
  for (char c : ns.name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return Err("conntrack namespace name \"" + ns.name +
                 "\": letters, digits, '-', '_' and '.' only");
    }
  }
  return ns;
}

ConntrackReader::~ConntrackReader() {
  if (fd_ >= 0) close(fd_);
}

std::string ConntrackReader::Open() {
  constexpr const char* kStat = "/proc/thread-self/net/stat/nf_conntrack";
  if (ns_.path.empty()) {
    fd_ = open(kStat, O_RDONLY | O_CLOEXEC);
    return fd_ >= 0 ? "" : Errno(kStat);
  }
  // setns(2) changes only the calling thread: do it on a thread of our own.
  std::string why;
  std::thread([&] {
    const int ns = open(ns_.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
      why = Errno(ns_.path);
      return;
    }
    if (setns(ns, CLONE_NEWNET) != 0) {
      why = Errno("setns " + ns_.path);
    } else {
      fd_ = open(kStat, O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) why = Errno(std::string(kStat) + " in " + ns_.path);
    }
    close(ns);
  }).join();
  return why;
}

Result<ConntrackReading> ConntrackReader::Read() {
  if (fd_ < 0) {
    if (std::string why = Open(); !why.empty()) {
      return Err(why + " (conntrack not loaded there?)");
    }
  }
  auto text = ReadAll(fd_);
  if (!text) return Err(text.error());
  return ParseConntrackStat(*text);
}

ConntrackPoller::ConntrackPoller(std::string node, std::vector<ConntrackNamespace> namespaces)
    : node_(std::move(node)), namespaces_(std::move(namespaces)), state_(namespaces_.size()) {
  readers_.reserve(namespaces_.size());
  for (const auto& ns : namespaces_) readers_.push_back(std::make_unique<ConntrackReader>(ns));
  read_ = [this](size_t i) { return readers_[i]->Read(); };
}

ConntrackPoller::ConntrackPoller(std::string node, std::vector<ConntrackNamespace> namespaces,
                                 ReadFn read)
    : node_(std::move(node)),
      namespaces_(std::move(namespaces)),
      read_(std::move(read)),
      state_(namespaces_.size()) {}

std::vector<schema::ConntrackWindow> ConntrackPoller::Poll(int64_t window_start_ns,
                                                           int64_t window_end_ns) {
  polls_.Add();
  if (!readers_.empty()) max_ = ReadConntrackMax();
  std::vector<schema::ConntrackWindow> out;
  out.reserve(namespaces_.size());
  for (size_t i = 0; i < namespaces_.size(); ++i) {
    State& st = state_[i];
    Result<ConntrackReading> r = read_(i);
    if (!r) {
      unreadable_.Add();
      if (!st.said_unreadable) {
        st.said_unreadable = true;
        std::fprintf(stderr,
                     "edgewatch sensor: conntrack statistics of namespace %s unreadable: %s; "
                     "retrying every window (said once)\n",
                     namespaces_[i].name.c_str(), r.error().c_str());
      }
      continue;
    }
    schema::ConntrackWindow w;
    w.node = node_;
    w.netns = namespaces_[i].name;
    w.id = schema::ConntrackNatId(node_, w.netns) + "/" + std::to_string(window_start_ns);
    w.window_start_ns = window_start_ns;
    w.window_end_ns = window_end_ns;
    w.entries = r->entries;
    w.max = max_;
    if (st.have_baseline) {
      for (size_t c = 0; c < w.counts.size(); ++c) {
        // Counters only grow; a smaller value means the namespace was recreated.
        w.counts[c] =
            r->counts[c] >= st.last.counts[c] ? r->counts[c] - st.last.counts[c] : r->counts[c];
      }
    }
    st.have_baseline = true;
    st.last = *r;
    if (w.Conflicts() > 0) conflicts_.Add(w.Conflicts());
    out.push_back(std::move(w));
  }
  return out;
}

void ConntrackPoller::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_sensor_conntrack_polls_total",
                        "Conntrack statistics polls (one per window).",
                        static_cast<double>(polls_.Get())));
  out.push_back(Counter("edgewatch_sensor_conntrack_unreadable_total",
                        "Namespace readings skipped: statistics unreadable (conntrack not "
                        "loaded, namespace gone).",
                        static_cast<double>(unreadable_.Get())));
  out.push_back(Counter("edgewatch_sensor_conntrack_conflicts_total",
                        "Conntrack insert_failed + drop seen in watched namespaces.",
                        static_cast<double>(conflicts_.Get())));
  out.push_back(Gauge("edgewatch_sensor_conntrack_namespaces", "Namespaces watched.",
                      static_cast<double>(namespaces_.size())));
}

}  // namespace edgewatch::sensor
