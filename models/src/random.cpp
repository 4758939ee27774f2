#include "telsim/models/random.hpp"

#include <cmath>
#include <regex>

#include "telsim/models/duration.hpp"

#include <fmt/format.h>

namespace telsim {
namespace {

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::mt19937_64 random_stream(std::uint64_t seed, std::string_view name) {
  return std::mt19937_64(splitmix64(splitmix64(seed) ^ fnv1a(name)));
}

double unit_uniform(std::mt19937_64& engine) {
  return static_cast<double>(engine() >> 11) * 0x1.0p-53;
}

DurationDist DurationDist::uniform(Duration lo, Duration hi) {
  DurationDist d;
  d.kind = Kind::Uniform;
  d.a = lo;
  d.b = hi;
  return d;
}

DurationDist DurationDist::exponential(Duration mean) {
  DurationDist d;
  d.kind = Kind::Exponential;
  d.a = mean;
  return d;
}

DurationDist DurationDist::lognormal(Duration mean, Duration sd) {
  DurationDist d;
  d.kind = Kind::LogNormal;
  d.a = mean;
  d.b = sd;
  return d;
}

Duration DurationDist::sample(std::mt19937_64& engine) const {
  switch (kind) {
    case Kind::Fixed:
      return a;
    case Kind::Uniform: {
      const double span = static_cast<double>((b - a).count());
      return a + Duration(static_cast<Duration::rep>(std::floor(unit_uniform(engine) * span)));
    }
    case Kind::Exponential: {
      const double u = unit_uniform(engine);
      const double x = -std::log1p(-u) * static_cast<double>(a.count());
      return Duration(static_cast<Duration::rep>(std::llround(x)));
    }
    case Kind::LogNormal: {
      // Parameters of the underlying normal from the wanted mean and standard deviation.
      const double m = static_cast<double>(a.count());
      const double s = static_cast<double>(b.count());
      const double sigma2 = std::log1p((s * s) / (m * m));
      const double mu = std::log(m) - sigma2 / 2;
      const double u1 = 1.0 - unit_uniform(engine);  // (0, 1]
      const double u2 = unit_uniform(engine);
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      return Duration(static_cast<Duration::rep>(std::llround(std::exp(mu + std::sqrt(sigma2) * z))));
    }
  }
  return a;
}

std::string to_string(const DurationDist& d) {
  switch (d.kind) {
    case DurationDist::Kind::Fixed: return fmt::format("{}s", to_seconds(d.a));
    case DurationDist::Kind::Uniform:
      return fmt::format("uniform({}s, {}s)", to_seconds(d.a), to_seconds(d.b));
    case DurationDist::Kind::Exponential: return fmt::format("exponential({}s)", to_seconds(d.a));
    case DurationDist::Kind::LogNormal:
      return fmt::format("lognormal({}s, {}s)", to_seconds(d.a), to_seconds(d.b));
  }
  return "?";
}

std::optional<DurationDist> parse_duration_dist(std::string_view text, std::string& why) {
  static const std::regex dist_re(R"(^\s*(uniform|exponential|fixed|lognormal)\s*\(([^,)]*)(?:,([^)]*))?\)\s*$)");
  const std::string t(text);
  std::smatch m;
  if (!std::regex_match(t, m, dist_re)) {
    if (const auto d = parse_duration(t)) return DurationDist(*d);
    why = "";  // not a distribution's shape at all: the caller says what a duration is
    return std::nullopt;
  }
  // -1 ns stands for "missing or not a duration" (and keeps GCC's optional warnings quiet).
  const Duration missing{-1};
  const Duration a = parse_duration(m[2].str()).value_or(missing);
  const Duration b = m[3].matched ? parse_duration(m[3].str()).value_or(missing) : missing;
  const bool has_a = a != missing, has_b = b != missing;
  const std::string kind = m[1].str();
  if (kind == "fixed") {
    if (has_a && !m[3].matched) return DurationDist(a);
    why = "fixed(D), e.g. fixed(3min)";
  } else if (kind == "lognormal") {
    if (a > Duration::zero() && b > Duration::zero()) return DurationDist::lognormal(a, b);
    why = "lognormal(MEAN, SD), e.g. lognormal(3min, 1min)";
  } else if (kind == "uniform") {
    if (has_a && has_b && a <= b) return DurationDist::uniform(a, b);
    why = "uniform(LOW, HIGH) with LOW <= HIGH, e.g. uniform(1s, 5s)";
  } else {
    if (has_a && !m[3].matched) return DurationDist::exponential(a);
    why = "exponential(MEAN), e.g. exponential(30s)";
  }
  return std::nullopt;
}

}  // namespace telsim
