// StdoutReceiver: the alerts of each notification as JSON lines (one schema::Encode(alert) per
// line, see docs/schema.md) to a FILE* or std::ostream, flushed after every delivery so a
// pipe reader sees each alert at once.
#pragma once

#include <cstdio>
#include <mutex>
#include <ostream>
#include <string>

#include "alerting/receiver.h"

namespace edgewatch::alerting {

class StdoutReceiver final : public Receiver {
 public:
  // Neither stream is owned; it must outlive the receiver.
  StdoutReceiver(std::string name, std::FILE* out);
  StdoutReceiver(std::string name, std::ostream& out);

  const std::string& name() const override { return name_; }

  // Thread-safe: the lines of a batch are written (one write) and flushed under a lock, so
  // lines never interleave. A failed write is retryable (a full disk or a stalled pipe may
  // recover).
  DeliveryStatus Deliver(const NotificationBatch& batch) override;

 private:
  const std::string name_;
  std::FILE* const file_ = nullptr;
  std::ostream* const stream_ = nullptr;
  std::mutex mu_;
  bool after_failed_write_ = false;  // guarded by mu_
};

}  // namespace edgewatch::alerting
