#pragma once
/// GoogleTest printers for the model's value types, so a failed EXPECT_EQ shows
/// "RINGBACK" or "c3" instead of raw bytes. Found by argument-dependent lookup.
#include <ostream>

#include "telsim/models/call_state_machine.hpp"
#include "telsim/models/events.hpp"
#include "telsim/models/tapi.hpp"

namespace telsim {

inline void PrintTo(CallState s, std::ostream* os) { *os << to_string(s); }
inline void PrintTo(DisconnectMode m, std::ostream* os) { *os << to_string(m); }
inline void PrintTo(CallReason r, std::ostream* os) { *os << to_string(r); }
inline void PrintTo(LineErr e, std::ostream* os) { *os << tapi_name(e); }
inline void PrintTo(CallInput in, std::ostream* os) { *os << to_string(in); }
inline void PrintTo(Outcome o, std::ostream* os) { *os << to_string(o); }
inline void PrintTo(Direction d, std::ostream* os) { *os << to_string(d); }
inline void PrintTo(Op op, std::ostream* os) { *os << to_string(op); }
inline void PrintTo(const CallId& id, std::ostream* os) { *os << to_string(id) << "@" << id.slot; }
inline void PrintTo(const StateStamp& s, std::ostream* os) {
  *os << to_string(s.state) << "@" << to_seconds(s.at) << "s";
}
inline void PrintTo(const CallRecord& r, std::ostream* os) {
  *os << "CDR #" << r.serial << " line " << r.line << ' ' << to_string(r.direction) << ' ' << r.from
      << "->" << r.to << ' ' << to_string(r.outcome) << ' ' << to_string(r.mode) << " ["
      << to_seconds(r.start) << "s.." << to_seconds(r.end) << "s]"
      << (r.cleared_at_end ? " cleared_at_end" : "");
}

}  // namespace telsim
