#include "structs.hpp"

#include <algorithm>
#include <cstring>

#include "service.hpp"

namespace telsim::tapi32 {

namespace {

DWORD rd(const BYTE* p, DWORD at) {
  DWORD v;
  std::memcpy(&v, p + at, sizeof v);
  return v;
}
void wr(BYTE* p, DWORD at, DWORD v) { std::memcpy(p + at, &v, sizeof v); }
DWORD align4(DWORD n) { return (n + 3) & ~3u; }

std::vector<BYTE> convert_text(const BYTE* data, DWORD size, Conv conv) {
  if (conv == Conv::WideToAnsi) {
    const int n = static_cast<int>(size / sizeof(wchar_t));
    if (n == 0) return {};
    const auto* w = reinterpret_cast<const wchar_t*>(data);
    const int len = WideCharToMultiByte(CP_ACP, 0, w, n, nullptr, 0, nullptr, nullptr);
    std::vector<BYTE> out(static_cast<std::size_t>(len));
    WideCharToMultiByte(CP_ACP, 0, w, n, reinterpret_cast<char*>(out.data()), len, nullptr, nullptr);
    return out;
  }
  if (conv == Conv::AnsiToWide) {
    const int n = static_cast<int>(size);
    if (n == 0) return {};
    const auto* a = reinterpret_cast<const char*>(data);
    const int len = MultiByteToWideChar(CP_ACP, 0, a, n, nullptr, 0);
    std::vector<BYTE> out(static_cast<std::size_t>(len) * sizeof(wchar_t));
    MultiByteToWideChar(CP_ACP, 0, a, n, reinterpret_cast<wchar_t*>(out.data()), len);
    return out;
  }
  return std::vector<BYTE>(data, data + size);
}

}  // namespace

// --- fixed parts by version ----------------------------------------------------------------------

DWORD devcaps_fixed(DWORD v) {
  if (v < 0x00010004) return TELSIM_AT(LINEDEVCAPS, dwLineFeatures);
  if (v < 0x00020000) return TELSIM_AT(LINEDEVCAPS, dwSettableDevStatus);
  if (v < 0x00020002) return TELSIM_AT(LINEDEVCAPS, PermanentLineGuid);
  if (v < 0x00030000) return TELSIM_AT(LINEDEVCAPS, dwAddressTypes);
  return sizeof(LINEDEVCAPS);
}

DWORD address_caps_fixed(DWORD v) {
  if (v < 0x00010004) return TELSIM_AT(LINEADDRESSCAPS, dwAddressFeatures);
  if (v < 0x00020000) return TELSIM_AT(LINEADDRESSCAPS, dwPredictiveAutoTransferStates);
  return sizeof(LINEADDRESSCAPS);
}

DWORD dev_status_fixed(DWORD v) {
  return v < 0x00020000 ? TELSIM_AT(LINEDEVSTATUS, dwAvailableMediaModes) : sizeof(LINEDEVSTATUS);
}

DWORD call_info_fixed(DWORD v) {
  if (v < 0x00020000) return TELSIM_AT(LINECALLINFO, dwCallTreatment);
  if (v < 0x00030000) return TELSIM_AT(LINECALLINFO, dwCallerIDAddressType);
  return sizeof(LINECALLINFO);
}

DWORD call_status_fixed(DWORD v) {
  return v < 0x00020000 ? TELSIM_AT(LINECALLSTATUS, dwCallFeatures2) : sizeof(LINECALLSTATUS);
}

DWORD call_params_fixed(DWORD v) {
  if (v < 0x00020000) return TELSIM_AT(LINECALLPARAMS, dwPredictiveAutoTransferStates);
  if (v < 0x00030000) return TELSIM_AT(LINECALLPARAMS, dwAddressType);
  return sizeof(LINECALLPARAMS);
}

namespace {
DWORD whole_address_status(DWORD) { return sizeof(LINEADDRESSSTATUS); }
DWORD whole_varstring(DWORD) { return sizeof(VARSTRING); }
DWORD whole_call_list(DWORD) { return sizeof(LINECALLLIST); }
DWORD whole_provider_list(DWORD) { return sizeof(LINEPROVIDERLIST); }
DWORD whole_translate_output(DWORD) { return sizeof(LINETRANSLATEOUTPUT); }
DWORD whole_translate_caps(DWORD) { return sizeof(LINETRANSLATECAPS); }
DWORD whole_country_list(DWORD) { return sizeof(LINECOUNTRYLIST); }
}  // namespace

#define F(type, member, kind) Field{TELSIM_AT(type, member), Kind::kind}

const Shape& devcaps_shape() {
  static const Shape s{"LINEDEVCAPS", &devcaps_fixed,
                       {F(LINEDEVCAPS, dwProviderInfoSize, Text), F(LINEDEVCAPS, dwSwitchInfoSize, Text),
                        F(LINEDEVCAPS, dwLineNameSize, Text), F(LINEDEVCAPS, dwTerminalCapsSize, Binary),
                        F(LINEDEVCAPS, dwTerminalTextSize, Binary), F(LINEDEVCAPS, dwDevSpecificSize, Binary),
                        F(LINEDEVCAPS, dwDeviceClassesSize, TextList)},
                       TELSIM_AT(LINEDEVCAPS, dwStringFormat)};
  return s;
}

const Shape& address_caps_shape() {
  static const Shape s{"LINEADDRESSCAPS", &address_caps_fixed,
                       {F(LINEADDRESSCAPS, dwAddressSize, Text), F(LINEADDRESSCAPS, dwDevSpecificSize, Binary),
                        F(LINEADDRESSCAPS, dwCompletionMsgTextSize, Binary),
                        F(LINEADDRESSCAPS, dwCallTreatmentListSize, Binary),
                        F(LINEADDRESSCAPS, dwDeviceClassesSize, TextList)}};
  return s;
}

const Shape& dev_status_shape() {
  static const Shape s{"LINEDEVSTATUS", &dev_status_fixed,
                       {F(LINEDEVSTATUS, dwTerminalModesSize, Binary), F(LINEDEVSTATUS, dwDevSpecificSize, Binary),
                        F(LINEDEVSTATUS, dwAppInfoSize, Binary)}};
  return s;
}

const Shape& address_status_shape() {
  static const Shape s{"LINEADDRESSSTATUS", &whole_address_status,
                       {F(LINEADDRESSSTATUS, dwForwardSize, Binary), F(LINEADDRESSSTATUS, dwDevSpecificSize, Binary)}};
  return s;
}

const Shape& call_info_shape() {
  static const Shape s{"LINECALLINFO", &call_info_fixed,
                       {F(LINECALLINFO, dwCallerIDSize, Text), F(LINECALLINFO, dwCallerIDNameSize, Text),
                        F(LINECALLINFO, dwCalledIDSize, Text), F(LINECALLINFO, dwCalledIDNameSize, Text),
                        F(LINECALLINFO, dwConnectedIDSize, Text), F(LINECALLINFO, dwConnectedIDNameSize, Text),
                        F(LINECALLINFO, dwRedirectionIDSize, Text), F(LINECALLINFO, dwRedirectionIDNameSize, Text),
                        F(LINECALLINFO, dwRedirectingIDSize, Text), F(LINECALLINFO, dwRedirectingIDNameSize, Text),
                        F(LINECALLINFO, dwAppNameSize, Text), F(LINECALLINFO, dwDisplayableAddressSize, Text),
                        F(LINECALLINFO, dwCalledPartySize, Text), F(LINECALLINFO, dwCommentSize, Text),
                        F(LINECALLINFO, dwDisplaySize, Binary), F(LINECALLINFO, dwUserUserInfoSize, Binary),
                        F(LINECALLINFO, dwHighLevelCompSize, Binary), F(LINECALLINFO, dwLowLevelCompSize, Binary),
                        F(LINECALLINFO, dwChargingInfoSize, Binary), F(LINECALLINFO, dwTerminalModesSize, Binary),
                        F(LINECALLINFO, dwDevSpecificSize, Binary), F(LINECALLINFO, dwCallDataSize, Binary),
                        F(LINECALLINFO, dwSendingFlowspecSize, Binary),
                        F(LINECALLINFO, dwReceivingFlowspecSize, Binary)}};
  return s;
}

const Shape& call_status_shape() {
  static const Shape s{"LINECALLSTATUS", &call_status_fixed, {F(LINECALLSTATUS, dwDevSpecificSize, Binary)}};
  return s;
}

const Shape& varstring_shape() {
  static const Shape s{"VARSTRING", &whole_varstring, {F(VARSTRING, dwStringSize, Text)}, TELSIM_AT(VARSTRING, dwStringFormat)};
  return s;
}

const Shape& call_params_shape() {
  static const Shape s{"LINECALLPARAMS", &call_params_fixed,
                       {F(LINECALLPARAMS, dwOrigAddressSize, Text), F(LINECALLPARAMS, dwDisplayableAddressSize, Text),
                        F(LINECALLPARAMS, dwCalledPartySize, Text), F(LINECALLPARAMS, dwCommentSize, Text),
                        F(LINECALLPARAMS, dwUserUserInfoSize, Binary), F(LINECALLPARAMS, dwHighLevelCompSize, Binary),
                        F(LINECALLPARAMS, dwLowLevelCompSize, Binary), F(LINECALLPARAMS, dwDevSpecificSize, Binary),
                        F(LINECALLPARAMS, dwTargetAddressSize, Text), F(LINECALLPARAMS, dwSendingFlowspecSize, Binary),
                        F(LINECALLPARAMS, dwReceivingFlowspecSize, Binary), F(LINECALLPARAMS, dwDeviceClassSize, Text),
                        F(LINECALLPARAMS, dwDeviceConfigSize, Binary), F(LINECALLPARAMS, dwCallDataSize, Binary),
                        F(LINECALLPARAMS, dwCallingPartyIDSize, Text)}};
  return s;
}

const Shape& call_list_shape() {
  static const Shape s{"LINECALLLIST", &whole_call_list, {F(LINECALLLIST, dwCallsSize, Binary)}};
  return s;
}

const Shape& provider_list_shape() {
  static const Shape s{"LINEPROVIDERLIST", &whole_provider_list, {F(LINEPROVIDERLIST, dwProviderListSize, Binary)}};
  return s;
}

const Shape& translate_output_shape() {
  static const Shape s{"LINETRANSLATEOUTPUT", &whole_translate_output,
                       {F(LINETRANSLATEOUTPUT, dwDialableStringSize, Text),
                        F(LINETRANSLATEOUTPUT, dwDisplayableStringSize, Text)}};
  return s;
}

const Shape& translate_caps_shape() {
  static const Shape s{"LINETRANSLATECAPS", &whole_translate_caps,
                       {F(LINETRANSLATECAPS, dwLocationListSize, Binary), F(LINETRANSLATECAPS, dwCardListSize, Binary)}};
  return s;
}

const Shape& country_list_shape() {
  static const Shape s{"LINECOUNTRYLIST", &whole_country_list, {F(LINECOUNTRYLIST, dwCountryListSize, Binary)}};
  return s;
}

#undef F

// --- packing ------------------------------------------------------------------------------------

LONG pack(const Shape& shape, const BYTE* src, DWORD src_size, DWORD src_fixed, void* dst_v, DWORD dst_fixed, Conv conv,
          const Overrides* overrides) {
  auto* dst = static_cast<BYTE*>(dst_v);
  const DWORD total = rd(dst, 0);
  const bool has_sizes = &shape != &call_params_shape();
  const DWORD head = has_sizes ? 3 * sizeof(DWORD) : sizeof(DWORD);
  std::memset(dst + sizeof(DWORD), 0, dst_fixed - sizeof(DWORD));
  const DWORD common = std::min(src_fixed, dst_fixed);
  if (common > head) std::memcpy(dst + head, src + head, common - head);
  // The variable members say where their data is in `dst`, or nothing: never the source's places.
  for (const Field& f : shape.fields)
    if (f.size_offset + 2 * sizeof(DWORD) <= dst_fixed) {
      wr(dst, f.size_offset, 0);
      wr(dst, f.size_offset + sizeof(DWORD), 0);
    }

  struct Item {
    DWORD at;
    std::vector<BYTE> bytes;
  };
  std::vector<Item> items;
  DWORD needed = dst_fixed;
  for (const Field& f : shape.fields) {
    if (f.size_offset + 2 * sizeof(DWORD) > dst_fixed) continue;
    std::vector<BYTE> bytes;
    bool from_override = false;
    if (overrides) {
      if (auto t = overrides->texts.find(f.size_offset); t != overrides->texts.end()) {
        if (!t->second.empty()) {
          const auto* p = reinterpret_cast<const BYTE*>(t->second.c_str());
          bytes = convert_text(p, static_cast<DWORD>((t->second.size() + 1) * sizeof(wchar_t)),
                               conv == Conv::WideToAnsi ? Conv::WideToAnsi : Conv::None);
        }
        from_override = true;
      } else if (auto b = overrides->bytes.find(f.size_offset); b != overrides->bytes.end()) {
        bytes = b->second;
        from_override = true;
      } else if (auto pl = overrides->placed.find(f.size_offset); pl != overrides->placed.end()) {
        bytes = pl->second(0, conv);
        from_override = true;
      }
    }
    if (!from_override && f.size_offset + 2 * sizeof(DWORD) <= src_fixed) {
      const DWORD size = rd(src, f.size_offset), offset = rd(src, f.size_offset + sizeof(DWORD));
      if (size > 0 && offset >= head && offset <= src_size && size <= src_size - offset)
        bytes = f.kind == Kind::Binary ? std::vector<BYTE>(src + offset, src + offset + size)
                                       : convert_text(src + offset, size, conv);
    }
    if (bytes.empty()) continue;
    needed += align4(static_cast<DWORD>(bytes.size()));
    items.push_back({f.size_offset, std::move(bytes)});
  }
  const bool fit = needed <= total;
  if (fit) {
    DWORD at = dst_fixed;
    for (Item& i : items) {
      if (overrides)
        if (auto pl = overrides->placed.find(i.at); pl != overrides->placed.end()) i.bytes = pl->second(at, conv);
      std::memcpy(dst + at, i.bytes.data(), i.bytes.size());
      wr(dst, i.at, static_cast<DWORD>(i.bytes.size()));
      wr(dst, i.at + sizeof(DWORD), at);
      at += align4(static_cast<DWORD>(i.bytes.size()));
    }
  }
  if (has_sizes) {
    wr(dst, sizeof(DWORD), needed);
    wr(dst, 2 * sizeof(DWORD), fit ? needed : dst_fixed);
  }
  if (shape.string_format_offset && shape.string_format_offset + sizeof(DWORD) <= dst_fixed && conv == Conv::WideToAnsi)
    wr(dst, shape.string_format_offset, STRINGFORMAT_ASCII);
  return 0;
}

LONG convert_in(const Shape& shape, const void* in_v, DWORD in_fixed, DWORD out_fixed, Conv conv, std::vector<BYTE>& out,
                LONG bad) {
  const auto* in = static_cast<const BYTE*>(in_v);
  const DWORD total = rd(in, 0);
  if (total < in_fixed) return err(LINEERR_STRUCTURETOOSMALL);
  for (const Field& f : shape.fields) {
    if (f.size_offset + 2 * sizeof(DWORD) > in_fixed) continue;
    const DWORD size = rd(in, f.size_offset), offset = rd(in, f.size_offset + sizeof(DWORD));
    if (size > 0 && (offset < in_fixed || offset > total || size > total - offset)) return bad;
  }
  // Large enough for everything converted (a string at most doubles).
  out.assign(out_fixed + 2 * total + 64, 0);
  wr(out.data(), 0, static_cast<DWORD>(out.size()));
  pack(shape, in, total, in_fixed, out.data(), out_fixed, conv);
  wr(out.data(), 0, static_cast<DWORD>(out.size()));
  return 0;
}

std::vector<BYTE> nested_list(const std::vector<std::vector<BYTE>>& entries, DWORD entry,
                              const std::vector<std::vector<NestedText>>& texts, DWORD at, Conv conv) {
  std::vector<BYTE> out(entries.size() * entry, 0);
  for (std::size_t i = 0; i < entries.size(); ++i)
    std::memcpy(out.data() + i * entry, entries[i].data(), std::min<std::size_t>(entry, entries[i].size()));
  for (std::size_t i = 0; i < entries.size(); ++i) {
    for (const NestedText& t : texts[i]) {
      std::vector<BYTE> b;
      if (!t.text.empty()) {
        const auto* p = reinterpret_cast<const BYTE*>(t.text.c_str());
        b = convert_text(p, static_cast<DWORD>((t.text.size() + 1) * sizeof(wchar_t)),
                         conv == Conv::WideToAnsi ? Conv::WideToAnsi : Conv::None);
      }
      const DWORD size = static_cast<DWORD>(b.size());
      const DWORD offset = b.empty() ? 0 : at + static_cast<DWORD>(out.size());
      std::memcpy(out.data() + i * entry + t.size_at, &size, sizeof size);
      std::memcpy(out.data() + i * entry + t.size_at + sizeof(DWORD), &offset, sizeof offset);
      out.insert(out.end(), b.begin(), b.end());
    }
  }
  return out;
}

std::wstring wide(const char* s) {
  if (!s) return L"";
  const int n = MultiByteToWideChar(CP_ACP, 0, s, -1, nullptr, 0);
  if (n <= 0) return L"";
  std::wstring w(static_cast<std::size_t>(n), L'\0');
  MultiByteToWideChar(CP_ACP, 0, s, -1, w.data(), n);
  w.resize(static_cast<std::size_t>(n - 1));
  return w;
}

std::string ansi(const std::wstring& s) {
  if (s.empty()) return "";
  const int n = WideCharToMultiByte(CP_ACP, 0, s.c_str(), static_cast<int>(s.size()), nullptr, 0, nullptr, nullptr);
  std::string a(static_cast<std::size_t>(n), '\0');
  WideCharToMultiByte(CP_ACP, 0, s.c_str(), static_cast<int>(s.size()), a.data(), n, nullptr, nullptr);
  return a;
}

}  // namespace telsim::tapi32
