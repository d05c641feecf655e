// JSON codecs for the wire records. Encoding is plain; decoding of the hot-path records
// (edge windows) uses simdjson on-demand. Decode errors name the field that is wrong.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"
#include "schema/alert.h"
#include "schema/conntrack_window.h"
#include "schema/edge_window.h"
#include "schema/evidence_event.h"

namespace edgewatch::schema {

std::string Encode(const EdgeWindow& w);
std::string Encode(const EvidenceEvent& e);
std::string Encode(const Alert& a);
std::string Encode(const ConntrackWindow& c);

// Any record of the stream a sensor writes; dispatches on the "schema" field.
using Record = std::variant<EdgeWindow, EvidenceEvent, Alert, ConntrackWindow>;

// Reusable decoder (holds simdjson's parser; not thread-safe — one per thread).
class Decoder {
 public:
  Decoder();
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  Result<Record> Decode(std::string_view json);
  Result<EdgeWindow> DecodeEdgeWindow(std::string_view json);
  // The hot path: decodes into `out`, reusing the capacity of its strings and vectors. Returns
  // "" on success, else the error (and `out` is unspecified).
  std::string DecodeEdgeWindowInto(std::string_view json, EdgeWindow& out);
  Result<EvidenceEvent> DecodeEvidence(std::string_view json);
  Result<Alert> DecodeAlert(std::string_view json);
  Result<ConntrackWindow> DecodeConntrackWindow(std::string_view json);

 private:
  struct Impl;
  Impl* impl_;
};

// RFC 3339 UTC with nanoseconds, e.g. "2026-11-22T10:15:03.123456789Z".
std::string FormatTime(int64_t unix_ns);
Result<int64_t> ParseTime(std::string_view rfc3339);

}  // namespace edgewatch::schema
