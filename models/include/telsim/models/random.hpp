#pragma once
/// Seeded randomness with named streams. Each consumer (a station, later a traffic generator)
/// draws from its own stream, derived from the run's seed and the stream's name alone, so
/// adding a consumer never shifts the numbers another one sees. Sampling is done here, not by
/// <random> distributions, whose results differ between standard libraries.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "telsim/models/scheduler.hpp"

namespace telsim {

/// The engine of the stream `name` under `seed`.
std::mt19937_64 random_stream(std::uint64_t seed, std::string_view name);

/// Uniform double in [0, 1) from 53 random bits.
double unit_uniform(std::mt19937_64& engine);

/// A duration that is fixed or drawn from a distribution: "3s", "uniform(1s, 5s)",
/// "exponential(180s)" (mean).
struct DurationDist {
  enum class Kind { Fixed, Uniform, Exponential, LogNormal };
  Kind kind = Kind::Fixed;
  Duration a{0};  ///< fixed value, uniform low bound, exponential and lognormal mean
  Duration b{0};  ///< uniform high bound, lognormal standard deviation
  DurationDist() = default;
  DurationDist(Duration fixed) : a(fixed) {}  // NOLINT: a plain duration is a fixed one
  static DurationDist uniform(Duration lo, Duration hi);
  static DurationDist exponential(Duration mean);
  static DurationDist lognormal(Duration mean, Duration sd);
  Duration sample(std::mt19937_64& engine) const;
  bool operator==(const DurationDist&) const = default;
};
std::string to_string(const DurationDist& d);
/// Reads "3s", "fixed(3s)", "uniform(1s, 5s)", "exponential(30s)", "lognormal(3min, 1min)";
/// nothing when the text is none of these, with `why` saying what the distribution's form
/// should be ("" when the text has no distribution's shape: a bad duration).
std::optional<DurationDist> parse_duration_dist(std::string_view text, std::string& why);

}  // namespace telsim
