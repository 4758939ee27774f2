// LPLINECALLPARAMS -> the wire's `params` (see call_params.hpp), checked member by member.
#include "call_params.hpp"

#include <cstddef>
#include <cstring>

#include "telsim/models/tapi_names.hpp"
#include "telsim/server/wire_schema.hpp"
#include "text.hpp"

namespace telsim::tsp {

using json = nlohmann::json;
namespace field = telsim::wire::schema::field;

namespace {

/// The names of the bits of `bits` in `family`; false when one is not the family's.
bool names_of(const tapi_names::Family& family, DWORD bits, json& out) {
  out = json::array();
  for (const auto& c : family.constants)
    if (bits & c.value) out.push_back(std::string(c.name));
  return (bits & ~family.all_bits()) == 0;
}

}  // namespace

LONG decode_call_params(const LINECALLPARAMS* p, json& out) {
  out = json::object();
  if (!p) return 0;
  constexpr DWORD kTapi14 = offsetof(LINECALLPARAMS, dwPredictiveAutoTransferStates);
  const DWORD total = p->dwTotalSize;
  if (total < kTapi14) return static_cast<LONG>(LINEERR_STRUCTURETOOSMALL);
  const auto covers = [total](std::size_t member_end) { return member_end <= total; };
  const BYTE* base = reinterpret_cast<const BYTE*>(p);
  // A variable part: inside the structure (never overlapping the fixed members' start) or bad.
  const auto part = [&](DWORD size, DWORD offset, std::string* bytes) -> bool {
    if (size == 0) return true;
    if (offset > total || size > total - offset) return false;
    if (bytes) bytes->assign(reinterpret_cast<const char*>(base + offset), size);
    return true;
  };
  const auto text = [&](DWORD size, DWORD offset, std::string& utf8) -> bool {
    std::string raw;
    if (!part(size, offset, &raw)) return false;
    if (raw.size() % sizeof(wchar_t)) return false;
    std::wstring w(raw.size() / sizeof(wchar_t), L'\0');
    if (!raw.empty()) std::memcpy(w.data(), raw.data(), raw.size());
    while (!w.empty() && w.back() == L'\0') w.pop_back();
    utf8 = narrow(w);
    return true;
  };
  constexpr LONG kBad = static_cast<LONG>(LINEERR_INVALCALLPARAMS);

  // Every offset/size pair TAPI 1.4 defines, whether the switch uses it or not.
  std::string orig, displayable, called, comment, uui;
  if (!text(p->dwOrigAddressSize, p->dwOrigAddressOffset, orig)) return kBad;
  if (!text(p->dwDisplayableAddressSize, p->dwDisplayableAddressOffset, displayable)) return kBad;
  if (!text(p->dwCalledPartySize, p->dwCalledPartyOffset, called)) return kBad;
  if (!text(p->dwCommentSize, p->dwCommentOffset, comment)) return kBad;
  if (!part(p->dwUserUserInfoSize, p->dwUserUserInfoOffset, &uui)) return kBad;
  if (!part(p->dwHighLevelCompSize, p->dwHighLevelCompOffset, nullptr)) return kBad;
  if (!part(p->dwLowLevelCompSize, p->dwLowLevelCompOffset, nullptr)) return kBad;
  if (!part(p->dwDevSpecificSize, p->dwDevSpecificOffset, nullptr)) return kBad;
  // TAPI 2.0's members, when the structure has them.
  DWORD auto_states = 0;
  std::string target;
  if (covers(offsetof(LINECALLPARAMS, dwNoAnswerTimeout))) {
    auto_states = p->dwPredictiveAutoTransferStates;
    if (!text(p->dwTargetAddressSize, p->dwTargetAddressOffset, target)) return kBad;
    if (!part(p->dwSendingFlowspecSize, p->dwSendingFlowspecOffset, nullptr)) return kBad;
    if (!part(p->dwReceivingFlowspecSize, p->dwReceivingFlowspecOffset, nullptr)) return kBad;
    std::string device_class;
    if (!text(p->dwDeviceClassSize, p->dwDeviceClassOffset, device_class)) return kBad;
    if (!part(p->dwDeviceConfigSize, p->dwDeviceConfigOffset, nullptr)) return kBad;
    if (!part(p->dwCallDataSize, p->dwCallDataOffset, nullptr)) return kBad;
  }
  // TAPI 2.2's (3.0's dwAddressType is for TAPI 3's address objects: not read).
  DWORD no_answer = 0;
  std::string calling;
  if (covers(offsetof(LINECALLPARAMS, dwCallingPartyIDOffset) + sizeof(DWORD))) {
    no_answer = p->dwNoAnswerTimeout;
    if (!text(p->dwCallingPartyIDSize, p->dwCallingPartyIDOffset, calling)) return kBad;
  }

  json names;
  if (p->dwCallParamFlags) {
    if (!names_of(tapi_names::kCallParamFlag, p->dwCallParamFlags, names)) return kBad;
    out[field::kFlags] = names;
  }
  if (p->dwBearerMode) {
    const std::string_view b = tapi_names::kBearerMode.name_of(p->dwBearerMode);
    if (b.empty()) return static_cast<LONG>(LINEERR_INVALBEARERMODE);
    out[field::kBearerMode] = std::string(b);
  }
  if (p->dwMediaMode) {
    if (!names_of(tapi_names::kMediaMode, p->dwMediaMode, names)) return static_cast<LONG>(LINEERR_INVALMEDIAMODE);
    out[field::kCallMediaMode] = names;
  }
  if (p->dwAddressMode == LINEADDRESSMODE_ADDRESSID) {
    out[field::kAddressMode] = "ADDRESSID";
    out[field::kAddressId] = p->dwAddressID;
  } else if (p->dwAddressMode == LINEADDRESSMODE_DIALABLEADDR) {
    out[field::kAddressMode] = "DIALABLEADDR";
    out[field::kOrigAddress] = orig;
  } else if (p->dwAddressMode != 0) {
    return static_cast<LONG>(LINEERR_INVALADDRESSMODE);
  }
  // LINECALLPARAMS has no display text of its own: the displayable address the application
  // gives is what the called party's display shows (LINECALLINFO dwDisplay).
  if (!displayable.empty()) out[field::kDisplayText] = displayable;
  while (!uui.empty() && uui.back() == '\0') uui.pop_back();
  if (!uui.empty()) out[field::kUserUserInfo] = uui;
  if (auto_states) {
    if (!names_of(tapi_names::kCallState, auto_states, names)) return kBad;
    out[field::kPredictiveAutoTransferStates] = names;
    out[field::kTargetAddress] = target;
  }
  if (no_answer) out[field::kNoAnswerTimeout] = std::to_string(no_answer) + "s";  // seconds, as TAPI counts
  if (!calling.empty()) out[field::kCallingPartyId] = calling;
  return 0;
}

namespace {
std::string string_at(const json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}
DWORD bits_at(const json& o, const char* key, const tapi_names::Family& family) {
  const auto it = o.find(key);
  if (it == o.end()) return 0;
  DWORD bits = 0;
  const auto one = [&](const json& v) {
    if (v.is_string()) bits |= family.value_of(v.get<std::string>()).value_or(0);
  };
  if (it->is_array())
    for (const json& v : *it) one(v);
  else
    one(*it);
  return bits;
}
}  // namespace

CarriedParams carried_params_sent(const json& p) {
  CarriedParams c;
  if (!p.is_object()) return c;
  c.caller_blocked = (bits_at(p, field::kFlags, tapi_names::kCallParamFlag) & LINECALLPARAMFLAGS_BLOCKID) != 0;
  c.bearer_mode = bits_at(p, field::kBearerMode, tapi_names::kBearerMode);
  c.media_mode = bits_at(p, field::kCallMediaMode, tapi_names::kMediaMode);
  c.calling_party_id = string_at(p, field::kCallingPartyId);
  c.display_text = string_at(p, field::kDisplayText);
  c.user_user_info = string_at(p, field::kUserUserInfo);
  return c;
}

CarriedParams carried_params(const json& frame) {
  const auto p = frame.find(field::kParams);
  CarriedParams c = p != frame.end() ? carried_params_sent(*p) : CarriedParams{};
  const auto b = frame.find(field::kCallerBlocked);
  c.caller_blocked = b != frame.end() && b->is_boolean() && b->get<bool>();
  return c;
}

}  // namespace telsim::tsp
