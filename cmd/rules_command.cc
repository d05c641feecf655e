// edgewatch rules check PATH...: validate rule files (like `promtool check rules`).
// edgewatch rules test FILE...: run rule unit tests (like `promtool test rules`).
#include <cstdio>
#include <string>

#include "cmd/commands.h"
#include "cmd/flags.h"
#include "detector/rule_test_runner.h"
#include "rules/check.h"
#include "rules/rule_test_file.h"

namespace edgewatch::cmd {

namespace {

int Check(int argc, char** argv) {
  Flags flags("rules check PATH...",
              "Validates rule files (or directories of *.yaml rule files) and summarizes them.\n"
              "Exit code 0 when every file is valid, 1 otherwise.");
  std::vector<std::string> paths;
  if (auto code = flags.ParseOrExit(argc, argv, 3, &paths)) return *code;
  if (paths.empty()) {
    return Fail("rules check", kExitUsage, "name at least one rule file or directory");
  }
  bool ok = true;
  for (const auto& path : paths) {
    auto report = rules::CheckRules(path);
    std::fputs(report.Text().c_str(), stdout);
    ok = ok && report.ok();
  }
  return ok ? kExitOk : kExitFailure;
}

int Test(int argc, char** argv) {
  Flags flags("rules test FILE...",
              "Runs rule unit tests: input series per edge and the alerts expected to be firing\n"
              "at given times (format: docs/rules.md, \"Testing rules\"). Exit code 0 when every\n"
              "test passes, 1 otherwise.");
  std::vector<std::string> paths;
  if (auto code = flags.ParseOrExit(argc, argv, 3, &paths)) return *code;
  if (paths.empty()) return Fail("rules test", kExitUsage, "name at least one test file");
  bool ok = true;
  for (const auto& path : paths) {
    std::printf("Unit testing %s\n", path.c_str());
    auto file = rules::LoadRuleTestFile(path);
    if (!file) {
      std::string text = file.error();
      for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1)) {
        text.insert(at + 1, "    ");
      }
      std::printf("  FAILED:\n    %s\n", text.c_str());
      ok = false;
      continue;
    }
    const detector::RuleTestReport report = detector::RunRuleTests(*file);
    std::fputs(report.text.c_str(), stdout);
    std::printf("  %s: %zu of %zu test cases passed\n", report.ok() ? "SUCCESS" : "FAILED",
                report.cases - report.failed, report.cases);
    ok = ok && report.ok();
  }
  return ok ? kExitOk : kExitFailure;
}

}  // namespace

int RulesCommand(int argc, char** argv) {
  const std::string sub = argc >= 3 ? argv[2] : "";
  if (sub == "check") return Check(argc, argv);
  if (sub == "test") return Test(argc, argv);
  const bool help = sub == "--help" || sub == "-h";
  std::fputs(
      "usage: edgewatch rules check PATH...   validate rule files (exit 0 valid, 1 invalid)\n"
      "       edgewatch rules test FILE...    run rule unit tests (exit 0 pass, 1 fail)\n",
      help ? stdout : stderr);
  return help ? kExitOk : kExitUsage;
}

}  // namespace edgewatch::cmd
