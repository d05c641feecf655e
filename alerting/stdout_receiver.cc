#include "alerting/stdout_receiver.h"

#include <cerrno>
#include <system_error>
#include <utility>

#include "schema/codec.h"

namespace edgewatch::alerting {

StdoutReceiver::StdoutReceiver(std::string name, std::FILE* out)
    : name_(std::move(name)), file_(out) {}

StdoutReceiver::StdoutReceiver(std::string name, std::ostream& out)
    : name_(std::move(name)), stream_(&out) {}

DeliveryStatus StdoutReceiver::Deliver(const NotificationBatch& batch) {
  std::string lines;  // every line of the batch, written at once
  for (const NotificationPtr& n : batch) {
    for (const schema::Alert& alert : n->alerts) {
      lines += schema::Encode(alert);
      lines.push_back('\n');
    }
  }
  if (lines.empty()) {
    return DeliveryStatus::Delivered();
  }

  std::lock_guard lock(mu_);
  if (after_failed_write_) {
    // Part of the failed line may have gone out: end it, so that the fragment is a line of its
    // own that readers reject instead of a prefix that spoils this one.
    lines.insert(lines.begin(), '\n');
  }
  if (file_ != nullptr) {
    // One fwrite per batch: stdio locks the FILE per call, so even writers that bypass this
    // receiver cannot split a line.
    errno = 0;
    const size_t written = std::fwrite(lines.data(), 1, lines.size(), file_);
    const bool flushed = written == lines.size() && std::fflush(file_) == 0;
    after_failed_write_ = !flushed;
    if (!flushed) {
      const int err = errno;
      std::clearerr(file_);
      return DeliveryStatus::Retryable(
          "write failed: " +
          (err != 0 ? std::error_code(err, std::generic_category()).message() : "short write"));
    }
    return DeliveryStatus::Delivered();
  }
  stream_->write(lines.data(), static_cast<std::streamsize>(lines.size()));
  stream_->flush();
  after_failed_write_ = !*stream_;
  if (after_failed_write_) {
    stream_->clear();
    return DeliveryStatus::Retryable("write to output stream failed");
  }
  return DeliveryStatus::Delivered();
}

}  // namespace edgewatch::alerting
