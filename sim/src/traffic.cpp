#include "telsim/sim/traffic.hpp"

#include <cmath>
#include <iterator>
#include <stdexcept>

#include <fmt/format.h>

namespace telsim {

NumberPattern::NumberPattern(const std::string& pattern) : text_(pattern) {
  const auto dash = pattern.find('-');
  if (dash != std::string::npos) {
    range_ = true;
    low_ = std::stoull(pattern.substr(0, dash));
    high_ = std::stoull(pattern.substr(dash + 1));
    width_ = static_cast<int>(dash);
    return;
  }
  for (std::size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == 'x' || text_[i] == 'X') random_.push_back(i);
}

void NumberPattern::sample(std::mt19937_64& rng, std::string& out) const {
  if (range_) {
    const auto n = low_ + static_cast<std::uint64_t>(unit_uniform(rng) * static_cast<double>(high_ - low_ + 1));
    out.clear();
    fmt::format_to(std::back_inserter(out), "{:0{}}", std::min(n, high_), width_);
    return;
  }
  out = text_;
  for (std::size_t i : random_) out[i] = static_cast<char>('0' + static_cast<int>(unit_uniform(rng) * 10));
}

TrafficGenerator::TrafficGenerator(TrafficConfig config, Pbx& pbx, Scheduler& scheduler,
                                   std::uint64_t seed)
    : config_(std::move(config)),
      pbx_(pbx),
      scheduler_(scheduler),
      rng_(random_stream(seed, "traffic:" + config_.name)),
      to_(config_.to) {
  stats_.name = config_.name;
  if (!config_.from_trunk.empty()) {
    trunk_ = pbx_.find_trunk(config_.from_trunk);
    if (!trunk_) throw std::invalid_argument("traffic " + config_.name + ": no trunk " + config_.from_trunk);
  }
  for (const std::string& n : config_.from_lines) {
    const auto l = pbx_.find_line(n);
    if (!l) throw std::invalid_argument("traffic " + config_.name + ": no extension " + n);
    sources_.push_back(*l);
  }
}

void TrafficGenerator::start() {
  if (config_.rate_per_s > 0) schedule_next();
}

void TrafficGenerator::schedule_next() {
  const double gap_s = -std::log1p(-unit_uniform(rng_)) / config_.rate_per_s;
  const Duration gap(static_cast<Duration::rep>(std::llround(gap_s * 1e9)));
  if (scheduler_.now() + gap >= SimTime(config_.duration)) return;  // the generator is done
  scheduler_.schedule(gap, [this] { arrival(); });
}

void TrafficGenerator::arrival() {
  ++stats_.arrivals;
  // Draw in a fixed order whatever happens, so the stream stays aligned across outcomes.
  to_.sample(rng_, number_);
  const std::string& number = number_;
  const Duration holding = config_.holding.sample(rng_);
  const double pick = unit_uniform(rng_);
  if (trunk_) {
    pbx_.trunk_arrival(*trunk_, number, holding);
  } else {
    // An idle source at random: probe from a random start, walking on until one is idle, so
    // a large pool costs a few checks, not a scan of every line.
    const std::size_t n = sources_.size();
    const auto start = std::min(n - 1, static_cast<std::size_t>(pick * static_cast<double>(n)));
    std::optional<LineId> source;
    for (std::size_t k = 0; k < n && !source; ++k) {
      const LineId l = sources_[(start + k) % n];
      if (pbx_.idle(l)) source = l;
    }
    if (!source) ++stats_.no_idle_source;
    else pbx_.place_generated(*source, number, holding);
  }
  schedule_next();
}

}  // namespace telsim
