// The alerting configuration file (docs/alerting.md, "Configuration file"): global settings,
// the route tree, inhibition rules, receivers, delivery (retry, queue, spool), silences and the
// API token. Modelled on Alertmanager's alertmanager.yml, so a team that runs one reads it
// without a manual: the same keys where the meaning is the same.
//
// Loading checks everything it can without touching the network: unknown keys, types,
// durations, matchers, that every route names a defined receiver, that secrets can be read.
// Every error starts with "<file>:<line>:<column>: ".
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "alerting/dispatcher.h"
#include "alerting/notifier.h"
#include "common/result.h"

namespace edgewatch::alerting {

// One entry of `receivers:` — a name and one type with its settings, kept as JSON for the
// receiver factory (BuildReceivers), which knows each type's fields.
struct ReceiverSpec {
  std::string name;
  std::string type;  // webhook, alertmanager, dingtalk, wecom, feishu, slack, stdout, kafka
  nlohmann::json settings = nlohmann::json::object();
  std::string where;  // "<file>:<line>:<column>" of the entry
  // Where each setting is, for the factory's messages ("url" → "file:12:7").
  std::map<std::string, std::string> where_key;
  bool send_resolved = true;
};

struct AlertingConfig {
  std::string path;          // the file it came from
  std::string external_url;  // global.external_url: where links in messages point (the API)
  NotifierConfig notifier;
  DispatcherConfig dispatcher;
  std::vector<ReceiverSpec> receivers;
  std::string silences_file;  // silences.file; empty: silences live in memory only
  std::string api_token;      // api.token / token_file / token_env, resolved; empty: none
};

// Reads and checks `path`.
Result<AlertingConfig> LoadAlertingConfig(const std::string& path);
// The same from text (tests); `path` is only used in messages.
Result<AlertingConfig> ParseAlertingConfig(std::string_view text, const std::string& path);

}  // namespace edgewatch::alerting
