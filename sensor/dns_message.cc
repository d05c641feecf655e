#include "sensor/dns_message.h"

#include <algorithm>

namespace edgewatch::sensor {

const char* DnsRcodeName(DnsRcode rcode) {
  switch (rcode) {
    case DnsRcode::kNoError:
      return "noerror";
    case DnsRcode::kNxDomain:
      return "nxdomain";
    case DnsRcode::kServFail:
      return "servfail";
    case DnsRcode::kRefused:
      return "refused";
    case DnsRcode::kFormErr:
      return "formerr";
    case DnsRcode::kOther:
      break;
  }
  return "other";
}

DnsRcode DnsRcodeFromRaw(uint8_t raw) {
  switch (raw) {
    case 0:
      return DnsRcode::kNoError;
    case 1:
      return DnsRcode::kFormErr;
    case 2:
      return DnsRcode::kServFail;
    case 3:
      return DnsRcode::kNxDomain;
    case 5:
      return DnsRcode::kRefused;
    default:
      return DnsRcode::kOther;  // NOTIMP, YXDOMAIN, ... and extended rcodes
  }
}

const char* DnsParseErrorName(DnsParseError error) {
  switch (error) {
    case DnsParseError::kTooShort:
      return "too_short";
    case DnsParseError::kBadLength:
      return "bad_length";
    case DnsParseError::kNoQuestion:
      return "no_question";
    case DnsParseError::kTruncated:
      return "truncated";
    case DnsParseError::kBadLabel:
      return "bad_label";
    case DnsParseError::kPointerLoop:
      return "pointer_loop";
    case DnsParseError::kNameTooLong:
      return "name_too_long";
  }
  return "unknown";
}

namespace {

// nullptr for the types without a name of their own.
const char* KnownQtypeName(uint16_t qtype) {
  switch (qtype) {
    case kDnsTypeA:
      return "A";
    case kDnsTypeNs:
      return "NS";
    case kDnsTypeCname:
      return "CNAME";
    case kDnsTypeSoa:
      return "SOA";
    case kDnsTypePtr:
      return "PTR";
    case kDnsTypeMx:
      return "MX";
    case kDnsTypeTxt:
      return "TXT";
    case kDnsTypeAaaa:
      return "AAAA";
    case kDnsTypeSrv:
      return "SRV";
    case kDnsTypeSvcb:
      return "SVCB";
    case kDnsTypeHttps:
      return "HTTPS";
    case kDnsTypeAny:
      return "ANY";
    default:
      return nullptr;
  }
}

uint16_t Load16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}

// Appends one label in presentation form: ASCII lower-cased, '.' and '\' escaped, bytes that
// are not printable as \DDD, so that two different names never print the same.
void AppendLabel(std::span<const uint8_t> label, std::string& out) {
  for (uint8_t c : label) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == '.' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < '!' || c > '~') {
      out.push_back('\\');
      out.push_back(static_cast<char>('0' + c / 100));
      out.push_back(static_cast<char>('0' + c / 10 % 10));
      out.push_back(static_cast<char>('0' + c % 10));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
}

}  // namespace

// Every pointer must point before the start of the name part that holds it (the name's start,
// or the previous pointer's target): the parts' offsets strictly decrease, so the walk ends,
// and real encoders only ever point back to names already written.
std::optional<DnsParseError> ReadDnsName(std::span<const uint8_t> msg, size_t& pos,
                                         std::string& out) {
  out.clear();
  size_t cur = pos;
  size_t part_start = pos;
  size_t wire_octets = 0;
  size_t end = 0;  // past the name where it starts; set at its end or first pointer
  bool jumped = false;
  for (;;) {
    if (cur >= msg.size()) return DnsParseError::kTruncated;
    const uint8_t len = msg[cur];
    if ((len & 0xC0) == 0xC0) {
      if (cur + 1 >= msg.size()) return DnsParseError::kTruncated;
      const size_t target = static_cast<size_t>(Load16(msg, cur) & 0x3FFF);
      if (target >= part_start) return DnsParseError::kPointerLoop;
      if (!jumped) end = cur + 2;
      jumped = true;
      part_start = cur = target;
      continue;
    }
    if ((len & 0xC0) != 0) return DnsParseError::kBadLabel;  // 01 extended, 10 reserved
    wire_octets += 1 + len;
    if (wire_octets > kDnsMaxNameOctets) return DnsParseError::kNameTooLong;
    if (len == 0) {
      if (!jumped) end = cur + 1;
      break;
    }
    if (msg.size() - cur - 1 < len) return DnsParseError::kTruncated;
    if (!out.empty()) out.push_back('.');
    AppendLabel(msg.subspan(cur + 1, len), out);
    cur += 1 + len;
  }
  if (out.empty()) out = ".";
  pos = end;
  return std::nullopt;
}

const char* DnsQtypeLabel(uint16_t qtype) {
  const char* name = KnownQtypeName(qtype);
  return name != nullptr ? name : "other";
}

std::string DnsQtypeName(uint16_t qtype) {
  const char* name = KnownQtypeName(qtype);
  return name != nullptr ? std::string(name) : "TYPE" + std::to_string(qtype);
}

DnsParseResult ParseDnsMessage(std::span<const uint8_t> bytes, bool tcp) {
  DnsMessage m;
  std::span<const uint8_t> msg = bytes;
  if (tcp) {
    if (bytes.size() < 2) return DnsParseError::kTooShort;
    m.message_length = Load16(bytes, 0);
    if (m.message_length < kDnsHeaderSize) return DnsParseError::kBadLength;
    msg = bytes.subspan(2);
    m.capture_truncated = msg.size() < m.message_length;
    // Bytes past the announced length belong to the next message on the connection.
    msg = msg.first(std::min(msg.size(), m.message_length));
  } else {
    m.message_length = bytes.size();
  }
  if (msg.size() < kDnsHeaderSize) return DnsParseError::kTooShort;

  m.id = Load16(msg, 0);
  m.is_response = (msg[2] & 0x80) != 0;
  m.opcode = (msg[2] >> 3) & 0x0F;
  m.truncated = (msg[2] & 0x02) != 0;
  m.rcode_raw = msg[3] & 0x0F;
  m.rcode = DnsRcodeFromRaw(m.rcode_raw);
  m.qdcount = Load16(msg, 4);
  m.ancount = Load16(msg, 6);

  if (m.qdcount == 0) {
    if (!m.is_response) return DnsParseError::kNoQuestion;
    return m;
  }
  size_t pos = kDnsHeaderSize;
  if (auto error = ReadDnsName(msg, pos, m.qname)) return *error;
  if (msg.size() - pos < 4) return DnsParseError::kTruncated;
  m.qtype = Load16(msg, pos);
  m.qclass = Load16(msg, pos + 2);
  m.has_question = true;
  return m;
}

}  // namespace edgewatch::sensor
