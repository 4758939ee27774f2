#include "telsim/server/client_console.hpp"

#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <regex>
#include <thread>

#include <boost/asio.hpp>
#include <fmt/format.h>

#include "telsim/models/catalogue.hpp"

#include "telsim/server/protocol.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;

namespace {
// The parameters the protocol wants as JSON integers: the catalogue's integer parameters of
// the operation (uncomplete_call's completion), hello's version, and `id` (either works; it is
// numbered as an integer). Every other key=value is a string.
bool integer_key(const std::string& op, const std::string& key) {
  if (key == "id" || (op == "hello" && key == "version")) return true;
  const OpInfo* info = find_operation(op);
  const ParamInfo* param = info ? find_param(*info, key) : nullptr;
  return param && param->kind == ParamKind::Integer;
}

bool is_integer(const std::string& v) {
  const std::size_t digits = v.size() - (!v.empty() && v[0] == '-' ? 1 : 0);
  return digits > 0 && digits < 18 && v.find_first_not_of("0123456789", v.size() - digits) == std::string::npos;
}
}  // namespace

std::optional<json> parse_console_line(const std::string& raw, long long& next_id) {
  const auto first = raw.find_first_not_of(" \t\r");
  if (first == std::string::npos || raw[first] == '#') return std::nullopt;
  std::string line = raw.substr(first);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  if (line[0] == '{') {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw std::invalid_argument("not a JSON object: " + line);
    if (!j.contains("id")) j["id"] = next_id++;
    return j;
  }
  std::istringstream words(line);
  std::string op;
  words >> op;
  json j{{"id", next_id++}, {"op", op}};
  std::string word;
  while (words >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument(fmt::format("'{}': parameters are key=value", word));
    const std::string key = word.substr(0, eq);
    std::string value = word.substr(eq + 1);
    if (!value.empty() && (value[0] == '[' || value[0] == '{')) {
      // A JSON value may contain spaces: take the rest of the line when it does not parse yet.
      json v = json::parse(value, nullptr, false);
      if (v.is_discarded()) {
        std::string rest;
        std::getline(words, rest);
        value += rest;
        v = json::parse(value, nullptr, false);
      }
      if (v.is_discarded()) throw std::invalid_argument(fmt::format("'{}': bad JSON value", key));
      j[key] = v;
    } else if (integer_key(op, key) && is_integer(value)) {
      j[key] = std::stoll(value);
    } else {
      // Everything else is a string, digits too: line=201 sends "line":"201", as the server
      // wants (it refuses a number where a string belongs).
      j[key] = value;
    }
  }
  return j;
}

namespace {

// Frames received, shared between the network thread and the script thread (`wait`).
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> frames;  // everything received, in order
  std::size_t cursor = 0;          // `wait` looks from here
  long long outstanding = 0;       // requests sent without a reply yet
  bool closed = false;
};

}  // namespace

int run_client_console(const ClientOptions& options, std::istream& in, std::ostream& out,
                       std::ostream& err) {
  asio::io_context io;
  tcp::socket socket(io);
  try {
    tcp::resolver resolver(io);
    asio::connect(socket, resolver.resolve(options.host, std::to_string(options.port)));
  } catch (const std::exception& e) {
    err << fmt::format("telsim client: cannot connect to {}:{}: {}\n", options.host, options.port, e.what());
    return 3;
  }
  Inbox inbox;
  std::mutex out_mu;
  auto guard = asio::make_work_guard(io);
  std::thread net([&] { io.run(); });

  // Reader: print every frame, count replies.
  asio::streambuf buf;
  std::function<void()> read = [&] {
    asio::async_read_until(socket, buf, '\n', [&](const boost::system::error_code& ec, std::size_t n) {
      if (ec) {
        std::lock_guard lock(inbox.mu);
        inbox.closed = true;
        inbox.cv.notify_all();
        return;
      }
      std::string frame(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(n));
      buf.consume(n);
      if (!frame.empty() && frame.back() == '\n') frame.pop_back();
      {
        std::lock_guard lock(out_mu);
        out << frame << '\n' << std::flush;
      }
      std::lock_guard lock(inbox.mu);
      const json parsed = json::parse(frame, nullptr, false);
      if (!parsed.is_object() || !parsed.contains("event")) --inbox.outstanding;
      inbox.frames.push_back(std::move(frame));
      inbox.cv.notify_all();
      read();
    });
  };
  asio::post(io, read);

  auto send = [&](const json& j) {
    auto text = std::make_shared<std::string>(wire::frame(j));
    {
      std::lock_guard lock(inbox.mu);
      ++inbox.outstanding;
    }
    asio::post(io, [&, text] {
      boost::system::error_code ec;
      asio::write(socket, asio::buffer(*text), ec);
    });
  };

  int code = 0;
  long long next_id = 1;
  if (!options.name.empty() || !options.token.empty()) {
    json hello{{"id", next_id++}, {"op", "hello"}, {"version", wire::kProtocolVersion}};
    if (!options.name.empty()) hello["name"] = options.name;
    if (!options.token.empty()) hello["token"] = options.token;
    send(hello);
  }
  std::string line;
  int line_number = 0;
  while (code == 0 && std::getline(in, line)) {
    ++line_number;
    std::istringstream words(line);
    std::string verb;
    words >> verb;
    if (verb == "sleep") {
      std::string d;
      words >> d;
      const auto duration = parse_duration(d);
      if (!duration) {
        err << fmt::format("telsim client: line {}: bad duration '{}'\n", line_number, d);
        code = 2;
        break;
      }
      std::this_thread::sleep_for(*duration);
      continue;
    }
    if (verb == "wait") {
      std::string pattern;
      std::getline(words, pattern);
      auto timeout = std::chrono::nanoseconds(std::chrono::seconds(30));
      // A trailing duration ("wait CONNECTED 5s") sets the timeout.
      if (const auto sp = pattern.find_last_of(' '); sp != std::string::npos && sp + 1 < pattern.size()) {
        if (auto d = parse_duration(pattern.substr(sp + 1))) {
          timeout = *d;
          pattern.erase(sp);
        }
      }
      pattern.erase(0, pattern.find_first_not_of(' '));
      std::regex re;
      try {
        re = std::regex(pattern);
      } catch (const std::regex_error& e) {
        err << fmt::format("telsim client: line {}: bad pattern '{}': {}\n", line_number, pattern, e.what());
        code = 2;
        break;
      }
      std::unique_lock lock(inbox.mu);
      const bool matched = inbox.cv.wait_for(lock, timeout, [&] {
        for (; inbox.cursor < inbox.frames.size(); ++inbox.cursor) {
          if (std::regex_search(inbox.frames[inbox.cursor], re)) {
            ++inbox.cursor;
            return true;
          }
        }
        return inbox.closed;
      });
      if (!matched || (inbox.closed && inbox.cursor >= inbox.frames.size())) {
        err << fmt::format("telsim client: line {}: nothing matched '{}' {}\n", line_number, pattern,
                           inbox.closed ? "before the server closed the connection" : "in time");
        code = 1;
      }
      continue;
    }
    try {
      if (auto request = parse_console_line(line, next_id)) send(*request);
    } catch (const std::invalid_argument& e) {
      err << fmt::format("telsim client: line {}: {}\n", line_number, e.what());
      code = 2;
    }
  }
  if (code == 0) {
    // Let the outstanding replies arrive, then linger for events.
    std::unique_lock lock(inbox.mu);
    inbox.cv.wait_for(lock, std::chrono::seconds(30), [&] { return inbox.outstanding <= 0 || inbox.closed; });
    if (options.linger.count() > 0)
      inbox.cv.wait_for(lock, options.linger, [&] { return inbox.closed; });
  }
  asio::post(io, [&] {
    boost::system::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  });
  guard.reset();
  net.join();
  return code;
}

}  // namespace telsim
