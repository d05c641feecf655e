#include "sensor/identity_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace edgewatch::sensor {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Tags = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kExample = R"(services:
  - name: payments-api
    business_system: payments
    tags: {owner: team-pay, tier: "1", oncall: pay-oncall}
    match:
      cidrs: [10.9.0.0/16, "fd00::/64"]
      endpoints: ["10.2.0.14:8443", "[fd00:1::14]:8443"]
      containers: ["3f1a9c0d2e4b"]
      processes: [payments-api, java]
  - name: ledger
    business_system: finance
    match:
      cidrs: [10.0.0.0/8, 10.9.3.0/24, "fd00::/48"]
)";

const std::string kContainer = "3f1a9c0d2e4b" + std::string(52, '7');  // 64 hex digits

IdentityMap MustParse(std::string_view yaml, const IdentityMapOptions& options = {}) {
  auto map = IdentityMap::Parse(yaml, "ids.yaml", options);
  EXPECT_TRUE(map.ok()) << map.error();
  return std::move(map).value();
}

std::string ErrorOf(std::string_view yaml, const IdentityMapOptions& options = {}) {
  auto map = IdentityMap::Parse(yaml, "ids.yaml", options);
  EXPECT_FALSE(map.ok());
  return map.ok() ? "" : map.error();
}

// The service name a lookup resolves to, or "-".
std::string Service(const IdentityMap& m, std::string_view ip, uint16_t port = 0,
                    std::string_view container = "", std::string_view comm = "") {
  const ServiceIdentity* id = m.Resolve(ip, port, container, comm);
  return id == nullptr ? "-" : id->service;
}

double Stat(const StatsSource& s, const std::string& name) {
  std::vector<StatSample> out;
  s.CollectStats(out);
  for (const StatSample& x : out) {
    if (x.name == name) {
      EXPECT_TRUE(x.labels.empty()) << name;
      return x.value;
    }
  }
  ADD_FAILURE() << "no stat " << name;
  return -1;
}

TEST(IdentityMap, ExampleResolvesWithBusinessSystemAndSortedTags) {
  const IdentityMap m = MustParse(kExample);
  ASSERT_EQ(m.size(), 2u);
  const ServiceIdentity* id = m.Resolve("10.9.1.1", 443, "", "");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->service, "payments-api");
  EXPECT_EQ(id->business_system, "payments");
  EXPECT_EQ(id->tags, (Tags{{"oncall", "pay-oncall"}, {"owner", "team-pay"}, {"tier", "1"}}));
  const ServiceIdentity* ledger = m.Resolve("10.1.2.3", 0, "", "");
  ASSERT_NE(ledger, nullptr);
  EXPECT_EQ(ledger->business_system, "finance");
  EXPECT_TRUE(ledger->tags.empty());
  EXPECT_EQ(Service(m, "192.168.1.1", 80), "-");
  EXPECT_EQ(Service(m, "", 0), "-");
  EXPECT_EQ(Service(m, "not-an-ip", 8443), "-");
}

TEST(IdentityMap, PrecedenceEndpointThenContainerThenProcessThenCidr) {
  const IdentityMap m = MustParse(R"(services:
  - {name: by-endpoint, business_system: b, match: {endpoints: ["10.1.0.5:443"]}}
  - {name: by-container, business_system: b, match: {containers: ["3f1a9c0d2e4b"]}}
  - {name: by-process, business_system: b, match: {processes: [java]}}
  - {name: by-cidr, business_system: b, match: {cidrs: [10.1.0.0/16]}}
)");
  EXPECT_EQ(Service(m, "10.1.0.5", 443, kContainer, "java"), "by-endpoint");
  EXPECT_EQ(Service(m, "10.1.0.5", 444, kContainer, "java"), "by-container");
  EXPECT_EQ(Service(m, "10.1.0.5", 444, "", "java"), "by-process");
  EXPECT_EQ(Service(m, "10.1.0.5", 444, "", "javac"), "by-cidr");
  EXPECT_EQ(Service(m, "10.2.0.5", 443, "", "javac"), "-");
  EXPECT_EQ(Service(m, "10.2.0.5", 443, kContainer, ""), "by-container");
}

TEST(IdentityMap, LongestPrefixWinsForIpv4AndIpv6) {
  const IdentityMap m = MustParse(kExample);
  EXPECT_EQ(Service(m, "10.9.3.4"), "ledger");        // /24 beats /16
  EXPECT_EQ(Service(m, "10.9.4.1"), "payments-api");  // /16 beats /8
  EXPECT_EQ(Service(m, "10.1.1.1"), "ledger");        // /8
  EXPECT_EQ(Service(m, "11.0.0.1"), "-");
  EXPECT_EQ(Service(m, "fd00::1"), "payments-api");  // /64 beats /48
  EXPECT_EQ(Service(m, "fd00:0:0:1::1"), "ledger");  // only in the /48
  EXPECT_EQ(Service(m, "fd00:1::1"), "-");
  EXPECT_EQ(Service(m, "::ffff:10.9.3.4"), "ledger");  // IPv4-mapped counts as IPv4
}

TEST(IdentityMap, Ipv6EndpointsAndIpv4MappedPeers) {
  const IdentityMap m = MustParse(kExample);
  EXPECT_EQ(Service(m, "fd00:1::14", 8443), "payments-api");
  EXPECT_EQ(Service(m, "fd00:1:0:0::14", 8443), "payments-api");  // another spelling
  EXPECT_EQ(Service(m, "fd00:1::14", 8444), "-");
  EXPECT_EQ(Service(m, "10.2.0.14", 8443), "payments-api");
  EXPECT_EQ(Service(m, "::ffff:10.2.0.14", 8443), "payments-api");
  EXPECT_EQ(Service(m, "10.2.0.14", 8444), "ledger");  // another port: falls back to 10.0.0.0/8
}

TEST(IdentityMap, ContainerPrefixAndFullId) {
  const std::string other(64, 'a');
  const IdentityMap m = MustParse(
      "services:\n"
      "  - {name: short, business_system: b, match: {containers: "
      "[\"3f1a9c0d2e4b\"]}}\n"
      "  - {name: full, business_system: b, match: {containers: [" +
      other + "]}}\n");
  EXPECT_EQ(Service(m, "", 0, kContainer), "short");
  EXPECT_EQ(Service(m, "", 0, "3f1a9c0d2e4b"), "short");
  EXPECT_EQ(Service(m, "", 0, "3f1a9c0d2e4"), "-");  // shorter than the listed prefix
  EXPECT_EQ(Service(m, "", 0, "3f1a9c0d2e4c" + kContainer.substr(12)), "-");
  EXPECT_EQ(Service(m, "", 0, other), "full");
  EXPECT_EQ(Service(m, "", 0, std::string(63, 'a') + "b"), "-");
  EXPECT_EQ(Service(m, "", 0, "0"), "-");
}

TEST(IdentityMap, ProcessMatchesTheWholeComm) {
  const IdentityMap m = MustParse(kExample);
  EXPECT_EQ(Service(m, "", 0, "", "java"), "payments-api");
  EXPECT_EQ(Service(m, "", 0, "", "payments-api"), "payments-api");
  EXPECT_EQ(Service(m, "", 0, "", "jav"), "-");
  EXPECT_EQ(Service(m, "", 0, "", "java-16-chars-xx"), "-");
}

TEST(IdentityMap, EmptyServiceListIsValid) {
  const IdentityMap m = MustParse("services: []\n");
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(Service(m, "10.0.0.1", 80), "-");
}

struct BadFile {
  const char* name;
  std::string yaml;
  std::string error;  // the whole message
};

class IdentityMapValidation : public ::testing::TestWithParam<BadFile> {};

TEST_P(IdentityMapValidation, NamesFileLineAndKey) {
  IdentityMapOptions options;
  options.max_tags_per_service = 3;
  EXPECT_EQ(ErrorOf(GetParam().yaml, options), GetParam().error);
}

const std::string kHead = "services:\n  - name: a\n    business_system: b\n";  // lines 1-3

INSTANTIATE_TEST_SUITE_P(
    IdentityMap, IdentityMapValidation,
    ::testing::Values(
        BadFile{"UnknownTopLevelKey", "services: []\nservice: []\n",
                "ids.yaml:2: service: unknown key; allowed: services"},
        BadFile{"UnknownServiceKey", kHead + "    colour: red\n    match: {processes: [x]}\n",
                "ids.yaml:4: services[0].colour: unknown key; allowed: name, business_system, "
                "tags, match"},
        BadFile{"UnknownMatchKey", kHead + "    match:\n      processes: [x]\n      ports: [80]\n",
                "ids.yaml:6: services[0].match.ports: unknown key; allowed: cidrs, endpoints, "
                "containers, processes"},
        BadFile{"DuplicateKey", kHead + "    name: c\n    match: {processes: [x]}\n",
                "ids.yaml:4: services[0].name: duplicate key"},
        BadFile{"CidrLengthTooLong", kHead + "    match:\n      cidrs: [10.0.0.0/8, 10.9.0.0/33]\n",
                "ids.yaml:5: services[0].match.cidrs[1]: \"10.9.0.0/33\": prefix length must be "
                "0..32"},
        BadFile{"CidrHostBits", kHead + "    match:\n      cidrs:\n        - 10.9.0.1/16\n",
                "ids.yaml:6: services[0].match.cidrs[0]: \"10.9.0.1/16\": address has bits set "
                "beyond the /16 prefix; did you mean 10.9.0.0/16?"},
        BadFile{"CidrNotAnAddress", kHead + "    match: {cidrs: [10.9.0/16]}\n",
                "ids.yaml:4: services[0].match.cidrs[0]: \"10.9.0/16\" is not a CIDR prefix "
                "(e.g. 10.9.0.0/16, fd00::/64) or an address"},
        BadFile{"DuplicateServiceName",
                kHead + "    match: {processes: [x]}\n  - name: a\n    business_system: c\n"
                        "    match: {processes: [y]}\n",
                "ids.yaml:5: services[1].name: duplicate service \"a\"; first defined at line 2"},
        BadFile{"EmptyMatch", kHead + "    match: {}\n",
                "ids.yaml:4: services[0].match: empty match; list at least one of cidrs, "
                "endpoints, containers, processes"},
        BadFile{"EmptyMatchLists", kHead + "    match:\n      cidrs: []\n      processes:\n",
                "ids.yaml:4: services[0].match: empty match; list at least one of cidrs, "
                "endpoints, containers, processes"},
        BadFile{"MissingMatch", kHead, "ids.yaml:2: services[0].match: missing required key"},
        BadFile{"MissingName", "services:\n  - business_system: b\n    match: {processes: [x]}\n",
                "ids.yaml:2: services[0].name: missing required key"},
        BadFile{"TagValueList",
                kHead + "    tags:\n      owner: [a, b]\n    match: {processes: [x]}\n",
                "ids.yaml:5: services[0].tags.owner: tag values must be single values (text or "
                "number), not lists or maps"},
        BadFile{"TagValueMap",
                kHead + "    tags: {owner: {team: pay}}\n    match: {processes: [x]}\n",
                "ids.yaml:4: services[0].tags.owner: tag values must be single values (text or "
                "number), not lists or maps"},
        BadFile{"TagValueMissing", kHead + "    tags:\n      owner:\n    match: {processes: [x]}\n",
                "ids.yaml:5: services[0].tags.owner: missing value"},
        BadFile{"TagKeyCharset",
                kHead + "    tags: {Owner-Team: pay}\n    match: {processes: [x]}\n",
                "ids.yaml:4: services[0].tags.Owner-Team: tag keys must match [a-z0-9_]+"},
        BadFile{"TooManyTags",
                kHead + "    tags: {a: '1', b: '2', c: '3', d: '4'}\n    match: {processes: [x]}\n",
                "ids.yaml:4: services[0].tags: 4 tags; at most 3 per service"},
        BadFile{"EndpointWithoutPort", kHead + "    match: {endpoints: [10.2.0.14]}\n",
                "ids.yaml:4: services[0].match.endpoints[0]: \"10.2.0.14\" is not ip:port or "
                "[ipv6]:port (e.g. 10.2.0.14:8443)"},
        BadFile{"EndpointPortZero", kHead + "    match: {endpoints: [\"10.2.0.14:0\"]}\n",
                "ids.yaml:4: services[0].match.endpoints[0]: \"10.2.0.14:0\" is not ip:port or "
                "[ipv6]:port (e.g. 10.2.0.14:8443)"},
        BadFile{"EndpointIpv6WithoutBrackets",
                kHead + "    match: {endpoints: [\"fd00::14:8443\"]}\n",
                "ids.yaml:4: services[0].match.endpoints[0]: \"fd00::14:8443\": write IPv6 "
                "endpoints as [address]:port, e.g. [fd00::14]:8443"},
        BadFile{"ContainerTooShort", kHead + "    match: {containers: [\"3f1a9c\"]}\n",
                "ids.yaml:4: services[0].match.containers[0]: \"3f1a9c\" must be a container id, "
                "or a prefix of at least 12 of its lowercase hex digits"},
        BadFile{"ContainerPrefixOfAnother",
                kHead + "    match: {containers: [\"3f1a9c0d2e4b\"]}\n  - name: c\n"
                        "    business_system: b\n    match:\n"
                        "      containers: [\"3f1a9c0d2e4b5a\"]\n",
                "ids.yaml:8: services[1].match.containers[0]: \"3f1a9c0d2e4b\" is a prefix of "
                "\"3f1a9c0d2e4b5a\" (the other at line 4); a container must match one entry"},
        BadFile{"ProcessLongerThanComm", kHead + "    match: {processes: [payments-api-server]}\n",
                "ids.yaml:4: services[0].match.processes[0]: \"payments-api-server\" is longer "
                "than 15 characters; the kernel keeps only the first 15 of a process name: write "
                "\"payments-api-se\""},
        BadFile{"EndpointListedTwice",
                kHead + "    match: {endpoints: [\"10.2.0.14:80\"]}\n  - name: c\n"
                        "    business_system: b\n    match:\n"
                        "      endpoints: [\"[::ffff:10.2.0.14]:80\"]\n",
                "ids.yaml:8: services[1].match.endpoints[0]: \"10.2.0.14:80\" is already listed "
                "at line 4"},
        BadFile{"MatchNotAList", kHead + "    match: {cidrs: 10.0.0.0/8}\n",
                "ids.yaml:4: services[0].match.cidrs: must be a list, e.g. [a, b]"},
        BadFile{"SyntaxError", "services:\n  - name: [a\n",
                "ids.yaml:3: YAML syntax error: end of sequence flow not found"},
        BadFile{"SyntaxErrorYamlCppMisses", "# identities\n,\n",
                "ids.yaml:2: YAML syntax error: no document could be read from here on"},
        BadFile{"SecondDocument",
                "services: []\n---\n# more\nservices:\n  - {name: a, business_system: b}\n",
                "ids.yaml:4: a second YAML document; keep all services in one (remove the ---)"},
        BadFile{"CidrIpv6LengthTooLong", kHead + "    match: {cidrs: [\"fd00::/129\"]}\n",
                "ids.yaml:4: services[0].match.cidrs[0]: \"fd00::/129\": prefix length must be "
                "0..128"},
        BadFile{"CidrIpv4Mapped", kHead + "    match: {cidrs: [\"::ffff:10.0.0.0/104\"]}\n",
                "ids.yaml:4: services[0].match.cidrs[0]: \"::ffff:10.0.0.0/104\": write "
                "IPv4-mapped prefixes in IPv4 form (10.9.0.0/16); they also match ::ffff: peers"},
        BadFile{"TagValueEmpty", kHead + "    tags: {owner: \"\"}\n    match: {processes: [x]}\n",
                "ids.yaml:4: services[0].tags.owner: missing value"},
        BadFile{"CidrListedTwice",
                kHead + "    match: {cidrs: [10.9.0.0/16]}\n  - name: c\n    business_system: b\n"
                        "    match: {cidrs: [10.9.0.0/16]}\n",
                "ids.yaml:7: services[1].match.cidrs[0]: \"10.9.0.0/16\" is already listed at "
                "line 4"},
        BadFile{"EmptyFile", "# nothing yet\n",
                "ids.yaml:1: empty file; expected a mapping with services: [...]"},
        BadFile{"ServicesMissing", "servics: []\n",
                "ids.yaml:1: servics: unknown key; allowed: services\n"
                "ids.yaml:1: services: missing required key (a list of services)"}),
    [](const ::testing::TestParamInfo<BadFile>& info) { return info.param.name; });

TEST(IdentityMap, DocumentMarkersAroundOneDocumentAreFine) {
  const IdentityMap m = MustParse(
      "# identities\n---\nservices:\n  - {name: a, business_system: b, match: {processes: "
      "[x]}}\n...\n# the end\n");
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(Service(m, "", 0, "", "x"), "a");
}

TEST(IdentityMap, ReportsEveryErrorInLineOrder) {
  const std::string error = ErrorOf(kHead +
                                    "    match:\n"
                                    "      cidrs: [10.0.0.0/99]\n"
                                    "      processes: [x]\n"
                                    "  - name: a\n"
                                    "    business_system: b\n"
                                    "    tags: {X: y}\n"
                                    "    match: {processes: [y]}\n");
  EXPECT_EQ(error,
            "ids.yaml:5: services[0].match.cidrs[0]: \"10.0.0.0/99\": prefix length must be 0..32\n"
            "ids.yaml:7: services[1].name: duplicate service \"a\"; first defined at line 2\n"
            "ids.yaml:9: services[1].tags.X: tag keys must match [a-z0-9_]+");
}

// A directory of its own per test, removed at the end.
class IdentityReload : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "identity_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "ids.yaml").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `text` and moves the mtime forward so that the change is seen even within one
  // timestamp tick.
  void Write(std::string_view text) {
    std::ofstream(path_, std::ios::trunc) << text;
    fs::last_write_time(path_, fs::last_write_time(path_) + std::chrono::seconds(++bumps_));
  }

  std::unique_ptr<IdentityMapReloader> Start() {
    auto r = IdentityMapReloader::Create(path_, {}, &log_);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? std::move(*r) : nullptr;
  }

  fs::path dir_;
  std::string path_;
  std::ostringstream log_;
  int bumps_ = 0;
};

const char kOneService[] =
    "services:\n  - {name: a, business_system: b, match: {cidrs: [10.0.0.0/8]}}\n";
const char kTwoServices[] =
    "services:\n  - {name: a2, business_system: b, match: {cidrs: [10.0.0.0/8]}}\n"
    "  - {name: c, business_system: d, match: {processes: [java]}}\n";

TEST_F(IdentityReload, MissingFileAtStartIsAnError) {
  auto r = IdentityMapReloader::Create(path_, {}, &log_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), path_ + ": cannot open identity file: No such file or directory");
}

TEST_F(IdentityReload, InvalidFileAtStartIsAnError) {
  Write("services: [1]\n");
  auto r = IdentityMapReloader::Create(path_, {}, &log_);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr(path_ + ":1: services[0]: each service must be a mapping"));
}

TEST_F(IdentityReload, ReloadsWhenTheFileChanges) {
  Write(kOneService);
  auto r = Start();
  ASSERT_NE(r, nullptr);
  const auto first = r->Current();
  EXPECT_EQ(Service(*first, "10.1.1.1"), "a");
  EXPECT_EQ(Stat(*r, "edgewatch_sensor_identity_services"), 1);
  EXPECT_FALSE(r->CheckReload());  // unchanged
  EXPECT_EQ(r->Current(), first);

  Write(kTwoServices);
  EXPECT_TRUE(r->CheckReload());
  const auto second = r->Current();
  EXPECT_NE(second, first);
  EXPECT_EQ(Service(*second, "10.1.1.1"), "a2");
  EXPECT_EQ(Service(*second, "", 0, "", "java"), "c");
  EXPECT_EQ(Service(*first, "10.1.1.1"), "a");  // a reader's old map stays valid
  EXPECT_FALSE(r->CheckReload());
  EXPECT_EQ(Stat(*r, "edgewatch_sensor_identity_reloads_total"), 1);
  EXPECT_EQ(Stat(*r, "edgewatch_sensor_identity_reload_failures_total"), 0);
  EXPECT_EQ(Stat(*r, "edgewatch_sensor_identity_services"), 2);
  EXPECT_EQ(log_.str(), "");
}

TEST_F(IdentityReload, ReplacedByRenameIsReloaded) {
  Write(kOneService);
  auto r = Start();
  ASSERT_NE(r, nullptr);
  const std::string tmp = (dir_ / "ids.yaml.tmp").string();
  std::ofstream(tmp) << kTwoServices;
  fs::rename(tmp, path_);  // new inode
  EXPECT_TRUE(r->CheckReload());
  EXPECT_EQ(r->Current()->size(), 2u);
}

TEST_F(IdentityReload, BadFileKeepsTheOldMapCountsAndSaysOnce) {
  Write(kOneService);
  auto r = Start();
  ASSERT_NE(r, nullptr);
  const auto first = r->Current();

  Write("services:\n  - {name: a, business_system: b, match: {cidrs: [10.0.0.1/8]}}\n");
  EXPECT_FALSE(r->CheckReload());
  EXPECT_FALSE(r->CheckReload());
  EXPECT_EQ(r->Current(), first);
  EXPECT_EQ(Stat(*r, "edgewatch_sensor_identity_reload_failures_total"), 1);
  EXPECT_EQ(Stat(*r, "edgewatch_sensor_identity_reloads_total"), 0);
  EXPECT_EQ(Stat(*r, "edgewatch_sensor_identity_services"), 1);
  EXPECT_EQ(log_.str(), "edgewatch sensor: " + path_ +
                            ":2: services[0].match.cidrs[0]: \"10.0.0.1/8\": address has bits set "
                            "beyond the /8 prefix; did you mean 10.0.0.0/8?\n" +
                            path_ +
                            ": identity file not reloaded; keeping the last identity map (1 "
                            "services)\n");

  Write(kTwoServices);  // fixed
  EXPECT_TRUE(r->CheckReload());
  EXPECT_EQ(r->Current()->size(), 2u);
  EXPECT_EQ(Stat(*r, "edgewatch_sensor_identity_reloads_total"), 1);
  EXPECT_EQ(Stat(*r, "edgewatch_sensor_identity_reload_failures_total"), 1);
}

TEST_F(IdentityReload, DeletedFileKeepsTheMapUntilItComesBack) {
  Write(kOneService);
  auto r = Start();
  ASSERT_NE(r, nullptr);
  const auto first = r->Current();

  fs::remove(path_);
  EXPECT_FALSE(r->CheckReload());
  EXPECT_FALSE(r->CheckReload());
  EXPECT_EQ(r->Current(), first);
  EXPECT_EQ(Service(*r->Current(), "10.1.1.1"), "a");
  EXPECT_EQ(Stat(*r, "edgewatch_sensor_identity_reload_failures_total"), 1);
  EXPECT_EQ(log_.str(), "edgewatch sensor: " + path_ +
                            ": cannot stat identity file: No such file or directory; keeping the "
                            "last identity map (1 services)\n");

  Write(kTwoServices);
  EXPECT_TRUE(r->CheckReload());
  EXPECT_EQ(r->Current()->size(), 2u);
}

TEST(IdentityUnknownPeers, RemembersDistinctPeersUpToTheCap) {
  UnknownPeers u(2);
  u.Add("10.0.0.1", 443);
  u.Add("10.0.0.1", 443);
  u.Add("fd00::1", 8443);
  u.Add("10.0.0.2", 80);  // full: only counted
  u.Add("10.0.0.2", 80);
  u.Add("10.0.0.1", 443);  // already kept
  EXPECT_EQ(u.keys(), (std::set<std::string, std::less<>>{"10.0.0.1:443", "[fd00::1]:8443"}));
  EXPECT_EQ(Stat(u, "edgewatch_sensor_identity_unknown_lookups_total"), 6);
  EXPECT_EQ(Stat(u, "edgewatch_sensor_identity_unknown_overflow_total"), 2);
  EXPECT_EQ(Stat(u, "edgewatch_sensor_identity_unknown_peers"), 2);

  u.Reset();
  EXPECT_TRUE(u.keys().empty());
  EXPECT_EQ(Stat(u, "edgewatch_sensor_identity_unknown_peers"), 0);
  u.Add("10.0.0.2", 80);
  EXPECT_EQ(u.keys(), (std::set<std::string, std::less<>>{"10.0.0.2:80"}));
  EXPECT_EQ(Stat(u, "edgewatch_sensor_identity_unknown_lookups_total"), 7);
  EXPECT_EQ(Stat(u, "edgewatch_sensor_identity_unknown_overflow_total"), 2);
}

TEST(IdentityUnknownPeers, DefaultCapIs1024) {
  UnknownPeers u;
  for (int i = 0; i < 1030; ++i) {
    u.Add("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), 80);
  }
  EXPECT_EQ(u.keys().size(), 1024u);
  EXPECT_EQ(Stat(u, "edgewatch_sensor_identity_unknown_overflow_total"), 6);
}

}  // namespace
}  // namespace edgewatch::sensor
