// RecordStream: a run's call records as its calls end, in memory that does not grow with the
// number of calls. Records come in the order calls end; every consumer sees them in serial order
// (as cdr.csv lists them): SerialOrder holds a record until every older call has ended, in a
// window that grows with the calls in progress, then beyond it in a heap that spills to an
// unlinked file. The consumers keep only bounded state: counts, the timings' Percentiles, the
// first calls and the ladder's sample (LadderSample), each trunk's occupancy, stats.csv's rows
// still open (StatsRows) and cdr.csv's write buffer.
#include "telsim/reports/record_stream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <set>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "html_support.hpp"

namespace telsim {
namespace {

using report_detail::Digest;
using report_detail::kTimingNames;
using report_detail::Occupancy;

// --- output ------------------------------------------------------------------------------------

/// Full buffers handed from the run's thread to a second thread, which does `work` on each, in
/// order. At most `in_flight` wait (the run's thread waits beyond that), and the buffers come back
/// to be filled again, so memory stays bounded. cdr.csv's writer and the records' second thread
/// (RecordPipe) are each one.
class BufferRelay {
 public:
  using Work = std::function<void(const char* data, std::size_t n)>;
  BufferRelay(std::size_t buffer_size, std::size_t in_flight, Work work)
      : size_(buffer_size), in_flight_(in_flight), work_(std::move(work)), thread_([this] { run(); }) {}
  ~BufferRelay() { close(); }
  BufferRelay(const BufferRelay&) = delete;
  BufferRelay& operator=(const BufferRelay&) = delete;

  /// The first `n` bytes of `buffer` go to the thread; `buffer` is then an empty one to fill next.
  void hand_over(std::vector<char>& buffer, std::size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return full_.size() < in_flight_; });
    full_.emplace_back(std::move(buffer), n);
    if (!free_.empty()) {
      buffer = std::move(free_.back());
      free_.pop_back();
    } else {
      buffer.assign(size_, '\0');
    }
    changed_.notify_all();
  }
  /// Waits for the thread to have done its work on every buffer handed over, and ends it.
  void close() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

 private:
  /// The thread: the buffers in order, until closed and none is left.
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return !full_.empty() || closing_; });
      if (full_.empty()) return;
      auto [buffer, n] = std::move(full_.front());
      full_.pop_front();
      lock.unlock();
      work_(buffer.data(), n);  // what it writes is this thread's alone until close()
      lock.lock();
      free_.push_back(std::move(buffer));
      changed_.notify_all();
    }
  }

  const std::size_t size_, in_flight_;
  const Work work_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<std::vector<char>, std::size_t>> full_;
  std::vector<std::vector<char>> free_;
  bool closing_ = false;
  std::thread thread_;  // last: it starts once everything above is there
};

/// Where a CSV goes: a file or, for tests, a string. A failure is kept, not thrown: the run goes
/// on and the CLI reports it after the verdict. cdr.csv is opened `background`: its full buffers
/// go to a second thread that writes them, so the kernel's copying of a large file (a sixth of a
/// traffic run's time when done inline) overlaps the run; at most kInFlight buffers wait, so its
/// memory stays bounded. The bytes are the same either way.
class TextOut {
 public:
  static constexpr std::size_t kBuffer = 1 << 20, kInFlight = 4;

  ~TextOut() { close(); }
  void open(const std::filesystem::path& path, bool background) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      fail(errno);
      return;
    }
    if (background)
      writer_ = std::make_unique<BufferRelay>(kBuffer, kInFlight, [this](const char* p, std::size_t n) { write_all(p, n); });
  }
  void capture(std::string* text) { text_ = text; }
  bool active() const { return text_ || fd_ >= 0; }
  void write(std::string_view s) {
    if (text_) text_->append(s);
    else if (fd_ >= 0) write_all(s.data(), s.size());
  }
  /// The first `n` bytes of `buffer`, which is then an empty buffer of kBuffer bytes to fill next.
  void hand_over(std::vector<char>& buffer, std::size_t n) {
    if (writer_) writer_->hand_over(buffer, n);
    else write(std::string_view(buffer.data(), n));
  }
  void close() {
    if (writer_) writer_->close();  // error_ is the writer's alone until then
    if (fd_ >= 0 && ::close(fd_) != 0) fail(errno);
    fd_ = -1;
  }
  int error() const { return error_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void fail(int e) {
    if (!error_) error_ = e ? e : EIO;
  }
  void write_all(const char* p, std::size_t n) {
    while (n > 0 && !error_) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno != EINTR) fail(errno);
        continue;
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }
  std::filesystem::path path_;
  int fd_ = -1;
  std::string* text_ = nullptr;
  int error_ = 0;
  std::unique_ptr<BufferRelay> writer_;  // last: its thread writes through the members above
};

// --- records spilled to disk -----------------------------------------------------------------

template <class T>
void put_raw(std::FILE* f, const T& v) {
  std::fwrite(&v, sizeof v, 1, f);
}
void put_string(std::FILE* f, const std::string& s) {
  put_raw(f, static_cast<std::uint32_t>(s.size()));
  std::fwrite(s.data(), 1, s.size(), f);
}
template <class T>
bool get_raw(std::FILE* f, T& v) {
  return std::fread(&v, sizeof v, 1, f) == 1;
}
bool get_string(std::FILE* f, std::string& s) {
  std::uint32_t n = 0;
  if (!get_raw(f, n)) return false;
  s.resize(n);
  return n == 0 || std::fread(s.data(), 1, n, f) == n;
}

void write_record(std::FILE* f, const CallRecord& r) {
  put_raw(f, r.serial);
  put_string(f, r.line);
  put_raw(f, r.direction);
  put_string(f, r.from);
  put_string(f, r.to);
  put_string(f, r.original_to);
  put_raw(f, r.forward_hops);
  put_string(f, r.park_orbit);
  put_raw(f, r.reason);
  put_raw(f, r.kind);
  put_raw(f, r.peer_serial);
  put_raw(f, r.start.count());
  const bool answered = r.answer.has_value();
  put_raw(f, answered);
  put_raw(f, answered ? r.answer->count() : std::int64_t{0});
  put_raw(f, r.end.count());
  put_raw(f, r.mode);
  put_raw(f, r.outcome);
  put_raw(f, r.cleared_at_end);
  put_raw(f, static_cast<std::uint32_t>(r.history.size()));
  for (const StateStamp& s : r.history) {
    put_raw(f, s.state);
    put_raw(f, s.at.count());
  }
  put_string(f, r.queue);
  const bool waited = r.queue_wait.has_value();
  put_raw(f, waited);
  put_raw(f, waited ? r.queue_wait->count() : std::int64_t{0});
  put_string(f, r.agent);
}

bool read_record(std::FILE* f, CallRecord& r) {
  std::int64_t start = 0, answer = 0, end = 0;
  bool answered = false;
  std::uint32_t n = 0;
  if (!(get_raw(f, r.serial) && get_string(f, r.line) && get_raw(f, r.direction) && get_string(f, r.from) &&
        get_string(f, r.to) && get_string(f, r.original_to) && get_raw(f, r.forward_hops) &&
        get_string(f, r.park_orbit) && get_raw(f, r.reason) && get_raw(f, r.kind) && get_raw(f, r.peer_serial) &&
        get_raw(f, start) && get_raw(f, answered) && get_raw(f, answer) && get_raw(f, end) && get_raw(f, r.mode) &&
        get_raw(f, r.outcome) && get_raw(f, r.cleared_at_end) && get_raw(f, n)))
    return false;
  r.start = SimTime{start};
  r.answer = answered ? std::optional<SimTime>(SimTime{answer}) : std::nullopt;
  r.end = SimTime{end};
  r.history.resize(n);
  for (StateStamp& s : r.history) {
    std::int64_t at = 0;
    if (!get_raw(f, s.state) || !get_raw(f, at)) return false;
    s.at = SimTime{at};
  }
  bool waited = false;
  std::int64_t wait = 0;
  if (!(get_string(f, r.queue) && get_raw(f, waited) && get_raw(f, wait) && get_string(f, r.agent))) return false;
  r.queue_wait = waited ? std::optional<Duration>(Duration{wait}) : std::nullopt;
  return true;
}

/// An anonymous file in `dir` (unlinked at once: it goes away with the process).
std::FILE* anonymous_file(const std::filesystem::path& dir) {
  std::string name = (dir / ".telsim-spill-XXXXXX").string();
  const int fd = ::mkstemp(name.data());
  if (fd < 0) throw std::runtime_error("cannot create a spill file in " + dir.string() + ": " + std::strerror(errno));
  ::unlink(name.c_str());
  std::FILE* f = ::fdopen(fd, "w+b");
  if (!f) {
    ::close(fd);
    throw std::runtime_error("cannot open a spill file in " + dir.string());
  }
  return f;
}

// --- a second thread ---------------------------------------------------------------------------

/// Records handed to a second thread, which runs everything else (ordering, counts, percentiles,
/// cdr.csv's rows and writing) while the run goes on. The run's thread packs each record's fields
/// into a large byte buffer (a few hundred bytes a record, written once and read once); at most
/// kInFlight buffers wait, so memory stays flat. The records arrive in the order they were put:
/// the reports are byte for byte the same. What either thread touches at every record lies on
/// cache lines the other does not write (no line goes back and forth between the cores at every
/// call).
class RecordPipe {
 public:
  static constexpr std::size_t kChunk = 256 << 10, kInFlight = 8;
  using Sink = std::function<void(const CallRecord&)>;

  explicit RecordPipe(Sink sink)
      : sink_(std::move(sink)), relay_(kChunk, kInFlight, [this](const char* p, std::size_t n) { take(p, n); }) {
    chunk_.resize(kChunk);
  }
  ~RecordPipe() {
    try {
      close();
    } catch (...) {  // the error was the run's to see; a stream given up on is not told again
    }
  }

  void put(const CallRecord& r) {
    Fixed f;
    f.serial = r.serial;
    f.peer_serial = r.peer_serial;
    f.start = r.start.count();
    f.answer = r.answer ? r.answer->count() : 0;
    f.end = r.end.count();
    f.queue_wait = r.queue_wait ? r.queue_wait->count() : 0;
    f.reason = r.reason;
    f.mode = r.mode;
    f.forward_hops = r.forward_hops;
    f.direction = r.direction;
    f.kind = r.kind;
    f.outcome = r.outcome;
    f.cleared_at_end = r.cleared_at_end;
    f.answered = r.answer.has_value();
    f.waited = r.queue_wait.has_value();
    const std::string* strings[kStrings] = {&r.line, &r.from, &r.to, &r.original_to, &r.park_orbit, &r.queue, &r.agent};
    std::size_t size = sizeof f + r.history.size() * sizeof(StateStamp);
    for (std::size_t i = 0; i < kStrings; ++i) {
      f.length[i] = static_cast<std::uint32_t>(strings[i]->size());
      size += f.length[i];
    }
    f.states = static_cast<std::uint32_t>(r.history.size());
    if (chunk_.size() - used_ < size) {
      hand_over();
      if (chunk_.size() < size) chunk_.resize(size);  // one record larger than a buffer
    }
    char* p = chunk_.data() + used_;
    std::memcpy(p, &f, sizeof f);
    p += sizeof f;
    for (std::size_t i = 0; i < kStrings; ++i) {
      report_detail::copy_short(p, strings[i]->data(), f.length[i]);
      p += f.length[i];
    }
    if (!r.history.empty()) std::memcpy(p, r.history.data(), r.history.size() * sizeof(StateStamp));
    used_ += size;
  }

  /// Hands over what is left and waits for the thread to have seen every record; rethrows what
  /// the records' consumers threw there.
  void close() {
    hand_over();
    relay_.close();
    if (failed_) std::rethrow_exception(std::exchange(failed_, nullptr));
  }

 private:
  // A record's fixed-size fields, then its strings' bytes (lengths here), then its history.
  static constexpr std::size_t kStrings = 7;
  struct Fixed {
    std::uint64_t serial, peer_serial;
    std::int64_t start, answer, end, queue_wait;
    CallReason reason;
    DisconnectMode mode;
    int forward_hops;
    Direction direction;
    CallKind kind;
    Outcome outcome;
    bool cleared_at_end, answered, waited;
    std::uint32_t length[kStrings];
    std::uint32_t states;
  };
  static_assert(std::is_trivially_copyable_v<Fixed> && std::is_trivially_copyable_v<StateStamp>);

  void hand_over() {
    if (used_ == 0) return;
    relay_.hand_over(chunk_, used_);
    used_ = 0;
  }

  void unpack(const char* p, const char* end) {
    while (p < end) {
      Fixed f;
      std::memcpy(&f, p, sizeof f);
      p += sizeof f;
      CallRecord& r = record_;
      r.serial = f.serial;
      r.peer_serial = f.peer_serial;
      r.start = SimTime{f.start};
      r.answer = f.answered ? std::optional<SimTime>(SimTime{f.answer}) : std::nullopt;
      r.end = SimTime{f.end};
      r.queue_wait = f.waited ? std::optional<Duration>(Duration{f.queue_wait}) : std::nullopt;
      r.reason = f.reason;
      r.mode = f.mode;
      r.forward_hops = f.forward_hops;
      r.direction = f.direction;
      r.kind = f.kind;
      r.outcome = f.outcome;
      r.cleared_at_end = f.cleared_at_end;
      std::string* strings[kStrings] = {&r.line, &r.from, &r.to, &r.original_to, &r.park_orbit, &r.queue, &r.agent};
      for (std::size_t i = 0; i < kStrings; ++i) {
        strings[i]->assign(p, f.length[i]);
        p += f.length[i];
      }
      r.history.resize(f.states);
      if (f.states > 0) std::memcpy(r.history.data(), p, f.states * sizeof(StateStamp));  // data() may be null
      p += f.states * sizeof(StateStamp);
      sink_(r);
    }
  }

  /// The other thread, a buffer at a time. After a consumer threw, the rest are dropped (the run's
  /// thread must not wait for a free buffer forever).
  void take(const char* p, std::size_t n) {
    if (failed_) return;
    try {
      unpack(p, p + n);
    } catch (...) {
      failed_ = std::current_exception();  // this thread's alone until close()
    }
  }

  // The run's thread writes the first group at every record, the other thread the second: each
  // group on cache lines of its own, or the lines go back and forth between the cores.
  alignas(64) std::vector<char> chunk_;
  std::size_t used_ = 0;
  alignas(64) CallRecord record_;  // the thread's, reused for every record
  std::exception_ptr failed_;
  Sink sink_;
  BufferRelay relay_;  // last: its thread uses the members above
};

// --- serial order ----------------------------------------------------------------------------

/// Hands records to `consume` in serial order. A record waits in a window indexed by serial
/// (it grows to `threshold` records ahead of the oldest call still in progress, its slots reused
/// so a held record costs no allocation), records further ahead in a heap, which is written to a
/// sorted file (a "run") whenever it reaches a quarter of `threshold`.
class SerialOrder {
 public:
  using Consume = std::function<void(const CallRecord&)>;
  explicit SerialOrder(Consume consume) : consume_(std::move(consume)) {}
  ~SerialOrder() {
    for (Run& r : runs_) std::fclose(r.file);
  }
  void set_threshold(std::size_t records) {
    threshold_ = std::max<std::size_t>(4, std::bit_ceil(records));
  }
  void set_spill_dir(std::filesystem::path dir) { spill_dir_ = std::move(dir); }

  void add(const CallRecord& r) {
    if (r.serial == next_) {
      consume_(r);
      ++next_;
      drain();
      return;
    }
    if (r.serial < next_) throw std::logic_error(fmt::format("call record c{} came twice", r.serial));
    hold(r);
  }

  /// Everything left, in serial order (serials that never came are skipped).
  void finish() {
    for (;;) {
      drain();
      std::uint64_t low = UINT64_MAX;
      for (std::size_t i = 0; i < ring_.size(); ++i)
        if (present_[i]) low = std::min(low, ring_[i].serial);
      if (!far_.empty()) low = std::min(low, far_.top().serial);
      for (const Run& run : runs_) low = std::min(low, run.head.serial);
      if (low == UINT64_MAX) return;
      // A gap: move the window on to the oldest record left.
      relayout(ring_.size(), low);
    }
  }

  std::uint64_t max_held() const { return max_held_; }
  std::uint64_t spilled() const { return spilled_; }

 private:
  struct Later {
    bool operator()(const CallRecord& a, const CallRecord& b) const { return a.serial > b.serial; }
  };
  struct Run {
    std::FILE* file = nullptr;
    std::uint64_t left = 0;
    CallRecord head;
  };

  void hold(const CallRecord& r) {
    const std::uint64_t ahead = r.serial - next_;
    if (ahead >= ring_.size() && ring_.size() < threshold_)
      relayout(std::min<std::size_t>(threshold_, std::bit_ceil(std::max<std::uint64_t>(64, ahead + 1))), next_);
    if (ahead < ring_.size()) {
      const std::size_t i = r.serial & (ring_.size() - 1);
      ring_[i] = r;
      present_[i] = 1;
      ++in_ring_;
    } else {
      far_.push(r);
      if (far_.size() >= std::max<std::size_t>(1, threshold_ / 4)) spill();
    }
    max_held_ = std::max<std::uint64_t>(max_held_, in_ring_ + far_.size() + on_disk_);
  }

  /// A window of `size` slots from serial `from`, keeping what the old one held.
  void relayout(std::size_t size, std::uint64_t from) {
    std::vector<CallRecord> old = std::move(ring_);
    std::vector<char> old_present = std::move(present_);
    ring_.assign(size, CallRecord{});
    present_.assign(size, 0);
    next_ = from;
    in_ring_ = 0;
    for (std::size_t i = 0; i < old.size(); ++i) {
      if (!old_present[i]) continue;
      if (old[i].serial - next_ < size) {
        const std::size_t j = old[i].serial & (size - 1);
        ring_[j] = std::move(old[i]);
        present_[j] = 1;
        ++in_ring_;
      } else {
        far_.push(std::move(old[i]));
      }
    }
  }

  void spill() {
    if (spill_dir_.empty()) spill_dir_ = std::filesystem::temp_directory_path();
    Run run;
    run.file = anonymous_file(spill_dir_);
    std::setvbuf(run.file, nullptr, _IOFBF, 1 << 16);
    while (!far_.empty()) {
      write_record(run.file, far_.top());
      far_.pop();
      ++run.left;
    }
    spilled_ += run.left;
    on_disk_ += run.left;
    if (std::fflush(run.file) != 0 || std::fseek(run.file, 0, SEEK_SET) != 0)
      throw std::runtime_error("cannot write a spill file in " + spill_dir_.string());
    advance(run);
    runs_.push_back(std::move(run));
  }

  void advance(Run& run) {
    if (!read_record(run.file, run.head)) throw std::runtime_error("cannot read back a spill file");
    --run.left;
    --on_disk_;
  }

  void drain() {
    for (;;) {
      if (!ring_.empty()) {
        const std::size_t i = next_ & (ring_.size() - 1);
        if (present_[i] && ring_[i].serial == next_) {
          present_[i] = 0;
          --in_ring_;
          consume_(ring_[i]);
          ++next_;
          continue;
        }
      }
      if (!far_.empty() && far_.top().serial == next_) {
        consume_(far_.top());
        far_.pop();
        ++next_;
        continue;
      }
      bool found = false;
      for (std::size_t k = 0; k < runs_.size() && !found; ++k) {
        Run& run = runs_[k];
        if (run.head.serial != next_) continue;
        found = true;
        consume_(run.head);
        ++next_;
        if (run.left > 0) {
          advance(run);
        } else {
          std::fclose(run.file);
          runs_.erase(runs_.begin() + static_cast<std::ptrdiff_t>(k));
        }
      }
      if (!found) return;
    }
  }

  Consume consume_;
  std::uint64_t next_ = 1;
  std::size_t threshold_ = 65'536;
  std::vector<CallRecord> ring_;
  std::vector<char> present_;
  std::size_t in_ring_ = 0;
  std::priority_queue<CallRecord, std::vector<CallRecord>, Later> far_;
  std::vector<Run> runs_;
  std::filesystem::path spill_dir_;
  std::uint64_t on_disk_ = 0, spilled_ = 0, max_held_ = 0;
};

// --- report.html's ladder sample ---------------------------------------------------------------

/// The calls report.html's ladder shows (docs/cli.md), chosen as the records go by in serial
/// order: all of a run of at most kAll records; else the first kUnsuccessful that did not end
/// answered, the first kCompare answered calls placed after them (or the first kFirst records
/// when every call was answered), and the other party of each. A party that came before the call
/// it belongs to is found among the last kLookBack records (while the sample can still change).
class LadderSample {
 public:
  static constexpr std::size_t kAll = 40, kUnsuccessful = 12, kCompare = 3, kFirst = 8, kLookBack = 1024;

  void consume(const CallRecord& r) {
    ++total_;
    if (auto it = wanted_.find(r.serial); it != wanted_.end()) {
      peers_.emplace(r.serial, r);
      wanted_.erase(it);
    }
    if (first_.size() < kAll) {
      first_.push_back(r);
      if (first_.size() <= kFirst) want_peer(r);
    }
    if (r.outcome != Outcome::Answered) {
      ++unsuccessful_total_;
      if (unsuccessful_.size() < kUnsuccessful) {
        unsuccessful_.push_back(r);
        from_ = std::max(from_, r.start);
        // Records come with their starts in order: the candidates so far started no later.
        std::erase_if(compare_, [this](const CallRecord& c) { return c.start <= from_; });
        want_peer(r);
      }
    } else if (r.direction == Direction::Outgoing && compare_.size() < kCompare && r.start > from_) {
      compare_.push_back(r);
      want_peer(r);
    }
    if (unsuccessful_.size() < kUnsuccessful || compare_.size() < kCompare) {
      if (recent_.empty()) recent_.resize(kLookBack);
      recent_[r.serial % kLookBack] = r;
    }
  }

  void result(Digest& d) const {
    if (total_ <= kAll) {
      d.ladder = first_;
      d.ladder_all = true;
      d.ladder_rule = total_ == 1 ? "The run's one call record."
                                  : fmt::format("All {} call records of the run.", total_);
      return;
    }
    d.ladder_all = false;
    std::map<std::uint64_t, const CallRecord*> pool;
    for (const auto* list : {&first_, &unsuccessful_, &compare_})
      for (const CallRecord& r : *list) pool.emplace(r.serial, &r);
    for (const auto& [serial, r] : peers_) pool.emplace(serial, &r);
    std::set<std::uint64_t> chosen;
    for (const CallRecord& r : unsuccessful_) chosen.insert(r.serial);
    std::size_t compared = 0;
    if (!unsuccessful_.empty()) {
      for (const CallRecord& r : compare_) chosen.insert(r.serial), ++compared;
    } else {
      for (std::size_t i = 0; i < first_.size() && i < kFirst; ++i) chosen.insert(first_[i].serial), ++compared;
    }
    for (const std::uint64_t s : std::vector<std::uint64_t>(chosen.begin(), chosen.end())) {
      const CallRecord* r = pool.at(s);
      if (r->peer_serial && pool.count(r->peer_serial)) chosen.insert(r->peer_serial);
    }
    for (const std::uint64_t s : chosen) d.ladder.push_back(*pool.at(s));
    const std::size_t unsuccessful = unsuccessful_.size();
    if (unsuccessful == 0) {
      d.ladder_rule = fmt::format("A sample of {} of the run's {} call records: every call was answered; "
                                  "the first {} and the other party of each.",
                                  d.ladder.size(), total_, report_detail::count_of(compared, "call", "calls"));
    } else {
      const std::string which = unsuccessful_total_ == 1 ? std::string("the only one")
                                : unsuccessful == unsuccessful_total_
                                    ? fmt::format("all {}", unsuccessful)
                                    : fmt::format("the first {} of {}", unsuccessful, unsuccessful_total_);
      const std::string compare =
          compared ? fmt::format(", then for comparison the first {} placed after them",
                                 report_detail::count_of(compared, "answered call", "answered calls"))
                   : std::string();
      d.ladder_rule = fmt::format(
          "A sample of {} of the run's {} call records, starting with the calls that did not end "
          "answered (their lanes come first): {}{}, and the other party of each.",
          d.ladder.size(), total_, which, compare);
    }
  }

 private:
  void want_peer(const CallRecord& r) {
    if (!r.peer_serial || r.peer_serial == r.serial) return;
    if (r.peer_serial > r.serial) {
      wanted_.insert(r.peer_serial);
      return;
    }
    if (recent_.empty() || r.serial - r.peer_serial >= kLookBack) return;
    const CallRecord& c = recent_[r.peer_serial % kLookBack];
    if (c.serial == r.peer_serial) peers_.emplace(c.serial, c);
  }

  std::uint64_t total_ = 0, unsuccessful_total_ = 0;
  std::vector<CallRecord> first_, unsuccessful_, compare_;
  SimTime from_{0};
  std::map<std::uint64_t, CallRecord> peers_;
  std::set<std::uint64_t> wanted_;
  std::vector<CallRecord> recent_;
};

// --- trunk occupancy ---------------------------------------------------------------------------

class OccupancySeries {
 public:
  explicit OccupancySeries(Occupancy& o) : o_(o), prefix_(o.name + "/") {}

  void consume(const CallRecord& r) {
    if (r.line.size() <= prefix_.size() || r.line.compare(0, prefix_.size(), prefix_) != 0) return;
    ++o_.seizures;
    if (o_.exact) {
      o_.steps.emplace_back(r.start, +1);
      o_.steps.emplace_back(r.end, -1);
      if (o_.steps.size() > Occupancy::kExactSteps) to_buckets(r.start);
      return;
    }
    while (!ends_.empty() && ends_.top() <= r.start) {
      apply(ends_.top(), -1);
      ends_.pop();
    }
    apply(r.start, +1);
    ends_.push(r.end);
  }

  void finish() {
    if (o_.exact) {
      std::sort(o_.steps.begin(), o_.steps.end());
      std::int64_t busy = 0;
      for (const auto& [t, delta] : o_.steps) {
        busy += delta;
        o_.peak = std::max(o_.peak, busy);
        o_.last = t;
      }
      return;
    }
    while (!ends_.empty()) {
      apply(ends_.top(), -1);
      ends_.pop();
    }
  }

 private:
  // Time-ordered from here: the steps up to `now` replayed into buckets, later ends queued.
  void to_buckets(SimTime now) {
    std::sort(o_.steps.begin(), o_.steps.end());
    o_.exact = false;
    const SimTime top = o_.steps.back().first;
    while (top.count() / o_.width >= static_cast<std::int64_t>(Occupancy::kBuckets)) o_.width *= 2;
    for (const auto& [t, delta] : o_.steps) {
      if (t <= now) apply(t, delta);
      else ends_.push(t);
    }
    std::vector<std::pair<SimTime, int>>().swap(o_.steps);
  }

  void apply(SimTime t, int delta) {
    auto b = static_cast<std::size_t>(std::max<std::int64_t>(0, t.count()) / o_.width);
    while (b >= Occupancy::kBuckets) {
      // Twice as long a span per bucket: each pair becomes one.
      std::vector<std::int64_t>& m = o_.bucket_max;
      for (std::size_t i = 0; i < m.size(); i += 2) m[i / 2] = std::max(m[i], i + 1 < m.size() ? m[i + 1] : m[i]);
      m.resize((m.size() + 1) / 2);
      o_.width *= 2;
      b = static_cast<std::size_t>(t.count() / o_.width);
    }
    // Buckets with no step hold the level carried into them.
    if (o_.bucket_max.size() <= b) o_.bucket_max.resize(b + 1, o_.level);
    o_.level += delta;
    o_.bucket_max[b] = std::max(o_.bucket_max[b], o_.level);
    o_.peak = std::max(o_.peak, o_.level);
    o_.last = std::max(o_.last, t);
  }

  Occupancy& o_;
  std::string prefix_;
  std::priority_queue<SimTime, std::vector<SimTime>, std::greater<>> ends_;
};

// --- stats.csv ---------------------------------------------------------------------------------

/// stats.csv's count columns, in the order of report.json's `calls` and `incoming`.
constexpr const char* kCountColumns[] = {
    "offered",  "answered",          "busy",            "blocked",            "no_answer",
    "abandoned", "failed",           "transferred",     "cleared",            "incoming",
    "incoming_answered", "incoming_missed", "incoming_picked_up", "incoming_forwarded",
    "incoming_redirected", "incoming_transferred", "incoming_cleared"};
constexpr double kPercentileColumns[] = {50, 95, 99};

void add_counts(CallCounts& into, const CallCounts& o) {
  into.total += o.total, into.answered += o.answered, into.busy += o.busy, into.blocked += o.blocked;
  into.no_answer += o.no_answer, into.abandoned += o.abandoned, into.failed += o.failed;
  into.transferred += o.transferred, into.cleared += o.cleared, into.cleared_at_end += o.cleared_at_end;
  into.incoming_total += o.incoming_total, into.incoming_answered += o.incoming_answered;
  into.incoming_missed += o.incoming_missed, into.incoming_picked_up += o.incoming_picked_up;
  into.incoming_forwarded += o.incoming_forwarded, into.incoming_redirected += o.incoming_redirected;
  into.incoming_transferred += o.incoming_transferred, into.incoming_cleared += o.incoming_cleared;
}

void append_counts(std::string& out, const CallCounts& c) {
  fmt::format_to(std::back_inserter(out), ",{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}", c.total,
                 c.answered, c.busy, c.blocked, c.no_answer, c.abandoned, c.failed, c.transferred, c.cleared,
                 c.incoming_total, c.incoming_answered, c.incoming_missed, c.incoming_picked_up,
                 c.incoming_forwarded, c.incoming_redirected, c.incoming_transferred, c.incoming_cleared);
}

/// One ACD queue's callers in an interval (stats.csv's QUEUE_ columns).
struct QueueCounts {
  std::uint64_t offered = 0, answered = 0, abandoned = 0;
  std::int64_t wait_ns = 0;  ///< the answered calls' waits, summed
  void add(const QueueCounts& o) {
    offered += o.offered, answered += o.answered, abandoned += o.abandoned, wait_ns += o.wait_ns;
  }
};
constexpr const char* kQueueColumns[] = {"offered", "answered", "abandoned", "mean_wait_s"};

void append_queue(std::string& out, const QueueCounts& q) {
  fmt::format_to(std::back_inserter(out), ",{},{},{},", q.offered, q.answered, q.abandoned);
  if (q.answered > 0)
    out += format_seconds_3(Duration{report_detail::round_div(q.wait_ns, static_cast<std::int64_t>(q.answered))});
}

void append_timing(std::string& out, const Percentiles& p) {
  fmt::format_to(std::back_inserter(out), ",{}", p.count());
  for (const double q : kPercentileColumns) {
    out += ',';
    if (p.count() > 0) out += report_detail::format_millis_3(p.percentile(q));
  }
}

/// stats.csv: intervals [k*D, (k+1)*D), the last ending at (and including) the end of the run.
/// Every contribution of a record falls at or after its start, so once a record that started
/// after an interval has come (records come by serial, and so by start), the interval can no
/// longer change: its row is written then. Rows still open are kept sparsely (only those
/// something fell in), with the calls placed still in progress as a queue of starts and a heap
/// of ends.
class StatsRows {
 public:
  StatsRows(Duration interval, TextOut& out, bool early, const std::vector<std::string>& queues)
      : d_(interval), out_(out), early_(early), cum_queues_(queues.size()) {
    for (std::size_t q = 0; q < queues.size(); ++q) queue_index_.emplace(queues[q], q);
    if (interval <= Duration::zero()) throw std::invalid_argument("stats interval must be positive");
    std::string header = "start_s,end_s";
    const auto section = [&](std::string_view prefix) {
      for (const char* c : kCountColumns) fmt::format_to(std::back_inserter(header), ",{}{}", prefix, c);
      if (prefix.empty()) header += ",active";
      fmt::format_to(std::back_inserter(header), ",{}peak_active", prefix);
      for (const char* name : kTimingNames)
        fmt::format_to(std::back_inserter(header), ",{0}{1}_count,{0}{1}_p50_ms,{0}{1}_p95_ms,{0}{1}_p99_ms",
                       prefix, name);
    };
    section("");
    section("cum_");
    // A run with ACD queues: four columns per queue, then the same since the start, at the end
    // so that every other column keeps its place.
    for (std::string_view prefix : {"", "cum_"})
      for (const std::string& q : queues)
        for (const char* c : kQueueColumns)
          header += ',' + csv_field(fmt::format("{}{}_{}", prefix, q, c));
    header += '\n';
    out_.write(header);
  }

  void consume(const CallRecord& r) {
    if (early_) {
      if (r.start < last_start_)
        throw std::logic_error(fmt::format("call record c{} started before an older call", r.serial));
      last_start_ = r.start;
      while (SimTime(d_ * static_cast<std::int64_t>(next_ + 1)) < r.start) emit(next_, false);
    }
    max_end_ = std::max(max_end_, r.end);
    if (counted(r.kind)) {
      Row& at_start = row(index(r.start));
      const bool answered = r.outcome == Outcome::Answered;
      report_detail::count_outcome(row(index(answered ? r.answer.value_or(r.end) : r.end)).counts, r);
      if (r.direction == Direction::Incoming) {
        ++at_start.counts.incoming_total;
      } else {
        ++at_start.counts.total;
        starts_.push_back(r.start);
        ends_.push(r.end);
      }
    }
    report_detail::for_each_sample(r, [&](int i, SimTime at, Duration value) {
      row(index(at)).period[static_cast<std::size_t>(i)].add(value);
    });
    // A caller's call that waited in a queue: offered where it started, answered (by an agent)
    // at the answer, abandoned at its end, as the columns above count calls placed.
    if (!queue_index_.empty() && !r.queue.empty() && r.queue_wait) {
      const auto it = queue_index_.find(r.queue);
      if (it == queue_index_.end()) return;
      const std::size_t q = it->second;
      ++row(index(r.start)).queues[q].offered;
      if (!r.agent.empty()) {
        QueueCounts& c = row(index(r.answer.value_or(r.end))).queues[q];
        ++c.answered;
        c.wait_ns += r.queue_wait->count();
      } else if (r.outcome == Outcome::Abandoned) {
        ++row(index(r.end)).queues[q].abandoned;
      }
    }
  }

  void finish(SimTime sim_time) {
    end_ = std::max(sim_time, max_end_);
    const auto rows = static_cast<std::size_t>(
        std::max<std::int64_t>(1, (end_.count() + d_.count() - 1) / d_.count()));
    // A contribution at the very end of the run falls in the last row.
    for (auto it = rows_.lower_bound(rows); it != rows_.end(); it = rows_.erase(it)) {
      Row& last = row(rows - 1);
      add_counts(last.counts, it->second.counts);
      for (std::size_t t = 0; t < last.period.size(); ++t) last.period[t].merge(it->second.period[t]);
      for (std::size_t q = 0; q < last.queues.size(); ++q) last.queues[q].add(it->second.queues[q]);
    }
    for (std::size_t k = next_; k < rows; ++k) emit(k, k + 1 == rows);
  }

 private:
  struct Row {
    CallCounts counts;
    std::array<Percentiles, 4> period;
    std::vector<QueueCounts> queues;  ///< per queue, in StreamOptions::queues order
  };
  std::size_t index(SimTime t) const {
    return static_cast<std::size_t>(std::max<std::int64_t>(0, t / d_));
  }
  Row& row(std::size_t k) {
    Row& r = rows_[k];
    if (r.queues.size() != cum_queues_.size()) r.queues.resize(cum_queues_.size());
    return r;
  }

  void emit(std::size_t k, bool last) {
    Row r;
    if (auto it = rows_.find(k); it != rows_.end()) {
      r = std::move(it->second);
      rows_.erase(it);
    }
    r.queues.resize(cum_queues_.size());
    next_ = k + 1;
    const SimTime from = d_ * static_cast<std::int64_t>(k);
    const SimTime to = last ? end_ : from + d_;
    // Calls placed in progress: +1 at the start, -1 at the end, ends first at one instant.
    std::int64_t peak = active_;
    for (;;) {
      const bool have_start = !starts_.empty(), have_end = !ends_.empty();
      if (!have_start && !have_end) break;
      const bool end_first = have_end && (!have_start || ends_.top() <= starts_.front());
      const SimTime t = end_first ? ends_.top() : starts_.front();
      if (!last && t >= to) break;
      if (end_first) {
        --active_;
        ends_.pop();
      } else {
        ++active_;
        starts_.pop_front();
      }
      peak = std::max(peak, active_);
    }
    peak_total_ = std::max(peak_total_, peak);
    add_counts(total_, r.counts);

    std::string line;
    fmt::format_to(std::back_inserter(line), "{},{}", format_seconds_3(from), format_seconds_3(to));
    append_counts(line, r.counts);
    fmt::format_to(std::back_inserter(line), ",{},{}", active_, peak);
    for (std::size_t t = 0; t < r.period.size(); ++t) {
      append_timing(line, r.period[t]);
      cum_[t].merge(r.period[t]);
    }
    append_counts(line, total_);
    fmt::format_to(std::back_inserter(line), ",{}", peak_total_);
    for (const Percentiles& c : cum_) append_timing(line, c);
    for (const QueueCounts& q : r.queues) append_queue(line, q);
    for (std::size_t q = 0; q < cum_queues_.size(); ++q) {
      cum_queues_[q].add(r.queues[q]);
      append_queue(line, cum_queues_[q]);
    }
    line += '\n';
    out_.write(line);
  }

  Duration d_;
  TextOut& out_;
  bool early_;
  std::map<std::size_t, Row> rows_;
  std::size_t next_ = 0;
  std::deque<SimTime> starts_;
  std::priority_queue<SimTime, std::vector<SimTime>, std::greater<>> ends_;
  std::int64_t active_ = 0, peak_total_ = 0;
  CallCounts total_;
  std::array<Percentiles, 4> cum_;
  SimTime max_end_{0}, last_start_{0}, end_{0};
  std::vector<QueueCounts> cum_queues_;                // since the start, per queue
  std::map<std::string, std::size_t, std::less<>> queue_index_;  // queue name -> column group
};

}  // namespace

// --- the stream --------------------------------------------------------------------------------

struct RecordStream::Impl {
  explicit Impl(StreamOptions o) : options(std::move(o)), order([this](const CallRecord& r) { consume(r); }) {
    for (const std::string& t : options.trunks) {
      Occupancy occupancy;
      occupancy.name = t;
      digest.occupancy.push_back(std::move(occupancy));
    }
    for (Occupancy& occupancy : digest.occupancy) series.emplace_back(occupancy);
    if (!options.dir.empty()) {
      order.set_spill_dir(options.dir);
      // With the records on a thread of their own, that thread writes cdr.csv as well.
      cdr.open(options.dir / "cdr.csv", !options.background);
      if (options.stats_interval > Duration::zero()) stats_out.open(options.dir / "stats.csv", false);
    }
  }

  void start() {
    if (started) return;
    started = true;
    if (cdr.active()) {
      buffer.assign(TextOut::kBuffer, '\0');
      const std::string_view header = acd() ? report_detail::kCdrHeaderAcd : report_detail::kCdrHeader;
      std::memcpy(buffer.data(), header.data(), header.size());
      used = header.size();
    }
    if (options.stats_interval > Duration::zero() && stats_out.active())
      stats.emplace(options.stats_interval, stats_out, early, options.queues);
  }

  void consume(const CallRecord& r) {
    ++digest.records;
    digest.counts.add(r);
    report_detail::for_each_sample(r, [this](int i, SimTime, Duration v) {
      digest.samples[static_cast<std::size_t>(i)].add(v);
    });
    if (digest.first_calls.size() < report_detail::kMaxCallRows) digest.first_calls.push_back(r);
    ladder.consume(r);
    for (OccupancySeries& s : series) s.consume(r);
    if (stats) stats->consume(r);
    if (cdr.active()) {
      const std::size_t need = report_detail::cdr_row_bound(r);
      if (buffer.size() - used < need) {
        flush();
        if (buffer.size() < need) buffer.resize(need);
      }
      used = static_cast<std::size_t>(report_detail::write_cdr_row(buffer.data() + used, r, acd()) - buffer.data());
    }
  }

  /// A run with ACD queues: cdr.csv and stats.csv have their columns.
  bool acd() const { return !options.queues.empty(); }

  void flush() {
    if (used) cdr.hand_over(buffer, used);
    used = 0;
  }

  StreamOptions options;
  bool early = false;
  bool started = false;
  bool finished = false;
  Digest digest;
  SerialOrder order;
  LadderSample ladder;
  std::deque<OccupancySeries> series;
  TextOut cdr, stats_out;
  std::optional<StatsRows> stats;
  std::vector<char> buffer;
  std::size_t used = 0;
  std::string error;
  // Last: the thread goes (and stops using the members above) before they do. Read at every
  // record by the run's thread while the other writes the members above: a cache line apart.
  alignas(64) std::unique_ptr<RecordPipe> pipe;
};

RecordStream::RecordStream(StreamOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
RecordStream::~RecordStream() = default;

void RecordStream::capture(std::string* cdr_csv, std::string* stats_csv) {
  if (cdr_csv) impl_->cdr.capture(cdr_csv);
  if (stats_csv) impl_->stats_out.capture(stats_csv);
}

void RecordStream::set_spill_threshold(std::size_t records) { impl_->order.set_threshold(records); }

void RecordStream::add(const CallRecord& record) {
  Impl& m = *impl_;
  if (m.pipe) return m.pipe->put(record);  // first: nothing the other thread writes is read
  if (!m.started) {
    m.early = true;  // records as calls end: stats.csv rows can be written as they close
    m.start();
    if (m.options.background && !m.finished)
      m.pipe = std::make_unique<RecordPipe>([&m](const CallRecord& r) { m.order.add(r); });
  }
  if (m.pipe) m.pipe->put(record);
  else m.order.add(record);
}

void RecordStream::add_in_order(const CallRecord& record) {
  impl_->start();
  impl_->consume(record);
}

void RecordStream::finish(const RunResult& run) {
  Impl& m = *impl_;
  if (m.finished) return;
  m.finished = true;
  m.start();
  if (m.pipe) {
    const std::unique_ptr<RecordPipe> pipe = std::move(m.pipe);
    pipe->close();  // every record has been seen (what a consumer threw, thrown here)
  }
  m.order.finish();
  for (OccupancySeries& s : m.series) s.finish();
  if (m.stats) m.stats->finish(run.sim_time);
  m.flush();
  m.cdr.close();
  m.stats_out.close();
  for (const TextOut* out : {&m.cdr, &m.stats_out})
    if (out->error() && m.error.empty())
      m.error = "cannot write " + out->path().string() + ": " + std::strerror(out->error());
  Digest& d = m.digest;
  for (std::size_t i = 0; i < d.samples.size(); ++i) {
    const Percentiles& p = d.samples[i];
    TimingSummary t;
    t.name = kTimingNames[i];
    t.count = static_cast<std::size_t>(p.count());
    if (p.count() > 0) {
      t.p50 = p.percentile(50);
      t.p95 = p.percentile(95);
      t.p99 = p.percentile(99);
      t.max = p.max();
    }
    d.timings.push_back(std::move(t));
  }
  m.ladder.result(d);
}

const report_detail::Digest& RecordStream::digest() const { return impl_->digest; }
const CallCounts& RecordStream::counts() const { return impl_->digest.counts; }
std::uint64_t RecordStream::records() const { return impl_->digest.records; }
const std::string& RecordStream::error() const { return impl_->error; }
std::uint64_t RecordStream::max_held() const { return impl_->order.max_held(); }
std::uint64_t RecordStream::spilled() const { return impl_->order.spilled(); }

std::vector<std::filesystem::path> RecordStream::files() const {
  std::vector<std::filesystem::path> out;
  if (impl_->options.dir.empty()) return out;
  out.push_back(impl_->options.dir / "cdr.csv");
  if (impl_->options.stats_interval > Duration::zero()) out.push_back(impl_->options.dir / "stats.csv");
  return out;
}

namespace report_detail {

Digest digest(const RunResult& run) {
  StreamOptions options;
  for (const RunResult::Trunk& t : run.trunks) options.trunks.push_back(t.name);
  RecordStream stream(std::move(options));
  for (const CallRecord* r : by_serial(run)) stream.add_in_order(*r);
  stream.finish(run);
  return stream.digest();
}

}  // namespace report_detail

}  // namespace telsim
