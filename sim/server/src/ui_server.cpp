// The live console's HTTP and WebSocket side (docs/ui.md): Boost.Beast on the server's
// io_context. GET / is the page (embedded at build time, sim/server/ui/index.html); GET /ws
// upgrades to a WebSocket whose text messages are wire frames both ways. Every page is a
// Client of the server: its requests are the wire protocol's, carried out like any other.
#include "ui_server.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

#include "telsim/server/protocol.hpp"
#include "telsim/server/server.hpp"

namespace telsim::serve {

extern const char* const kUiPage;
extern const std::size_t kUiPageSize;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kHttpTimeout = std::chrono::seconds(30);

/// Beast's string_view (Boost's, in 1.74) as the standard one.
std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() + 0 && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// The value of `key` in the target's query string, decoded.
std::optional<std::string> query_value(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) return percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return std::nullopt;
}

/// The host part of a Host header ("127.0.0.1:8080" -> "127.0.0.1", "[::1]:80" -> "::1").
std::string host_name(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return std::string(host.substr(1, close == std::string_view::npos ? host.size() - 1 : close - 1));
  }
  return std::string(host.substr(0, host.find(':')));
}

/// A Host header a page on this machine can have without a token: a loopback name or an IP
/// literal. Anything else is a name some DNS resolves to us (DNS rebinding: a web site whose
/// name points at 127.0.0.1 would otherwise drive the switch from the developer's browser).
bool host_without_token_ok(std::string_view host) {
  const std::string name = lower(host_name(host));
  if (name == "localhost") return true;
  boost::system::error_code ec;
  asio::ip::make_address(name, ec);
  return !ec;
}

}  // namespace

// --- a page's WebSocket ---------------------------------------------------------------------

/// One open page: a WebSocket whose messages are wire frames. What the server sends it is
/// batched: the frames queued while the loop is busy leave as one message (newline-separated).
class UiServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(UiServer& server, tcp::socket socket) : server_(server), ws_(std::move(socket)) {}

  void run(http::request<http::string_body> req);
  void send(std::string frame);
  void close_after_flush();
  void close_now(const std::string& why) { finish(why); }
  bool gone() const { return gone_; }
  bool closing() const { return closing_; }
  std::size_t seen = 0;  ///< expectation verdicts already sent to this page

 private:
  void read();
  void write();
  void finish(const std::string& why);

  UiServer& server_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer in_;
  std::shared_ptr<Client> client_;
  std::string pending_;  // queued, not yet written
  std::string writing_;  // in flight
  bool write_posted_ = false;
  bool writing_now_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool gone_ = false;
  bool attached_ = false;
};

namespace {
/// A page as the server's clients see it: frames go to its WebSocket.
class PageClient final : public Client {
 public:
  explicit PageClient(std::weak_ptr<UiServer::Session> s) : session_(std::move(s)) {}
  void send(std::string frame) override {
    if (auto s = session_.lock()) s->send(std::move(frame));
  }
  void close_after_flush() override {
    if (auto s = session_.lock()) s->close_after_flush();
  }
  bool gone() const override {
    const auto s = session_.lock();
    return !s || s->gone();
  }
  bool closing() const override {
    const auto s = session_.lock();
    return !s || s->closing();
  }

 private:
  std::weak_ptr<UiServer::Session> session_;
};
}  // namespace

void UiServer::Session::run(http::request<http::string_body> req) {
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "telsim");
  }));
  ws_.read_message_max(server_.options_.max_frame);
  ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return self->finish("WebSocket handshake failed: " + ec.message());
    if (self->server_.stopped_) return self->finish("server stopped");
    self->ws_.text(true);
    auto client = std::make_shared<PageClient>(self);
    const auto remote = beast::get_lowest_layer(self->ws_).socket().remote_endpoint(ec);
    client->peer = ec ? "?" : fmt::format("{}:{}", remote.address().to_string(), remote.port());
    client->authed = true;  // the token (when there is one) was checked at the upgrade
    self->client_ = client;
    self->attached_ = true;
    self->server_.host_.ui_attach(std::move(client));
    self->read();
  });
}

void UiServer::Session::read() {
  ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (self->gone_) return;
    if (ec) return self->finish(ec == websocket::error::closed ? "closed by the page" : ec.message());
    const std::string text = beast::buffers_to_string(self->in_.data());
    self->in_.consume(self->in_.size());
    // A message holds one frame (a page may send several, one per line).
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string frame = text.substr(start, end - start);
      if (!frame.empty() && frame.back() == '\r') frame.pop_back();
      start = end + 1;
      if (frame.empty()) continue;
      if (self->gone_ || self->closing_ || !self->server_.host_.ui_taking_requests()) break;
      self->server_.host_.ui_frame(*self->client_, frame);
    }
    self->read();
  });
}

void UiServer::Session::send(std::string frame) {
  if (gone_) return;
  if (client_) server_.sent(*client_, frame);
  pending_ += frame;
  if (pending_.size() + writing_.size() > server_.options_.max_queued_bytes) {
    // The page is not reading (a tab in the background does not stop a WebSocket; a stuck one
    // does): cut it off rather than let its queue grow. It reconnects when it can.
    server_.log_.say("{} cut off: {} bytes of events unsent (the page is not reading)",
                     client_ ? client_->name : "a page", pending_.size() + writing_.size());
    return finish("cut off (not reading)");
  }
  if (!write_posted_ && !writing_now_) {
    write_posted_ = true;
    asio::post(server_.io_, [self = shared_from_this()] {
      self->write_posted_ = false;
      self->write();
    });
  }
}

void UiServer::Session::write() {
  if (gone_ || writing_now_) return;
  if (pending_.empty()) {
    if (closing_ && !close_sent_) {
      close_sent_ = true;
      ws_.async_close(websocket::close_code::going_away,
                      [self = shared_from_this()](beast::error_code) { self->finish("closed"); });
    }
    return;
  }
  writing_.swap(pending_);
  pending_.clear();
  writing_now_ = true;
  ws_.async_write(asio::buffer(writing_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->writing_now_ = false;
    self->writing_.clear();
    if (self->gone_) return;
    if (ec) return self->finish(ec.message());
    self->write();
  });
}

void UiServer::Session::close_after_flush() {
  if (gone_) return;
  closing_ = true;
  if (!writing_now_ && !write_posted_) write();
}

void UiServer::Session::finish(const std::string& why) {
  if (gone_) return;
  gone_ = true;
  beast::error_code ec;
  beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
  beast::get_lowest_layer(ws_).socket().close(ec);
  // This may run inside a PBX callback (a cut-off while events go out): the rest waits.
  asio::post(server_.io_, [self = shared_from_this(), why] {
    if (self->attached_) {
      self->attached_ = false;
      self->server_.host_.ui_detach(*self->client_, why);
    }
    self->server_.pages_.erase(self);
  });
}

// --- HTTP -----------------------------------------------------------------------------------

/// One HTTP connection: requests for the page, or the upgrade to a page's WebSocket.
class UiServer::HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(UiServer& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {}
  void read();
  void close();

 private:
  void handle(http::request<http::string_body> req);
  void respond(http::status status, std::string_view type, std::string body, bool keep_alive, bool page = false);
  /// Why this request may not have what it asks for (empty: it may).
  std::optional<std::pair<http::status, std::string>> refusal(const http::request<http::string_body>& req,
                                                              bool upgrade) const;

  UiServer& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  bool closed_ = false;
};

void UiServer::HttpSession::read() {
  parser_.emplace();
  parser_->header_limit(16 * 1024);
  parser_->body_limit(16 * 1024);
  stream_.expires_after(kHttpTimeout);
  http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (self->closed_) return;
    if (ec) return self->close();
    self->handle(self->parser_->release());
  });
}

void UiServer::HttpSession::close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
  server_.http_.erase(shared_from_this());
}

std::optional<std::pair<http::status, std::string>> UiServer::HttpSession::refusal(
    const http::request<http::string_body>& req, bool upgrade) const {
  const std::string host(sv(req[http::field::host]));
  if (!server_.options_.token.empty()) {
    std::optional<std::string> token = query_value(sv(req.target()), "token");
    const std::string_view auth = sv(req[http::field::authorization]);
    if (!token && auth.substr(0, 7) == "Bearer ") token = std::string(auth.substr(7));
    if (!token || !wire::token_matches(*token, server_.options_.token)) {
      boost::system::error_code ec;
      const auto remote = stream_.socket().remote_endpoint(ec);
      const std::string_view target = sv(req.target());
      server_.log_.say("ui: {} from {} refused: {}", std::string(target.substr(0, target.find('?'))),
                       ec ? std::string("?") : remote.address().to_string(),
                       token ? "wrong token" : "no token");
      return std::make_pair(http::status::unauthorized,
                            std::string("This console needs the server's token: open /?token=TOKEN "
                                        "(the --token given to telsim serve, or TELSIM_TOKEN).\n"));
    }
  } else if (!host_without_token_ok(host)) {
    return std::make_pair(http::status::forbidden,
                          fmt::format("Host '{}' is not this machine's address; open the console at "
                                      "http://127.0.0.1:PORT/ (or start the server with a token).\n",
                                      host));
  }
  if (upgrade) {
    // Browsers send the page's origin with a WebSocket: only this console's own page may open
    // one (a page of another site would otherwise drive the switch).
    const std::string origin = lower(sv(req[http::field::origin]));
    if (!origin.empty() && origin != "http://" + lower(host))
      return std::make_pair(http::status::forbidden, std::string("cross-origin WebSocket refused\n"));
  }
  return std::nullopt;
}

void UiServer::HttpSession::handle(http::request<http::string_body> req) {
  const std::string_view target = sv(req.target());
  const std::string_view path = target.substr(0, target.find('?'));
  const bool keep_alive = req.keep_alive();
  if (websocket::is_upgrade(req)) {
    if (path != "/ws") return respond(http::status::not_found, "text/plain", "no such WebSocket\n", false);
    if (const auto no = refusal(req, true)) return respond(no->first, "text/plain", no->second, false);
    if (server_.stopped_) return respond(http::status::service_unavailable, "text/plain", "stopping\n", false);
    auto page = std::make_shared<Session>(server_, stream_.release_socket());
    server_.pages_.insert(page);
    closed_ = true;
    server_.http_.erase(shared_from_this());
    page->run(std::move(req));
    return;
  }
  if (req.method() != http::verb::get)
    return respond(http::status::method_not_allowed, "text/plain", "GET only\n", keep_alive);
  if (path == "/" || path == "/index.html") {
    if (const auto no = refusal(req, false)) return respond(no->first, "text/plain", no->second, false);
    return respond(http::status::ok, "text/html; charset=utf-8", std::string(kUiPage, kUiPageSize), keep_alive, true);
  }
  if (path == "/favicon.ico") return respond(http::status::no_content, "image/x-icon", "", keep_alive);
  respond(http::status::not_found, "text/plain", "not found\n", keep_alive);
}

void UiServer::HttpSession::respond(http::status status, std::string_view type, std::string body, bool keep_alive,
                                    bool page) {
  res_ = {};
  res_.version(11);
  res_.result(status);
  res_.set(http::field::server, "telsim");
  res_.set(http::field::content_type, beast::string_view(type.data(), type.size()));
  res_.set(http::field::cache_control, "no-store");
  res_.set("X-Content-Type-Options", "nosniff");
  res_.set("Referrer-Policy", "no-referrer");
  if (page) {
    // Self-contained: the page may load nothing from anywhere, and talk only to this server.
    res_.set("Content-Security-Policy",
             "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
             "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    res_.set("X-Frame-Options", "DENY");
  }
  res_.body() = std::move(body);
  res_.keep_alive(keep_alive);
  res_.prepare_payload();
  http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (self->closed_) return;
    if (ec || !self->res_.keep_alive()) return self->close();
    self->read();
  });
}

// --- the server -----------------------------------------------------------------------------

UiServer::UiServer(asio::io_context& io, Options options, Host& host, ServerLog& log)
    : io_(io), options_(std::move(options)), host_(host), log_(log), acceptor_(io), tick_timer_(io), stop_timer_(io) {
  if (!is_loopback(options_.host) && options_.token.empty())
    throw std::invalid_argument(fmt::format(
        "--ui on {} (not loopback) needs a token: --token T or TELSIM_TOKEN", options_.host));
  const auto addr = options_.host == "localhost" ? asio::ip::make_address("127.0.0.1")
                                                 : asio::ip::make_address(options_.host);
  const tcp::endpoint ep(addr, options_.port);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

UiServer::~UiServer() = default;

tcp::endpoint UiServer::local_endpoint() const { return acceptor_.local_endpoint(); }

void UiServer::start() {
  accept();
  tick();
}

void UiServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (stopped_) return;
    if (!ec) {
      if (http_.size() + pages_.size() >= options_.max_sessions) {
        boost::system::error_code e;
        socket.close(e);  // enough pages
      } else {
        boost::system::error_code e;
        socket.set_option(tcp::no_delay(true), e);
        auto s = std::make_shared<HttpSession>(*this, std::move(socket));
        http_.insert(s);
        s->read();
      }
    } else if (ec != asio::error::operation_aborted) {
      log_.say("ui: accept failed: {}", ec.message());
    }
    if (acceptor_.is_open()) accept();
  });
}

void UiServer::tick() {
  if (stopped_) return;
  if (!pages_.empty()) {
    const std::vector<std::shared_ptr<Session>> pages(pages_.begin(), pages_.end());
    for (const auto& p : pages)
      if (!p->gone() && !p->closing()) p->send(wire::frame(host_.ui_tick(p->seen)));
  }
  tick_timer_.expires_after(std::chrono::seconds(1));
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void UiServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  tick_timer_.cancel();
  const std::vector<std::shared_ptr<HttpSession>> http(http_.begin(), http_.end());
  for (const auto& h : http) h->close();
  // The pages got `shutdown` as clients and close once it is written; a page that has not
  // taken it within a second is closed anyway.
  stop_timer_.expires_after(std::chrono::seconds(1));
  stop_timer_.async_wait([this](const boost::system::error_code& e) {
    if (e) return;
    const std::vector<std::shared_ptr<Session>> pages(pages_.begin(), pages_.end());
    for (const auto& p : pages) p->close_now("server stopped");
  });
  if (pages_.empty()) stop_timer_.cancel();
}

void UiServer::broadcast(const std::string& frame) {
  for (const auto& p : pages_)
    if (!p->gone() && !p->closing()) p->send(frame);
}

// --- the request log ------------------------------------------------------------------------

void UiServer::request_begins(const Client& client, const std::string& text) {
  if (pages_.empty()) return;
  logging_ = &client;
  log_request_ = text;
  log_reply_.clear();
}

void UiServer::sent(const Client& client, const std::string& frame) {
  if (&client != logging_ || !log_reply_.empty()) return;
  if (frame.find("\"event\":") != std::string::npos) return;  // an event, not the reply
  log_reply_ = frame;
}

void UiServer::request_ends(double t) {
  if (!logging_) return;
  const Client& c = *logging_;
  logging_ = nullptr;
  if (pages_.empty()) return;
  nlohmann::json request = nlohmann::json::parse(log_request_, nullptr, false);
  const nlohmann::json reply = nlohmann::json::parse(log_reply_, nullptr, false);
  if (request.is_discarded() || reply.is_discarded()) return;
  if (request.is_object() && request.contains("token")) request["token"] = "(not shown)";  // auth, hello
  // The console's own frame (`ui`, not a wire `event`): only its pages get it.
  broadcast(wire::frame(nlohmann::json{{"ui", "request"}, {"client", c.name}, {"request", request},
                                       {"reply", reply}, {"t", t}}));
}

}  // namespace telsim::serve
