#include "cmd/api_server.h"

#include <httplib.h>

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/clock.h"
#include "schema/codec.h"

namespace edgewatch::cmd {
namespace {

constexpr const char* kJson = "application/json";

void Error(httplib::Response& res, int code, const std::string& message) {
  res.status = code;
  res.set_content(nlohmann::json{{"status", "error"}, {"error", message}}.dump(), kJson);
}

// Alertmanager's v2 errors are a bare JSON string (amtool prints it).
void ErrorV2(httplib::Response& res, int code, const std::string& message) {
  res.status = code;
  res.set_content(nlohmann::json(message).dump(), kJson);
}

// Takes time that depends on the length of `want` only, not on where `got` differs.
bool ConstantTimeEqual(std::string_view got, std::string_view want) {
  unsigned diff = got.size() == want.size() ? 0 : 1;
  for (size_t i = 0; i < want.size(); ++i) {
    const unsigned char g = i < got.size() ? static_cast<unsigned char>(got[i]) : 0;
    diff |= g ^ static_cast<unsigned char>(want[i]);
  }
  return diff == 0;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

constexpr const char* kSilencesOff =
    "silences are not enabled on this edgewatch (docs/api.md, \"Silences\")";

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::StartUnlessOff(const std::string& listen,
                                                             const detector::Detector& detector,
                                                             const detector::AlertBoard& board,
                                                             ApiOptions options) {
  if (listen == "off") return std::unique_ptr<ApiServer>();
  const auto colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      (port = std::atoi(listen.c_str() + colon + 1)) <= 0 || port > 65535) {
    return Err("flag --api-listen: \"" + listen + "\" is not host:port (or off)");
  }
  const std::string host = listen.substr(0, colon);
  std::unique_ptr<ApiServer> api(new ApiServer());
  api->options_ = std::move(options);
  api->server_ = std::make_unique<httplib::Server>();
  api->server_->set_payload_max_length(1 << 20);
  ApiServer* self = api.get();
  api->server_->Get("/api/v1/alerts",
                    [self, &board](const httplib::Request& req, httplib::Response& res) {
                      self->alerts_requests_.Add();
                      const bool resolved = req.get_param_value("resolved") == "true";
                      // Why an alert was not notified: the silence or the inhibiting alert.
                      std::map<std::string, nlohmann::json> muted;
                      if (self->options_.notifier != nullptr) {
                        for (const auto& v : self->options_.notifier->Alerts()) {
                          nlohmann::json m = nlohmann::json::object();
                          if (!v.silenced_by.empty()) m["silenced_by"] = v.silenced_by;
                          if (!v.inhibited_by.empty()) m["inhibited_by"] = v.inhibited_by;
                          if (!m.empty()) muted[v.alert.fingerprint] = std::move(m);
                        }
                      }
                      std::string body = R"({"status":"success","data":[)";
                      bool first = true;
                      for (const schema::Alert& a : board.Alerts(resolved)) {
                        if (!first) body += ',';
                        first = false;
                        std::string record = schema::Encode(a);
                        auto m = muted.find(a.fingerprint);
                        if (m != muted.end() && !record.empty() && record.back() == '}') {
                          record.pop_back();
                          record += ",\"muted\":" + m->second.dump() + "}";
                        }
                        body += record;
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
  api->AddSilenceRoutes();
  api->server_->set_error_handler([self](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) {
      self->bad_requests_.Add();
      Error(res, 404,
            "no such endpoint: " + req.method + " " + req.path +
                " (GET /api/v1/alerts, GET /api/v1/evidence/{id}, GET|POST /api/v2/silences, "
                "GET|DELETE /api/v2/silence/{id})");
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

bool ApiServer::Authorized(const httplib::Request& req, httplib::Response& res) {
  if (options_.silences == nullptr) {
    ErrorV2(res, 404, kSilencesOff);
    return false;
  }
  if (options_.token.empty()) {
    auth_not_configured_.Add();
    ErrorV2(res, 403,
            "mutating calls (POST, DELETE) are refused: no API token is configured on this "
            "edgewatch; set api.token_file (or api.token_env) in the file of "
            "--alerting-config, and send the token as \"Authorization: Bearer <token>\" "
            "(docs/api.md, \"Silences\")");
    return false;
  }
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!StartsWithNoCase(header, kBearer)) {
    auth_missing_.Add();
    res.set_header("WWW-Authenticate", "Bearer realm=\"edgewatch\"");
    ErrorV2(res, 401,
            header.empty() ? "missing \"Authorization: Bearer <token>\" header"
                           : "the Authorization header is not \"Bearer <token>\"");
    return false;
  }
  if (!ConstantTimeEqual(std::string_view(header).substr(kBearer.size()), options_.token)) {
    auth_wrong_.Add();
    res.set_header("WWW-Authenticate", "Bearer realm=\"edgewatch\", error=\"invalid_token\"");
    ErrorV2(res, 401, "wrong bearer token");
    return false;
  }
  return true;
}

void ApiServer::AddSilenceRoutes() {
  alerting::SilenceStore* store = options_.silences;
  server_->Get("/api/v2/silences",
               [this, store](const httplib::Request& req, httplib::Response& res) {
                 silences_requests_.Add();
                 if (store == nullptr) return ErrorV2(res, 404, kSilencesOff);
                 std::vector<alerting::Matcher> filter;
                 for (size_t i = 0, n = req.get_param_value_count("filter"); i < n; ++i) {
                   const std::string text = req.get_param_value("filter", i);
                   auto ms = alerting::ParseMatchers(text);
                   if (!ms) return ErrorV2(res, 400, "filter: " + ms.error());
                   filter.insert(filter.end(), ms->begin(), ms->end());
                 }
                 const int64_t now = NowUnixNs();
                 std::string body = "[";
                 for (const alerting::Silence& s : store->List()) {
                   if (!alerting::SilenceMatchesFilter(s, filter)) continue;
                   if (body.size() > 1) body += ',';
                   body += alerting::SilenceToJson(s, now);
                 }
                 body += ']';
                 res.set_content(body, kJson);
               });
  server_->Post("/api/v2/silences",
                [this, store](const httplib::Request& req, httplib::Response& res) {
                  silences_requests_.Add();
                  if (!Authorized(req, res)) return;
                  auto s = alerting::SilenceFromJson(req.body);
                  if (!s) return ErrorV2(res, 400, s.error());
                  if (!s->id.empty() && !store->Get(s->id)) {
                    return ErrorV2(res, 404, "silence " + s->id + " not found (nothing to update)");
                  }
                  auto id = store->Create(std::move(*s));
                  if (!id) return ErrorV2(res, 400, id.error());
                  res.set_content(nlohmann::json{{"silenceID", *id}}.dump(), kJson);
                });
  server_->Get("/api/v2/silence/([^/]+)",
               [this, store](const httplib::Request& req, httplib::Response& res) {
                 silences_requests_.Add();
                 if (store == nullptr) return ErrorV2(res, 404, kSilencesOff);
                 const std::string id = req.matches[1];
                 auto s = store->Get(id);
                 if (!s) return ErrorV2(res, 404, "silence " + id + " not found");
                 res.set_content(alerting::SilenceToJson(*s, NowUnixNs()), kJson);
               });
  server_->Delete("/api/v2/silence/([^/]+)",
                  [this, store](const httplib::Request& req, httplib::Response& res) {
                    silences_requests_.Add();
                    if (!Authorized(req, res)) return;
                    const std::string id = req.matches[1];
                    if (!store->Expire(id))
                      return ErrorV2(res, 404, "silence " + id + " not found");
                    res.status = 200;
                  });
}

ApiServer::~ApiServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void ApiServer::CollectStats(std::vector<StatSample>& out) const {
  for (const auto& [route, n] : {std::pair{"alerts", &alerts_requests_},
                                 {"evidence", &evidence_requests_},
                                 {"silences", &silences_requests_},
                                 {"unknown", &bad_requests_}}) {
    out.push_back(Counter("edgewatch_api_requests_total", "HTTP API requests, by route.",
                          static_cast<double>(n->Get()), {{"route", route}}));
  }
  out.push_back(Counter("edgewatch_api_evidence_not_found_total",
                        "Evidence lookups of ids the detector does not hold.",
                        static_cast<double>(evidence_not_found_.Get())));
  for (const auto& [reason, n] : {std::pair{"missing", &auth_missing_},
                                  {"wrong", &auth_wrong_},
                                  {"not_configured", &auth_not_configured_}}) {
    out.push_back(Counter("edgewatch_api_unauthorized_total",
                          "Mutating API calls refused: no or a malformed Authorization header, "
                          "a wrong token (401), no token configured (403).",
                          static_cast<double>(n->Get()), {{"reason", reason}}));
  }
}

}  // namespace edgewatch::cmd
