// Conntrack statistics of the network namespaces that do NAT: the SNAT-conflict signal.
//
// The kernel keeps them per namespace in /proc/net/stat/nf_conntrack (one line per CPU, hex
// columns named by a header line that differs between kernels). A namespace is read through
// a file opened from a short-lived thread that joined it with setns(2): a /proc/net file stays
// bound to the namespace it was opened in, so later reads need no namespace switch.
//
// ConntrackPoller turns readings into one ConntrackWindow per namespace per window (counters as
// increases over the window) and is a plain class over a reader function, so it is testable
// without a kernel.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/stats.h"
#include "schema/conntrack_window.h"

namespace edgewatch::sensor {

// One reading: counters summed over CPUs (absolute, since the namespace was created).
struct ConntrackReading {
  uint64_t entries = 0;
  std::array<uint64_t, schema::kConntrackCounterCount> counts{};
};

// Parses the text of /proc/net/stat/nf_conntrack. Columns are found by the header's names;
// columns this kernel lacks stay 0.
Result<ConntrackReading> ParseConntrackStat(std::string_view text);

// A namespace to watch: `path` is a netns file (/var/run/netns/NAME, /proc/PID/ns/net); empty
// means the sensor's own namespace.
struct ConntrackNamespace {
  std::string name;
  std::string path;
};

// Parses "NAME=PATH" (the --conntrack-netns flag).
Result<ConntrackNamespace> ParseConntrackNamespace(std::string_view spec);

// Reads one namespace's statistics; Read() returns an error while conntrack is not loaded there
// (the file appears with the nf_conntrack module), and retries opening on each call.
class ConntrackReader {
 public:
  explicit ConntrackReader(ConntrackNamespace ns) : ns_(std::move(ns)) {}
  ~ConntrackReader();
  ConntrackReader(const ConntrackReader&) = delete;
  ConntrackReader& operator=(const ConntrackReader&) = delete;

  Result<ConntrackReading> Read();
  const ConntrackNamespace& ns() const { return ns_; }

 private:
  std::string Open();

  ConntrackNamespace ns_;
  int fd_ = -1;
};

class ConntrackPoller : public StatsSource {
 public:
  using ReadFn = std::function<Result<ConntrackReading>(size_t ns_index)>;

  // Real readers for `namespaces`.
  ConntrackPoller(std::string node, std::vector<ConntrackNamespace> namespaces);
  // For tests: readings from `read`.
  ConntrackPoller(std::string node, std::vector<ConntrackNamespace> namespaces, ReadFn read);
  ConntrackPoller(const ConntrackPoller&) = delete;
  ConntrackPoller& operator=(const ConntrackPoller&) = delete;

  // One record per namespace for the window [start, end): increases since the previous call.
  // A namespace that cannot be read is skipped (counted, said once); its first reading only
  // sets the baseline, so the first window after start or after conntrack appears reports 0.
  std::vector<schema::ConntrackWindow> Poll(int64_t window_start_ns, int64_t window_end_ns);

  size_t namespaces() const { return namespaces_.size(); }
  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  struct State {
    bool have_baseline = false;
    ConntrackReading last;
    bool said_unreadable = false;
  };

  std::string node_;
  std::vector<ConntrackNamespace> namespaces_;
  std::vector<std::unique_ptr<ConntrackReader>> readers_;
  ReadFn read_;
  std::vector<State> state_;
  uint64_t max_ = 0;  // nf_conntrack_max, re-read each poll
  StatCounter polls_;
  StatCounter unreadable_;
  StatCounter conflicts_;
};

}  // namespace edgewatch::sensor
