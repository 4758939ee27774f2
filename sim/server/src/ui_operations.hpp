#pragma once
/// The requests the live console needs beyond the TAPI operations (docs/protocol.md, "Clock and
/// switch"): `clock` (pause, resume, speed) and `switch_state` (the switch at a glance: lines
/// with their forwarding and pickup groups, park orbits, trunk occupancy, the clock, the
/// scenario's expectations). Any authenticated client may send them; the page sends them like
/// any other request. Also the once-a-second `{"ui":"tick"}` frame the console's pages receive.
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "client.hpp"
#include "event_encoder.hpp"
#include "pacer.hpp"
#include "subscriptions.hpp"
#include "telsim/server/protocol.hpp"
#include "telsim/sim/runner.hpp"

namespace telsim::serve {

class UiOperations {
 public:
  /// `clock_allowed`: the scenario lets clients change the clock (it has no modems, whose
  /// terminal programs run on the wall clock) and the server was not told otherwise.
  UiOperations(ScenarioSession& session, Pacer& pacer, const Subscriptions& subscriptions, const EventEncoder& encoder,
               bool clock_allowed);

  /// Whether `op` is one of these requests.
  static bool handles(const std::string& op) { return op == "clock" || op == "switch_state"; }
  /// Carry out `clock` or `switch_state` for `c`; the reply goes to `c`. `changed` is told when
  /// the clock changed (the server re-arms its wake-up).
  void handle(Client& c, const wire::Request& request, bool& clock_changed);

  /// What the clock is now: {paused, speed, adjustable}.
  nlohmann::json clock_json() const;
  /// Park lots and their orbits, with who is parked in each.
  nlohmann::json park_json() const;
  /// Each trunk group's channels and how many are busy now.
  nlohmann::json trunks_json() const;
  /// The scenario's expectation verdicts from index `from` on (and `from` moves past them).
  nlohmann::json expectations_json(std::size_t& from) const;
  /// Every line as the console lists it (number, name, kind, controller, forwarding, groups).
  nlohmann::json lines_json() const;
  /// The once-a-second frame for pages: time, clock, parks, trunks, and verdicts since `seen`.
  nlohmann::json tick(std::size_t& seen) const;

 private:
  void clock(Client& c, const wire::Request& request, bool& changed);

  ScenarioSession& session_;
  Pbx& pbx_;
  Pacer& pacer_;
  const Subscriptions& subs_;
  const EventEncoder& encoder_;
  bool clock_allowed_;
};

}  // namespace telsim::serve
