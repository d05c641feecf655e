#include "cmd/api_server.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "schema/codec.h"

namespace edgewatch::cmd {
namespace {

constexpr const char* kJson = "application/json";

void Error(httplib::Response& res, int code, const std::string& message) {
  res.status = code;
  res.set_content(nlohmann::json{{"status", "error"}, {"error", message}}.dump(), kJson);
}

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::StartUnlessOff(const std::string& listen,
                                                             const detector::Detector& detector,
                                                             const detector::AlertBoard& board) {
  if (listen == "off") return std::unique_ptr<ApiServer>();
  const auto colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      (port = std::atoi(listen.c_str() + colon + 1)) <= 0 || port > 65535) {
    return Err("flag --api-listen: \"" + listen + "\" is not host:port (or off)");
  }
  const std::string host = listen.substr(0, colon);
  std::unique_ptr<ApiServer> api(new ApiServer());
  api->server_ = std::make_unique<httplib::Server>();
  ApiServer* self = api.get();
  api->server_->Get("/api/v1/alerts",
                    [self, &board](const httplib::Request& req, httplib::Response& res) {
                      self->alerts_requests_.Add();
                      const bool resolved = req.get_param_value("resolved") == "true";
                      std::string body = R"({"status":"success","data":[)";
                      bool first = true;
                      for (const schema::Alert& a : board.Alerts(resolved)) {
                        if (!first) body += ',';
                        first = false;
                        body += schema::Encode(a);
                      }
                      body += "]}";
                      res.set_content(body, kJson);
                    });
  api->server_->Get(R"(/api/v1/evidence/(.+))", [self, &detector](const httplib::Request& req,
                                                                  httplib::Response& res) {
    self->evidence_requests_.Add();
    const std::string id = req.matches[1];
    if (auto e = detector.FindEvidence(id)) {
      res.set_content(R"({"status":"success","data":)" + schema::Encode(*e) + "}", kJson);
      return;
    }
    self->evidence_not_found_.Add();
    Error(res, 404,
          "evidence " + id +
              " is not held: unknown, or evicted from the detector's bounded evidence index "
              "(see edgewatch_detector_evidence_evicted_total); on Kafka, the evidence topic "
              "keeps it for 3 days");
  });
  api->server_->set_error_handler([self](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) {
      self->bad_requests_.Add();
      Error(res, 404,
            "no such endpoint: " + req.method + " " + req.path +
                " (GET /api/v1/alerts, GET /api/v1/evidence/{id})");
    }
  });
  if (!api->server_->bind_to_port(host, port)) {
    return Err("flag --api-listen: cannot listen on " + listen +
               " (in use, or not a local "
               "address)");
  }
  api->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  return api;
}

ApiServer::~ApiServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void ApiServer::CollectStats(std::vector<StatSample>& out) const {
  for (const auto& [route, n] : {std::pair{"alerts", &alerts_requests_},
                                 {"evidence", &evidence_requests_},
                                 {"unknown", &bad_requests_}}) {
    out.push_back(Counter("edgewatch_api_requests_total", "HTTP API requests, by route.",
                          static_cast<double>(n->Get()), {{"route", route}}));
  }
  out.push_back(Counter("edgewatch_api_evidence_not_found_total",
                        "Evidence lookups of ids the detector does not hold.",
                        static_cast<double>(evidence_not_found_.Get())));
}

}  // namespace edgewatch::cmd
