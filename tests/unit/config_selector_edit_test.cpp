// Editing dnsauth.toml in place (core/config/selector_edit.h): a rotation renames one
// [[domain.selector]] and points it at the new key file; the operator's comments, spacing and
// every other domain stay byte for byte as they were, and anything that cannot be edited safely
// is refused rather than guessed at.
#include <gtest/gtest.h>

#include "core/config/config.h"
#include "core/config/selector_edit.h"

using namespace dnsauth;
using namespace dnsauth::config;

namespace {

const std::string kConfig =
    "# Mail authentication for our domains.\n"
    "[signer]\n"
    "key_dir = \"keys\"   # beside this file\n"
    "\n"
    "[[domain]]\n"
    "name = \"example.com\"\n"
    "ttl = 3600\n"
    "\n"
    "  [[domain.selector]]\n"
    "  name   =   \"s2025\"    # the current key\n"
    "  key    = \"example.com.s2025.pem\"\n"
    "  testing = false\n"
    "\n"
    "[[domain]]\n"
    "name = \"example.net\"\n"
    "[[domain.selector]]\n"
    "name = \"s2025\"\n"
    "key = \"example.net.s2025.pem\"\n";

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Result<std::string> edit(std::string_view text, std::string_view domain, std::string_view old_name,
                         std::string_view new_name, std::string_view new_key) {
  return replace_selector(text, "dnsauth.toml", domain, old_name, new_name, new_key);
}

// The edited text, or "" with a failure when the edit is refused.
std::string edited(std::string_view text, std::string_view domain, std::string_view old_name,
                   std::string_view new_name, std::string_view new_key) {
  auto out = edit(text, domain, old_name, new_name, new_key);
  if (!out) ADD_FAILURE() << out.error().message();
  return out ? *out : std::string();
}

}  // namespace

TEST(SelectorEdit, RenamesNameAndKeyInPlaceAndLeavesEveryOtherByte) {
  const std::string out = edited(kConfig, "example.com", "s2025", "s2026", "example.com.s2026.pem");
  std::string want = replaced(kConfig, "name   =   \"s2025\"", "name   =   \"s2026\"");
  want = replaced(want, "\"example.com.s2025.pem\"", "\"example.com.s2026.pem\"");
  EXPECT_EQ(out, want);

  // What the signer would read: the new selector and key, the other domain as it was.
  auto c = parse_config(out, "dnsauth.toml", "/etc/dnsauth");
  ASSERT_TRUE(c) << c.error().message();
  const Domain* com = c->find_domain("example.com");
  ASSERT_NE(com, nullptr);
  ASSERT_EQ(com->selectors.size(), 1u);
  EXPECT_EQ(com->selectors[0].name, "s2026");
  EXPECT_EQ(com->selectors[0].key_path, std::filesystem::path("/etc/dnsauth/keys/example.com.s2026.pem"));
  EXPECT_EQ(c->find_domain("example.net")->selectors[0].name, "s2025");
}

TEST(SelectorEdit, DomainAndSelectorNamesMatchCaseInsensitively) {
  const std::string out = edited(kConfig, "EXAMPLE.net", "S2025", "s2026", "example.net.s2026.pem");
  std::string want = replaced(kConfig, "name = \"s2025\"\nkey = \"example.net.s2025.pem\"",
                              "name = \"s2026\"\nkey = \"example.net.s2026.pem\"");
  EXPECT_EQ(out, want);
}

TEST(SelectorEdit, AKeyWrittenBeforeTheNameIsEditedToo) {
  const std::string text =
      "[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nkey = \"old.pem\" # rsa\nname = \"s1\"\nbits = 1024\n";
  EXPECT_EQ(edited(text, "a.example", "s1", "s2", "new.pem"),
            "[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nkey = \"new.pem\" # rsa\nname = \"s2\"\nbits = 1024\n");
}

TEST(SelectorEdit, SingleQuotedValuesAreReplacedByBasicStrings) {
  const std::string text =
      "[[domain]]\nname = 'a.example'\n[[domain.selector]]\nname = 's1'\nkey = 'C:\\keys\\s1.pem'\n";
  EXPECT_EQ(edited(text, "a.example", "s1", "s2", "/keys/a.example.s2.pem"),
            "[[domain]]\nname = 'a.example'\n[[domain.selector]]\nname = \"s2\"\nkey = \"/keys/a.example.s2.pem\"\n");
}

TEST(SelectorEdit, ASelectorWithoutKeyGetsAKeyLineAfterItsNameWithTheSameIndentation) {
  const std::string text =
      "[[domain]]\nname = \"a.example\"\n  [[domain.selector]]\n  name = \"s1\"   # derived key\n  bits = 1024\n";
  const std::string out = edited(text, "a.example", "s1", "s2", "/other/place.pem");
  EXPECT_EQ(out,
            "[[domain]]\nname = \"a.example\"\n  [[domain.selector]]\n  name = \"s2\"   # derived key\n"
            "  key = \"/other/place.pem\"\n  bits = 1024\n");
  auto c = parse_config(out, "dnsauth.toml", "/etc/dnsauth");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->domains[0].selectors[0].key_path, std::filesystem::path("/other/place.pem"));
  EXPECT_EQ(c->domains[0].selectors[0].bits, 1024u);
}

TEST(SelectorEdit, ANameOnTheLastLineWithoutNewlineStillGetsItsKeyLine) {
  const std::string text = "[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"s1\"";
  EXPECT_EQ(edited(text, "a.example", "s1", "s2", "k2.pem"),
            "[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"s2\"\nkey = \"k2.pem\"\n");
}

TEST(SelectorEdit, ASelectorWithoutKeyStaysWithoutOneWhenTheNewKeyIsTheDefault) {
  const std::string text = "[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"s1\"\n";
  const std::string out = edited(text, "a.example", "s1", "s2", "a.example.s2.pem");
  EXPECT_EQ(out, "[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"s2\"\n");
  auto c = parse_config(out, "dnsauth.toml", "/etc/dnsauth");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->domains[0].selectors[0].key_path, std::filesystem::path("/etc/dnsauth/keys/a.example.s2.pem"));
}

// The config derives the default key from the lowercased names: a key spelled with capitals
// names another file, so it is written out.
TEST(SelectorEdit, AKeyDifferingFromTheDefaultOnlyInCaseIsWrittenOut) {
  const std::string text = "[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"s1\"\n";
  const std::string out = edited(text, "a.example", "s1", "S2", "a.example.S2.pem");
  EXPECT_EQ(out, "[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"S2\"\nkey = \"a.example.S2.pem\"\n");
  auto c = parse_config(out, "dnsauth.toml", "/etc/dnsauth");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->domains[0].selectors[0].key_path, std::filesystem::path("/etc/dnsauth/keys/a.example.S2.pem"));
  // The domain as the caller spells it does not matter: the default is the lowercase one.
  EXPECT_EQ(edited(text, "A.Example", "s1", "s2", "a.example.s2.pem"),
            "[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"s2\"\n");
}

TEST(SelectorEdit, InlineTableSelectors) {
  const std::string with_key =
      "[[domain]]\nname = \"a.example\"\nselector = [ { name = \"s1\", key = \"k1.pem\" }, { name = \"t\" } ]\n";
  EXPECT_EQ(edited(with_key, "a.example", "s1", "s2", "k2.pem"),
            "[[domain]]\nname = \"a.example\"\nselector = [ { name = \"s2\", key = \"k2.pem\" }, { name = \"t\" } ]\n");

  // No line of its own can be added inside an inline table.
  auto refused = edit(with_key, "a.example", "t", "t2", "elsewhere.pem");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::invalid_argument);
  EXPECT_NE(refused.error().detail.find("inline table without 'key'"), std::string::npos) << refused.error().detail;
  // ...but with the default key there is nothing to add.
  EXPECT_EQ(edited(with_key, "a.example", "t", "t2", "a.example.t2.pem"),
            replaced(with_key, "{ name = \"t\" }", "{ name = \"t2\" }"));
}

TEST(SelectorEdit, AnUnknownDomainOrSelectorIsRefused) {
  auto no_domain = edit(kConfig, "example.org", "s2025", "s2026", "k.pem");
  ASSERT_FALSE(no_domain);
  EXPECT_EQ(no_domain.error().code, Errc::invalid_argument);
  EXPECT_NE(no_domain.error().detail.find("no [[domain]] named example.org"), std::string::npos) << no_domain.error().detail;

  auto no_selector = edit(kConfig, "example.com", "s2024", "s2026", "k.pem");
  ASSERT_FALSE(no_selector);
  EXPECT_EQ(no_selector.error().code, Errc::invalid_argument);
  EXPECT_NE(no_selector.error().detail.find("has no [[domain.selector]] named s2024"), std::string::npos)
      << no_selector.error().detail;
}

TEST(SelectorEdit, MultiLineStringsAreRefusedRatherThanGuessedAt) {
  for (const std::string& text : {
           std::string("[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"\"\"s1\"\"\"\n"),
           std::string("[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = '''s1'''\n"),
           std::string("[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"s1\"\nkey = \"\"\"\nk1.pem\"\"\"\n"),
       }) {
    auto out = edit(text, "a.example", "s1", "s2", "k2.pem");
    ASSERT_FALSE(out) << text << "\n=>\n" << *out;
    EXPECT_EQ(out.error().code, Errc::invalid_argument);
    EXPECT_NE(out.error().detail.find("one-line quoted string"), std::string::npos) << out.error().detail;
  }
}

TEST(SelectorEdit, ANonAsciiByteBeforeTheValueOnItsLineIsRefused) {
  // toml++ counts columns in characters; a byte offset cannot be trusted after a UTF-8 sequence.
  const std::string text =
      "[[domain]]\nname = \"a.example\"\nselector = [ { notes = \"Zoë\", name = \"s1\", key = \"k1.pem\" } ]\n";
  auto out = edit(text, "a.example", "s1", "s2", "k2.pem");
  ASSERT_FALSE(out) << *out;
  EXPECT_EQ(out.error().code, Errc::invalid_argument);
}

TEST(SelectorEdit, AFileThatDoesNotParseIsASyntaxErrorWithLineAndColumn) {
  auto out = edit("[[domain]\nname = \"a.example\"\n", "a.example", "s1", "s2", "k.pem");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::syntax);
  EXPECT_EQ(out.error().detail.rfind("dnsauth.toml:1:", 0), 0u) << out.error().detail;
}

TEST(SelectorEdit, NewValuesAreQuotedSoTheFileStillParses) {
  const std::string text = "[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"s1\"\nkey = \"k1.pem\"\n";
  const std::string out = edited(text, "a.example", "s1", "s2", "/keys/with \"quotes\" and \\.pem");
  auto c = parse_config(out, "dnsauth.toml", "/etc/dnsauth");
  ASSERT_TRUE(c) << c.error().message() << "\n" << out;
  EXPECT_EQ(c->domains[0].selectors[0].key, "/keys/with \"quotes\" and \\.pem");
}

// TOML 1.0 "String": a basic string escapes '"', '\' and the control characters.
TEST(TomlQuote, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(toml_quote("s2026"), "\"s2026\"");
  EXPECT_EQ(toml_quote(""), "\"\"");
  EXPECT_EQ(toml_quote("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(toml_quote("C:\\keys"), "\"C:\\\\keys\"");
  EXPECT_EQ(toml_quote("a\nb\tc"), "\"a\\u000Ab\\u0009c\"");
  EXPECT_EQ(toml_quote(std::string("\x00\x1f\x7f", 3)), "\"\\u0000\\u001F\\u007F\"");
  EXPECT_EQ(toml_quote("Zoë"), "\"Zoë\"");  // UTF-8 passes as it is
}
