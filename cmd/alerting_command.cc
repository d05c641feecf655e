// edgewatch alerting check FILE...: validate alerting config files (like `amtool check-config`).
// edgewatch alerting routes FILE LABEL=VALUE...: which receivers an alert with these labels
// reaches, and in which group (like `amtool config routes test`).
#include <cstdio>
#include <string>
#include <vector>

#include "alerting/config.h"
#include "alerting/notifier.h"
#include "alerting/receiver_factory.h"
#include "cmd/commands.h"
#include "cmd/flags.h"

namespace edgewatch::cmd {

namespace {

int Check(int argc, char** argv) {
  Flags flags("alerting check FILE...",
              "Validates alerting config files (docs/alerting.md): keys, durations, matchers,\n"
              "the route tree, every receiver's settings, templates and secrets (files and\n"
              "environment variables are read; nothing is sent). Exit code 0 when every file\n"
              "is valid, 1 otherwise.");
  std::vector<std::string> paths;
  if (auto code = flags.ParseOrExit(argc, argv, 3, &paths)) return *code;
  if (paths.empty()) return Fail("alerting check", kExitUsage, "name at least one config file");
  bool ok = true;
  for (const auto& path : paths) {
    auto config = alerting::LoadAlertingConfig(path);
    std::string error = config ? "" : config.error();
    if (config) {
      // Receivers other than kafka (whose producer would start connecting) are built in full.
      auto built = alerting::BuildReceivers(
          *config,
          [](const alerting::ReceiverSpec& spec)
              -> std::optional<Result<std::unique_ptr<alerting::Receiver>>> {
            if (spec.type != "kafka") return std::nullopt;
            alerting::SettingsReader s(spec);
            if (auto e = s.OnlyKeys({"brokers", "topic", "timeout", "properties"})) {
              return Result<std::unique_ptr<alerting::Receiver>>(*e);
            }
            if (!s.Has("brokers")) {
              return Result<std::unique_ptr<alerting::Receiver>>(
                  s.Placed("brokers: required (host:port[,host:port…])"));
            }
            return Result<std::unique_ptr<alerting::Receiver>>(
                std::unique_ptr<alerting::Receiver>());
          });
      if (!built) error = built.error();
    }
    if (!error.empty()) {
      std::printf("Checking %s  FAILED:\n  %s\n", path.c_str(), error.c_str());
      ok = false;
      continue;
    }
    size_t routes = 0;
    std::vector<const alerting::RouteConfig*> stack = {&config->notifier.route};
    while (!stack.empty()) {
      const alerting::RouteConfig* r = stack.back();
      stack.pop_back();
      ++routes;
      for (const auto& c : r->routes) stack.push_back(&c);
    }
    std::printf("Checking %s  SUCCESS: %zu receivers, %zu routes, %zu inhibit rules\n",
                path.c_str(), config->receivers.size(), routes,
                config->notifier.inhibit_rules.size());
  }
  return ok ? kExitOk : kExitFailure;
}

int Routes(int argc, char** argv) {
  Flags flags("alerting routes FILE LABEL=VALUE...",
              "Prints the receivers (and the group) an alert with these labels goes to,\n"
              "e.g. edgewatch alerting routes alerting.yaml business_system=payment "
              "severity=critical");
  std::vector<std::string> args;
  if (auto code = flags.ParseOrExit(argc, argv, 3, &args)) return *code;
  if (args.empty()) return Fail("alerting routes", kExitUsage, "name the config file");
  auto config = alerting::LoadAlertingConfig(args[0]);
  if (!config) return Fail("alerting routes", kExitUsage, config.error());
  alerting::Labels labels;
  for (size_t i = 1; i < args.size(); ++i) {
    const auto eq = args[i].find('=');
    if (eq == std::string::npos || eq == 0) {
      return Fail("alerting routes", kExitUsage,
                  "\"" + args[i] + "\" is not LABEL=VALUE (e.g. business_system=payment)");
    }
    labels[args[i].substr(0, eq)] = args[i].substr(eq + 1);
  }
  std::vector<std::string> names;
  names.reserve(config->receivers.size());
  for (const auto& s : config->receivers) names.push_back(s.name);
  alerting::NotifierOptions o;
  o.start_thread = false;
  auto n = alerting::Notifier::Create(
      config->notifier, names, [](const alerting::Notification&) {}, o);
  if (!n) return Fail("alerting routes", kExitUsage, n.error());
  for (const std::string& r : (*n)->Route(labels)) std::printf("%s\n", r.c_str());
  return kExitOk;
}

}  // namespace

int AlertingCommand(int argc, char** argv) {
  const std::string sub = argc >= 3 ? argv[2] : "";
  if (sub == "check") return Check(argc, argv);
  if (sub == "routes") return Routes(argc, argv);
  const bool help = sub == "--help" || sub == "-h";
  std::fputs(
      "usage: edgewatch alerting check FILE...             validate alerting configs (exit 0/1)\n"
      "       edgewatch alerting routes FILE LABEL=VALUE... the receivers those labels reach\n",
      help ? stdout : stderr);
  return help ? kExitOk : kExitUsage;
}

}  // namespace edgewatch::cmd
