#include "telsim/sim/traffic.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace telsim {

std::string sample_number(const std::string& pattern, std::mt19937_64& rng) {
  const auto dash = pattern.find('-');
  if (dash != std::string::npos) {
    const std::string lo = pattern.substr(0, dash);
    const std::string hi = pattern.substr(dash + 1);
    const std::uint64_t a = std::stoull(lo);
    const std::uint64_t z = std::stoull(hi);
    const auto n = a + static_cast<std::uint64_t>(unit_uniform(rng) * static_cast<double>(z - a + 1));
    return fmt::format("{:0{}}", std::min(n, z), lo.size());
  }
  std::string out = pattern;
  for (char& c : out)
    if (c == 'x' || c == 'X') c = static_cast<char>('0' + static_cast<int>(unit_uniform(rng) * 10));
  return out;
}

TrafficGenerator::TrafficGenerator(TrafficConfig config, Pbx& pbx, Scheduler& scheduler,
                                   std::uint64_t seed)
    : config_(std::move(config)),
      pbx_(pbx),
      scheduler_(scheduler),
      rng_(random_stream(seed, "traffic:" + config_.name)) {
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
  const std::string number = sample_number(config_.to, rng_);
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
