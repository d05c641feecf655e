// Flags shared by `edgewatch run` and `edgewatch sensor`.
#pragma once

#include <string>
#include <vector>

#include "cmd/flags.h"
#include "sensor/sensor.h"

namespace edgewatch::cmd {

struct SensorFlags {
  std::string window = "1s";
  std::string node;
  std::string attach = "auto";
  std::string max_edges = "10000";
  std::string max_evidence = "16";
  std::vector<std::string> conntrack_netns;  // NAME=PATH, repeatable
  bool no_host_conntrack = false;
  std::string identity;  // identity/CMDB mapping file (docs/identity.md); "" = none
  bool no_dns = false;
  std::string dns_timeout = "2s";
  bool no_http = false;
  std::string http_slow = "1s";

  void Register(Flags& f);
  // Validated SensorConfig, or an error naming the flag (and, for --identity, every problem of
  // the file as <file>:<line>: ...). Loads the identity file.
  Result<sensor::SensorConfig> ToConfig() const;
};

}  // namespace edgewatch::cmd
