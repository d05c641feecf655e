#include "tests/support/kafka_broker.h"

#include <cstdlib>

#include "tests/support/process.h"

namespace edgewatch::testing {
namespace {

std::string KafkaScript() { return std::string(EDGEWATCH_SOURCE_DIR) + "/deploy/kafka/kafka.sh"; }

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

int RunCommand(const std::vector<std::string>& argv, std::string* out,
               std::chrono::milliseconds timeout, std::string* err) {
  ChildProcess p(argv);
  const int code = p.Wait(timeout);
  if (out != nullptr) *out = p.Stdout();
  if (err != nullptr) *err = p.Stderr();
  return code;
}

KafkaBroker& KafkaBroker::Get() {
  static KafkaBroker broker;
  static bool started = false;
  if (!started) {
    started = true;
    const char* dir = std::getenv("EDGEWATCH_TEST_KAFKA_DIR");
    broker.owned_ = dir == nullptr || *dir == '\0';
    broker.dir_ = broker.owned_ ? MakeTempDir() : dir;
    broker.Start();
  }
  return broker;
}

bool KafkaBroker::Start() {
  std::string out;
  std::string err;
  const int code =
      RunCommand({KafkaScript(), "start", "--dir", dir_}, &out, std::chrono::minutes(5), &err);
  if (code != 0) {
    error_ = "deploy/kafka/kafka.sh start --dir " + dir_ + " exited " + std::to_string(code) +
             ":\n" + err;
    bootstrap_.clear();
    return false;
  }
  bootstrap_ = Trim(out);
  return true;
}

bool KafkaBroker::Stop() {
  return RunCommand({KafkaScript(), "stop", "--dir", dir_}, nullptr, std::chrono::seconds(60)) == 0;
}

KafkaBroker::~KafkaBroker() {
  if (owned_ && !dir_.empty()) Stop();
}

std::string KcatConsume(const std::string& bootstrap, const std::string& topic,
                        const std::string& format) {
  std::string out;
  RunCommand({"kcat", "-b", bootstrap, "-t", topic, "-C", "-e", "-q", "-f", format}, &out);
  return out;
}

std::string InitTopics(const std::string& bootstrap, const std::string& prefix, int partitions) {
  std::string out;
  std::string err;
  const int code =
      RunCommand({EdgewatchBinary(), "kafka", "init", "--kafka", bootstrap, "--topic-prefix",
                  prefix, "--partitions", std::to_string(partitions)},
                 &out, std::chrono::seconds(60), &err);
  return code == 0 ? "" : "kafka init exited " + std::to_string(code) + ": " + out + err;
}

}  // namespace edgewatch::testing
