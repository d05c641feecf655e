// RulesReloader: loads the rules again when their files change or on request, and rejects a
// broken version with its errors (once per version).
#include "detector/rules_reloader.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace edgewatch::detector {
namespace {

constexpr const char* kRule = R"(business_system: payments
rules:
  - name: %NAME%
    signal: refused
    comparison: ">"
    threshold: 0
    severity: critical
)";

std::string RuleText(const std::string& name) {
  std::string s = kRule;
  s.replace(s.find("%NAME%"), 6, name);
  return s;
}

struct Dir {
  std::string path;
  Dir() {
    char tmpl[] = "/tmp/ew-reload-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~Dir() { std::filesystem::remove_all(path); }
  void Write(const std::string& name, const std::string& text) const {
    // A new file renamed into place, as editors and ConfigMap updates do: a new inode.
    const std::string tmp = path + "/." + name + ".tmp";
    std::ofstream(tmp) << text;
    std::filesystem::rename(tmp, path + "/" + name);
  }
};

TEST(RulesReloader, NothingChangedNothingLoaded) {
  Dir dir;
  dir.Write("payments.yaml", RuleText("A"));
  std::ostringstream log;
  RulesReloader r(dir.path, &log, 1);
  EXPECT_FALSE(r.Poll(10).has_value());
  EXPECT_FALSE(r.Poll(20).has_value());
  EXPECT_EQ(log.str(), "");
}

TEST(RulesReloader, AChangedFileIsLoadedAndABrokenOneRejectedOnce) {
  Dir dir;
  dir.Write("payments.yaml", RuleText("A"));
  std::ostringstream log;
  RulesReloader r(dir.path, &log, 1);
  dir.Write("payments.yaml", RuleText("B"));
  auto set = r.Poll(10);
  ASSERT_TRUE(set.has_value());
  ASSERT_EQ(set->rules.size(), 1u);
  EXPECT_EQ(set->rules[0].name, "B");
  EXPECT_NE(log.str().find("rules reloaded from " + dir.path + ": 1 rules in 1 files"),
            std::string::npos)
      << log.str();

  dir.Write("payments.yaml", "business_system: payments\nrules:\n  - name: C\n    signal: nope\n");
  EXPECT_FALSE(r.Poll(20).has_value());
  EXPECT_NE(log.str().find("rules reload rejected, the running rules stay in force"),
            std::string::npos);
  EXPECT_NE(log.str().find("payments.yaml:4:13: rules[0].signal: \"nope\" is not a signal"),
            std::string::npos)
      << log.str();
  const size_t said = log.str().size();
  EXPECT_FALSE(r.Poll(30).has_value());
  EXPECT_EQ(log.str().size(), said) << "the same broken version is not tried again";

  // A new file next to it: the directory changed.
  dir.Write("payments.yaml", RuleText("C"));
  dir.Write("dns.yaml", "business_system: dns\nrules: []\n");
  set = r.Poll(40);
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->files.size(), 2u);
  std::vector<StatSample> stats;
  r.CollectStats(stats);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].value, 2);  // reloads
  EXPECT_EQ(stats[1].value, 1);  // failures
}

TEST(RulesReloader, ARequestLoadsEvenWithoutChangeAndTheIntervalBoundsChecks) {
  Dir dir;
  dir.Write("payments.yaml", RuleText("A"));
  std::ostringstream log;
  RulesReloader r(dir.path, &log, 1'000);
  r.Request();
  auto set = r.Poll(5);
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->rules[0].name, "A");
  dir.Write("payments.yaml", RuleText("B"));
  EXPECT_FALSE(r.Poll(500).has_value()) << "checked at most once per interval";
  EXPECT_TRUE(r.Poll(1'005).has_value());
}

}  // namespace
}  // namespace edgewatch::detector
