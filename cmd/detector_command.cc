// edgewatch detector: replay recorded edge windows and evidence through the rules.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cmd/commands.h"
#include "cmd/pipeline_options.h"
#include "detector/replay.h"

namespace edgewatch::cmd {

int DetectorCommand(int argc, char** argv) {
  PipelineFlags pf;
  std::string input = "-";
  std::string window = "1s";
  Flags flags("detector",
              "Evaluates rules over a recorded sensor stream (JSON lines from `edgewatch sensor`)\n"
              "and prints the alerts it raises. Bad lines are reported and skipped.");
  pf.Register(flags);
  flags.String("input", &input, "JSON-lines file to read, - for stdin", "FILE");
  flags.String("window", &window, "the sensors' window length", "DURATION");
  if (auto code = flags.ParseOrExit(argc, argv, 2)) return *code;
  auto w = ParseDurationFlag("window", window);
  if (!w) return Fail("detector", kExitUsage, w.error());
  auto p = Pipeline::Build(pf, *w);
  if (!p) return Fail("detector", kExitUsage, p.error());
  std::ifstream file;
  std::istream* in = &std::cin;
  if (input != "-") {
    file.open(input);
    if (!file) return Fail("detector", kExitUsage, "cannot open --input " + input);
    in = &file;
  }
  auto stats = detector::Replay(*in, *p->detector);
  p->Shutdown(std::chrono::seconds(30));
  if (!stats) {
    std::fprintf(stderr, "edgewatch detector: reading %s: %s\n", input.c_str(),
                 stats.error().c_str());
    return kExitFailure;
  }
  for (const auto& e : stats->errors) {
    std::fprintf(stderr, "edgewatch detector: %s: %s\n", input.c_str(), e.c_str());
  }
  std::fprintf(stderr,
               "edgewatch detector: %llu lines: %llu windows, %llu evidence, %llu bad lines\n",
               static_cast<unsigned long long>(stats->lines),
               static_cast<unsigned long long>(stats->windows),
               static_cast<unsigned long long>(stats->evidence),
               static_cast<unsigned long long>(stats->bad_lines));
  return kExitOk;
}

}  // namespace edgewatch::cmd
