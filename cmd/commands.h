// The edgewatch subcommands. Each returns the process exit code (see ExitCode).
#pragma once

namespace edgewatch::cmd {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // runtime failure (e.g. rules check found errors)
  kExitUsage = 2,        // bad flags or configuration
  kExitNoCapability = 3  // not root / BPF unusable / kernel feature missing
};

int RunCommand(int argc, char** argv);       // edgewatch run
int SensorCommand(int argc, char** argv);    // edgewatch sensor
int DetectorCommand(int argc, char** argv);  // edgewatch detector
int RulesCommand(int argc, char** argv);     // edgewatch rules check
int KafkaCommand(int argc, char** argv);     // edgewatch kafka init
int NabCommand(int argc, char** argv);       // edgewatch nab (NAB benchmark runs and scores)
int AlertingCommand(int argc, char** argv);  // edgewatch alerting check / routes

}  // namespace edgewatch::cmd
