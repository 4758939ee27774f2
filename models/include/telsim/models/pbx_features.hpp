#pragma once
/// The configurable parts of the PBX's park, pickup and forwarding features, as plain data and
/// logic with no clock: what a lot's orbits are and which is free, who is in which pickup
/// group, which forwarding rule applies. The Pbx drives them in virtual time.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "telsim/models/events.hpp"
#include "telsim/models/scheduler.hpp"

namespace telsim {

using namespace std::chrono_literals;

// --- park --------------------------------------------------------------------------------

struct ParkLotConfig {
  enum class OnTimeout {
    ReturnToParker,  ///< ring the parker (REMINDER) for recall_ring, then disconnect
    Operator,        ///< ring the parker for recall_ring, then the operator (PARKED)
    Drop,            ///< disconnect the parked party at once
  };
  enum class Pick { FirstFree, Next };  ///< non-directed park: lowest free orbit, or round robin
  std::string name;
  std::vector<std::string> orbits;  ///< orbit numbers, in order
  Duration timeout = 45s;
  OnTimeout on_timeout = OnTimeout::ReturnToParker;
  std::string operator_number;
  Duration recall_ring = 30s;
  Pick pick = Pick::FirstFree;
};

/// The occupancy of every orbit of every lot.
class ParkLots {
 public:
  struct Orbit {
    std::size_t lot = 0;
    std::size_t index = 0;
    bool operator==(const Orbit&) const = default;
  };
  struct Occupant {
    CallId parkee;        ///< the parked party's call
    LineId parker = 0;    ///< the line that parked it
    SimTime since{0};
    TimerHandle timer;    ///< park timeout
  };

  ParkLots() = default;
  explicit ParkLots(std::vector<ParkLotConfig> lots);

  const std::vector<ParkLotConfig>& lots() const { return lots_; }
  const ParkLotConfig& lot(Orbit o) const { return lots_.at(o.lot); }
  const std::string& number(Orbit o) const { return lots_.at(o.lot).orbits.at(o.index); }
  std::optional<Orbit> find(std::string_view number) const;
  /// The orbit a non-directed park would take now (lots in order, each by its pick policy).
  std::optional<Orbit> pick_free() const;
  const Occupant* occupant(Orbit o) const;
  Occupant* occupant(Orbit o);
  void occupy(Orbit o, Occupant who);
  /// Free the orbit; returns who was there.
  std::optional<Occupant> vacate(Orbit o);
  /// The orbit a parked call is in.
  std::optional<Orbit> orbit_of(CallId parkee) const;
  std::size_t occupied() const { return occupied_; }
  std::size_t max_occupied() const { return max_occupied_; }

 private:
  std::vector<ParkLotConfig> lots_;
  std::vector<std::vector<std::optional<Occupant>>> slots_;
  std::vector<std::size_t> last_taken_;  // per lot, for Pick::Next
  std::size_t occupied_ = 0;
  std::size_t max_occupied_ = 0;
};

// --- pickup ------------------------------------------------------------------------------

struct PickupGroupConfig {
  std::string name;
  std::vector<std::string> members;  ///< extension numbers
};

// --- forwarding --------------------------------------------------------------------------

/// One LINEFORWARD entry of an extension.
struct ForwardRule {
  enum class When { Unconditional, Busy, NoAnswer, BusyNoAnswer, DoNotDisturb };
  enum class Callers { All, Internal, External };
  When when = When::Unconditional;
  std::string to;                ///< destination; empty for DoNotDisturb
  std::optional<int> rings;      ///< no-answer: after this many ring cycles
  std::optional<Duration> after; ///< no-answer: after this long
  Callers callers = Callers::All;
  bool operator==(const ForwardRule&) const = default;
};
std::string_view to_string(ForwardRule::When w);
std::string_view to_string(ForwardRule::Callers c);

/// Which rule applies to a call offered to a line, from its forwarding list.
struct ForwardDecision {
  enum class Kind { None, DoNotDisturb, Forward };
  Kind kind = Kind::None;
  const ForwardRule* rule = nullptr;
  CallReason reason = CallReason::Direct;
};
/// At the moment of offering: DND, unconditional, or (when the line is busy) busy forwarding.
ForwardDecision forward_on_offer(const std::vector<ForwardRule>& rules, bool busy, bool internal);
/// The no-answer rule, if any, for a call that is now ringing.
const ForwardRule* forward_on_no_answer(const std::vector<ForwardRule>& rules, bool internal);
/// How long a no-answer rule lets the call ring: `after`, else `rings` cycles, else 3 cycles.
Duration no_answer_delay(const ForwardRule& rule, Duration ring_cadence);

}  // namespace telsim
