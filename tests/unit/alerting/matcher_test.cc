#include "alerting/matcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace edgewatch::alerting {
namespace {

using ::testing::HasSubstr;

Matcher Must(std::string_view text) {
  auto m = Matcher::Parse(text);
  EXPECT_TRUE(m.ok()) << text << ": " << m.error();
  return m.ok() ? *m : *Matcher::Create("x", Matcher::Op::kEqual, "");
}

std::string ParseError(std::string_view text) {
  auto m = Matcher::Parse(text);
  EXPECT_FALSE(m.ok()) << text << " parsed";
  return m.ok() ? "" : m.error();
}

TEST(MatcherTest, ParsesTheFourOperators) {
  const Matcher eq = Must(R"(severity="critical")");
  EXPECT_EQ(eq.name(), "severity");
  EXPECT_EQ(eq.op(), Matcher::Op::kEqual);
  EXPECT_EQ(eq.value(), "critical");
  EXPECT_EQ(Must(R"(severity!="info")").op(), Matcher::Op::kNotEqual);
  EXPECT_EQ(Must(R"(team=~"pay.*")").op(), Matcher::Op::kRegex);
  EXPECT_EQ(Must(R"(team!~"pay.*")").op(), Matcher::Op::kNotRegex);
  EXPECT_TRUE(Must(R"(team!~"x")").is_negative());
  EXPECT_TRUE(Must(R"(team!~"x")").is_regex());
}

TEST(MatcherTest, SpacesAroundTheOperatorAndUnquotedValues) {
  const Matcher m = Must("  team =  pay  ");
  EXPECT_EQ(m.name(), "team");
  EXPECT_EQ(m.value(), "pay");
  EXPECT_EQ(Must("team=").value(), "");
  EXPECT_EQ(Must(R"(a = "b c")").value(), "b c");
}

TEST(MatcherTest, QuotedValuesUnescapeQuotesBackslashesAndNewlines) {
  EXPECT_EQ(Must(R"(a="x\"y")").value(), "x\"y");
  EXPECT_EQ(Must(R"(a="back\\slash")").value(), "back\\slash");
  EXPECT_EQ(Must(R"(a="two\nlines")").value(), "two\nlines");
  EXPECT_EQ(Must(R"(a="has=and,comma")").value(), "has=and,comma");
  EXPECT_EQ(Must(R"(a="")").value(), "");
}

TEST(MatcherTest, ToStringParsesBackToTheSameMatcher) {
  for (const char* text : {R"(a="x\"y")", R"(a!="back\\slash")", R"(a=~"two\nlines|b")", R"(a!~"")",
                           R"(a="{}, =~")"}) {
    const Matcher m = Must(text);
    EXPECT_EQ(Must(m.ToString()), m) << text << " -> " << m.ToString();
  }
  EXPECT_EQ(Must(R"(a="x\"y")").ToString(), R"(a="x\"y")");
}

TEST(MatcherTest, ErrorsQuoteTheMatcherAndSayWhatIsWrong) {
  EXPECT_THAT(ParseError("severity"), HasSubstr("no operator"));
  EXPECT_THAT(ParseError("severity"), HasSubstr("\"severity\""));
  EXPECT_THAT(ParseError("a!b"), HasSubstr("'!' must be followed by '=' or '~'"));
  EXPECT_THAT(ParseError(R"(a="open)"), HasSubstr("unterminated quote"));
  EXPECT_THAT(ParseError(R"(a="open)"), HasSubstr(R"(a="open)"));
  EXPECT_THAT(ParseError(R"(a="x\)"), HasSubstr("unterminated quote"));
  EXPECT_THAT(ParseError(R"(a="x" y)"), HasSubstr("text after the closing quote"));
  EXPECT_THAT(ParseError(R"(="x")"), HasSubstr("no label name"));
  EXPECT_THAT(ParseError(R"(1abc="x")"), HasSubstr("\"1abc\" is not a label name"));
  EXPECT_THAT(ParseError(R"(a-b="x")"), HasSubstr("is not a label name"));
  const std::string bad_regex = ParseError(R"(team=~"(pay")");
  EXPECT_THAT(bad_regex, HasSubstr(R"(team=~"(pay")"));
  EXPECT_THAT(bad_regex, HasSubstr("not a valid regex"));
}

TEST(MatcherTest, RegexesAreAnchored) {
  const Matcher m = Must(R"(team=~"pay")");
  EXPECT_TRUE(m.Matches({{"team", "pay"}}));
  EXPECT_FALSE(m.Matches({{"team", "payments"}}));
  EXPECT_FALSE(m.Matches({{"team", "repay"}}));
  const Matcher alt = Must(R"(team=~"pay|ops")");
  EXPECT_TRUE(alt.Matches({{"team", "ops"}}));
  EXPECT_FALSE(alt.Matches({{"team", "payops"}}));
  EXPECT_TRUE(Must(R"(team!~"pay.*")").Matches({{"team", "ops"}}));
  EXPECT_FALSE(Must(R"(team!~"pay.*")").Matches({{"team", "payments"}}));
}

TEST(MatcherTest, AnAbsentLabelHasTheEmptyValue) {
  const Labels none = {{"severity", "critical"}};
  EXPECT_FALSE(Must(R"(team="pay")").Matches(none));
  EXPECT_TRUE(Must(R"(team!="pay")").Matches(none));
  EXPECT_TRUE(Must(R"(team="")").Matches(none));
  EXPECT_FALSE(Must(R"(team=~".+")").Matches(none));
  EXPECT_TRUE(Must(R"(team!~".+")").Matches(none));
}

TEST(MatcherTest, MatchesEmpty) {
  EXPECT_TRUE(Must(R"(a="")").MatchesEmpty());
  EXPECT_TRUE(Must(R"(a=~".*")").MatchesEmpty());
  EXPECT_TRUE(Must(R"(a!="x")").MatchesEmpty());
  EXPECT_TRUE(Must(R"(a!~"x+")").MatchesEmpty());
  EXPECT_FALSE(Must(R"(a="x")").MatchesEmpty());
  EXPECT_FALSE(Must(R"(a=~".+")").MatchesEmpty());
  EXPECT_FALSE(Must(R"(a!="")").MatchesEmpty());
  EXPECT_FALSE(Must(R"(a!~".*")").MatchesEmpty());
}

TEST(MatcherTest, CreateChecksTheNameAndTheRegex) {
  EXPECT_TRUE(Matcher::Create("team", Matcher::Op::kRegex, "pay|ops").ok());
  auto bad_name = Matcher::Create("my team", Matcher::Op::kEqual, "x");
  ASSERT_FALSE(bad_name.ok());
  EXPECT_THAT(bad_name.error(), HasSubstr(R"(matcher my team="x")"));
  auto bad_regex = Matcher::Create("team", Matcher::Op::kNotRegex, "[a-");
  ASSERT_FALSE(bad_regex.ok());
  EXPECT_THAT(bad_regex.error(), HasSubstr(R"(team!~"[a-")"));
}

TEST(MatcherTest, ListsWithOrWithoutBraces) {
  auto ms = ParseMatchers(R"({a="b", c=~"d|e"})");
  ASSERT_TRUE(ms.ok()) << ms.error();
  ASSERT_EQ(ms->size(), 2u);
  EXPECT_EQ((*ms)[1].ToString(), R"(c=~"d|e")");
  auto bare = ParseMatchers(R"(a="x,y", b=c,)");
  ASSERT_TRUE(bare.ok()) << bare.error();
  ASSERT_EQ(bare->size(), 2u);
  EXPECT_EQ((*bare)[0].value(), "x,y");
  EXPECT_EQ((*bare)[1].value(), "c");
  auto escaped = ParseMatchers(R"(a="q\",", b="z")");
  ASSERT_TRUE(escaped.ok()) << escaped.error();
  ASSERT_EQ(escaped->size(), 2u);
  EXPECT_EQ((*escaped)[0].value(), "q\",");
  EXPECT_TRUE(ParseMatchers("").value().empty());
  EXPECT_TRUE(ParseMatchers("{}").value().empty());
  EXPECT_TRUE(MatchesAll({}, {{"a", "b"}}));
}

TEST(MatcherTest, ListErrors) {
  auto empty_between = ParseMatchers(R"(a="b",,c="d")");
  ASSERT_FALSE(empty_between.ok());
  EXPECT_THAT(empty_between.error(), HasSubstr("empty matcher between commas"));
  auto no_brace = ParseMatchers(R"({a="b")");
  ASSERT_FALSE(no_brace.ok());
  EXPECT_THAT(no_brace.error(), HasSubstr("missing '}'"));
  auto open_quote = ParseMatchers(R"(a="b, c=d)");
  ASSERT_FALSE(open_quote.ok());
  EXPECT_THAT(open_quote.error(), HasSubstr("unterminated quote"));
  auto bad = ParseMatchers(R"(a="b", c~"d")");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error(), HasSubstr(R"(c~"d")"));
}

}  // namespace
}  // namespace edgewatch::alerting
