// The detector's HTTP API (docs/api.md): what an alert's evidence links and an on-call engineer's
// browser or script resolve.
//   GET /api/v1/alerts[?resolved=true]  firing alerts (and the recently resolved ones)
//   GET /api/v1/evidence/{id}           one evidence event while the detector holds it
//   GET|POST /api/v2/silences, GET|DELETE /api/v2/silence/{id}
//                                       silences, in Alertmanager's API v2 shapes (amtool works)
// v1 answers are JSON envelopes as Alertmanager's v1 and Prometheus' APIs use:
// {"status":"success","data":…} or {"status":"error","error":"…"} with a 4xx code. v2 answers
// are bare, as Alertmanager's v2: the object or array, or an error as a JSON string.
// POST and DELETE need `Authorization: Bearer <token>`; without a configured token they are
// refused (403): the API listens without TLS, so mutating it is opt-in.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "alerting/notifier.h"
#include "alerting/silences.h"
#include "common/result.h"
#include "common/stats.h"
#include "detector/alert_board.h"
#include "detector/detector.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace edgewatch::cmd {

inline constexpr const char* kDefaultApiListen = "127.0.0.1:9722";

struct ApiOptions {
  // Served on /api/v2/silences; null: those routes answer 404 "silences are not enabled".
  alerting::SilenceStore* silences = nullptr;
  // The bearer token of POST and DELETE; "" refuses them (403) and says how to configure one.
  std::string token;
  // Says which alerts of GET /api/v1/alerts are muted (a "muted" object); null: not said.
  const alerting::Notifier* notifier = nullptr;
};

class ApiServer : public StatsSource {
 public:
  // Serves on `listen` ("host:port"), or returns nullptr for "off". `detector`, `board` and
  // `options.silences` must outlive the server. Errors name the flag.
  static Result<std::unique_ptr<ApiServer>> StartUnlessOff(const std::string& listen,
                                                           const detector::Detector& detector,
                                                           const detector::AlertBoard& board,
                                                           ApiOptions options = {});
  ~ApiServer() override;
  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  ApiServer() = default;
  void AddSilenceRoutes();
  // Whether a mutating request may go on; otherwise `res` holds the 401/403/404 answer.
  bool Authorized(const httplib::Request& req, httplib::Response& res);

  ApiOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  StatCounter alerts_requests_;
  StatCounter evidence_requests_;
  StatCounter evidence_not_found_;
  StatCounter bad_requests_;
  StatCounter silences_requests_;
  StatCounter auth_missing_;         // no or a malformed Authorization header (401)
  StatCounter auth_wrong_;           // a wrong token (401)
  StatCounter auth_not_configured_;  // a mutating call without a configured token (403)
};

}  // namespace edgewatch::cmd
