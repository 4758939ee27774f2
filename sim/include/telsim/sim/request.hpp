#pragma once
/// Decoding requests from the operation catalogue: a scenario's `do:` step (YAML) and a live
/// client's frame (JSON) are both an ArgSource, and one decoder turns either into a Request
/// checked against the operation's catalogue row (known keys, required ones, types, mode
/// values, forwarding rules). Each front end then resolves the Request's call and line
/// references in its own naming (scenario names, "c17") into a Command for the request path.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "telsim/models/catalogue.hpp"
#include "telsim/models/command.hpp"
#include "telsim/models/pbx_features.hpp"

namespace telsim {

/// One request's arguments as a front end received them: a YAML mapping or a JSON object.
/// Every error goes through fail(), which the front end turns into its own kind (a YAML error at
/// FILE:LINE:COL, a LINEERR reply) and throws; the getters throw the same way on a value of the
/// wrong type.
class ArgSource {
 public:
  virtual ~ArgSource() = default;
  /// The keys present, in the order written.
  virtual std::vector<std::string> keys() const = 0;
  /// Present with a value that is not null.
  virtual bool has(std::string_view key) const = 0;
  /// Present with an explicit null (YAML `~`/`null`, JSON null).
  virtual bool is_null(std::string_view key) const = 0;
  /// A text value (on the wire a JSON string; in YAML any scalar). nullopt when absent or null.
  virtual std::optional<std::string> text(std::string_view key, LineErr error) const = 0;
  /// A whole number. nullopt when absent or null.
  virtual std::optional<long long> integer(std::string_view key, LineErr error) const = 0;
  /// A decimal number (a fault's probability); by default read from its text.
  virtual std::optional<double> number(std::string_view key, LineErr error) const;
  /// A list of mappings (forwarding rules), each as a source of its own.
  virtual std::vector<std::unique_ptr<ArgSource>> items(std::string_view key, LineErr error) const = 0;
  /// A mapping (LINECALLPARAMS' `params`) as a source of its own; nullptr when absent or null.
  virtual std::unique_ptr<ArgSource> mapping(std::string_view key, LineErr error) const = 0;
  /// A scalar as text, whatever its type (on the wire a number's digits too): a duration's value.
  virtual std::optional<std::string> scalar(std::string_view key, LineErr error) const { return text(key, error); }
  /// A list of whole numbers (a tone's frequencies); a single one is a list of one. Empty when absent.
  virtual std::vector<long long> integers(std::string_view key, LineErr error) const;
  /// A list of texts (flag or state names); a single text is a list of one. Empty when absent.
  virtual std::vector<std::string> texts(std::string_view key, LineErr error) const = 0;
  /// An error about `key` (its value, or the mapping when the key is missing).
  [[noreturn]] virtual void fail(std::string_view key, LineErr error, const std::string& message) const = 0;
  /// An error about the whole mapping.
  [[noreturn]] virtual void fail_here(LineErr error, const std::string& message) const = 0;
};

/// A decoded operation: its catalogue row and its arguments, call and line references still in
/// the front end's naming.
struct Request {
  const OpInfo* op = nullptr;
  std::string line;                              ///< the `line` parameter (an extension number)
  std::string call, consult, held, conference;   ///< call references as written
  std::string to, digits, orbit, group, address; ///< as written ("" when absent)
  std::string completion;                        ///< uncomplete_call: as written (a number, or a scenario's name)
  std::optional<ParkMode> park_mode;             ///< park: as given (absent: by the orbit)
  TransferMode transfer_mode = TransferMode::Transfer;
  CompletionMode completion_mode = CompletionMode::CampOn;
  std::vector<ForwardRule> forwarding;
  CallParams params;  ///< `params` (LINECALLPARAMS), default when not given
  MediaArgs media;    ///< the media operations' arguments (is_media_op)
  AgentArgs agent;    ///< the agent operations' arguments (is_agent_op)
  /// Whether the request named `param` (a parameter of its operation).
  bool gave(std::string_view param) const;
  std::vector<std::string> given;  ///< the parameters given, in catalogue order
};

/// How a front end's requests differ, beyond the naming of calls.
struct DecodeOptions {
  /// Keys of the surrounding mapping that are not the operation's (a step's `at`, `as`; a
  /// frame's `id`, `op`): ignored here, checked by the front end.
  std::vector<std::string_view> other_keys;
  /// A call operation may name the `line` instead of the `call` (a scenario picks that line's
  /// oldest call the operation applies to).
  bool line_for_call = false;
  /// The completion of uncomplete_call may be a name (a scenario's `completion_as`).
  bool completion_by_name = false;
};

/// Decode `args` as operation `op`. Throws through ArgSource::fail on the first problem: a key
/// the operation does not take ("'orbit' is not an argument of drop (it takes: call)"), a
/// missing required one, a value of the wrong type, a mode that is not one of the row's values
/// (case-insensitive, with or without its TAPI prefix: "nondirected", "LINEPARKMODE_NONDIRECTED"),
/// or a bad forwarding rule.
Request decode_request(const OpInfo& op, const ArgSource& args, const DecodeOptions& options = {});

/// A mode value in its canonical spelling (upper case, no prefix), or nullopt when it is not one
/// of `param`'s values.
std::optional<std::string_view> canonical_mode(const ParamInfo& param, std::string_view text);

/// One forwarding rule: {when, to, after | rings, callers}, with `ext` too when `with_ext`
/// (a scenario's configured forwarding). `when` is unconditional, busy, no_answer,
/// busy_no_answer or dnd; `to` is required except for dnd, and an explicit null `to` with
/// unconditional is do-not-disturb (TAPI's null destination). `after` is a duration ("15s"),
/// `rings` 1..100, only for no-answer forwarding.
ForwardRule decode_forward_rule(const ArgSource& rule, bool with_ext, std::string* ext = nullptr);

/// LINECALLPARAMS as a `params` mapping: `no_answer_timeout` (a duration, 0: the switch's),
/// `flags` (LINECALLPARAMFLAGS names), `address_mode` (ADDRESSID or DIALABLEADDR) with
/// `address_id` (a whole number) or `orig_address`, `bearer_mode` (one LINEBEARERMODE name),
/// `media_mode` (LINEMEDIAMODE names), `calling_party_id`, `display_text`, `user_user_info`,
/// `predictive_auto_transfer_states` (LINECALLSTATE names) with `target_address`. Names take
/// any case, with or without their TAPI prefix. Errors are LINEERR_INVALCALLPARAMS naming the field.
CallParams decode_call_params(const ArgSource& params);

}  // namespace telsim

namespace telsim {

/// Where an operation is written: a scenario's `do:` step or a wire frame.
enum class Surface { Scenario, Wire };

/// The operation catalogue as a Markdown table for `surface`: each operation's name, its
/// arguments (optional ones marked, modes with their values), what it creates and the TAPI
/// function. docs/scenarios.md and docs/protocol.md hold these tables (a test checks), and
/// `telsim operations` prints them.
std::string operations_markdown(Surface surface);

}  // namespace telsim
