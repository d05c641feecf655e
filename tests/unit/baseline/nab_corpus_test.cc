#include "detector/baseline/nab_corpus.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace edgewatch::baseline {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  auto dir =
      std::filesystem::temp_directory_path() / ("nab_corpus_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(NabCorpus, ParsesTimestamps) {
  EXPECT_EQ(*ParseNabTimestamp("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(*ParseNabTimestamp("2014-04-10 07:15:00.000000"), 1397114100);
  EXPECT_FALSE(ParseNabTimestamp("2014-04-10").ok());
  EXPECT_FALSE(ParseNabTimestamp("2014-13-10 07:15:00").ok());
}

TEST(NabCorpus, ReadsDataFile) {
  auto path = Write("ok.csv", "timestamp,value\n2014-04-10 07:15:00,1.5\n2014-04-10 07:20:00,2\n");
  auto csv = ReadNabCsv(path);
  ASSERT_TRUE(csv.ok()) << csv.error();
  ASSERT_EQ(csv->values.size(), 2u);
  EXPECT_DOUBLE_EQ(csv->values[1], 2);
  EXPECT_EQ(csv->timestamps[1] - csv->timestamps[0], 300);
  EXPECT_EQ(csv->value_text[0], "1.5");
}

TEST(NabCorpus, MalformedLinesNameFileAndLine) {
  auto bad_value =
      Write("v.csv", "timestamp,value\n2014-04-10 07:15:00,1\n2014-04-10 07:20:00,x\n");
  auto r = ReadNabCsv(bad_value);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), bad_value + ":3: bad value \"x\"");
  auto bad_ts = Write("t.csv", "timestamp,value\n10/04/2014,1\n");
  r = ReadNabCsv(bad_ts);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find(bad_ts + ":2: bad timestamp"), std::string::npos) << r.error();
  auto header = Write("h.csv", "time,val\n");
  r = ReadNabCsv(header);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), header + ":1: header must be timestamp,value");
  auto back = Write("b.csv", "timestamp,value\n2014-04-10 07:20:00,1\n2014-04-10 07:15:00,1\n");
  r = ReadNabCsv(back);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find(":3: timestamp"), std::string::npos) << r.error();
  auto cols = Write("c.csv", "timestamp,value\n2014-04-10 07:20:00,1,2\n");
  EXPECT_NE(ReadNabCsv(cols).error().find(":2: want 2 columns, got 3"), std::string::npos);
}

TEST(NabCorpus, ResultFilesNeedScoresInUnitInterval) {
  auto ok = Write("r.csv", "timestamp,value,anomaly_score,label\n2014-04-10 07:15:00,1,0.5,0\n");
  auto r = ReadNabCsv(ok, true);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_DOUBLE_EQ(r->scores[0], 0.5);
  auto bad = Write("r2.csv", "timestamp,value,anomaly_score\n2014-04-10 07:15:00,1,1.5\n");
  EXPECT_NE(ReadNabCsv(bad, true).error().find(":2: bad anomaly_score"), std::string::npos);
}

TEST(NabCorpus, ReadsLabels) {
  auto path = Write("labels.json", R"({"g/a.csv": [["2014-04-10 07:15:00.000000",
      "2014-04-10 08:15:00.000000"]], "g/b.csv": []})");
  auto w = ReadNabLabels(path);
  ASSERT_TRUE(w.ok()) << w.error();
  ASSERT_EQ(w->at("g/a.csv").size(), 1u);
  EXPECT_EQ(w->at("g/a.csv")[0].second - w->at("g/a.csv")[0].first, 3600);
  EXPECT_TRUE(w->at("g/b.csv").empty());
  EXPECT_FALSE(ReadNabLabels(Write("bad.json", "[1, 2]")).ok());
}

}  // namespace
}  // namespace edgewatch::baseline
