#include "sensor/dns_message.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

namespace edgewatch::sensor {
namespace {

using Bytes = std::vector<uint8_t>;

// A DNS message written field by field, as a resolver would put it on the wire.
struct Packet {
  Bytes b;
  Packet& U8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Packet& U16(uint16_t v) { return U8(static_cast<uint8_t>(v >> 8)).U8(static_cast<uint8_t>(v)); }
  Packet& Header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an = 0) {
    return U16(id).U16(flags).U16(qd).U16(an).U16(0).U16(0);
  }
  Packet& Label(const std::string& s) {
    U8(static_cast<uint8_t>(s.size()));
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Packet& Pointer(uint16_t offset) { return U16(static_cast<uint16_t>(0xC000 | offset)); }
  // "www.example.com" → 3www7example3com0.
  Packet& Name(const std::string& dotted) {
    size_t start = 0;
    while (start < dotted.size()) {
      size_t dot = dotted.find('.', start);
      if (dot == std::string::npos) dot = dotted.size();
      Label(dotted.substr(start, dot - start));
      start = dot + 1;
    }
    return U8(0);
  }
  Packet& Question(const std::string& name, uint16_t qtype) { return Name(name).U16(qtype).U16(1); }
  // RFC 1035 4.2.2: the message preceded by its length.
  Bytes Tcp() const {
    Bytes out{static_cast<uint8_t>(b.size() >> 8), static_cast<uint8_t>(b.size())};
    out.insert(out.end(), b.begin(), b.end());
    return out;
  }
};

// Query id 0x1234, RD, one question: example.com A IN. 29 bytes, written out in full once.
const Bytes kExampleComA = {
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,     // header
    7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',  3,    'c',  'o',  'm',  0,  // qname
    0x00, 0x01, 0x00, 0x01};                                                    // A, IN

TEST(DnsMessage, ParsesQueryForExampleComA) {
  auto r = ParseDnsMessage(kExampleComA, false);
  ASSERT_TRUE(r.ok()) << r.error_name();
  EXPECT_EQ(r->id, 0x1234);
  EXPECT_FALSE(r->is_response);
  EXPECT_EQ(r->opcode, 0);
  EXPECT_EQ(r->rcode, DnsRcode::kNoError);
  EXPECT_FALSE(r->truncated);
  EXPECT_EQ(r->qdcount, 1);
  EXPECT_EQ(r->ancount, 0);
  EXPECT_TRUE(r->has_question);
  EXPECT_EQ(r->qname, "example.com");
  EXPECT_EQ(r->qtype, kDnsTypeA);
  EXPECT_EQ(r->qtype_name(), "A");
  EXPECT_EQ(r->qclass, 1);
  EXPECT_EQ(r->message_length, 29u);
  EXPECT_FALSE(r->capture_truncated);
}

TEST(DnsMessage, ParsesFailureRcodesOfResponses) {
  struct Case {
    uint8_t raw;
    DnsRcode rcode;
    const char* name;
  };
  for (const Case& c :
       {Case{0, DnsRcode::kNoError, "noerror"}, Case{1, DnsRcode::kFormErr, "formerr"},
        Case{2, DnsRcode::kServFail, "servfail"}, Case{3, DnsRcode::kNxDomain, "nxdomain"},
        Case{4, DnsRcode::kOther, "other"}, Case{5, DnsRcode::kRefused, "refused"},
        Case{9, DnsRcode::kOther, "other"}}) {
    // QR, RD, RA + rcode; the question echoed, no answers.
    auto p = Packet()
                 .Header(0xbeef, static_cast<uint16_t>(0x8180 | c.raw), 1)
                 .Question("no-such.example.org", kDnsTypeAaaa);
    auto r = ParseDnsMessage(p.b, false);
    ASSERT_TRUE(r.ok()) << r.error_name();
    EXPECT_TRUE(r->is_response);
    EXPECT_EQ(r->id, 0xbeef);
    EXPECT_EQ(r->rcode_raw, c.raw);
    EXPECT_EQ(r->rcode, c.rcode);
    EXPECT_STREQ(DnsRcodeName(r->rcode), c.name);
    EXPECT_EQ(r->qname, "no-such.example.org");
    EXPECT_EQ(r->qtype_name(), "AAAA");
  }
}

TEST(DnsMessage, ReadsOpcodeTruncationAndCounts) {
  // QR, opcode 2 (STATUS), TC, RD: 1 0010 0 1 1 = 0x93, then RA.
  auto p = Packet().Header(7, 0x9380, 1, 3).Question("big.example", kDnsTypeTxt);
  auto r = ParseDnsMessage(p.b, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->opcode, 2);
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->ancount, 3);
  EXPECT_EQ(r->qtype_name(), "TXT");
}

TEST(DnsMessage, LowerCasesAndEscapesNames) {
  auto p = Packet().Header(1, 0x0100, 1).Question("WWW.Example.COM", kDnsTypeA);
  EXPECT_EQ(ParseDnsMessage(p.b, false)->qname, "www.example.com");

  // A '.' inside a label, a space and a non-ASCII byte: presentation-form escapes.
  auto q = Packet().Header(1, 0x0100, 1).Label("A.b").Label(std::string(" \xff", 2)).U8(0);
  q.U16(kDnsTypeA).U16(1);
  EXPECT_EQ(ParseDnsMessage(q.b, false)->qname, "a\\.b.\\032\\255");
}

TEST(DnsMessage, RootNameIsADot) {
  auto p = Packet().Header(1, 0x0100, 1).U8(0).U16(kDnsTypeNs).U16(1);
  auto r = ParseDnsMessage(p.b, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->qname, ".");
  EXPECT_EQ(r->qtype_name(), "NS");
}

TEST(DnsMessage, FollowsCompressionPointers) {
  // Response: question example.com, then answer owner names written compressed, as servers do:
  // "www" → question name, "api" → the "www" name (two jumps).
  auto p = Packet().Header(9, 0x8180, 1, 2).Question("Example.com", kDnsTypeA);
  const size_t www_at = p.b.size();
  p.Label("www").Pointer(12);
  const size_t api_at = p.b.size();
  p.Label("api").Pointer(static_cast<uint16_t>(www_at));
  const size_t end = p.b.size();

  std::string name;
  size_t offset = www_at;
  ASSERT_EQ(ReadDnsName(p.b, offset, name), std::nullopt);
  EXPECT_EQ(name, "www.example.com");
  EXPECT_EQ(offset, api_at);  // past the pointer, not past the name it points to
  offset = api_at;
  ASSERT_EQ(ReadDnsName(p.b, offset, name), std::nullopt);
  EXPECT_EQ(name, "api.www.example.com");
  EXPECT_EQ(offset, end);
}

TEST(DnsMessage, FollowsAPointerInTheQuestion) {
  // The header's ancount/nscount/arcount bytes spell 3com0 at offset 6; the question points there.
  auto p = Packet().U16(5).U16(0x0100).U16(1).U8(3).U8('c').U8('o').U8('m').U16(0);
  p.Label("example").Pointer(6).U16(kDnsTypeMx).U16(1);
  auto r = ParseDnsMessage(p.b, false);
  ASSERT_TRUE(r.ok()) << r.error_name();
  EXPECT_EQ(r->qname, "example.com");
  EXPECT_EQ(r->qtype_name(), "MX");
}

TEST(DnsMessage, ParsesTcpLengthPrefix) {
  Bytes tcp = Packet{kExampleComA}.Tcp();
  ASSERT_EQ(tcp[0], 0);
  ASSERT_EQ(tcp[1], 29);
  auto r = ParseDnsMessage(tcp, true);
  ASSERT_TRUE(r.ok()) << r.error_name();
  EXPECT_EQ(r->id, 0x1234);
  EXPECT_EQ(r->qname, "example.com");
  EXPECT_EQ(r->message_length, 29u);
  EXPECT_FALSE(r->capture_truncated);

  // The same bytes read as UDP: the prefix becomes the id and the rest is garbage.
  auto udp = ParseDnsMessage(tcp, false);
  EXPECT_TRUE(!udp.ok() || udp->id != 0x1234);

  // The next message on the connection follows; it is not part of this one.
  Bytes two = tcp;
  two.insert(two.end(), tcp.begin(), tcp.end());
  r = ParseDnsMessage(two, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->message_length, 29u);
  EXPECT_FALSE(r->capture_truncated);
}

TEST(DnsMessage, TcpCaptureCutAfterTheQuestionParses) {
  // A 1200-byte response of which the probe captured the header, question and a little more.
  auto p = Packet().Header(0x4242, 0x8180, 1, 20).Question("cdn.example.net", kDnsTypeHttps);
  p.Label("cdn").Pointer(12);
  Bytes tcp = {0x04, 0xb0};  // 1200
  tcp.insert(tcp.end(), p.b.begin(), p.b.end());
  auto r = ParseDnsMessage(tcp, true);
  ASSERT_TRUE(r.ok()) << r.error_name();
  EXPECT_EQ(r->message_length, 1200u);
  EXPECT_TRUE(r->capture_truncated);
  EXPECT_EQ(r->qname, "cdn.example.net");
  EXPECT_EQ(r->qtype_name(), "HTTPS");
  EXPECT_EQ(r->ancount, 20);
}

TEST(DnsMessage, CaptureCutBeforeTheQuestionEndsIsAnError) {
  // Every cut of the 29-byte query: no header → too_short, partial question → truncated.
  for (size_t n = 0; n < kExampleComA.size(); ++n) {
    std::span<const uint8_t> cut(kExampleComA.data(), n);
    auto r = ParseDnsMessage(cut, false);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error(), n < 12 ? DnsParseError::kTooShort : DnsParseError::kTruncated) << n;
  }
  // The same over TCP, the length prefix announcing the full 29 bytes.
  Bytes tcp = Packet{kExampleComA}.Tcp();
  for (size_t n = 0; n < tcp.size(); ++n) {
    auto r = ParseDnsMessage(std::span<const uint8_t>(tcp.data(), n), true);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error(), n < 14 ? DnsParseError::kTooShort : DnsParseError::kTruncated) << n;
  }
}

TEST(DnsMessage, TcpLengthShorterThanTheQuestionIsTruncated) {
  Bytes tcp = Packet{kExampleComA}.Tcp();
  tcp[1] = 20;  // announces 20 bytes; the name goes on past them
  auto r = ParseDnsMessage(tcp, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), DnsParseError::kTruncated);
  EXPECT_STREQ(r.error_name(), "truncated");
}

TEST(DnsMessage, RejectsTcpLengthSmallerThanAHeader) {
  for (uint8_t len : {0, 1, 11}) {
    Bytes tcp = Packet{kExampleComA}.Tcp();
    tcp[1] = len;
    auto r = ParseDnsMessage(tcp, true);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), DnsParseError::kBadLength);
    EXPECT_STREQ(r.error_name(), "bad_length");
  }
}

TEST(DnsMessage, RejectsEmptyAndShortInput) {
  EXPECT_EQ(ParseDnsMessage({}, false).error(), DnsParseError::kTooShort);
  EXPECT_EQ(ParseDnsMessage({}, true).error(), DnsParseError::kTooShort);
  Bytes one = {0x00};
  EXPECT_EQ(ParseDnsMessage(one, true).error(), DnsParseError::kTooShort);
  Bytes eleven(kExampleComA.begin(), kExampleComA.begin() + 11);
  auto r = ParseDnsMessage(eleven, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), DnsParseError::kTooShort);
  EXPECT_STREQ(r.error_name(), "too_short");
}

TEST(DnsMessage, QueryWithoutQuestionIsAnErrorResponseIsNot) {
  auto query = Packet().Header(3, 0x0100, 0);
  EXPECT_EQ(ParseDnsMessage(query.b, false).error(), DnsParseError::kNoQuestion);
  EXPECT_STREQ(DnsParseErrorName(DnsParseError::kNoQuestion), "no_question");

  // FORMERR answers often echo no question; the id and rcode still complete the transaction.
  auto formerr = Packet().Header(3, 0x8101, 0);
  auto r = ParseDnsMessage(formerr.b, false);
  ASSERT_TRUE(r.ok()) << r.error_name();
  EXPECT_FALSE(r->has_question);
  EXPECT_EQ(r->rcode, DnsRcode::kFormErr);
  EXPECT_EQ(r->qname, "");
}

TEST(DnsMessage, RejectsPointerLoops) {
  // A pointer to itself.
  auto self = Packet().Header(1, 0x0100, 1).Pointer(12).U16(1).U16(1);
  EXPECT_EQ(ParseDnsMessage(self.b, false).error(), DnsParseError::kPointerLoop);
  // A pointer forward.
  auto fwd = Packet().Header(1, 0x0100, 1).Pointer(18).U16(1).U16(1).Name("a");
  EXPECT_EQ(ParseDnsMessage(fwd.b, false).error(), DnsParseError::kPointerLoop);
  // Two names pointing at each other: a → b → a.
  auto p = Packet().Header(1, 0x8180, 1, 2).Question("x", 1);
  const auto a_at = static_cast<uint16_t>(p.b.size());
  p.Label("a").Pointer(static_cast<uint16_t>(a_at + 4));
  p.Label("b").Pointer(a_at);
  std::string name;
  size_t offset = a_at + 4;
  EXPECT_EQ(ReadDnsName(p.b, offset, name), DnsParseError::kPointerLoop);
  EXPECT_EQ(offset, a_at + 4u);  // untouched on error
  EXPECT_STREQ(DnsParseErrorName(DnsParseError::kPointerLoop), "pointer_loop");
}

TEST(DnsMessage, RejectsLabelsPastTheEndAndReservedLabelTypes) {
  auto past = Packet().Header(1, 0x0100, 1).Label("example");
  past.b.resize(past.b.size() - 3);  // 7exam, then nothing
  EXPECT_EQ(ParseDnsMessage(past.b, false).error(), DnsParseError::kTruncated);
  auto half_pointer = Packet().Header(1, 0x0100, 1).Label("www").U8(0xC0);
  EXPECT_EQ(ParseDnsMessage(half_pointer.b, false).error(), DnsParseError::kTruncated);
  auto no_type = Packet().Header(1, 0x0100, 1).Name("example.com").U16(1);
  EXPECT_EQ(ParseDnsMessage(no_type.b, false).error(), DnsParseError::kTruncated);
  for (uint8_t type : {0x40, 0x80, 0x7f, 0xbf}) {
    auto bad = Packet().Header(1, 0x0100, 1).Label("www").U8(type).U8(0).U16(1).U16(1);
    bad.b.resize(bad.b.size() + 80);
    EXPECT_EQ(ParseDnsMessage(bad.b, false).error(), DnsParseError::kBadLabel) << int{type};
  }
  EXPECT_STREQ(DnsParseErrorName(DnsParseError::kBadLabel), "bad_label");
}

TEST(DnsMessage, EnforcesTheNameLengthLimit) {
  const std::string l63(63, 'a');
  // 3 × (1 + 63) + (1 + 61) + 1 = 255 octets: the longest legal name, 253 characters dotted.
  auto max = Packet()
                 .Header(1, 0x0100, 1)
                 .Question(l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b'), kDnsTypeA);
  auto r = ParseDnsMessage(max.b, false);
  ASSERT_TRUE(r.ok()) << r.error_name();
  EXPECT_EQ(r->qname.size(), 253u);
  // One octet more.
  auto over = Packet()
                  .Header(1, 0x0100, 1)
                  .Question(l63 + "." + l63 + "." + l63 + "." + std::string(62, 'b'), kDnsTypeA);
  EXPECT_EQ(ParseDnsMessage(over.b, false).error(), DnsParseError::kNameTooLong);
  // Over the limit through a pointer: 194 octets of labels, then a pointer to 65 more.
  auto p = Packet().Header(1, 0x8180, 1, 1).Question(l63, kDnsTypeA);
  const auto at = static_cast<uint16_t>(p.b.size());
  p.Label(l63).Label(l63).Label(l63).Label("x").Pointer(12);
  std::string name;
  size_t offset = at;
  EXPECT_EQ(ReadDnsName(p.b, offset, name), DnsParseError::kNameTooLong);
  EXPECT_STREQ(DnsParseErrorName(DnsParseError::kNameTooLong), "name_too_long");
}

TEST(DnsMessage, NamesTheCommonTypes) {
  const std::vector<std::pair<uint16_t, std::string>> types = {
      {1, "A"},    {28, "AAAA"}, {5, "CNAME"}, {15, "MX"},    {16, "TXT"},  {12, "PTR"},
      {33, "SRV"}, {2, "NS"},    {6, "SOA"},   {65, "HTTPS"}, {64, "SVCB"}, {255, "ANY"}};
  for (const auto& [type, name] : types) {
    EXPECT_EQ(DnsQtypeName(type), name);
    EXPECT_EQ(DnsQtypeLabel(type), name);
  }
  EXPECT_EQ(DnsQtypeName(0), "TYPE0");
  EXPECT_EQ(DnsQtypeName(99), "TYPE99");
  EXPECT_EQ(DnsQtypeName(65535), "TYPE65535");
  EXPECT_STREQ(DnsQtypeLabel(99), "other");
}

TEST(DnsMessage, ErrorAndRcodeNamesAreAClosedSet) {
  std::set<std::string> names;
  for (size_t i = 0; i < kDnsParseErrorCount; ++i) {
    names.insert(DnsParseErrorName(static_cast<DnsParseError>(i)));
  }
  EXPECT_EQ(names, (std::set<std::string>{"too_short", "bad_length", "no_question", "truncated",
                                          "bad_label", "pointer_loop", "name_too_long"}));
  names.clear();
  for (size_t i = 0; i < kDnsRcodeCount; ++i) names.insert(DnsRcodeName(static_cast<DnsRcode>(i)));
  EXPECT_EQ(names, (std::set<std::string>{"noerror", "nxdomain", "servfail", "refused", "formerr",
                                          "other"}));
}

// Never crash, never read out of bounds (ASan), always one of the closed reasons.
void FuzzOne(const Bytes& buf, bool tcp, std::vector<size_t>& by_error, size_t& ok) {
  auto r = ParseDnsMessage(buf, tcp);
  if (r.ok()) {
    ++ok;
    if (r->has_question) {
      EXPECT_FALSE(r->qname.empty());
      EXPECT_LE(r->qname.size(), 4 * kDnsMaxNameOctets);
    }
    return;
  }
  ASSERT_LT(static_cast<size_t>(r.error()), kDnsParseErrorCount);
  ++by_error[static_cast<size_t>(r.error())];
}

TEST(DnsMessage, SurvivesRandomGarbage) {
  std::mt19937 rng(20240611);
  std::vector<size_t> by_error(kDnsParseErrorCount);
  size_t ok = 0;
  for (int i = 0; i < 4000; ++i) {
    Bytes buf(rng() % 300);
    for (auto& byte : buf) byte = static_cast<uint8_t>(rng());
    FuzzOne(buf, i % 2 == 0, by_error, ok);
  }
  // Valid packets with a few bytes replaced reach the deeper paths (labels, pointers).
  Bytes base =
      Packet().Header(1, 0x8180, 1, 1).Question("a.example.com", 1).Label("www").Pointer(12).b;
  for (int i = 0; i < 4000; ++i) {
    Bytes buf = base;
    for (int k = 0; k < 3; ++k) buf[12 + rng() % (buf.size() - 12)] = static_cast<uint8_t>(rng());
    buf.resize(buf.size() - rng() % 8);
    FuzzOne(buf, false, by_error, ok);
    FuzzOne(Packet{buf}.Tcp(), true, by_error, ok);
  }
  EXPECT_GT(ok, 0u);
  EXPECT_GT(by_error[static_cast<size_t>(DnsParseError::kTooShort)], 0u);
  EXPECT_GT(by_error[static_cast<size_t>(DnsParseError::kTruncated)], 0u);
  EXPECT_GT(by_error[static_cast<size_t>(DnsParseError::kBadLabel)], 0u);
  EXPECT_GT(by_error[static_cast<size_t>(DnsParseError::kPointerLoop)], 0u);
}

}  // namespace
}  // namespace edgewatch::sensor
