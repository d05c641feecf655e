// /metrics for every component: a prometheus-cpp Exposer whose one Collectable asks each
// registered StatsSource for its samples at scrape time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/stats.h"

namespace prometheus {
class Collectable;
class Exposer;
}  // namespace prometheus

namespace edgewatch::cmd {

// Default /metrics addresses: sensor and `run` on 9720, a separate detector on 9721.
inline constexpr const char* kDefaultMetricsListen = "127.0.0.1:9720";
inline constexpr const char* kDefaultDetectorMetricsListen = "127.0.0.1:9721";

class MetricsServer {
 public:
  // `listen` is "host:port"; sources must outlive the server.
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& listen,
                                                      std::vector<const StatsSource*> sources);
  // Start(), or no server (nullptr) when `listen` is "off".
  static Result<std::unique_ptr<MetricsServer>> StartUnlessOff(
      const std::string& listen, std::vector<const StatsSource*> sources);
  ~MetricsServer();
  const std::string& listen() const { return listen_; }

 private:
  MetricsServer() = default;
  std::string listen_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Collectable> collectable_;
};

}  // namespace edgewatch::cmd
