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

DeliveryStatus StdoutReceiver::Deliver(const schema::Alert& alert) {
  std::string line = schema::Encode(alert);
  line.push_back('\n');

  std::lock_guard lock(mu_);
  if (after_failed_write_) {
    // Part of the failed line may have gone out: end it, so that the fragment is a line of its
    // own that readers reject instead of a prefix that spoils this one.
    line.insert(line.begin(), '\n');
  }
  if (file_ != nullptr) {
    // One fwrite per line: stdio locks the FILE per call, so even writers that bypass this
    // receiver cannot split the line.
    errno = 0;
    const size_t written = std::fwrite(line.data(), 1, line.size(), file_);
    const bool flushed = written == line.size() && std::fflush(file_) == 0;
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
  stream_->write(line.data(), static_cast<std::streamsize>(line.size()));
  stream_->flush();
  after_failed_write_ = !*stream_;
  if (after_failed_write_) {
    stream_->clear();
    return DeliveryStatus::Retryable("write to output stream failed");
  }
  return DeliveryStatus::Delivered();
}

}  // namespace edgewatch::alerting
