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

/// Writes one row through a raw pointer into space reserved for the row's worst case.
class RowWriter {
 public:
  explicit RowWriter(char* p) : p_(p) {}
  char* end() const { return p_; }
  void put(char c) { *p_++ = c; }
  void put(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void uint(std::uint64_t v) { p_ = std::to_chars(p_, p_ + 20, v).ptr; }
  void sint(int v) { p_ = std::to_chars(p_, p_ + 12, v).ptr; }
  /// RFC 4180: quoted (with "" for ") when it holds , " CR or LF.
  void field(std::string_view s) {
    bool plain = true;
    for (char c : s) plain &= c != ',' && c != '"' && c != '\r' && c != '\n';
    if (plain) return put(s);
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
  /// `units` thousandths as "W.FFF".
  void thousandths(std::int64_t units) {
    if (units < 0) put('-'), units = -units;
    uint(static_cast<std::uint64_t>(units / 1000));
    const auto frac = static_cast<int>(units % 1000);
    put('.');
    put(static_cast<char>('0' + frac / 100));
    put(static_cast<char>('0' + frac / 10 % 10));
    put(static_cast<char>('0' + frac % 10));
  }

 private:
  char* p_;
};

/// to_string(CallState) from a table: a row names about seven states.
std::string_view state_name(CallState s) {
  static const std::array<std::string_view, kCallStateCount> names = [] {
    std::array<std::string_view, kCallStateCount> n{};
    for (int i = 0; i < kCallStateCount; ++i) n[static_cast<std::size_t>(i)] = to_string(call_state_at(i));
    return n;
  }();
  return names[static_cast<std::size_t>(std::countr_zero(static_cast<std::uint32_t>(s)))];
}

}  // namespace

namespace report_detail {

std::size_t cdr_row_bound(const CallRecord& r) {
  // Every user field doubled by quoting, 24 per number, 20 per state.
  return 440 + 2 * (r.line.size() + r.from.size() + r.to.size() + r.original_to.size() +
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
  w.put(to_string(r.direction));
  w.put(',');
  w.field(r.from);
  w.put(',');
  w.field(r.to);
  w.put(',');
  w.put(to_string(r.reason));
  w.put(',');
  w.seconds(r.start);
  w.put(',');
  if (r.answer) w.seconds(*r.answer);
  w.put(',');
  w.seconds(r.end);
  w.put(',');
  w.seconds(r.answer ? r.end - *r.answer : Duration{0});
  w.put(',');
  w.put(to_string(r.mode));
  w.put(',');
  w.put(to_string(r.outcome));
  w.put(r.cleared_at_end ? std::string_view(",true,") : std::string_view(",false,"));
  for (std::size_t i = 0; i < r.history.size(); ++i) {
    if (i > 0) w.put('>');
    w.put(state_name(r.history[i].state));
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
  w.put(to_string(r.kind));
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
