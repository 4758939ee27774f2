#pragma once
/// The live console (`telsim serve --ui [HOST:]PORT`, docs/ui.md): one self-contained page over
/// HTTP, and a WebSocket per open page that speaks the wire protocol. Each page is a Client
/// like an application's TCP connection: its requests take the RequestHandler's path and its
/// frames are the same events, so the page's actions are ordinary requests under its client
/// name (ui-N). Runs on the server's io_context and thread (Boost.Beast).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "client.hpp"
#include "server_log.hpp"

namespace telsim::serve {

class UiServer {
 public:
  /// What the console needs of the server.
  class Host {
   public:
    virtual ~Host() = default;
    /// A page connected: its client joins the server's clients (numbered and named ui-N).
    virtual void ui_attach(std::shared_ptr<Client> client) = 0;
    /// One request from a page (a WebSocket text message holds one JSON frame).
    virtual void ui_frame(Client& client, const std::string& text) = 0;
    /// The page went (closed, reset, cut off): its calls and lines go with it. Told once.
    virtual void ui_detach(Client& client, const std::string& why) = 0;
    /// Whether requests are taken at all (not once the server stops).
    virtual bool ui_taking_requests() const = 0;
    /// The frame every page gets once a second (clock, parks, trunks, new verdicts since
    /// `seen`, which it moves on).
    virtual nlohmann::json ui_tick(std::size_t& seen) = 0;
  };
  struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string token;  ///< when set, every page and WebSocket must present it
    std::size_t max_frame = 64 * 1024;
    std::size_t max_queued_bytes = 4 * 1024 * 1024;
    std::size_t max_sessions = 64;
    bool quiet = false;
  };

  /// Listens at once (throws boost::system::system_error when it cannot; std::invalid_argument
  /// for a host off loopback without a token).
  UiServer(boost::asio::io_context& io, Options options, Host& host, ServerLog& log);
  ~UiServer();
  UiServer(const UiServer&) = delete;
  UiServer& operator=(const UiServer&) = delete;

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  /// Accept pages; the tick starts.
  void start();
  /// Accept nobody more, end the tick and every HTTP exchange; pages that have not closed
  /// within a second (the server sent them `shutdown` as a client) are closed.
  void stop();

  // --- the request log: every client's requests and their replies, for the pages ----------
  /// A request from `client` is about to be carried out.
  void request_begins(const Client& client, const std::string& text);
  /// A frame is being sent to `client` (a tap on every client's send): the first reply to the
  /// request in progress is kept.
  void sent(const Client& client, const std::string& frame);
  /// The request is done: the pages get a `{"ui":"request"}` frame (request, reply).
  void request_ends(double t);

  class Session;
  class HttpSession;

 private:
  friend class Session;
  friend class HttpSession;
  void accept();
  void tick();
  void broadcast(const std::string& frame);

  boost::asio::io_context& io_;
  Options options_;
  Host& host_;
  ServerLog& log_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer stop_timer_;
  bool stopped_ = false;
  std::set<std::shared_ptr<HttpSession>> http_;
  std::set<std::shared_ptr<Session>> pages_;
  // The request being carried out, for the log.
  const Client* logging_ = nullptr;
  std::string log_request_;
  std::string log_reply_;
};

}  // namespace telsim::serve
