// Hot reload of rule files: on request (SIGHUP) or when the files behind the rules path change
// (checked at most once per `check_interval`), they are loaded again; a valid set is handed
// to the detector (Detector::ReplaceRules), a broken one is rejected with its errors and the
// rules already running keep running. Each version of the files is tried once.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/stats.h"
#include "rules/rule.h"

namespace edgewatch::detector {

class RulesReloader : public StatsSource {
 public:
  // `path` as given to rules::LoadRules (a file or a directory); `log` gets one line per reload
  // and the errors of each rejected version.
  RulesReloader(std::string path, std::ostream* log, int64_t check_interval_ns = 1'000'000'000);

  // Asks for a reload at the next Poll (any thread; a signal handler may set the flag that
  // the caller passes on).
  void Request() { requested_.store(true, std::memory_order_relaxed); }

  // From the detector's thread, regularly: the new rule set when one should be swapped in.
  std::optional<rules::RuleSet> Poll(int64_t now_ns);

  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  struct Stamp {
    std::string path;
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };
  // The files the path stands for now, with their stamps (empty path list when unreadable).
  std::vector<Stamp> Scan() const;

  std::string path_;
  std::ostream* log_;
  int64_t check_interval_ns_;
  int64_t next_check_ns_ = 0;
  std::vector<Stamp> seen_;  // the version last tried (loaded or rejected)
  std::atomic<bool> requested_{false};
  StatCounter reloads_;
  StatCounter failures_;
};

}  // namespace edgewatch::detector
