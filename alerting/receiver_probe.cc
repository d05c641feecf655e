#include "alerting/receiver_probe.h"

namespace edgewatch::alerting {

const char* DropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kQueueFull:
      return "queue_full";
    case DropReason::kGaveUp:
      return "gave_up";
    case DropReason::kRejected:
      return "rejected";
    case DropReason::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

void ReceiverProbe::Collect(const std::string& receiver, size_t queue_length,
                            std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_alerting_delivered_total", "Alerts the receiver accepted.",
                        static_cast<double>(delivered()), {{"receiver", receiver}}));
  out.push_back(Counter("edgewatch_alerting_failed_attempts_total",
                        "Delivery attempts that failed, retryable or not.",
                        static_cast<double>(failed_attempts()), {{"receiver", receiver}}));
  out.push_back(Counter("edgewatch_alerting_retries_total",
                        "Delivery attempts that repeated a failed one after a backoff wait.",
                        static_cast<double>(retries()), {{"receiver", receiver}}));
  for (size_t i = 0; i < kDropReasonCount; ++i) {
    const auto reason = static_cast<DropReason>(i);
    out.push_back(Counter("edgewatch_alerting_dropped_total",
                          "Alerts that never reached the receiver, by reason.",
                          static_cast<double>(dropped(reason)),
                          {{"receiver", receiver}, {"reason", DropReasonName(reason)}}));
  }
  out.push_back(Gauge("edgewatch_alerting_queue_length",
                      "Alerts waiting for the receiver, the one being delivered not included.",
                      static_cast<double>(queue_length), {{"receiver", receiver}}));
}

}  // namespace edgewatch::alerting
