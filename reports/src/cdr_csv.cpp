#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>

#include "internal.hpp"
#include "telsim/reports/record_stream.hpp"

namespace telsim {
namespace {

// cdr.csv is the one report that grows with every call (two rows per call, 2 M rows for the
// million-call bench), so rows are appended piecewise without temporary strings or format
// parsing: about ten times faster than fmt::format per row.

/// A name padded to a fixed 32 bytes, so a row copies it with two 16-byte moves instead of a
/// call to memcpy (a row holds about a dozen such names); `n` is its real length.
struct Padded {
  std::array<char, 32> s{};
  std::uint8_t n = 0;
  std::string_view long_name;  ///< a name longer than 32 (none today): copied as it is
};

Padded pad(std::string_view name) {
  Padded p;
  if (name.size() > p.s.size()) {
    p.long_name = name;
    return p;
  }
  std::memcpy(p.s.data(), name.data(), name.size());
  p.n = static_cast<std::uint8_t>(name.size());
  return p;
}

/// Writes one row through a raw pointer into space reserved for the row's worst case (and
/// kSlack bytes beyond it, which a padded name may overwrite before the row goes on).
class RowWriter {
 public:
  explicit RowWriter(char* p) : p_(p) {}
  char* end() const { return p_; }
  void put(char c) { *p_++ = c; }
  void put(std::string_view s) {
    report_detail::copy_short(p_, s.data(), s.size());
    p_ += s.size();
  }
  void put(const Padded& name) {
    if (!name.long_name.empty()) return put(name.long_name);
    std::memcpy(p_, name.s.data(), name.s.size());
    p_ += name.n;
  }
  void uint(std::uint64_t v) { p_ = std::to_chars(p_, p_ + 20, v).ptr; }
  void sint(int v) { p_ = std::to_chars(p_, p_ + 12, v).ptr; }
  /// RFC 4180: quoted (with "" for ") when it holds , " CR or LF.
  void field(std::string_view s) {
    static constexpr std::array<bool, 256> quoted = [] {
      std::array<bool, 256> q{};
      for (unsigned char c : {',', '"', '\r', '\n'}) q[c] = true;
      return q;
    }();
    bool special = false;
    for (char c : s) special |= quoted[static_cast<unsigned char>(c)];
    if (!special) return put(s);
    put('"');
    for (char c : s) {
      if (c == '"') put('"');
      put(c);
    }
    put('"');
  }
  /// Seconds with 3 decimals, as format_seconds_3.
  void seconds(Duration d) { thousandths(report_detail::round_div(d.count(), 1'000'000)); }
  /// Milliseconds with 3 decimals, as format_millis_3.
  void millis(Duration d) { thousandths(report_detail::round_div(d.count(), 1'000)); }
  /// `units` thousandths as "W.FFF": the digits of `units` with a point put in before the last
  /// three (one conversion instead of dividing out the whole and the fraction).
  void thousandths(std::int64_t units) {
    if (units < 0) put('-'), units = -units;
    const auto u = static_cast<std::uint64_t>(units);
    if (u < 1000) {
      p_[0] = '0';
      p_[1] = '.';
      p_[2] = static_cast<char>('0' + u / 100);
      p_[3] = static_cast<char>('0' + u / 10 % 10);
      p_[4] = static_cast<char>('0' + u % 10);
      p_ += 5;
      return;
    }
    char* end = std::to_chars(p_, p_ + 20, u).ptr;
    end[0] = end[-1];
    end[-1] = end[-2];
    end[-2] = end[-3];
    end[-3] = '.';
    p_ = end + 1;
  }

 private:
  char* p_;
};

/// The names of a TAPI flag enum (one bit per member: CallState, DisconnectMode, CallReason),
/// padded, by bit number; 0 (DisconnectMode's NONE) at [32].
template <typename Enum>
const Padded& flag_name(Enum e) {
  static const std::array<Padded, 33> names = [] {
    std::array<Padded, 33> n{};
    for (std::uint32_t bit = 0; bit < 32; ++bit) n[bit] = pad(to_string(static_cast<Enum>(1u << bit)));
    n[32] = pad(to_string(static_cast<Enum>(0)));
    return n;
  }();
  const auto v = static_cast<std::uint32_t>(e);
  if (v == 0) return names[32];
  if ((v & (v - 1)) == 0) return names[static_cast<std::size_t>(std::countr_zero(v))];
  static const Padded other = pad("?");  // not a member, as to_string names it
  return other;
}

/// The names of a small enum numbered from 0 (Direction, Outcome, CallKind), padded.
template <typename Enum, std::size_t N>
const Padded& small_name(Enum e) {
  static const std::array<Padded, N + 1> names = [] {
    std::array<Padded, N + 1> n{};
    for (std::size_t i = 0; i <= N; ++i) n[i] = pad(to_string(static_cast<Enum>(i)));
    return n;
  }();
  return names[std::min<std::size_t>(static_cast<std::size_t>(e), N)];  // [N]: "?"
}

}  // namespace

namespace report_detail {

std::size_t cdr_row_bound(const CallRecord& r) {
  // Every user field doubled by quoting, 24 per number, 20 per state, and the 32 bytes a padded
  // name may write past its end.
  return 440 + 32 + 2 * (r.line.size() + r.from.size() + r.to.size() + r.original_to.size() +
                    r.park_orbit.size() + r.queue.size() + r.agent.size()) +
         20 * r.history.size();
}

char* write_cdr_row(char* at, const CallRecord& r, bool acd) {
  RowWriter w(at);
  w.put('c');
  w.uint(r.serial);
  w.put(',');
  w.field(r.line);
  w.put(',');
  w.put(small_name<Direction, 2>(r.direction));
  w.put(',');
  w.field(r.from);
  w.put(',');
  w.field(r.to);
  w.put(',');
  w.put(flag_name(r.reason));
  w.put(',');
  w.seconds(r.start);
  w.put(',');
  if (r.answer) w.seconds(*r.answer);
  w.put(',');
  w.seconds(r.end);
  w.put(',');
  w.seconds(r.answer ? r.end - *r.answer : Duration{0});
  w.put(',');
  w.put(flag_name(r.mode));
  w.put(',');
  w.put(small_name<Outcome, 12>(r.outcome));
  w.put(r.cleared_at_end ? std::string_view(",true,") : std::string_view(",false,"));
  for (std::size_t i = 0; i < r.history.size(); ++i) {
    if (i > 0) w.put('>');
    w.put(flag_name(r.history[i].state));
  }
  w.put(',');
  w.field(r.original_to);
  w.put(',');
  w.sint(r.forward_hops);
  w.put(',');
  w.field(r.park_orbit);
  w.put(',');
  if (r.peer_serial) {
    w.put('c');
    w.uint(r.peer_serial);
  }
  w.put(',');
  w.put(small_name<CallKind, 5>(r.kind));
  if (acd) {
    w.put(',');
    w.field(r.queue);
    w.put(',');
    if (r.queue_wait) w.millis(*r.queue_wait);
    w.put(',');
    w.field(r.agent);
  }
  w.put('\n');
  return w.end();
}

const std::string_view kCdrHeader =
    "call_id,line,direction,from,to,reason,start_s,answer_s,end_s,duration_s,disconnect_mode,"
    "outcome,cleared_at_end,states,original_to,forward_hops,park_orbit,peer,kind\n";
const std::string_view kCdrHeaderAcd =
    "call_id,line,direction,from,to,reason,start_s,answer_s,end_s,duration_s,disconnect_mode,"
    "outcome,cleared_at_end,states,original_to,forward_hops,park_orbit,peer,kind,queue,queue_wait_ms,agent\n";

}  // namespace report_detail

std::string cdr_csv(const RunResult& run) {
  std::string out;
  StreamOptions options;
  for (const QueueSummary& q : run.queues) options.queues.push_back(q.name);
  RecordStream stream(std::move(options));
  stream.capture(&out, nullptr);
  for (const CallRecord* r : report_detail::by_serial(run)) stream.add_in_order(*r);
  stream.finish(run);
  return out;
}

}  // namespace telsim
