// DNS wire format → DnsMessage: the header and the first question of a query or response, as
// captured by the kernel probe (often only the first few hundred bytes of the message). Pure
// function of the bytes: no allocation beyond the name, never reads out of bounds, never throws.
// Answer records are not decoded; the sensor needs who asked what and how it was answered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>

namespace edgewatch::sensor {

// The response codes the sensor tells apart; everything else is kOther (closed set for labels).
enum class DnsRcode : uint8_t { kNoError, kNxDomain, kServFail, kRefused, kFormErr, kOther };
inline constexpr size_t kDnsRcodeCount = 6;
static_assert(static_cast<size_t>(DnsRcode::kOther) + 1 == kDnsRcodeCount);

// "noerror", "nxdomain", "servfail", "refused", "formerr", "other".
const char* DnsRcodeName(DnsRcode rcode);
// The 4-bit header RCODE (RFC 1035 4.1.1) → DnsRcode.
DnsRcode DnsRcodeFromRaw(uint8_t raw);

// Why a capture was not decoded; a closed set so the caller can count by reason on /metrics.
enum class DnsParseError : uint8_t {
  kTooShort,     // no complete 12-byte header (after the TCP length prefix, if any)
  kBadLength,    // TCP length prefix smaller than a DNS header
  kNoQuestion,   // a query with QDCOUNT 0
  kTruncated,    // the bytes end inside the first question
  kBadLabel,     // a label type other than plain (00) or pointer (11), RFC 6891 6.1 / 2673
  kPointerLoop,  // a compression pointer that does not point before the current name part
  kNameTooLong,  // the name is longer than 255 octets on the wire (RFC 1035 3.1)
};
inline constexpr size_t kDnsParseErrorCount = 7;
static_assert(static_cast<size_t>(DnsParseError::kNameTooLong) + 1 == kDnsParseErrorCount);

// "too_short", "bad_length", "no_question", "truncated", "bad_label", "pointer_loop",
// "name_too_long".
const char* DnsParseErrorName(DnsParseError error);

// "A", "AAAA", "CNAME", ... for the common types, "TYPE<n>" (RFC 3597) for the others.
std::string DnsQtypeName(uint16_t qtype);
// DnsQtypeName for the common types, "other" for the rest: a closed set for metric labels.
const char* DnsQtypeLabel(uint16_t qtype);

inline constexpr uint16_t kDnsTypeA = 1;
inline constexpr uint16_t kDnsTypeNs = 2;
inline constexpr uint16_t kDnsTypeCname = 5;
inline constexpr uint16_t kDnsTypeSoa = 6;
inline constexpr uint16_t kDnsTypePtr = 12;
inline constexpr uint16_t kDnsTypeMx = 15;
inline constexpr uint16_t kDnsTypeTxt = 16;
inline constexpr uint16_t kDnsTypeAaaa = 28;
inline constexpr uint16_t kDnsTypeSrv = 33;
inline constexpr uint16_t kDnsTypeSvcb = 64;
inline constexpr uint16_t kDnsTypeHttps = 65;
inline constexpr uint16_t kDnsTypeAny = 255;

inline constexpr size_t kDnsHeaderSize = 12;
inline constexpr size_t kDnsMaxNameOctets = 255;  // wire form, length octets and root included

struct DnsMessage {
  uint16_t id = 0;
  bool is_response = false;  // QR
  uint8_t opcode = 0;
  uint8_t rcode_raw = 0;  // the 4-bit header RCODE
  DnsRcode rcode = DnsRcode::kNoError;
  bool truncated = false;  // TC: the server cut the answer (the client retries over TCP)
  uint16_t qdcount = 0;
  uint16_t ancount = 0;

  // False only for a response with QDCOUNT 0 (FORMERR and NOTIMP answers may omit the
  // question); it still carries the id and rcode that complete a transaction.
  bool has_question = false;
  // Dotted, ASCII lower-cased, no trailing dot ("." for the root). Bytes outside [!-~] and
  // '.' or '\' inside a label are escaped as \DDD or \. \\ (RFC 1035 5.1 presentation form).
  std::string qname;
  uint16_t qtype = 0;
  uint16_t qclass = 0;

  // The message length: the TCP length prefix, or the number of bytes given for UDP.
  size_t message_length = 0;
  // TCP only: fewer bytes were captured than the length prefix announces.
  bool capture_truncated = false;

  std::string qtype_name() const { return DnsQtypeName(qtype); }
};

// A DnsMessage or the reason it could not be decoded (Result<T> with a typed error, so that
// errors can be counted by reason without parsing a message).
class [[nodiscard]] DnsParseResult {
 public:
  DnsParseResult(DnsMessage message) : v_(std::move(message)) {}  // NOLINT(google-explicit-*)
  DnsParseResult(DnsParseError error) : v_(error) {}              // NOLINT(google-explicit-*)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  DnsMessage& value() & { return std::get<0>(v_); }
  const DnsMessage& value() const& { return std::get<0>(v_); }
  DnsMessage&& value() && { return std::get<0>(std::move(v_)); }
  DnsMessage& operator*() & { return value(); }
  const DnsMessage& operator*() const& { return value(); }
  DnsMessage* operator->() { return &value(); }
  const DnsMessage* operator->() const { return &value(); }
  DnsParseError error() const { return std::get<1>(v_); }
  const char* error_name() const { return DnsParseErrorName(error()); }

 private:
  std::variant<DnsMessage, DnsParseError> v_;
};

// Decodes the header and first question of `bytes`. With `tcp` the bytes start with the 2-byte
// length prefix of RFC 1035 4.2.2 and bytes past the announced length (a next message) are
// ignored. A capture cut after the first question decodes; one cut before its end does not.
DnsParseResult ParseDnsMessage(std::span<const uint8_t> bytes, bool tcp);

// Reads the possibly compressed name at `offset` of `message` (a DNS message, without the TCP
// length prefix) into `name` in DnsMessage::qname form. On success `offset` is just past the
// name as written there (past its first pointer).
std::optional<DnsParseError> ReadDnsName(std::span<const uint8_t> message, size_t& offset,
                                         std::string& name);

}  // namespace edgewatch::sensor
