#include "detector/rules_reloader.h"

#include <sys/stat.h>

#include <iostream>

#include "rules/loader.h"

namespace edgewatch::detector {

RulesReloader::RulesReloader(std::string path, std::ostream* log, int64_t check_interval_ns)
    : path_(std::move(path)),
      log_(log != nullptr ? log : &std::cerr),
      check_interval_ns_(check_interval_ns) {
  seen_ = Scan();  // the version the detector started with
}

std::vector<RulesReloader::Stamp> RulesReloader::Scan() const {
  std::vector<Stamp> out;
  auto files = rules::ListRuleFiles(path_);
  if (!files) return out;
  for (const std::string& f : *files) {
    struct stat st {};
    Stamp s;
    s.path = f;
    if (::stat(f.c_str(), &st) == 0) {
      s.dev = st.st_dev;
      s.ino = st.st_ino;
      s.size = st.st_size;
      s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<rules::RuleSet> RulesReloader::Poll(int64_t now_ns) {
  const bool requested = requested_.exchange(false, std::memory_order_relaxed);
  if (!requested && now_ns < next_check_ns_) return std::nullopt;
  next_check_ns_ = now_ns + check_interval_ns_;
  std::vector<Stamp> now = Scan();
  if (!requested && now == seen_) return std::nullopt;
  seen_ = std::move(now);
  auto loaded = rules::LoadRules(path_);
  if (!loaded) {
    failures_.Add();
    *log_ << "edgewatch: rules reload rejected, the running rules stay in force:\n"
          << loaded.error() << "\n";
    return std::nullopt;
  }
  reloads_.Add();
  *log_ << "edgewatch: rules reloaded from " << path_ << ": " << loaded->rules.size()
        << " rules in " << loaded->files.size() << " files\n";
  return std::move(*loaded);
}

void RulesReloader::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_rules_reloads_total",
                        "Rule files loaded again after a change or SIGHUP.",
                        static_cast<double>(reloads_.Get())));
  out.push_back(Counter("edgewatch_rules_reload_failures_total",
                        "Rule file versions rejected on reload (the running rules stayed).",
                        static_cast<double>(failures_.Get())));
}

}  // namespace edgewatch::detector
