#pragma once
// Call completion as a feature module of the Pbx core (see pbx_feature.hpp): lineCompleteCall
// (CAMPON, CALLBACK, INTRUDE, MESSAGE) and lineUncompleteCall. Internal to telsim::models.
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "telsim/models/pbx.hpp"
#include "telsim/models/pbx_feature.hpp"

namespace telsim {

class CallCompletion final : public PbxFeature {
 public:
  explicit CallCompletion(Pbx& pbx);

  /// Pbx::complete_call and Pbx::uncomplete_call (documented there).
  OpResult complete_call(CallId call, CompletionMode mode, std::string_view owner);
  OpResult uncomplete_call(LineId line, std::uint32_t completion);
  /// Pending camp-ons and callbacks, oldest first.
  const std::vector<Pbx::Completion>& pending() const { return completions_; }

  void on_disconnected(Call& call) override;
  bool answers(Call& call) override;
  void on_idle(Call& call) override;
  void on_shutdown() override;

 private:
  using Completion = Pbx::Completion;
  void try_completions();
  void run_completion(const Completion& c);
  void release_intruders(Call& call);
  /// The intruder's call left (or was thrown out): its view on the intruded line ends.
  void end_shown(CallId intruder);
  /// Look at the pending completions once this instant's changes are done.
  void schedule_check();

  Pbx& pbx_;
  std::vector<Completion> completions_;
  std::uint32_t next_completion_ = 1;
  /// Each intrusion: the intruder's call and the call that shows it on the intruded line.
  std::vector<std::pair<CallId, CallId>> shown_;
  bool check_scheduled_ = false;
};

}  // namespace telsim
