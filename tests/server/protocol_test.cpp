// The wire protocol's parameter types (telsim::wire::Params) and `telsim client`'s `op
// key=value` shorthand: a parameter of the wrong JSON type is refused with LINEERR_INVALPARAM
// naming it and the type it needs, never coerced; the shorthand sends each key with the type
// the server wants.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "telsim/server/client_console.hpp"
#include "telsim/server/protocol.hpp"

namespace telsim {
namespace {

using nlohmann::json;

wire::Request request(const std::string& frame) {
  auto parsed = wire::parse_request(frame);
  EXPECT_TRUE(std::holds_alternative<wire::Request>(parsed)) << frame;
  return std::get<wire::Request>(parsed);
}

/// The ParamError `f` throws (its message; "" when it throws none).
template <typename F>
std::string refusal(F&& f) {
  try {
    f();
  } catch (const wire::ParamError& e) {
    EXPECT_EQ(e.error, LineErr::InvalParam) << e.message;
    return e.message;
  }
  return "";
}

TEST(WireParams, StringParametersMustBeStrings) {
  const wire::Request r = request(R"({"op":"make_call","line":201,"to":"202","digits":12.5,"orbit":true,"call":null})");
  const wire::Params p(r);
  EXPECT_EQ(refusal([&] { (void)p.text("line"); }), R"('line' must be a string, not the number 201 (write "201"))");
  EXPECT_EQ(refusal([&] { (void)p.optional_text("line"); }),
            R"('line' must be a string, not the number 201 (write "201"))");
  EXPECT_EQ(refusal([&] { (void)p.optional_text("digits"); }),
            R"('digits' must be a string, not the number 12.5 (write "12.5"))");
  EXPECT_EQ(refusal([&] { (void)p.optional_text("orbit"); }), "'orbit' must be a string, not boolean");
  EXPECT_EQ(p.text("to"), "202");
  EXPECT_EQ(p.optional_text("call"), std::nullopt) << "null is absent";
  EXPECT_EQ(p.optional_text("group"), std::nullopt);
  EXPECT_EQ(refusal([&] { (void)p.text("call"); }), "make_call needs 'call'");
}

TEST(WireParams, IntegerParametersMustBeIntegers) {
  const wire::Request r = request(
      R"({"op":"x","completion":"3","version":1.0,"a":-4,"b":18446744073709551615,"c":[1],"d":7})");
  const wire::Params p(r);
  EXPECT_EQ(refusal([&] { (void)p.optional_integer("completion"); }),
            R"('completion' must be an integer, not the string "3")");
  EXPECT_EQ(refusal([&] { (void)p.optional_integer("version"); }), "'version' must be an integer, not the number 1.0");
  EXPECT_EQ(refusal([&] { (void)p.optional_integer("b"); }),
            "'b' must be an integer, not 18446744073709551615 (too large)");
  EXPECT_EQ(refusal([&] { (void)p.optional_integer("c"); }), "'c' must be an integer, not array");
  EXPECT_EQ(p.optional_integer("a"), -4);
  EXPECT_EQ(p.optional_integer("d"), 7);
  EXPECT_EQ(p.optional_integer("e"), std::nullopt);
}

json console(const std::string& line) {
  long long id = 1;
  return parse_console_line(line, id).value_or(json());
}

TEST(ClientConsole, ShorthandSendsNumbersAsStringsAndIntegersAsIntegers) {
  EXPECT_EQ(console("make_call line=201 to=0201"),
            (json{{"id", 1}, {"op", "make_call"}, {"line", "201"}, {"to", "0201"}}));
  EXPECT_EQ(console("dial call=c3 digits=123"), (json{{"id", 1}, {"op", "dial"}, {"call", "c3"}, {"digits", "123"}}));
  EXPECT_EQ(console("park call=c1 orbit=701"), (json{{"id", 1}, {"op", "park"}, {"call", "c1"}, {"orbit", "701"}}));
  EXPECT_EQ(console("uncomplete_call line=201 completion=2"),
            (json{{"id", 1}, {"op", "uncomplete_call"}, {"line", "201"}, {"completion", 2}}));
  EXPECT_EQ(console("hello version=1 name=true"), (json{{"id", 1}, {"op", "hello"}, {"version", 1}, {"name", "true"}}));
  EXPECT_EQ(console("ping id=42"), (json{{"id", 42}, {"op", "ping"}}));
  EXPECT_EQ(console("uncomplete_call line=201 completion=x1"),
            (json{{"id", 1}, {"op", "uncomplete_call"}, {"line", "201"}, {"completion", "x1"}}))
      << "not an integer: sent as typed, for the server to refuse";
  EXPECT_EQ(console(R"(forward line=201 forwarding=[{"when":"no_answer","to":"204","rings":2}])"),
            (json{{"id", 1}, {"op", "forward"}, {"line", "201"},
                  {"forwarding", json::array({{{"when", "no_answer"}, {"to", "204"}, {"rings", 2}}})}}));
}

}  // namespace
}  // namespace telsim
