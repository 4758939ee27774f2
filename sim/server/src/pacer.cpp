#include "pacer.hpp"

#include <algorithm>
#include <cmath>

namespace telsim::serve {

void LatenessHistogram::add(Duration late, std::uint64_t count) {
  if (count == 0) return;
  if (late < Duration::zero()) late = Duration::zero();
  const auto bucket = static_cast<std::size_t>(late.count() / kBucket.count());
  counts_[std::min(bucket, counts_.size() - 1)] += count;
  total_ += count;
  max_ = std::max(max_, late);
}

PacingStats LatenessHistogram::summary() const {
  PacingStats s;
  s.events = total_;
  s.max = max_;
  s.p50 = percentile(0.50);
  s.p99 = percentile(0.99);
  return s;
}

Duration LatenessHistogram::percentile(double p) const {
  if (total_ == 0) return Duration::zero();
  const auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(total_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return i + 1 == counts_.size() ? max_ : std::min(max_, kBucket * static_cast<long>(i + 1));
  }
  return max_;
}

Pacer::Pacer(boost::asio::io_context& io, SimulationKernel& kernel, double speed, std::optional<SimTime> until,
             std::function<void(SimTime)> on_due, Now now)
    : kernel_(kernel), speed_(speed), until_(until), on_due_(std::move(on_due)), now_(now), timer_(io) {}

SimTime Pacer::sim_at(WallClock::time_point w) const {
  if (paused_) return sim0_;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(w - wall0_).count();
  if (speed_ == 1.0) return sim0_ + SimTime(ns);
  return sim0_ + SimTime(static_cast<SimTime::rep>(std::llround(static_cast<double>(ns) * speed_)));
}

WallClock::time_point Pacer::wall_at(SimTime t) const {
  if (paused_) return WallClock::time_point::max();  // never, until resumed
  const SimTime d = t - sim0_;
  if (speed_ == 1.0) return wall0_ + std::chrono::duration_cast<WallClock::duration>(d);
  return wall0_ + std::chrono::duration_cast<WallClock::duration>(
                      std::chrono::nanoseconds(std::llround(static_cast<double>(d.count()) / speed_)));
}

void Pacer::anchor() {
  const auto w = now_();
  sim0_ = std::max(sim_at(w), kernel_.now());
  wall0_ = w;
}

void Pacer::pause() {
  if (paused_) return;
  anchor();
  paused_ = true;
  timer_.cancel();
  armed_ = false;
}

void Pacer::resume() {
  if (!paused_) return;
  paused_ = false;
  wall0_ = now_();
  sim0_ = std::max(sim0_, kernel_.now());
  armed_ = false;
}

void Pacer::set_speed(double speed) {
  if (!(speed > 0) || !std::isfinite(speed)) return;
  anchor();
  speed_ = speed;
  // The armed wake-up was for the old speed.
  timer_.cancel();
  armed_ = false;
}

bool Pacer::advance(SimTime at_least, const std::function<void()>& between) {
  if (paused_) at_least = std::min(at_least, sim0_);  // a stale wake-up moves nothing
  SimTime target = std::max(sim_at(now_()), at_least);
  if (until_) target = std::min(target, *until_);
  target = std::max(target, kernel_.now());
  std::uint64_t instants = 0;
  for (;;) {
    const auto due = kernel_.next_due();
    if (!due || *due > target) break;
    const std::uint64_t before = kernel_.dispatched();
    const Duration late = paused_ ? Duration::zero() : now_() - wall_at(*due);
    kernel_.advance_to(*due);
    lateness_.add(late, kernel_.dispatched() - before);
    if (between && ++instants % kBatch == 0) between();
  }
  kernel_.advance_to(target);
  return until_ && kernel_.now() >= *until_;
}

void Pacer::arm() {
  if (paused_) return;  // nothing is due while the clock stands
  std::optional<SimTime> next = kernel_.next_due();
  if (until_) next = next ? std::min(*next, *until_) : *until_;
  if (!next) {
    if (armed_) timer_.cancel();
    armed_ = false;
    return;
  }
  if (armed_ && armed_for_ == *next) return;
  armed_ = true;
  armed_for_ = *next;
  timer_.expires_at(wall_at(*next));
  timer_.async_wait([this, due = *next](const boost::system::error_code& ec) {
    if (ec || paused_) return;  // (a wake-up queued before pause() or set_speed() cancelled it)
    armed_ = false;
    on_due_(due);
  });
}

}  // namespace telsim::serve
