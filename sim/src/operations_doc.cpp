// The operation catalogue as documentation: the tables of docs/scenarios.md and
// docs/protocol.md, and `telsim operations`.
#include <fmt/format.h>

#include "telsim/sim/request.hpp"

namespace telsim {
namespace {

std::string argument(const ParamInfo& p, const OpInfo& op, Surface surface) {
  std::string out = fmt::format("`{}`", p.name);
  if (p.name == "call" && surface == Surface::Scenario && op.subject == Subject::Call) out += " or `line`";
  if (p.kind == ParamKind::Mode || p.kind == ParamKind::Modes) {
    std::string values;
    for (std::string_view v : p.values) values += (values.empty() ? "" : " / ") + fmt::format("`{}`", v);
    out += (p.kind == ParamKind::Modes ? ": a list of " : ": ") + values;
  }
  if (p.kind == ParamKind::Time) out += surface == Surface::Wire ? " (duration, or milliseconds)" : " (duration)";
  if (p.kind == ParamKind::Tones || p.kind == ParamKind::Controls) out += " (list)";
  if (p.kind == ParamKind::Names) out += " (list of names)";
  if (p.kind == ParamKind::DialParams) out += surface == Surface::Wire ? " (object, LINEDIALPARAMS)" : " (LINEDIALPARAMS)";
  if (surface == Surface::Wire && p.kind == ParamKind::Integer) out += " (integer)";
  if (surface == Surface::Wire && p.kind == ParamKind::Forwarding) out += " (list of rules)";
  if (p.kind == ParamKind::CallParams) out += surface == Surface::Wire ? " (object, LINECALLPARAMS)" : " (LINECALLPARAMS)";
  if (!p.required) out += " (optional)";
  return out;
}

std::string creates(const OpInfo& op, Surface surface) {
  const bool yaml = surface == Surface::Scenario;
  switch (op.creates) {
    case Creates::Nothing:
      if (op.op == Op::Park) return yaml ? "`returns`: the orbit it must return" : "`address` (the orbit)";
      if (op.op == Op::TranslateAddress) return yaml ? "`returns`: the dialable string it must return" : "`dialable`";
      if (op.op == Op::Handoff && !yaml) return "`to`";
      return "";
    case Creates::Call: return yaml ? "`as`: the new call" : "`call`";
    case Creates::Consult: return yaml ? "`as`: the consultation call" : "`consult`";
    case Creates::ConferenceAndConsult:
      return yaml ? "`as`: the conference call, `consult_as`: the consultation call" : "`call` (the conference), `consult`";
    case Creates::ConferenceOnConference:
      return yaml ? "`as`: the conference call (CONFERENCE mode)" : "`call` (the conference, in CONFERENCE mode)";
    case Creates::Completion: return yaml ? "`completion_as`: the completion id" : "`completion`";
  }
  return "";
}

}  // namespace

std::string operations_markdown(Surface surface) {
  std::string out = surface == Surface::Scenario ? "| op | arguments | names | TAPI | what it does |\n|---|---|---|---|---|\n"
                                                 : "| op | parameters | reply | TAPI | what it does |\n|---|---|---|---|---|\n";
  for (const OpInfo& op : operations()) {
    std::string args;
    for (const ParamInfo& p : op.params) args += (args.empty() ? "" : ", ") + argument(p, op, surface);
    out += fmt::format("| `{}` | {} | {} | {} | {} |\n", op.name, args, creates(op, surface), op.tapi, op.doc);
  }
  return out;
}

}  // namespace telsim
