#pragma once
/// Trunk groups to the PSTN: channels, access code, DID routing, the far end's behaviour, and the
/// statistics CI wants (offered, carried, blocked, blocking with a batch-means confidence
/// interval, carried Erlangs, peak occupancy).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "telsim/models/media.hpp"
#include "telsim/models/random.hpp"
#include "telsim/models/batch_means.hpp"
#include "telsim/models/scheduler.hpp"

namespace telsim {

/// How the PSTN answers outbound calls (probabilities are per call, drawn from the trunk's
/// own random stream "trunk:NAME").
struct FarEndConfig {
  DurationDist answer_after = DurationDist(std::chrono::seconds(3));
  double busy = 0;          ///< the far end is busy: BUSY
  double no_answer = 0;     ///< rings until the no-answer timeout
  double special_info = 0;  ///< special information tone: SPECIALINFO
  std::optional<DurationDist> holding;  ///< the far end hangs up this long after answering
  /// The far end is a data modem at this line rate (0: a voice): a modem that calls over the
  /// trunk trains with it and connects (ModemBank). It sends `modem_banner` once connected and,
  /// with `modem_echo`, sends back every byte it receives.
  std::uint32_t modem_speed = 0;
  bool modem_echo = true;
  std::string modem_banner;
  /// What the PSTN party sends once connected (media.hpp): a person by default, or a fax, a
  /// modem's answer tone, an answering machine (`greeting`, then a beep), silence; and digits.
  FarEndMedia media = FarEndMedia::Voice;
  Duration greeting = std::chrono::seconds(5);
  std::vector<TimedDigits> send_digits;
};

struct TrunkConfig {
  enum class Direction { Both, In, Out };
  enum class Select { FirstFree, RoundRobin };
  std::string name;
  std::uint32_t channels = 1;
  Direction direction = Direction::Both;
  std::string access_code;        ///< outbound: dialled before the external number ("9")
  std::uint32_t number_length = 0;///< external digits after the access code (0: inter-digit timeout)
  std::string did_low, did_high;  ///< inbound numbers routed by this trunk (inclusive, same length)
  std::uint32_t did_digits = 3;   ///< the extension is the DID's last N digits ...
  std::string did_default;        ///< ... or this extension when there is none
  Select select = Select::FirstFree;
  FarEndConfig far_end;
};
std::string_view to_string(TrunkConfig::Direction d);

/// Channel-seizure statistics of one trunk over the measurement window.
class TrunkStats {
 public:
  TrunkStats() = default;
  TrunkStats(SimTime from, SimTime until) : from_(from), until_(until), blocking_(from, until) {}
  void seize_attempt(SimTime at, bool blocked);
  void occupancy(SimTime at, std::uint32_t busy_channels);

  struct Summary {
    std::uint64_t offered = 0, carried = 0, blocked = 0;
    double blocking = 0;
    /// 95% confidence interval of the blocking (batch_means.hpp, a proportion: never narrower
    /// than the Wilson score interval). Absent (with `ci_reason` saying why) until enough
    /// batches qualify.
    std::optional<std::pair<double, double>> blocking_ci;
    std::string ci_reason;  ///< why there is no interval (empty when there is one)
    int ci_batches = 0;     ///< batches that qualified
    double carried_erlangs = 0;
    std::uint32_t peak_occupancy = 0;
  };
  Summary summary(SimTime end) const;

 private:
  bool in_window(SimTime t) const { return t >= from_ && t < until_; }
  SimTime from_{0};
  SimTime until_ = SimTime::max();
  BatchMeans blocking_;  // one observation per seizure attempt: 1 when blocked
  double busy_area_ = 0;  // channel-seconds within the window
  SimTime last_change_{0};
  std::uint32_t busy_ = 0;
  std::uint32_t peak_ = 0;
};

}  // namespace telsim
