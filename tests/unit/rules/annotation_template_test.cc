#include "rules/annotation_template.h"

#include <gtest/gtest.h>

namespace edgewatch::rules {
namespace {

TemplateValues Values() {
  TemplateValues v{};
  v[static_cast<size_t>(Placeholder::kClientWorkload)] = "curl";
  v[static_cast<size_t>(Placeholder::kServer)] = "10.0.0.5:8080";
  v[static_cast<size_t>(Placeholder::kValue)] = "3";
  v[static_cast<size_t>(Placeholder::kBusinessSystem)] = "payments";
  return v;
}

TEST(AnnotationTemplate, RendersPlaceholdersWithOrWithoutSpaces) {
  auto t =
      AnnotationTemplate::Parse("{{ value }} refused from {{client_workload}} to {{  server\t}}.");
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->Render(Values()), "3 refused from curl to 10.0.0.5:8080.");
  EXPECT_EQ(t->text(), "{{ value }} refused from {{client_workload}} to {{  server\t}}.");
}

TEST(AnnotationTemplate, PlainTextAndEmpty) {
  EXPECT_EQ(AnnotationTemplate::Parse("no placeholders } {")->Render(Values()),
            "no placeholders } {");
  EXPECT_EQ(AnnotationTemplate::Parse("")->Render(Values()), "");
  EXPECT_EQ(AnnotationTemplate::Parse("}}")->Render(Values()), "}}");
}

TEST(AnnotationTemplate, EmptyValueRendersEmpty) {
  auto t = AnnotationTemplate::Parse("[{{ node }}]");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->Render(Values()), "[]");
}

TEST(AnnotationTemplate, EveryNameIsAccepted) {
  for (size_t i = 0; i < kPlaceholderCount; ++i) {
    const std::string text =
        "{{ " + std::string(PlaceholderName(static_cast<Placeholder>(i))) + " }}";
    EXPECT_TRUE(AnnotationTemplate::Parse(text).ok()) << text;
  }
  EXPECT_EQ(PlaceholderNames(),
            "client_workload, client_ip, server, server_ip, server_port, side, value, threshold, "
            "signal, rule, node, business_system, client_service, server_service");
}

TEST(AnnotationTemplate, UnknownPlaceholderIsAnError) {
  auto t = AnnotationTemplate::Parse("x {{ $value }} y");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error(), "unknown placeholder \"{{ $value }}\"; allowed: " + PlaceholderNames());
  EXPECT_FALSE(AnnotationTemplate::Parse("{{ $labels.instance }}").ok());
  EXPECT_FALSE(AnnotationTemplate::Parse("{{}}").ok());
}

TEST(AnnotationTemplate, UnterminatedIsAnError) {
  auto t = AnnotationTemplate::Parse("abc {{ value");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error(), "unterminated \"{{\" at offset 4; placeholders are written {{ name }}");
}

}  // namespace
}  // namespace edgewatch::rules
