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
  auto pos = flags.Parse(argc, argv, 3);
  if (flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return kExitOk;
  }
  if (!pos || pos->empty()) {
    std::fprintf(stderr, "edgewatch rules check: %s\n",
                 pos ? "name at least one rule file or directory" : pos.error().c_str());
    return kExitUsage;
  }
  bool ok = true;
  for (const auto& path : *pos) {
    auto report = rules::CheckRules(path);
    std::fputs(report.Text().c_str(), stdout);
    ok = ok && report.ok();
  }
  return ok ? kExitOk : kExitFailure;
}

}  // namespace edgewatch::cmd
