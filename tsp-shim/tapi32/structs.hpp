#pragma once
// TAPI's variable-size structures between a provider (always UTF-16, its TSPI version's layout)
// and an application (ANSI or Unicode, the API version it negotiated). The provider fills a
// buffer of ours that grows until everything fits; TAPI's own members are laid over it; then the
// structure is packed into the application's buffer: the fixed part of its version, then every
// string and list, DWORD-aligned, only when all of them fit in dwTotalSize (else dwNeededSize says
// how much would, dwUsedSize covers the fixed part and every variable size is 0). Strings are
// converted for ANSI callers (dwStringFormat STRINGFORMAT_ASCII).
#include <windows.h>
#include <tapi.h>

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace telsim::tapi32 {

enum class Kind { Binary, Text, TextList };

/// A variable member: where its dwXxxSize is (dwXxxOffset follows it), and what it holds.
struct Field {
  DWORD size_offset;
  Kind kind;
};

struct Shape {
  const char* name;
  DWORD (*fixed)(DWORD version);  ///< size of the fixed part for an API version
  std::vector<Field> fields;
  DWORD string_format_offset = 0;  ///< where dwStringFormat is (0: none)
};

const Shape& devcaps_shape();
const Shape& address_caps_shape();
const Shape& dev_status_shape();
const Shape& address_status_shape();
const Shape& call_info_shape();
const Shape& call_status_shape();
const Shape& varstring_shape();
const Shape& call_params_shape();
const Shape& call_list_shape();
const Shape& provider_list_shape();
const Shape& translate_output_shape();
const Shape& translate_caps_shape();
const Shape& country_list_shape();

enum class Conv { None, WideToAnsi, AnsiToWide };

/// Members TAPI fills itself: variable members by their size offset (UTF-16 text or bytes).
struct Overrides {
  std::map<DWORD, std::wstring> texts;
  std::map<DWORD, std::vector<BYTE>> bytes;
  /// Lists whose entries point at strings by their offset from the structure's start
  /// (LINEFORWARD, LINEAPPINFO): built for the offset where the list lands (same size anywhere).
  std::map<DWORD, std::function<std::vector<BYTE>(DWORD at, Conv conv)>> placed;
};

/// Pack `src` (a complete structure of `src_size` bytes whose fixed part is `src_fixed`) into
/// `dst` (dwTotalSize set by its owner, at least `dst_fixed`). Returns 0.
LONG pack(const Shape& shape, const BYTE* src, DWORD src_size, DWORD src_fixed, void* dst, DWORD dst_fixed, Conv conv,
          const Overrides* overrides = nullptr);

/// Ask a provider to fill a structure, growing the buffer until all of it fits. `call` gets the
/// buffer (dwTotalSize set) and returns the provider's result.
template <typename F>
LONG query(std::vector<BYTE>& buf, DWORD fixed, F&& call) {
  DWORD size = fixed + 1024;
  for (int attempt = 0; attempt < 6; ++attempt) {
    buf.assign(size, 0);
    *reinterpret_cast<DWORD*>(buf.data()) = size;
    const LONG rc = call(buf.data());
    if (rc != 0) return rc;
    const DWORD needed = reinterpret_cast<const DWORD*>(buf.data())[1];
    if (needed <= size || needed > (1u << 24)) return 0;
    size = needed + 256;
  }
  return 0;
}

/// An application's structure converted for a provider (LINECALLPARAMS, LINEFORWARDLIST...):
/// 0, or LINEERR_STRUCTURETOOSMALL / the `bad` error when its sizes do not hold together.
LONG convert_in(const Shape& shape, const void* in, DWORD in_fixed, DWORD out_fixed, Conv conv, std::vector<BYTE>& out,
                LONG bad);

/// A list of fixed-size entries followed by their strings, each entry pointing at its strings by
/// offset from the structure's start (`at` is where the list lands): LINEFORWARD, LINEAPPINFO,
/// LINELOCATIONENTRY, LINECOUNTRYENTRY. `texts[i]` are entry i's strings, each with where its
/// size/offset pair is inside the entry.
struct NestedText {
  DWORD size_at;
  std::wstring text;
};
std::vector<BYTE> nested_list(const std::vector<std::vector<BYTE>>& entries, DWORD entry,
                              const std::vector<std::vector<NestedText>>& texts, DWORD at, Conv conv);

/// Strings.
std::wstring wide(const char* s);        ///< ANSI (CP_ACP) to UTF-16; null: ""
std::string ansi(const std::wstring& s);  ///< UTF-16 to ANSI (CP_ACP)
/// An optional string argument: null stays null.
struct WideArg {
  WideArg(const char* s) : null(s == nullptr), text(wide(s)) {}
  WideArg(const wchar_t* s) : null(s == nullptr), text(s ? s : L"") {}
  LPCWSTR get() const { return null ? nullptr : text.c_str(); }
  bool null;
  std::wstring text;
};

/// The fixed part a structure type has for an API version.
DWORD devcaps_fixed(DWORD version);
DWORD address_caps_fixed(DWORD version);
DWORD dev_status_fixed(DWORD version);
DWORD call_info_fixed(DWORD version);
DWORD call_status_fixed(DWORD version);
DWORD call_params_fixed(DWORD version);

/// Where a member is (offsetof for the packed TAPI structures).
#define TELSIM_AT(type, member) static_cast<DWORD>(offsetof(type, member))

}  // namespace telsim::tapi32
