#include "modem_ports.hpp"

#include "telsim/server/wire_schema.hpp"

#include <fcntl.h>
#include <pty.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <regex>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

namespace telsim {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxUnsent = 1024 * 1024;  // output a terminal has not taken, per surface

std::string errno_text() { return std::strerror(errno); }

}  // namespace

struct ModemPorts::Impl final : ModemObserver {
  struct Surface;

  /// Bytes on their way to one terminal (the pty's master side or a TCP connection).
  struct Outbox {
    std::deque<std::string> queue;
    std::size_t bytes = 0;
    bool writing = false;
    bool overflowed = false;
  };

  struct Connection : std::enable_shared_from_this<Connection> {
    explicit Connection(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::array<char, 4096> buf{};
    Outbox out;
    bool gone = false;
  };

  struct Surface {
    Modem* modem = nullptr;
    LineId line = 0;
    const ModemSpec* spec = nullptr;
    // The pseudo-terminal.
    std::string link;
    std::string device;
    int slave = -1;  // held open: the pty lives while the server does, whoever opens it
    std::unique_ptr<asio::posix::stream_descriptor> master;
    std::array<char, 4097> rbuf{};
    int opens = 0;     // programs that have the device open (from inotify)
    bool controlled = false;  // the modem's latest Modem::controlled()
    bool b0 = false;   // the line speed is B0: "hang up" in termios terms
    int wd = -1;
    Outbox pty_out;
    // The TCP port.
    std::unique_ptr<tcp::acceptor> acceptor;
    std::string endpoint;
    std::shared_ptr<Connection> conn;

    bool dtr() const { return (slave >= 0 && opens > 0 && !b0) || (conn && !conn->gone); }

    ~Surface() {
      if (master && master->is_open()) {
        boost::system::error_code ec;
        master->close(ec);
      }
      if (slave >= 0) ::close(slave);
      remove_link();
    }
    void remove_link() {
      if (link.empty()) return;
      std::array<char, 4096> target{};
      const ssize_t n = ::readlink(link.c_str(), target.data(), target.size() - 1);
      if (n > 0 && std::string(target.data(), static_cast<std::size_t>(n)) == device) ::unlink(link.c_str());
      link.clear();
    }
  };

  Impl(asio::io_context& io_, ModemBank& b, const Scenario& scenario, Hooks h, std::ostream& l, bool q)
      : io(io_), bank(b), hooks(std::move(h)), log(l), quiet(q) {
    for (const ModemSpec& spec : scenario.modems) {
      if (spec.pty.empty() && spec.tcp.empty()) continue;
      auto s = std::make_unique<Surface>();
      s->spec = &spec;
      for (std::size_t i = 0; i < bank.size(); ++i) {
        if (bank.modem(i).name() == spec.config.name) {
          s->modem = &bank.modem(i);
          s->line = bank.line_of(i);
        }
      }
      if (!s->modem) continue;
      auto fail = [&](const std::string& what) {
        throw ScenarioError(scenario.file, spec.yaml_line, spec.yaml_column,
                            fmt::format("modem {}: {}", spec.config.name, what));
      };
      if (!spec.pty.empty()) make_pty(*s, fail);
      if (!spec.tcp.empty()) make_listener(*s, fail);
      surfaces.push_back(std::move(s));
    }
    for (auto& s : surfaces) {
      s->modem->add_observer(this);  // once nothing can throw
      // Logged now, before the server says it is listening: a program that waits for that line
      // finds every device already there and named.
      if (quiet) continue;
      std::string where;
      if (!s->link.empty()) where += fmt::format(" on {} ({})", s->link, s->device);
      if (s->acceptor) where += fmt::format("{} tcp {}", where.empty() ? " on" : ",", s->endpoint);
      log << fmt::format("telsim serve: modem {} ({}, {} bit/s){}\n", s->modem->name(), s->spec->config.number,
                         s->spec->config.speed, where)
          << std::flush;
    }
  }

  ~Impl() override {
    close();
    for (auto& s : surfaces) s->modem->remove_observer(this);
  }

  template <typename Fail>
  void make_pty(Surface& s, Fail&& fail) {
    if (inotify_fd < 0) {
      inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
      if (inotify_fd < 0) fail("cannot watch pseudo-terminals (inotify): " + errno_text());
      inotify = std::make_unique<asio::posix::stream_descriptor>(io, inotify_fd);
    }
    termios t{};
    ::cfmakeraw(&t);  // no echo or line editing on the slave: the modem echoes (ATE1)
    ::cfsetspeed(&t, B115200);
    int m = -1;
    int sl = -1;
    if (::openpty(&m, &sl, nullptr, &t, nullptr) != 0) fail("cannot open a pseudo-terminal: " + errno_text());
    ::fcntl(m, F_SETFD, FD_CLOEXEC);
    ::fcntl(sl, F_SETFD, FD_CLOEXEC);
    ::fcntl(m, F_SETFL, ::fcntl(m, F_GETFL) | O_NONBLOCK);
    s.slave = sl;
    s.master = std::make_unique<asio::posix::stream_descriptor>(io, m);
    // Packet mode tells the master when the slave's termios change (TIOCPKT_IOCTL, given while
    // EXTPROC is set): that is how a program dropping the line speed to B0 is seen.
    int one = 1;
    if (::ioctl(m, TIOCPKT, &one) != 0) fail("cannot put its pseudo-terminal in packet mode: " + errno_text());
    set_extproc(s);
    const char* name = ::ptsname(m);
    if (!name) fail("cannot name its pseudo-terminal: " + errno_text());
    s.device = name;
    const std::filesystem::path parent = std::filesystem::path(s.spec->pty).parent_path();
    std::error_code dir_error;
    if (!parent.empty()) std::filesystem::create_directories(parent, dir_error);
    if (dir_error) fail(fmt::format("cannot make the folder {} for its pty: {}", parent.string(), dir_error.message()));
    struct stat st {};
    if (::lstat(s.spec->pty.c_str(), &st) == 0) {
      if (!S_ISLNK(st.st_mode)) fail(fmt::format("pty {} exists and is not a link; remove it or choose another path", s.spec->pty));
      ::unlink(s.spec->pty.c_str());  // a link left by an earlier run
    }
    if (::symlink(s.device.c_str(), s.spec->pty.c_str()) != 0)
      fail(fmt::format("cannot make the link {} to {}: {}", s.spec->pty, s.device, errno_text()));
    s.link = s.spec->pty;
    s.wd = ::inotify_add_watch(inotify_fd, s.device.c_str(), IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
    if (s.wd < 0) fail(fmt::format("cannot watch {}: {}", s.device, errno_text()));
  }

  static void set_extproc(Surface& s) {
    termios t{};
    if (::tcgetattr(s.master->native_handle(), &t) != 0 || (t.c_lflag & EXTPROC)) return;
    t.c_lflag |= EXTPROC;
    ::tcsetattr(s.master->native_handle(), TCSANOW, &t);
  }

  template <typename Fail>
  void make_listener(Surface& s, Fail&& fail) {
    static const std::regex re(R"(^(?:(.*):)?([0-9]+)$)");
    std::smatch m;
    std::regex_match(s.spec->tcp, m, re);  // the loader checked the form
    std::string host = m[1].matched ? m[1].str() : "127.0.0.1";
    if (host == "localhost") host = "127.0.0.1";
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(host, ec);
    if (ec) fail(fmt::format("tcp {}: {}", s.spec->tcp, ec.message()));
    const tcp::endpoint ep(addr, static_cast<std::uint16_t>(std::stoul(m[2].str())));
    s.acceptor = std::make_unique<tcp::acceptor>(io);
    s.acceptor->open(ep.protocol(), ec);
    if (!ec) s.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) s.acceptor->bind(ep, ec);
    if (!ec) s.acceptor->listen(4, ec);
    if (ec) fail(fmt::format("cannot listen on {}: {}", s.spec->tcp, ec.message()));
    const auto bound = s.acceptor->local_endpoint(ec);
    s.endpoint = fmt::format("{}:{}", bound.address().to_string(), bound.port());
  }

  void start() {
    for (auto& s : surfaces) {
      if (s->master) read_pty(*s);
      if (s->acceptor) accept(*s);
      update_dtr(*s);  // nobody has it open yet: DTR is off
    }
    if (inotify) read_inotify();
  }

  // --- input -----------------------------------------------------------------------------------

  void input(Surface& s, std::string_view bytes) {
    if (closed || !hooks.before_input()) return;
    s.modem->from_dte(bytes);
    hooks.after_input();
  }

  void update_dtr(Surface& s) {
    const bool on = s.dtr();
    if (closed || on == s.modem->dtr() || !hooks.before_input()) return;
    s.modem->set_dtr(on);
    hooks.after_input();
  }

  void read_pty(Surface& s) {
    s.master->async_read_some(asio::buffer(s.rbuf), [this, &s](const boost::system::error_code& ec, std::size_t n) {
      if (closed || ec == asio::error::operation_aborted) return;
      if (ec) {
        log << fmt::format("telsim serve: modem {}: reading {} failed: {}\n", s.modem->name(), s.device, ec.message());
        return;
      }
      if (n > 0) {
        // Packet mode: a leading 0 means data follows; anything else is a status packet.
        const auto status = static_cast<unsigned char>(s.rbuf[0]);
        if (status == TIOCPKT_DATA) {
          if (n > 1) input(s, std::string_view(s.rbuf.data() + 1, n - 1));
        } else if (status & TIOCPKT_IOCTL) {
          termios t{};
          if (::tcgetattr(s.master->native_handle(), &t) == 0) s.b0 = ::cfgetospeed(&t) == B0;
          set_extproc(s);  // a program that set its own lflag may have cleared it
          update_dtr(s);
        }
      }
      read_pty(s);
    });
  }

  void read_inotify() {
    inotify->async_read_some(asio::buffer(ibuf), [this](const boost::system::error_code& ec, std::size_t n) {
      if (closed || ec) return;
      for (std::size_t off = 0; off + sizeof(inotify_event) <= n;) {
        inotify_event ev{};
        std::memcpy(&ev, ibuf.data() + off, sizeof ev);
        off += sizeof(inotify_event) + ev.len;
        for (auto& s : surfaces) {
          if (s->wd != ev.wd) continue;
          if (ev.mask & IN_OPEN) {
            // What the modem said while nobody listened is gone, as on a closed serial port;
            // not while an application controls it: that is data its provider holds for it.
            if (++s->opens == 1 && !s->modem->controlled()) ::tcflush(s->slave, TCIFLUSH);
          }
          if (ev.mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)) s->opens = std::max(0, s->opens - 1);
          update_dtr(*s);
        }
      }
      read_inotify();
    });
  }

  void accept(Surface& s) {
    s.acceptor->async_accept([this, &s](const boost::system::error_code& ec, tcp::socket socket) {
      if (closed || ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (s.conn && !s.conn->gone) {
          // One terminal at a time, as on a serial port.
          boost::system::error_code e;
          const std::string busy = fmt::format("telsim: modem {} is in use\r\n", s.modem->name());
          asio::write(socket, asio::buffer(busy), e);
          socket.close(e);
        } else {
          boost::system::error_code e;
          socket.set_option(tcp::no_delay(true), e);
          s.conn = std::make_shared<Connection>(std::move(socket));
          if (!quiet) log << fmt::format("telsim serve: modem {}: a terminal connected on tcp {}\n", s.modem->name(), s.endpoint) << std::flush;
          read_conn(s, s.conn);
          update_dtr(s);
        }
      }
      accept(s);
    });
  }

  void read_conn(Surface& s, const std::shared_ptr<Connection>& c) {
    c->socket.async_read_some(asio::buffer(c->buf), [this, &s, c](const boost::system::error_code& ec, std::size_t n) {
      if (closed || c->gone) return;
      if (ec) {
        drop_conn(s, c);
        return;
      }
      input(s, std::string_view(c->buf.data(), n));
      if (!c->gone) read_conn(s, c);
    });
  }

  void drop_conn(Surface& s, const std::shared_ptr<Connection>& c) {
    c->gone = true;
    boost::system::error_code e;
    c->socket.close(e);
    if (s.conn == c) s.conn.reset();
    update_dtr(s);
  }

  // --- output ----------------------------------------------------------------------------------

  void on_modem_state(const Modem& modem) override {
    if (closed) return;
    for (auto& s : surfaces) {
      if (s->modem != &modem || s->controlled == modem.controlled()) continue;
      s->controlled = modem.controlled();
      // An application takes the modem: what it said to its terminal before is not data.
      if (s->controlled && s->slave >= 0) {
        Outbox& box = s->pty_out;
        while (box.queue.size() > (box.writing ? 1u : 0u)) {  // the one being written stays
          box.bytes -= box.queue.back().size();
          box.queue.pop_back();
        }
        ::tcflush(s->slave, TCIFLUSH);
      }
    }
  }

  void on_modem_output(const Modem& modem, std::string_view bytes) override {
    if (closed) return;
    for (auto& s : surfaces) {
      if (s->modem != &modem) continue;
      if (s->master) queue(*s, s->pty_out, std::string(bytes));
      if (s->conn && !s->conn->gone) queue(*s, s->conn->out, std::string(bytes));
    }
  }

  void queue(Surface& s, Outbox& box, std::string bytes) {
    if (box.bytes + bytes.size() > kMaxUnsent) {
      if (!box.overflowed)
        log << fmt::format("telsim serve: modem {}: its terminal is not reading; output dropped\n", s.modem->name())
            << std::flush;
      box.overflowed = true;
      return;
    }
    box.overflowed = false;
    box.bytes += bytes.size();
    box.queue.push_back(std::move(bytes));
    if (&box == &s.pty_out) write_pty(s);
    else write_conn(s, s.conn);
  }

  void write_pty(Surface& s) {
    Outbox& box = s.pty_out;
    if (box.writing || box.queue.empty()) return;
    box.writing = true;
    asio::async_write(*s.master, asio::buffer(box.queue.front()), [this, &s](const boost::system::error_code& ec, std::size_t) {
      Outbox& b = s.pty_out;
      b.writing = false;
      if (closed || ec) return;
      b.bytes -= b.queue.front().size();
      b.queue.pop_front();
      write_pty(s);
    });
  }

  void write_conn(Surface& s, const std::shared_ptr<Connection>& c) {
    if (!c || c->gone || c->out.writing || c->out.queue.empty()) return;
    c->out.writing = true;
    asio::async_write(c->socket, asio::buffer(c->out.queue.front()), [this, &s, c](const boost::system::error_code& ec, std::size_t) {
      c->out.writing = false;
      if (closed || c->gone) return;
      if (ec) {
        drop_conn(s, c);
        return;
      }
      c->out.bytes -= c->out.queue.front().size();
      c->out.queue.pop_front();
      write_conn(s, c);
    });
  }

  void close() {
    if (closed) return;
    closed = true;
    boost::system::error_code ec;
    for (auto& s : surfaces) {
      if (s->master) {
        // The last words (NO CARRIER as the run clears its calls), as far as the pty takes them.
        for (const std::string& chunk : s->pty_out.queue) {
          if (::write(s->master->native_handle(), chunk.data(), chunk.size()) < 0) break;
        }
        ::tcdrain(s->slave);
        s->master->close(ec);
      }
      if (s->slave >= 0) {
        ::close(s->slave);
        s->slave = -1;
      }
      s->remove_link();
      if (s->acceptor) s->acceptor->close(ec);
      if (s->conn) {
        for (const std::string& chunk : s->conn->out.queue) {
          boost::system::error_code e;
          asio::write(s->conn->socket, asio::buffer(chunk), e);
          if (e) break;
        }
        s->conn->gone = true;
        s->conn->socket.close(ec);
      }
    }
    if (inotify) inotify->close(ec);
  }

  nlohmann::json describe(LineId line) const {
    for (const auto& s : surfaces) {
      if (s->line != line) continue;
      nlohmann::json j = nlohmann::json::object();
      if (!s->link.empty()) {
        j[telsim::wire::schema::field::kPty] = s->link;
        j[telsim::wire::schema::field::kTtyDevice] = s->device;
      }
      if (s->acceptor) j["tcp"] = s->endpoint;
      return j;
    }
    return nullptr;
  }

  asio::io_context& io;
  ModemBank& bank;
  Hooks hooks;
  std::ostream& log;
  bool quiet = false;
  std::vector<std::unique_ptr<Surface>> surfaces;
  int inotify_fd = -1;  // owned by `inotify` once made
  std::unique_ptr<asio::posix::stream_descriptor> inotify;
  std::array<char, 4096> ibuf{};
  bool closed = false;
};

ModemPorts::ModemPorts(boost::asio::io_context& io, ModemBank& bank, const Scenario& scenario, Hooks hooks,
                       std::ostream& log, bool quiet)
    : impl_(std::make_unique<Impl>(io, bank, scenario, std::move(hooks), log, quiet)) {}
ModemPorts::~ModemPorts() = default;
void ModemPorts::start() { impl_->start(); }
void ModemPorts::close() { impl_->close(); }
nlohmann::json ModemPorts::describe(LineId line) const { return impl_->describe(line); }

}  // namespace telsim
