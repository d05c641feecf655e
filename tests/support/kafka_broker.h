// The real Apache Kafka broker of deploy/kafka for integration tests.
//
// Under ctest the broker is a fixture: `kafka.broker_start` starts it in
// $EDGEWATCH_TEST_KAFKA_DIR before the Kafka tests and `kafka.broker_stop` stops it after them.
// A test binary run by hand without that variable starts its own broker in a temporary
// directory and stops it at exit.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace edgewatch::testing {

class KafkaBroker {
 public:
  // The broker of this test process, started on first use. On failure bootstrap() is "" and
  // error() says why.
  static KafkaBroker& Get();

  const std::string& bootstrap() const { return bootstrap_; }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }

  // deploy/kafka/kafka.sh stop / start on the same directory (the port is kept).
  bool Stop();
  bool Start();

  ~KafkaBroker();

 private:
  KafkaBroker() = default;
  std::string dir_;
  std::string bootstrap_;
  std::string error_;
  bool owned_ = false;  // started by this process (stopped at exit)
};

// Runs a command to completion (bounded); returns its exit code (-1 on timeout) and stdout.
int RunCommand(const std::vector<std::string>& argv, std::string* out,
               std::chrono::milliseconds timeout = std::chrono::seconds(60),
               std::string* err = nullptr);

// Every record of `topic` from the beginning, as formatted by kcat's -f `format`.
std::string KcatConsume(const std::string& bootstrap, const std::string& topic,
                        const std::string& format);

// `edgewatch kafka init` with a topic prefix (each test uses its own topics); "" or the error.
std::string InitTopics(const std::string& bootstrap, const std::string& prefix, int partitions);

}  // namespace edgewatch::testing
