#include "telsim/models/pbx_features.hpp"

#include <algorithm>

namespace telsim {

ParkLots::ParkLots(std::vector<ParkLotConfig> lots) : lots_(std::move(lots)) {
  for (const auto& lot : lots_) {
    slots_.emplace_back(lot.orbits.size());
    last_taken_.push_back(lot.orbits.size() - 1);  // so Pick::Next starts at the first orbit
  }
}

std::optional<ParkLots::Orbit> ParkLots::find(std::string_view number) const {
  for (std::size_t l = 0; l < lots_.size(); ++l) {
    const auto& orbits = lots_[l].orbits;
    for (std::size_t i = 0; i < orbits.size(); ++i)
      if (orbits[i] == number) return Orbit{l, i};
  }
  return std::nullopt;
}

std::optional<ParkLots::Orbit> ParkLots::pick_free() const {
  for (std::size_t l = 0; l < lots_.size(); ++l) {
    const std::size_t n = slots_[l].size();
    const std::size_t start = lots_[l].pick == ParkLotConfig::Pick::Next ? last_taken_[l] + 1 : 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (start + k) % n;
      if (!slots_[l][i]) return Orbit{l, i};
    }
  }
  return std::nullopt;
}

const ParkLots::Occupant* ParkLots::occupant(Orbit o) const {
  const auto& slot = slots_.at(o.lot).at(o.index);
  return slot ? &*slot : nullptr;
}

ParkLots::Occupant* ParkLots::occupant(Orbit o) {
  auto& slot = slots_.at(o.lot).at(o.index);
  return slot ? &*slot : nullptr;
}

void ParkLots::occupy(Orbit o, Occupant who) {
  auto& slot = slots_.at(o.lot).at(o.index);
  if (!slot) {
    ++occupied_;
    max_occupied_ = std::max(max_occupied_, occupied_);
  }
  slot = who;
  last_taken_[o.lot] = o.index;
}

std::optional<ParkLots::Occupant> ParkLots::vacate(Orbit o) {
  auto& slot = slots_.at(o.lot).at(o.index);
  std::optional<Occupant> who = slot;
  if (slot) --occupied_;
  slot.reset();
  return who;
}

std::optional<ParkLots::Orbit> ParkLots::orbit_of(CallId parkee) const {
  for (std::size_t l = 0; l < slots_.size(); ++l)
    for (std::size_t i = 0; i < slots_[l].size(); ++i)
      if (slots_[l][i] && slots_[l][i]->parkee == parkee) return Orbit{l, i};
  return std::nullopt;
}

std::string_view to_string(ForwardRule::When w) {
  switch (w) {
    case ForwardRule::When::Unconditional: return "unconditional";
    case ForwardRule::When::Busy: return "busy";
    case ForwardRule::When::NoAnswer: return "no_answer";
    case ForwardRule::When::BusyNoAnswer: return "busy_no_answer";
    case ForwardRule::When::DoNotDisturb: return "dnd";
  }
  return "?";
}

std::string_view to_string(ForwardRule::Callers c) {
  switch (c) {
    case ForwardRule::Callers::All: return "all";
    case ForwardRule::Callers::Internal: return "internal";
    case ForwardRule::Callers::External: return "external";
  }
  return "?";
}

namespace {
bool applies(const ForwardRule& r, bool internal) {
  switch (r.callers) {
    case ForwardRule::Callers::All: return true;
    case ForwardRule::Callers::Internal: return internal;
    case ForwardRule::Callers::External: return !internal;
  }
  return false;
}
}  // namespace

ForwardDecision forward_on_offer(const std::vector<ForwardRule>& rules, bool busy, bool internal) {
  using W = ForwardRule::When;
  // Precedence: do-not-disturb, then unconditional, then busy (when busy).
  for (W wanted : {W::DoNotDisturb, W::Unconditional}) {
    for (const ForwardRule& r : rules) {
      if (r.when != wanted || !applies(r, internal)) continue;
      if (wanted == W::DoNotDisturb) return {ForwardDecision::Kind::DoNotDisturb, &r, CallReason::Direct};
      return {ForwardDecision::Kind::Forward, &r, CallReason::FwdUncond};
    }
  }
  if (busy) {
    for (const ForwardRule& r : rules) {
      if ((r.when == W::Busy || r.when == W::BusyNoAnswer) && applies(r, internal))
        return {ForwardDecision::Kind::Forward, &r, CallReason::FwdBusy};
    }
  }
  return {};
}

const ForwardRule* forward_on_no_answer(const std::vector<ForwardRule>& rules, bool internal) {
  for (const ForwardRule& r : rules) {
    if ((r.when == ForwardRule::When::NoAnswer || r.when == ForwardRule::When::BusyNoAnswer) &&
        applies(r, internal))
      return &r;
  }
  return nullptr;
}

Duration no_answer_delay(const ForwardRule& rule, Duration ring_cadence) {
  if (rule.after) return *rule.after;
  return ring_cadence * rule.rings.value_or(3);
}

}  // namespace telsim
