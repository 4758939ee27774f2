#pragma once
// The test host's own connection to `telsim serve`, monitoring every line: the model's truth,
// to hold the TSP's LINE_CALLSTATE sequences against.
#include <windows.h>

#include <string>
#include <vector>

#include "settings.hpp"
#include "wire.hpp"

namespace telsim::tsp::host {

class Monitor {
 public:
  /// Connect, say hello and monitor "*"; a Failure if the server is not there.
  explicit Monitor(const Endpoint& server, const std::string& token);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  struct State {
    std::string state;
    DWORD mode;  ///< LINEDISCONNECTMODE, LINEBUSYMODE for BUSY, 0 when none
  };
  /// The call_state events of a server call ("c17") so far.
  std::vector<State> states(const std::string& call);
  /// The simulated time (the events' `t`, seconds) of the server's first `state` for `call`; a
  /// Failure if it never reported it.
  double time_of(const std::string& call, const std::string& state);
  /// Wait until the server reported `state` for `call` (Failure after the host's timeout).
  void wait_state(const std::string& call, const std::string& state);
  /// A request on this connection (the monitor thread hands the reply over).
  json request(json frame);

 private:
  static DWORD WINAPI thread_main(void* self);
  void run();

  WinsockScope winsock_;
  BlockingSession session_;
  HANDLE thread_ = nullptr;
  volatile LONG stop_ = 0;
  SRWLOCK lock_ = SRWLOCK_INIT;
  CONDITION_VARIABLE changed_ = CONDITION_VARIABLE_INIT;
  std::vector<json> frames_;
  std::string error_;
  long long next_id_ = 100;
};

}  // namespace telsim::tsp::host
