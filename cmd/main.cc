// edgewatch: service-edge network failure detection from the kernel.
#include <cstdio>
#include <cstring>
#include <string>

#include "cmd/commands.h"

namespace {

constexpr const char* kUsage = R"(edgewatch — see network failures between services from the kernel

Usage: edgewatch <command> [flags]

Commands:
  run        sensor + detector + alerting in one process (the embedded default)
  sensor     capture kernel TCP events; write edge windows and evidence (JSON lines or Kafka)
  detector   evaluate rules over recorded edge windows, or over Kafka in a consumer group
  rules      check rule files: edgewatch rules check PATH...
  alerting   check an alerting config, test its routes: edgewatch alerting check FILE
  kafka      create the Kafka topics: edgewatch kafka init --kafka HOST:PORT
  nab        run a baseline detector over NAB data and score it: edgewatch nab --help
  version    print the version

'edgewatch <command> --help' describes each command's flags.
Exit codes: 0 ok, 1 failure, 2 usage or configuration error, 3 missing capability or kernel feature.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace edgewatch::cmd;
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? kExitUsage : kExitOk;
  }
  std::string cmd = argv[1];
  if (cmd == "run") return RunCommand(argc, argv);
  if (cmd == "sensor") return SensorCommand(argc, argv);
  if (cmd == "detector") return DetectorCommand(argc, argv);
  if (cmd == "rules") return RulesCommand(argc, argv);
  if (cmd == "kafka") return KafkaCommand(argc, argv);
  if (cmd == "nab") return NabCommand(argc, argv);
  if (cmd == "alerting") return AlertingCommand(argc, argv);
  if (cmd == "version" || cmd == "--version") {
    std::printf("edgewatch %s\n", EDGEWATCH_VERSION);
    return kExitOk;
  }
  std::fprintf(stderr, "edgewatch: unknown command \"%s\"\n\n%s", cmd.c_str(), kUsage);
  return kExitUsage;
}
