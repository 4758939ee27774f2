#include "connection.hpp"

#include <algorithm>
#include <string_view>

#include <boost/asio/write.hpp>
#include <fmt/format.h>

namespace telsim::serve {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Connection::Connection(tcp::socket socket, std::uint64_t number, Handler& handler, Limits limits)
    : socket_(std::move(socket)),
      number_(number),
      handler_(handler),
      limits_(limits),
      splitter_(limits.max_frame),
      auth_timer_(socket_.get_executor()) {
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  const auto remote = socket_.remote_endpoint(ec);
  peer_ = ec ? "?" : fmt::format("{}:{}", remote.address().to_string(), remote.port());
}

void Connection::read() {
  socket_.async_read_some(asio::buffer(inbuf_), [this, self = shared_from_this()](const boost::system::error_code& ec,
                                                                                   std::size_t n) {
    if (gone_) return;
    if (ec) {
      disconnect(ec == asio::error::eof ? "closed by the client" : ec.message());
      return;
    }
    items_.clear();
    splitter_.feed(std::string_view(inbuf_.data(), n), items_);
    for (const auto& item : items_) {
      if (gone_ || closing_ || !handler_.taking_requests()) break;
      handler_.on_frame(*this, item);
    }
    handler_.on_frames_done(*this);
    if (!gone_ && !closing_ && handler_.taking_requests()) read();
  });
}

void Connection::send(std::string text) {
  if (gone_) return;
  out_bytes_ += text.size();
  if (out_bytes_ > limits_.max_queued_bytes) {
    // The client is not reading: cut it off rather than let its queue grow without bound.
    // (This may run inside a PBX callback: the handler posts the clean-up.)
    handler_.on_cut_off(*this, out_bytes_);
    out_.clear();
    out_bytes_ = 0;
    closing_ = true;
    gone_ = true;  // nothing more is queued for it
    return;
  }
  out_.push_back(std::move(text));
  if (!writing_) write();
}

void Connection::write() {
  if (out_.empty()) {
    writing_ = false;
    if (closing_) disconnect("closed after flushing");
    return;
  }
  writing_ = true;
  writing_now_.clear();
  while (!out_.empty() && writing_now_.size() < 64 * 1024) {
    writing_now_ += out_.front();
    out_.pop_front();
  }
  asio::async_write(socket_, asio::buffer(writing_now_),
                    [this, self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                      if (gone_) return;
                      out_bytes_ -= std::min(out_bytes_, n);
                      if (ec) {
                        disconnect(ec.message());
                        return;
                      }
                      write();
                    });
}

void Connection::close_after_flush() {
  closing_ = true;
  if (!writing_) disconnect("closed");
}

void Connection::disconnect(const std::string& why) {
  if (gone_) return;
  gone_ = true;
  handler_.on_gone(*this, why);
}

void Connection::close() {
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  auth_timer_.cancel();
}

void Connection::start_auth_deadline(std::chrono::milliseconds timeout) {
  auth_timer_.expires_after(timeout);
  auth_timer_.async_wait([this, self = shared_from_this()](const boost::system::error_code& e) {
    if (e || gone_) return;
    handler_.on_auth_deadline(*this);
  });
}

}  // namespace telsim::serve
