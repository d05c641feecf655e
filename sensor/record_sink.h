// Where the sensor's records go: a JSON-lines stream (`edgewatch sensor`), the in-process queue
// of `edgewatch run`, or (later) Kafka. Called from the sensor thread only.
#pragma once

#include <cstdio>
#include <mutex>
#include <variant>

#include "schema/codec.h"
#include "transport/bounded_queue.h"

namespace edgewatch::sensor {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void Publish(schema::EdgeWindow&& w) = 0;
  virtual void Publish(schema::EvidenceEvent&& e) = 0;
  virtual void Publish(schema::ConntrackWindow&& c) = 0;
  virtual void Flush() {}
};

// One JSON record per line. Does not own `out`.
class JsonLinesSink : public RecordSink {
 public:
  explicit JsonLinesSink(std::FILE* out) : out_(out) {}
  void Publish(schema::EdgeWindow&& w) override { Write(schema::Encode(w)); }
  void Publish(schema::EvidenceEvent&& e) override { Write(schema::Encode(e)); }
  void Publish(schema::ConntrackWindow&& c) override { Write(schema::Encode(c)); }
  void Flush() override { std::fflush(out_); }

 private:
  void Write(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fputc('\n', out_);
  }
  std::FILE* out_;
};

// Into a bounded queue; a full queue drops and counts (see BoundedQueue).
class QueueSink : public RecordSink {
 public:
  explicit QueueSink(transport::BoundedQueue<schema::Record>& q) : q_(q) {}
  void Publish(schema::EdgeWindow&& w) override { q_.TryPush(schema::Record(std::move(w))); }
  void Publish(schema::EvidenceEvent&& e) override { q_.TryPush(schema::Record(std::move(e))); }
  void Publish(schema::ConntrackWindow&& c) override { q_.TryPush(schema::Record(std::move(c))); }

 private:
  transport::BoundedQueue<schema::Record>& q_;
};

}  // namespace edgewatch::sensor
