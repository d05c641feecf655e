// The identity and text of an alert: its labels (from which the fingerprint is computed) and its
// rendered annotations. Separate from the Detector so that both can be tested on their own.
#pragma once

#include <map>
#include <string>

#include "detector/condition.h"
#include "rules/rule.h"
#include "schema/edge.h"

namespace edgewatch::detector {

using Labels = std::map<std::string, std::string>;

// The rule's labels plus alertname, severity, business_system, side, server ("ip:port", IPv6 in
// brackets), and client_workload, client_ip, client_container and node when not empty (an empty
// label is an absent label, as in Prometheus). Together they identify (rule, edge). From the
// sensor's identity file, when mapped: client_service, server_service, client_business_system,
// server_business_system, and the CMDB tags of TaggedPeer(edge) as labels of their own (below the
// rule's labels and the detector's: a tag never overrides them). `business_system` stays the
// rule file's.
Labels AlertLabels(const rules::Rule& rule, const schema::Edge& edge, const std::string& node);

// The end whose CMDB tags become alert labels: the server's service (the service the edge leads
// to) when the identity file maps it, else the client's.
const schema::Peer& TaggedPeer(const schema::Edge& edge);

// The rule's annotations rendered for `edge` with the value and threshold of `ev`.
std::map<std::string, std::string> AlertAnnotations(const rules::Rule& rule,
                                                    const schema::Edge& edge,
                                                    const std::string& node, const Evaluation& ev);

// Shortest text that reads back as the same double: "3", "0.5", "1e+20".
std::string FormatNumber(double v);

}  // namespace edgewatch::detector
