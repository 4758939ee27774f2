#pragma once
/// One client's TCP connection.
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "telsim/server/protocol.hpp"

namespace telsim::serve {

/// One client's socket: reads bytes and cuts them into frames, queues what is sent to it and
/// writes it in order, cuts the client off when it stops reading (back-pressure), and keeps
/// the deadline for authenticating. Knows frames as bytes only: nothing of requests, clients
/// or the PBX. What happens on it is told to its Handler.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    /// A frame (or the notice of an oversized one) arrived; more may follow from one read.
    virtual void on_frame(Connection& connection, const wire::FrameSplitter::Item& item) = 0;
    /// The frames of one read have been handled.
    virtual void on_frames_done(Connection& connection) = 0;
    /// Whether the server still takes requests at all (not once it stops).
    virtual bool taking_requests() const = 0;
    /// The connection is gone: closed or reset by the client, failed, or closed by the server
    /// once its queue was written. Told once.
    virtual void on_gone(Connection& connection, const std::string& why) = 0;
    /// `unsent` bytes wait for a client that is not reading: it is cut off (from now on it is
    /// gone; on_gone is not told).
    virtual void on_cut_off(Connection& connection, std::size_t unsent) = 0;
    /// The authentication deadline passed while the connection was up.
    virtual void on_auth_deadline(Connection& connection) = 0;
  };
  struct Limits {
    std::size_t max_frame = wire::kMaxFrame;
    std::size_t max_queued_bytes = 4 * 1024 * 1024;  ///< queued + in flight, before a cut-off
  };

  /// Takes the accepted socket (no Nagle delay: replies are small and should leave at once).
  Connection(boost::asio::ip::tcp::socket socket, std::uint64_t number, Handler& handler, Limits limits);

  std::uint64_t number() const { return number_; }
  /// HOST:PORT of the far end ("?" when unknown).
  const std::string& peer() const { return peer_; }
  /// Start reading.
  void start() { read(); }
  /// Queue `text` and write it after what is queued already.
  void send(std::string text);
  /// Take no more frames; close once the queue has been written.
  void close_after_flush();
  /// The connection is gone (when it was not already): told to the handler.
  void disconnect(const std::string& why);
  /// Shut the socket down and close it; the authentication deadline goes too.
  void close();
  /// Tell the handler if the client has not authenticated within `timeout`.
  void start_auth_deadline(std::chrono::milliseconds timeout);
  void cancel_auth_deadline() { auth_timer_.cancel(); }
  bool gone() const { return gone_; }
  bool closing() const { return closing_; }

 private:
  void read();
  void write();

  boost::asio::ip::tcp::socket socket_;
  std::uint64_t number_;
  Handler& handler_;
  Limits limits_;
  std::string peer_;
  wire::FrameSplitter splitter_;
  std::array<char, 16 * 1024> inbuf_{};
  std::vector<wire::FrameSplitter::Item> items_;
  std::deque<std::string> out_;
  std::string writing_now_;
  std::size_t out_bytes_ = 0;  // queued + in flight
  bool writing_ = false;
  bool closing_ = false;  // no more requests; close once the queue is flushed
  bool gone_ = false;     // closed (or cut off): nothing more is read, queued or told
  boost::asio::steady_timer auth_timer_;
};

}  // namespace telsim::serve
