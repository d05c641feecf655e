// The detector's HTTP API (docs/api.md): what an alert's evidence links and an on-call engineer's
// browser or script resolve.
//   GET /api/v1/alerts[?resolved=true]  firing alerts (and the recently resolved ones)
//   GET /api/v1/evidence/{id}           one evidence event while the detector holds it
// Answers are JSON envelopes as Alertmanager's and Prometheus' APIs use:
// {"status":"success","data":…} or {"status":"error","error":"…"} with a 4xx code.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "common/result.h"
#include "common/stats.h"
#include "detector/alert_board.h"
#include "detector/detector.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace edgewatch::cmd {

inline constexpr const char* kDefaultApiListen = "127.0.0.1:9722";

class ApiServer : public StatsSource {
 public:
  // Serves on `listen` ("host:port"), or returns nullptr for "off". `detector` and `board` must
  // outlive the server. Errors name the flag.
  static Result<std::unique_ptr<ApiServer>> StartUnlessOff(const std::string& listen,
                                                           const detector::Detector& detector,
                                                           const detector::AlertBoard& board);
  ~ApiServer() override;
  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  ApiServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  StatCounter alerts_requests_;
  StatCounter evidence_requests_;
  StatCounter evidence_not_found_;
  StatCounter bad_requests_;
};

}  // namespace edgewatch::cmd
