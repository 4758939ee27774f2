// The modems' own requests (docs/protocol.md, *Modems*): modem_config reads and sets what
// Unimodem's DEVCFG configures of a modem (its DTE rate and MODEMSETTINGS), and
// modem_passthrough hands the owner's program the modem's AT interpreter
// (LINEBEARERMODE_PASSTHROUGH) or takes it back.
#include <algorithm>
#include <type_traits>

#include <fmt/format.h>

#include "request_handler.hpp"
#include "telsim/models/modem_bank.hpp"
#include "telsim/server/wire_schema.hpp"

namespace telsim::serve {

using wire::json;
namespace field = wire::schema::field;

namespace {

json options_json(const Modem& m, const std::string& number) {
  const ModemOptions o = m.options();
  return json{{field::kLine, number},
              {field::kModem, m.name()},
              {field::kSpeed, m.config().speed},
              {field::kMaxSpeed, m.max_speed()},
              {field::kDteRate, o.dte_rate},
              {field::kSpeaker, o.speaker},
              {field::kVolume, o.volume},
              {field::kBlindDial, o.blind_dial},
              {field::kFlowControl, o.flow_control},
              {field::kCallSetupTimeout, o.call_setup_timeout}};
}

[[noreturn]] void bad(std::string message) { throw wire::ParamError{LineErr::InvalParam, std::move(message)}; }

/// `set`'s integer `key` into `out`, when given; it must lie in [lo, hi].
void integer_in(const json& set, const char* key, long long lo, long long hi, auto& out) {
  const auto it = set.find(key);
  if (it == set.end() || it->is_null()) return;
  if (!it->is_number_integer()) bad(fmt::format("'set.{}' must be an integer, not {}", key, it->dump()));
  const long long v = it->get<long long>();
  if (v < lo || v > hi) bad(fmt::format("'set.{}' is {}: it lies in {} to {}", key, v, lo, hi));
  out = static_cast<std::remove_reference_t<decltype(out)>>(v);
}

}  // namespace

void RequestHandler::modem_request(Client& c, const wire::Request& req, const wire::Params& p) {
  const bool config = req.op == wire::schema::op::kModemConfig;
  if (config) p.only({field::kLine, field::kSet});
  else p.only({field::kLine, field::kOn});
  const LineId l = line_param(c, p, false);
  const std::string& number = pbx_.line(l).number;
  ModemBank* bank = session_.modems();
  Modem* m = bank ? bank->on_line(l) : nullptr;
  if (!m)
    refuse(config ? LineErr::OperationUnavail : LineErr::InvalBearerMode,
           fmt::format("line {} has no modem", number));
  const LineOpen* mine = subs_.opened(c, l);
  const bool owner = mine && mine->owner;

  if (config) {
    const json* set = p.find(field::kSet);
    if (set && !set->is_null()) {
      if (!set->is_object()) bad("'set' must be an object: {\"dte_rate\":9600,\"speaker\":0}");
      for (auto it = set->begin(); it != set->end(); ++it) {
        static constexpr const char* kKnown[] = {field::kDteRate,     field::kSpeaker,     field::kVolume,
                                                 field::kBlindDial,   field::kFlowControl, field::kCallSetupTimeout};
        if (std::none_of(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return it.key() == k; }))
          bad(fmt::format("'set' has no field '{}' (dte_rate, speaker, volume, blind_dial, flow_control, "
                          "call_setup_timeout)", it.key()));
      }
      // Another client's modem is not this one's to configure (lineSetDevConfig needs no open
      // line: a client that has not opened it may while nobody owns it).
      if (!owner && subs_.has_owner(l)) {
        const Client* holder = subs_.controller(l);
        refuse(LineErr::InUse, fmt::format("line {}'s modem belongs to {}", number, holder ? holder->name : "another client"));
      }
      ModemOptions o = m->options();
      integer_in(*set, field::kDteRate, 0, 921600, o.dte_rate);
      integer_in(*set, field::kSpeaker, 0, 3, o.speaker);
      integer_in(*set, field::kVolume, 0, 3, o.volume);
      integer_in(*set, field::kFlowControl, 0, 4, o.flow_control);
      integer_in(*set, field::kCallSetupTimeout, 1, 255, o.call_setup_timeout);
      if (const auto b = set->find(field::kBlindDial); b != set->end() && !b->is_null()) {
        if (!b->is_boolean()) bad(fmt::format("'set.blind_dial' must be true or false, not {}", b->dump()));
        o.blind_dial = b->get<bool>();
      }
      if (o.dte_rate != 0 && o.dte_rate < 300) bad(fmt::format("'set.dte_rate' is {}: 0 (none) or 300 to 921600", o.dte_rate));
      if (o.flow_control == 1 || o.flow_control == 2) bad("'set.flow_control' is 0 (none), 3 (RTS/CTS) or 4 (XON/XOFF)");
      if (!m->configure(o)) bad("the modem takes none of these values");
    }
    return ok(c, req.id, options_json(*m, number));
  }

  const json* on = p.find(field::kOn);
  if (!on || !on->is_boolean()) bad("'on' must be true or false");
  if (!mine) {
    refuse(LineErr::InvalLineHandle,
           fmt::format("line {} is not open by this client (send {{\"op\":\"open\",\"line\":\"{}\"}} first)", number, number));
  }
  if (!owner) refuse(LineErr::NotOwner, fmt::format("line {} is open by this client as a monitor only", number));
  if (on->get<bool>() && !bank->passthrough(l) && m->state() != Modem::State::Idle)
    refuse(LineErr::CallUnavail, fmt::format("line {}'s modem is {}: passthrough starts from idle", number, to_string(m->state())));
  bank->set_passthrough(l, on->get<bool>());
  ok(c, req.id,
     json{{field::kLine, number}, {field::kPassthrough, bank->passthrough(l)}, {field::kState, to_string(m->state())}});
}

}  // namespace telsim::serve
