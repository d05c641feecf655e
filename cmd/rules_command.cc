// edgewatch rules check PATH...: validate rule files (like `promtool check rules`).
#include <cstdio>
#include <string>

#include "cmd/commands.h"
#include "cmd/flags.h"
#include "rules/check.h"

namespace edgewatch::cmd {

int RulesCommand(int argc, char** argv) {
  Flags flags("rules check PATH...",
              "Validates rule files (or directories of *.yaml rule files) and summarizes them.\n"
              "Exit code 0 when every file is valid, 1 otherwise.");
  if (argc < 3 || std::string(argv[2]) != "check") {
    bool help = argc >= 3 && (std::string(argv[2]) == "--help" || std::string(argv[2]) == "-h");
    std::fputs(flags.Usage().c_str(), help ? stdout : stderr);
    return help ? kExitOk : kExitUsage;
  }
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

}  // namespace edgewatch::cmd
