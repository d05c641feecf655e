#include "cmd/metrics_server.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <exception>
#include <map>

namespace edgewatch::cmd {

namespace {

class StatsCollectable : public prometheus::Collectable {
 public:
  explicit StatsCollectable(std::vector<const StatsSource*> sources)
      : sources_(std::move(sources)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<StatSample> samples;
    for (const StatsSource* s : sources_) {
      if (s != nullptr) s->CollectStats(samples);  // optional parts that are off
    }
    std::map<std::string, prometheus::MetricFamily> families;
    for (auto& s : samples) {
      auto& fam = families[s.name];
      if (fam.name.empty()) {
        fam.name = s.name;
        fam.help = s.help;
        fam.type = s.type == StatSample::Type::kCounter ? prometheus::MetricType::Counter
                                                        : prometheus::MetricType::Gauge;
      }
      prometheus::ClientMetric m;
      for (auto& [k, v] : s.labels) m.label.push_back({k, v});
      if (s.type == StatSample::Type::kCounter) {
        m.counter.value = s.value;
      } else {
        m.gauge.value = s.value;
      }
      fam.metric.push_back(std::move(m));
    }
    std::vector<prometheus::MetricFamily> out;
    out.reserve(families.size());
    for (auto& [name, fam] : families) out.push_back(std::move(fam));
    return out;
  }

 private:
  std::vector<const StatsSource*> sources_;
};

}  // namespace

MetricsServer::~MetricsServer() = default;

Result<std::unique_ptr<MetricsServer>> MetricsServer::StartUnlessOff(
    const std::string& listen, std::vector<const StatsSource*> sources) {
  if (listen == "off") return std::unique_ptr<MetricsServer>();
  return Start(listen, std::move(sources));
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& listen, std::vector<const StatsSource*> sources) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->listen_ = listen;
  try {
    server->exposer_ = std::make_unique<prometheus::Exposer>(listen);
  } catch (const std::exception& e) {
    return Err("cannot serve /metrics on " + listen + ": " + e.what() +
               " (is the port in use? choose another with --metrics-listen, or 'off')");
  }
  server->collectable_ = std::make_shared<StatsCollectable>(std::move(sources));
  server->exposer_->RegisterCollectable(server->collectable_);
  return server;
}

}  // namespace edgewatch::cmd
