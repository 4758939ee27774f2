// translate_address: TAPI canonical numbers ("+CC (AREA) SUBSCRIBER") to dialable strings under
// a Location's dialing rules; non-canonical numbers pass through without their separators.
#include "telsim/models/dialing_rules.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace telsim {
namespace {

/// Redmond, dialling 9 for an outside line: the usual PBX desk.
Location redmond() {
  Location at;
  at.country_code = "1";
  at.area_code = "425";
  at.local_access = "9";
  return at;
}

std::optional<std::string> tr(std::string_view address, const Location& at = redmond()) {
  return translate_address(address, at);
}

TEST(DialingRulesTest, DefaultsAreNorthAmerican) {
  const Location at;
  EXPECT_EQ(at.country_code, "1");
  EXPECT_EQ(at.long_distance_prefix, "1");
  EXPECT_EQ(at.international_prefix, "011");
  EXPECT_TRUE(at.local_access.empty());
  EXPECT_TRUE(at.long_distance_access.empty());
  EXPECT_FALSE(at.area_code_on_local_calls);
}

// --- canonical numbers ------------------------------------------------------------------

TEST(DialingRulesTest, SameCountryAndAreaIsLocal) {
  EXPECT_EQ(tr("+1 (425) 555-0100"), "95550100");
  EXPECT_EQ(tr("+1 (425) 5550100"), "95550100");
}

TEST(DialingRulesTest, LocalWithoutAccessCodeIsJustTheSubscriber) {
  Location at = redmond();
  at.local_access.clear();
  EXPECT_EQ(tr("+1 (425) 555-0100", at), "5550100");
}

TEST(DialingRulesTest, SameCountryWithoutAreaCodeIsLocal) {
  EXPECT_EQ(tr("+1 555-0100"), "95550100");
  EXPECT_EQ(tr("+1 () 555-0100"), "95550100");  // an empty area is no area
}

TEST(DialingRulesTest, TenDigitLocalDiallingAddsTheAreaCode) {
  Location at = redmond();
  at.area_code_on_local_calls = true;
  EXPECT_EQ(tr("+1 (425) 555-0100", at), "94255550100");
  // Without an area code in the number there is nothing to add.
  EXPECT_EQ(tr("+1 555-0100", at), "95550100");
  // Long-distance and international numbers are not affected.
  EXPECT_EQ(tr("+1 (206) 555-0199", at), "912065550199");
  EXPECT_EQ(tr("+44 (20) 7946 0958", at), "9011442079460958");
}

TEST(DialingRulesTest, OtherAreaIsLongDistance) {
  EXPECT_EQ(tr("+1 (206) 555-0199"), "912065550199");
  EXPECT_EQ(tr("+1 (800) 555 0123"), "918005550123");
}

TEST(DialingRulesTest, LongDistanceUsesItsOwnAccessCodeWhenSet) {
  Location at = redmond();
  at.long_distance_access = "8";
  EXPECT_EQ(tr("+1 (206) 555-0199", at), "812065550199");
  EXPECT_EQ(tr("+1 (425) 555-0100", at), "95550100");  // local calls keep the local one
  at.local_access.clear();
  EXPECT_EQ(tr("+1 (206) 555-0199", at), "812065550199");
  EXPECT_EQ(tr("+1 (425) 555-0100", at), "5550100");
}

TEST(DialingRulesTest, LongDistanceUsesTheLocationsPrefix) {
  Location at = redmond();
  at.long_distance_prefix = "0";
  EXPECT_EQ(tr("+1 (206) 555-0199", at), "902065550199");
  at.long_distance_prefix.clear();
  EXPECT_EQ(tr("+1 (206) 555-0199", at), "92065550199");
}

TEST(DialingRulesTest, LocationWithoutAreaCodeMakesEveryAreaLongDistance) {
  Location at = redmond();
  at.area_code.clear();
  EXPECT_EQ(tr("+1 (425) 555-0100", at), "914255550100");
  EXPECT_EQ(tr("+1 555-0100", at), "95550100");
}

TEST(DialingRulesTest, OtherCountryIsInternational) {
  EXPECT_EQ(tr("+44 (20) 7946 0958"), "9011442079460958");
  EXPECT_EQ(tr("+49 30 1234567"), "901149301234567");  // no parentheses: all subscriber
  EXPECT_EQ(tr("+358 (9) 123 4567"), "901135891234567");
}

TEST(DialingRulesTest, InternationalUsesTheLocationsPrefix) {
  Location at;  // no access codes
  at.area_code = "425";
  EXPECT_EQ(tr("+44 (20) 7946 0958", at), "011442079460958");
  at.international_prefix = "00";
  EXPECT_EQ(tr("+44 (20) 7946 0958", at), "00442079460958");
}

TEST(DialingRulesTest, ALocationAbroadSeesNorthAmericaAsInternational) {
  Location london;
  london.country_code = "44";
  london.area_code = "20";
  london.long_distance_prefix = "0";
  london.international_prefix = "00";
  EXPECT_EQ(tr("+44 (20) 7946 0958", london), "79460958");
  EXPECT_EQ(tr("+44 (161) 496 0000", london), "01614960000");
  EXPECT_EQ(tr("+1 (425) 555-0100", london), "0014255550100");
}

// TAPI dials the long-distance access code before every number outside the local calling area
// (LINELOCATIONENTRY.dwLongDistanceAccessCode), international ones included; the local one only
// when no long-distance code is set (scenarios/regression/translate_address_international_access).
TEST(DialingRulesTest, InternationalUsesTheLongDistanceAccessCode) {
  Location at = redmond();
  at.long_distance_access = "8";
  EXPECT_EQ(tr("+44 (20) 7946 0958", at), "8011442079460958");
  at.local_access.clear();
  EXPECT_EQ(tr("+44 (20) 7946 0958", at), "8011442079460958");
}

TEST(DialingRulesTest, SeparatorsInTheSubscriberNumberAreDropped) {
  EXPECT_EQ(tr("+1 (425) 555 01 00"), "95550100");
  EXPECT_EQ(tr("+1 (425) 555.0100"), "95550100");
  EXPECT_EQ(tr("+1 (425)555-0100"), "95550100");  // no space after the area code
  EXPECT_EQ(tr("   +1 (425) 555-0100"), "95550100");  // leading blanks
  EXPECT_EQ(tr("+1 (425) 555-0100  "), "95550100");   // trailing blanks
}

TEST(DialingRulesTest, MalformedCanonicalNumbersAreRefused) {
  EXPECT_EQ(tr("+"), std::nullopt);
  EXPECT_EQ(tr("+1"), std::nullopt);                    // nothing after the country code
  EXPECT_EQ(tr("+1(425) 555-0100"), std::nullopt);      // no space after the country code
  EXPECT_EQ(tr("+1-425-555-0100"), std::nullopt);
  EXPECT_EQ(tr("+ (425) 555-0100"), std::nullopt);      // no country code
  EXPECT_EQ(tr("+x1 (425) 555-0100"), std::nullopt);
  EXPECT_EQ(tr("+1 (425 555-0100"), std::nullopt);      // unclosed area code
  EXPECT_EQ(tr("+1 (4x5) 555-0100"), std::nullopt);
  EXPECT_EQ(tr("+1 (425) "), std::nullopt);             // no subscriber number
  EXPECT_EQ(tr("+1 (425)"), std::nullopt);
  EXPECT_EQ(tr("+1 (425) 555-01OO"), std::nullopt);     // letters
  EXPECT_EQ(tr("+1 (425) *555"), std::nullopt);         // the subscriber is digits only
  EXPECT_EQ(tr("+1 (425) 555#0100"), std::nullopt);
}

// lineTranslateAddress: "If the AddressIn contains a subaddress or name field, or additional
// addresses separated from the first address by CR and LF characters, only the first address is
// translated."
TEST(DialingRulesTest, OnlyTheFirstCanonicalAddressIsTranslated) {
  EXPECT_EQ(tr("+1 (425) 555-0100 ^ Reception"), "95550100");
  EXPECT_EQ(tr("+1 (425) 555-0100^Reception"), "95550100");
  EXPECT_EQ(tr("+1 (425) 555-0100 | 1234"), "95550100");
  EXPECT_EQ(tr("+1 (425) 555-0100 | 1234 ^ Reception"), "95550100");
  EXPECT_EQ(tr("+1 (425) 555-0100\r\n+1 (206) 555-0199"), "95550100");
  EXPECT_EQ(tr("+44 (20) 7946 0958 ^ London office"), "9011442079460958");
  // The first address must still be a whole canonical number.
  EXPECT_EQ(tr("+1 (425) ^ Reception"), std::nullopt);
  EXPECT_EQ(tr("+1 ^ Reception"), std::nullopt);
  EXPECT_EQ(tr("+1 (425 | 555"), std::nullopt);
}

// --- non-canonical numbers --------------------------------------------------------------

TEST(DialingRulesTest, NonCanonicalNumbersPassThroughWithoutSeparators) {
  EXPECT_EQ(tr("201"), "201");
  EXPECT_EQ(tr("555-0100"), "5550100");
  EXPECT_EQ(tr("(425) 555.0100"), "4255550100");
  EXPECT_EQ(tr("9 1 206 555 0199"), "912065550199");
  EXPECT_EQ(tr("  201"), "201");
}

TEST(DialingRulesTest, NonCanonicalNumbersIgnoreTheLocation) {
  Location at = redmond();
  at.area_code_on_local_calls = true;
  at.long_distance_access = "8";
  EXPECT_EQ(tr("5550100", at), "5550100");
  EXPECT_EQ(tr("12065550199", at), "12065550199");
}

TEST(DialingRulesTest, NonCanonicalNumbersKeepTheOtherDialableCharacters) {
  EXPECT_EQ(tr("*72 201"), "*72201");
  EXPECT_EQ(tr("#31#"), "#31#");
  EXPECT_EQ(tr("A1B2C3D"), "A1B2C3D");
}

TEST(DialingRulesTest, NonDialableOrEmptyAddressesAreRefused) {
  EXPECT_EQ(tr(""), std::nullopt);
  EXPECT_EQ(tr("   "), std::nullopt);
  EXPECT_EQ(tr("- ()"), std::nullopt);  // separators only
  EXPECT_EQ(tr("555/0100"), std::nullopt);
  EXPECT_EQ(tr("call me"), std::nullopt);
  EXPECT_EQ(tr("2O1"), std::nullopt);  // letter O
}

// --- translation is a pure function of the address and the location -------------------------

TEST(DialingRulesTest, TranslationDoesNotDependOnEarlierCalls) {
  const Location at = redmond();
  const auto first = tr("+1 (206) 555-0199", at);
  EXPECT_EQ(tr("+44 (20) 7946 0958", at), "9011442079460958");
  EXPECT_EQ(tr("+1 (206) 555-0199", at), first);
}

}  // namespace
}  // namespace telsim
