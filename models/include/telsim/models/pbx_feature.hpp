#pragma once
#include <string>
#include <string_view>

/// A feature module of the switch: its own state and counters, attached to the Pbx core at
/// named hooks. The core calls every attached module at each hook, in the order they were
/// attached; a module acts through the core's operations and its call-creating, transition and
/// offering primitives (it is the core's friend), never by writing a call's state itself.
///
/// Call completion (models/src/completion/), digits and media (models/src/media/) and the ACD
/// (models/src/acd/) are built this way.
namespace telsim {

struct Call;

class PbxFeature {
 public:
  virtual ~PbxFeature() = default;
  /// The switch is about to offer `origin`'s call to `number` (dialled, or where forwarding,
  /// a redirect or a transfer sends it; `hops` forwarding steps so far, `moved_by` the line that
  /// moved it, if any): a module that takes the call there itself returns true, and the core
  /// then does nothing more with it.
  virtual bool routes(Call& /*origin*/, const std::string& /*number*/, int /*hops*/, std::string_view /*moved_by*/) {
    return false;
  }
  /// `call` went DISCONNECTED (dropped, or its far end or the network ended it), before IDLE;
  /// observers have heard of it.
  virtual void on_disconnected(Call& /*call*/) {}
  /// lineAnswer on `call` (OFFERING or ACCEPTED), accepted and about to take effect: a module
  /// that answers it its own way (and moves its state itself) returns true, and the core then
  /// neither connects it nor calls on_answered.
  virtual bool answers(Call& /*call*/) { return false; }
  /// `call` was answered here (CONNECTED at its answer); its far party is linked.
  virtual void on_answered(Call& /*call*/) {}
  /// `call` reached IDLE and left every relation it had; its line may have become free. Its
  /// call detail record is written after the hooks.
  virtual void on_idle(Call& /*call*/) {}
  /// The run is ending: drop pending work before every call is cleared.
  virtual void on_shutdown() {}
};

}  // namespace telsim
