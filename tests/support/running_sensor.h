// A Sensor running on its own thread for kernel-level tests, with the attach mode the test
// run asks for (EDGEWATCH_TEST_ATTACH=tracepoint for the classic-tracepoint variant of the
// suite). Header-only: only test binaries that link ew_sensor include it.
#pragma once

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "common/result.h"
#include "sensor/sensor.h"

namespace edgewatch::testing {

class RunningSensor {
 public:
  static Result<std::unique_ptr<RunningSensor>> Start(sensor::SensorConfig cfg,
                                                      sensor::RecordSink& sink) {
    if (const char* attach = std::getenv("EDGEWATCH_TEST_ATTACH");
        attach != nullptr && std::string(attach) == "tracepoint") {
      cfg.attach_mode = sensor::AttachMode::kTracepoint;
    }
    auto s = sensor::Sensor::Create(std::move(cfg), sink);
    if (!s) return Err(s.error());
    std::unique_ptr<RunningSensor> r(new RunningSensor());
    r->sensor_ = std::move(*s);
    r->thread_ = std::thread([raw = r.get()] { raw->sensor_->Run(raw->stop_); });
    return r;
  }
  ~RunningSensor() { Stop(); }
  RunningSensor(const RunningSensor&) = delete;
  RunningSensor& operator=(const RunningSensor&) = delete;

  // Stops the sensor: it publishes the open window and flushes the sink before this returns.
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  sensor::Sensor& sensor() { return *sensor_; }

 private:
  RunningSensor() = default;
  std::unique_ptr<sensor::Sensor> sensor_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace edgewatch::testing
