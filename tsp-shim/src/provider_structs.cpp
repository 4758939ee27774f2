// The synchronous queries: TAPI's variable-size structures filled from what the TSP knows, each
// honouring dwTotalSize (the fixed part always; the strings and lists only when all of it fits,
// dwNeededSize saying how much that is) and leaving alone the members TAPI fills itself.
#include <algorithm>
#include <cstring>
#include <cwctype>
#include <type_traits>

#include "log.hpp"
#include "provider.hpp"

#include <mcx.h>  // after windows.h (provider.hpp)
#include "text.hpp"

namespace telsim::tsp {
namespace {

constexpr LONG err(DWORD e) { return static_cast<LONG>(e); }

/// The variable part of a TAPI structure: items laid out after the fixed part, DWORD-aligned,
/// written (with their size and offset members) only if the whole structure fits.
class VarWriter {
 public:
  VarWriter(void* base, DWORD fixed)
      : base_(static_cast<BYTE*>(base)), total_(*static_cast<DWORD*>(base)), fixed_(fixed), needed_(fixed) {}

  /// Add bytes for the members `size`/`offset` (either may be null); an index for data()/at().
  std::size_t add(DWORD* size, DWORD* offset, std::vector<BYTE> bytes) {
    needed_ = (needed_ + 3u) & ~3u;
    items_.push_back({size, offset, std::move(bytes), needed_});
    needed_ += static_cast<DWORD>(items_.back().bytes.size());
    return items_.size() - 1;
  }
  /// A terminated UTF-16 string; an empty one takes no room (size and offset 0).
  void add_text(DWORD* size, DWORD* offset, const std::wstring& s) {
    if (s.empty()) {
      *size = 0;
      *offset = 0;
      return;
    }
    std::vector<BYTE> b((s.size() + 1) * sizeof(wchar_t), 0);
    std::memcpy(b.data(), s.data(), s.size() * sizeof(wchar_t));
    add(size, offset, std::move(b));
  }
  /// "a\0b\0\0", as dwDeviceClasses wants.
  void add_multi_text(DWORD* size, DWORD* offset, const std::vector<std::wstring>& list) {
    std::wstring all;
    for (const auto& s : list) {
      all += s;
      all += L'\0';
    }
    std::vector<BYTE> b((all.size() + 1) * sizeof(wchar_t), 0);
    std::memcpy(b.data(), all.data(), all.size() * sizeof(wchar_t));
    add(size, offset, std::move(b));
  }
  DWORD at(std::size_t item) const { return items_[item].at; }
  std::vector<BYTE>& bytes(std::size_t item) { return items_[item].bytes; }
  bool fits() const { return needed_ <= total_; }

  void commit() {
    DWORD* head = reinterpret_cast<DWORD*>(base_);  // dwTotalSize, dwNeededSize, dwUsedSize
    head[1] = needed_;
    const bool fit = fits();
    for (const Item& i : items_) {
      if (fit) std::memcpy(base_ + i.at, i.bytes.data(), i.bytes.size());
      if (i.size) *i.size = fit ? static_cast<DWORD>(i.bytes.size()) : 0;
      if (i.offset) *i.offset = fit ? i.at : 0;
    }
    head[2] = fit ? needed_ : fixed_;
  }

 private:
  struct Item {
    DWORD* size;
    DWORD* offset;
    std::vector<BYTE> bytes;
    DWORD at;
  };
  BYTE* base_;
  DWORD total_;
  DWORD fixed_;
  DWORD needed_;
  std::vector<Item> items_;
};

/// Zero the fixed part but dwTotalSize (for structures the provider fills entirely).
void clear_fixed(void* s, DWORD fixed) { std::memset(static_cast<BYTE*>(s) + sizeof(DWORD), 0, fixed - sizeof(DWORD)); }

DWORD devcaps_fixed(DWORD version) {
  if (version >= 0x00030000) return sizeof(LINEDEVCAPS);
  if (version >= 0x00020002) return offsetof(LINEDEVCAPS, dwAddressTypes);
  return offsetof(LINEDEVCAPS, PermanentLineGuid);
}

DWORD callinfo_fixed(DWORD version) {
  return version >= 0x00030000 ? sizeof(LINECALLINFO) : offsetof(LINECALLINFO, dwCallerIDAddressType);
}

/// FNV-1a: permanent ids that follow a line's number, not its position.
std::uint32_t fnv1a(const std::string& s) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

const std::vector<std::wstring> kDeviceClasses = {L"tapi/line", L"telsim/line", L"telsim/call", L"telsim/server"};

// TAPIPROTOCOL_PSTN, {831CE2D6-83B5-11D1-BB5C-00C04FB6809F}: spelt out rather than linked.
constexpr GUID kProtocolPstn = {0x831CE2D6, 0x83B5, 0x11D1, {0xBB, 0x5C, 0x00, 0xC0, 0x4F, 0xB6, 0x80, 0x9F}};

DWORD media_modes_of(const Line& l) {
  return LINEMEDIAMODE_INTERACTIVEVOICE | (l.is_modem() ? LINEMEDIAMODE_DATAMODEM : 0);
}

/// LINECALLINFOSTATE_* a call's LINE_CALLINFO may name for the media operations offered.
DWORD media_info_states(const media::Caps& m) {
  using media::Op;
  DWORD bits = 0;
  if (m.offers(Op::SetMediaMode) || m.offers(Op::MonitorMedia)) bits |= LINECALLINFOSTATE_MEDIAMODE;
  if (m.offers(Op::SendUserUserInfo)) bits |= LINECALLINFOSTATE_USERUSERINFO;
  if (m.offers(Op::SetCallData)) bits |= LINECALLINFOSTATE_CALLDATA;
  if (m.offers(Op::SetCallTreatment)) bits |= LINECALLINFOSTATE_TREATMENT;
  if (m.offers(Op::SetCallQualityOfService)) bits |= LINECALLINFOSTATE_QOS;
  if (m.offers(Op::SetCallParams)) bits |= LINECALLINFOSTATE_BEARERMODE | LINECALLINFOSTATE_RATE | LINECALLINFOSTATE_DIALPARAMS;
  if (m.offers(Op::MonitorDigits) || m.offers(Op::MonitorMedia)) bits |= LINECALLINFOSTATE_MONITORMODES;
  return bits;
}

/// "Music" for LINECALLTREATMENT_MUSIC: the call treatment list's names.
std::wstring treatment_name(DWORD t) {
  const char* n = media::name_of(media::kTreatments, t);
  std::wstring w;
  for (const char* p = n ? n : ""; *p; ++p)
    w += static_cast<wchar_t>(w.empty() ? *p : std::tolower(static_cast<unsigned char>(*p)));
  return w;
}

/// LINECALLFEATURE2_* of the LINECALLFEATURE_* bits: the transfer, park and completion modes
/// behind them.
DWORD call_features2(DWORD features) {
  DWORD f2 = 0;
  if (features & LINECALLFEATURE_COMPLETETRANSF) f2 |= LINECALLFEATURE2_TRANSFERNORM | LINECALLFEATURE2_TRANSFERCONF;
  if (features & LINECALLFEATURE_PARK) f2 |= LINECALLFEATURE2_PARKDIRECT | LINECALLFEATURE2_PARKNONDIRECT;
  if (features & LINECALLFEATURE_COMPLETECALL)
    f2 |= LINECALLFEATURE2_COMPLCAMPON | LINECALLFEATURE2_COMPLCALLBACK | LINECALLFEATURE2_COMPLINTRUDE |
          LINECALLFEATURE2_COMPLMESSAGE;
  return f2;
}

/// LINEFEATURE_* of a line of this switch: what its line operations allow.
DWORD switch_line_features(const SwitchCaps& caps) {
  DWORD f = 0;
  if (caps.supports(Op::MakeCall)) f |= LINEFEATURE_MAKECALL;
  if (caps.supports(Op::Forward)) f |= LINEFEATURE_FORWARD | LINEFEATURE_FORWARDFWD | LINEFEATURE_FORWARDDND;
  return f;
}

/// What an address of this switch can do. A directed pickup needs no pickup group: only group
/// pickup depends on the switch having groups (hello's `pickup`), unparking on it having orbits.
DWORD switch_address_features(const SwitchCaps& caps) {
  DWORD f = 0;
  if (caps.supports(Op::MakeCall)) f |= LINEADDRFEATURE_MAKECALL;
  if (caps.supports(Op::Forward)) f |= LINEADDRFEATURE_FORWARD | LINEADDRFEATURE_FORWARDFWD | LINEADDRFEATURE_FORWARDDND;
  if (caps.supports(Op::UncompleteCall)) f |= LINEADDRFEATURE_UNCOMPLETECALL;
  if (caps.supports(Op::Pickup)) {
    f |= LINEADDRFEATURE_PICKUP | LINEADDRFEATURE_PICKUPDIRECT;
    if (caps.pickup) f |= LINEADDRFEATURE_PICKUPGROUP;
  }
  if (caps.park && caps.supports(Op::Unpark)) f |= LINEADDRFEATURE_UNPARK;
  return f;
}

/// A consultation call can be made (and so can be dropped: AUTORECONNECT means something).
bool consults(const SwitchCaps& caps) {
  return caps.supports(Op::SetupTransfer) || caps.supports(Op::SetupConference) ||
         caps.supports(Op::PrepareAddToConference);
}

/// A conference call can exist: set up, or made by completing a transfer as a conference.
bool conferences(const SwitchCaps& caps) {
  return caps.supports(Op::SetupConference) || caps.supports(Op::CompleteTransfer);
}

DWORD serial_of(const std::string& server_name) {
  if (server_name.size() < 2 || server_name[0] != 'c') return 0;
  DWORD v = 0;
  for (std::size_t i = 1; i < server_name.size(); ++i) {
    if (server_name[i] < '0' || server_name[i] > '9') return 0;
    v = v * 10 + static_cast<DWORD>(server_name[i] - '0');
  }
  return v;
}

}  // namespace

void fill_varstring(LPVARSTRING v, const std::wstring& text) {
  clear_fixed(v, sizeof(VARSTRING));
  v->dwStringFormat = STRINGFORMAT_UNICODE;
  VarWriter w(v, sizeof(VARSTRING));
  w.add_text(&v->dwStringSize, &v->dwStringOffset, text);
  w.commit();
}

void fill_varstring(LPVARSTRING v, const void* data, DWORD size) {
  clear_fixed(v, sizeof(VARSTRING));
  v->dwStringFormat = STRINGFORMAT_BINARY;
  VarWriter w(v, sizeof(VARSTRING));
  const BYTE* b = static_cast<const BYTE*>(data);
  w.add(&v->dwStringSize, &v->dwStringOffset, std::vector<BYTE>(b, b + size));
  w.commit();
}

DWORD Provider::line_features(const Line& l) const {
  return in_service(l) ? switch_line_features(caps_) : 0;
}

DWORD Provider::address_features(const Line& l) const {
  return in_service(l) ? switch_address_features(caps_) : 0;
}

DWORD Provider::call_counts(const Line& l, DWORD& active, DWORD& held, DWORD& pending) const {
  active = held = pending = 0;
  for (const auto& [h, c] : calls_) {
    (void)h;
    if (c->line != l.index || !c->valid) continue;  // not yet TAPI's: in no count
    switch (c->state) {
      case 0:
      case LINECALLSTATE_IDLE: break;
      case LINECALLSTATE_ONHOLD: ++held; break;
      case LINECALLSTATE_ONHOLDPENDCONF:
      case LINECALLSTATE_ONHOLDPENDTRANSFER: ++pending; break;
      default: ++active; break;
    }
  }
  return active + held + pending;
}

LONG Provider::get_dev_caps(DWORD device_id, DWORD version, DWORD, LPLINEDEVCAPS caps) {
  if (!caps) return err(LINEERR_INVALPOINTER);
  const DWORD fixed = devcaps_fixed(version);
  if (caps->dwTotalSize < fixed) return err(LINEERR_STRUCTURETOOSMALL);
  Guard g(lock_);
  const Line* l = line_by_device(device_id);
  if (!l) return err(LINEERR_BADDEVICEID);
  clear_fixed(caps, fixed);
  caps->dwPermanentLineID = fnv1a(l->number);
  caps->dwStringFormat = STRINGFORMAT_UNICODE;
  caps->dwAddressModes = LINEADDRESSMODE_ADDRESSID;
  caps->dwNumAddresses = 1;
  // A modem's line also hands its program the modem (Unimodem's passthrough).
  caps->dwBearerModes = LINEBEARERMODE_VOICE | (l->is_modem() ? LINEBEARERMODE_PASSTHROUGH : 0);
  // The switch's media (hello's pbx.media): the modes it knows, digits, tones.
  const media::Caps& m = caps_.media;
  caps->dwMediaModes = media_modes_of(*l) | m.media_modes;
  caps->dwMonitorDigitModes = m.offers(media::Op::MonitorDigits) ? m.monitor_digit_modes : 0;
  caps->dwGenerateDigitModes = m.offers(media::Op::GenerateDigits) ? m.generate_digit_modes : 0;
  caps->dwGenerateToneModes = m.offers(media::Op::GenerateTone) ? m.generate_tone_modes : 0;
  caps->dwGenerateToneMaxNumFreq =
      m.offers(media::Op::GenerateTone) && (m.generate_tone_modes & LINETONEMODE_CUSTOM) ? m.max_tone_frequencies : 0;
  caps->dwMonitorToneMaxNumFreq = m.offers(media::Op::MonitorTones) ? m.max_tone_frequencies : 0;
  caps->dwMonitorToneMaxNumEntries = m.offers(media::Op::MonitorTones) ? m.max_monitored_tones : 0;
  caps->dwGatherDigitsMinTimeout = m.offers(media::Op::GatherDigits) ? m.gather_min_timeout : 0;
  caps->dwGatherDigitsMaxTimeout = m.offers(media::Op::GatherDigits) ? m.gather_max_timeout : 0;
  if (m.offers(media::Op::SetMediaControl)) {
    // What TSPI_lineSetMediaControl takes (its own limit; the switch names none).
    caps->dwMedCtlDigitMaxListSize = caps->dwMedCtlMediaMaxListSize = caps->dwMedCtlToneMaxListSize =
        caps->dwMedCtlCallStateMaxListSize = 32;
  }
  if (m.offers(media::Op::SendUserUserInfo)) caps->dwUUISendUserUserInfoSize = m.max_uui;
  if (m.max_uui) caps->dwUUICallInfoSize = m.max_uui;
  // The dial-string modifiers the switch honours (`W`, `@`, `$`); the others it refuses with
  // DIALDIALTONE, DIALQUIET or DIALBILLING. Closing a call drops it where the switch can drop.
  caps->dwDevCapFlags = (caps_.supports(Op::Drop) ? LINEDEVCAPFLAGS_CLOSEDROP : 0) |
                        (caps_.dial_dialtone ? LINEDEVCAPFLAGS_DIALDIALTONE : 0) |
                        (caps_.dial_quiet ? LINEDEVCAPFLAGS_DIALQUIET : 0) |
                        (caps_.dial_billing ? LINEDEVCAPFLAGS_DIALBILLING : 0);
  caps->dwMaxNumActiveCalls = 1;
  caps->dwAnswerMode = caps_.supports(Op::Answer) ? caps_.answer_mode : 0;
  // A `,` pauses dial_pause; the switch's own, not the application's to change (min = max).
  for (LINEDIALPARAMS* dp : {&caps->MinDialParams, &caps->MaxDialParams, &caps->DefaultDialParams})
    dp->dwDialPause = caps_.dial_pause_ms;
  caps->dwRingModes = 1;
  caps->dwLineStates =
      LINEDEVSTATE_INSERVICE | LINEDEVSTATE_OUTOFSERVICE | LINEDEVSTATE_MSGWAITON | LINEDEVSTATE_MSGWAITOFF;
  caps->dwLineFeatures = switch_line_features(caps_);
  VarWriter w(caps, fixed);
  w.add_text(&caps->dwProviderInfoSize, &caps->dwProviderInfoOffset,
             widen(std::string("telsim TSP ") + TELSIM_TSP_VERSION + " (telsim serve at " + settings_.server.text() + ")"));
  w.add_text(&caps->dwSwitchInfoSize, &caps->dwSwitchInfoOffset,
             widen(caps_.server + (caps_.scenario.empty() ? "" : ", scenario " + caps_.scenario)));
  w.add_text(&caps->dwLineNameSize, &caps->dwLineNameOffset, widen(line_name(*l)));
  w.add_multi_text(&caps->dwDeviceClassesSize, &caps->dwDeviceClassesOffset, kDeviceClasses);
  if (version >= 0x00020002) {
    const std::uint32_t h = fnv1a("telsim line " + l->number);
    caps->PermanentLineGuid = GUID{fnv1a(l->number), 0x7E15, 0x4D53,
                                   {'t', 'e', 'l', 's', static_cast<BYTE>(h), static_cast<BYTE>(h >> 8),
                                    static_cast<BYTE>(h >> 16), static_cast<BYTE>(h >> 24)}};
  }
  if (version >= 0x00030000) {
    caps->dwAddressTypes = LINEADDRESSTYPE_PHONENUMBER;
    caps->ProtocolGuid = kProtocolPstn;
    caps->dwAvailableTracking = 0;
  }
  w.commit();
  return 0;
}

LONG Provider::get_address_caps(DWORD device_id, DWORD address_id, DWORD, DWORD, LPLINEADDRESSCAPS caps) {
  if (!caps) return err(LINEERR_INVALPOINTER);
  const DWORD fixed = sizeof(LINEADDRESSCAPS);
  if (caps->dwTotalSize < fixed) return err(LINEERR_STRUCTURETOOSMALL);
  Guard g(lock_);
  const Line* l = line_by_device(device_id);
  if (!l) return err(LINEERR_BADDEVICEID);
  if (address_id != 0) return err(LINEERR_INVALADDRESSID);
  clear_fixed(caps, fixed);
  caps->dwLineDeviceID = device_id;
  caps->dwAddressSharing = LINEADDRESSSHARING_PRIVATE;
  caps->dwAddressStates = LINEADDRESSSTATE_FORWARD;
  caps->dwCallInfoStates = LINECALLINFOSTATE_CALLERID | LINECALLINFOSTATE_CALLEDID | LINECALLINFOSTATE_REDIRECTIONID |
                           LINECALLINFOSTATE_REDIRECTINGID | LINECALLINFOSTATE_REASON | LINECALLINFOSTATE_CONNECTEDID |
                           LINECALLINFOSTATE_RELATEDCALLID | LINECALLINFOSTATE_APPSPECIFIC | LINECALLINFOSTATE_OTHER |
                           (caps_.supports(Op::CompleteCall) ? LINECALLINFOSTATE_COMPLETIONID : 0) |
                           media_info_states(caps_.media);
  caps->dwCallerIDFlags = LINECALLPARTYID_ADDRESS | LINECALLPARTYID_NAME | LINECALLPARTYID_UNKNOWN;
  caps->dwCalledIDFlags = LINECALLPARTYID_ADDRESS | LINECALLPARTYID_NAME | LINECALLPARTYID_UNKNOWN;
  caps->dwConnectedIDFlags = LINECALLPARTYID_ADDRESS | LINECALLPARTYID_NAME | LINECALLPARTYID_UNAVAIL;
  caps->dwRedirectionIDFlags = LINECALLPARTYID_ADDRESS | LINECALLPARTYID_NAME | LINECALLPARTYID_UNKNOWN;
  caps->dwRedirectingIDFlags = LINECALLPARTYID_ADDRESS | LINECALLPARTYID_NAME | LINECALLPARTYID_UNKNOWN;
  caps->dwCallStates = kAllCallStates;
  caps->dwDialToneModes = LINEDIALTONEMODE_INTERNAL;
  caps->dwBusyModes = LINEBUSYMODE_STATION | LINEBUSYMODE_TRUNK;
  caps->dwSpecialInfo = LINESPECIALINFO_CUSTIRREG;
  caps->dwDisconnectModes = kAllDisconnectModes;
  caps->dwMaxNumActiveCalls = 1;
  caps->dwMaxNumOnHoldCalls = caps_.max_calls_per_line > 1 ? caps_.max_calls_per_line - 1 : 0;
  caps->dwMaxNumOnHoldPendingCalls = consults(caps_) ? 1 : 0;
  // The parties, the controller included.
  caps->dwMaxNumConference = conferences(caps_) ? caps_.conference_max + 1 : 0;
  caps->dwMaxNumTransConf = caps_.supports(Op::CompleteTransfer) ? 3 : 0;
  // Every flag from the switch: PARTIALDIAL needs `partial_dial` and lineDial (which finishes
  // the number); TRANSFERHELD/MAKE need complete_transfer, CONFERENCEHELD/MAKE add_to_conference
  // (see docs/tapi-conformance.md, D2, for what the switch takes); the forwarding flags forward;
  // COMPLETIONID complete_call; AUTORECONNECT a consultation call to drop; CONFDROP a
  // conference call; PICKUPGROUPID pickup groups.
  const bool forwards = caps_.supports(Op::Forward);
  caps->dwAddrCapFlags =
      LINEADDRCAPFLAGS_DIALED | (caps_.partial_dial && caps_.supports(Op::Dial) ? LINEADDRCAPFLAGS_PARTIALDIAL : 0) |
      (caps_.supports(Op::CompleteTransfer) && caps_.transfer_held ? LINEADDRCAPFLAGS_TRANSFERHELD : 0) |
      (caps_.supports(Op::CompleteTransfer) && caps_.transfer_make ? LINEADDRCAPFLAGS_TRANSFERMAKE : 0) |
      (caps_.supports(Op::AddToConference) && caps_.conference_held ? LINEADDRCAPFLAGS_CONFERENCEHELD : 0) |
      (caps_.supports(Op::AddToConference) && caps_.conference_make ? LINEADDRCAPFLAGS_CONFERENCEMAKE : 0) |
      (forwards ? LINEADDRCAPFLAGS_FWDSTATUSVALID | LINEADDRCAPFLAGS_FWDINTEXTADDR | LINEADDRCAPFLAGS_FWDBUSYNAADDR |
                      LINEADDRCAPFLAGS_FWDNUMRINGS
                : 0) |
      (caps_.supports(Op::CompleteCall) ? LINEADDRCAPFLAGS_COMPLETIONID : 0) |
      (caps_.autoreconnect && consults(caps_) ? LINEADDRCAPFLAGS_AUTORECONNECT : 0) |
      (caps_.confdrop && conferences(caps_) ? LINEADDRCAPFLAGS_CONFDROP : 0) |
      (caps_.pickup && caps_.supports(Op::Pickup) ? LINEADDRCAPFLAGS_PICKUPGROUPID : 0);
  const DWORD call_features = caps_.call_features();
  caps->dwCallFeatures = call_features;
  const bool removes = caps_.supports(Op::RemoveFromConference);  // never with remove_from_conference none
  caps->dwRemoveFromConfCaps = removes ? caps_.remove_from_conf : LINEREMOVEFROMCONF_NONE;
  caps->dwRemoveFromConfState = removes ? LINECALLSTATE_IDLE : 0;
  caps->dwTransferModes =
      caps_.supports(Op::CompleteTransfer) ? LINETRANSFERMODE_TRANSFER | LINETRANSFERMODE_CONFERENCE : 0;
  caps->dwParkModes = call_features & LINECALLFEATURE_PARK ? LINEPARKMODE_DIRECTED | LINEPARKMODE_NONDIRECTED : 0;
  if (forwards) {
    caps->dwForwardModes = LINEFORWARDMODE_UNCOND | LINEFORWARDMODE_UNCONDINTERNAL | LINEFORWARDMODE_UNCONDEXTERNAL |
                           LINEFORWARDMODE_BUSY | LINEFORWARDMODE_BUSYINTERNAL | LINEFORWARDMODE_BUSYEXTERNAL |
                           LINEFORWARDMODE_NOANSW | LINEFORWARDMODE_NOANSWINTERNAL | LINEFORWARDMODE_NOANSWEXTERNAL |
                           LINEFORWARDMODE_BUSYNA | LINEFORWARDMODE_BUSYNAINTERNAL | LINEFORWARDMODE_BUSYNAEXTERNAL;
    caps->dwMaxForwardEntries = 4;
    caps->dwMinFwdNumRings = 1;
    caps->dwMaxFwdNumRings = 100;
  }
  if (caps_.supports(Op::CompleteCall)) {
    caps->dwMaxCallCompletions = caps_.max_calls_per_line;
    caps->dwCallCompletionConds = LINECALLCOMPLCOND_BUSY | LINECALLCOMPLCOND_NOANSWER;
    caps->dwCallCompletionModes =
        LINECALLCOMPLMODE_CAMPON | LINECALLCOMPLMODE_CALLBACK | LINECALLCOMPLMODE_INTRUDE | LINECALLCOMPLMODE_MESSAGE;
  }
  caps->dwAddressFeatures = switch_address_features(caps_);
  caps->dwCallFeatures2 = call_features2(call_features);
  caps->dwConnectedModes = LINECONNECTEDMODE_ACTIVE;
  caps->dwOfferingModes = LINEOFFERINGMODE_ACTIVE;
  caps->dwAvailableMediaModes = media_modes_of(*l) | caps_.media.media_modes;
  caps->dwMaxCallDataSize = caps_.media.offers(media::Op::SetCallData) ? caps_.media.max_call_data : 0;
  VarWriter w(caps, fixed);
  w.add_text(&caps->dwAddressSize, &caps->dwAddressOffset, widen(l->number));
  w.add_multi_text(&caps->dwDeviceClassesSize, &caps->dwDeviceClassesOffset, kDeviceClasses);
  if (caps_.media.offers(media::Op::SetCallTreatment)) {
    // LINECALLTREATMENTENTRY per treatment, each naming itself; the names' offsets count from
    // the start of LINEADDRESSCAPS.
    const auto& list = caps_.media.treatments;
    caps->dwNumCallTreatments = static_cast<DWORD>(list.size());
    const std::size_t table = w.add(&caps->dwCallTreatmentListSize, &caps->dwCallTreatmentListOffset,
                                    std::vector<BYTE>(list.size() * sizeof(LINECALLTREATMENTENTRY), 0));
    std::vector<std::size_t> names;
    for (DWORD t : list) {
      const std::wstring n = treatment_name(t);
      std::vector<BYTE> b((n.size() + 1) * sizeof(wchar_t), 0);
      std::memcpy(b.data(), n.data(), n.size() * sizeof(wchar_t));
      names.push_back(w.add(nullptr, nullptr, std::move(b)));
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      LINECALLTREATMENTENTRY e{list[i], static_cast<DWORD>(w.bytes(names[i]).size()), w.at(names[i])};
      std::memcpy(w.bytes(table).data() + i * sizeof e, &e, sizeof e);
    }
  }
  w.commit();
  return 0;
}

LONG Provider::get_line_dev_status(HDRVLINE hd, LPLINEDEVSTATUS status) {
  if (!status) return err(LINEERR_INVALPOINTER);
  const DWORD fixed = sizeof(LINEDEVSTATUS);
  if (status->dwTotalSize < fixed) return err(LINEERR_STRUCTURETOOSMALL);
  Guard g(lock_);
  const Line* l = open_line(hd);
  if (!l) return err(LINEERR_INVALLINEHANDLE);
  // dwNumOpens, dwOpenMediaModes and dwAppInfo are TAPI's: left as they are.
  call_counts(*l, status->dwNumActiveCalls, status->dwNumOnHoldCalls, status->dwNumOnHoldPendCalls);
  status->dwLineFeatures = line_features(*l);
  status->dwNumCallCompletions = 0;
  status->dwRingMode = 0;
  status->dwSignalLevel = 0xFFFF;
  status->dwBatteryLevel = 0xFFFF;
  status->dwRoamMode = LINEROAMMODE_UNAVAIL;
  status->dwDevStatusFlags = (in_service(*l) ? LINEDEVSTATUSFLAGS_CONNECTED | LINEDEVSTATUSFLAGS_INSERVICE : 0) |
                             (l->messages_waiting > 0 ? LINEDEVSTATUSFLAGS_MSGWAIT : 0);
  status->dwTerminalModesSize = status->dwTerminalModesOffset = 0;
  status->dwDevSpecificSize = status->dwDevSpecificOffset = 0;
  status->dwAvailableMediaModes = media_modes_of(*l);
  status->dwNeededSize = status->dwUsedSize = fixed;
  return 0;
}

LONG Provider::get_address_status(HDRVLINE hd, DWORD address_id, LPLINEADDRESSSTATUS status) {
  if (!status) return err(LINEERR_INVALPOINTER);
  const DWORD fixed = sizeof(LINEADDRESSSTATUS);
  if (status->dwTotalSize < fixed) return err(LINEERR_STRUCTURETOOSMALL);
  Guard g(lock_);
  const Line* l = open_line(hd);
  if (!l) return err(LINEERR_INVALLINEHANDLE);
  if (address_id != 0) return err(LINEERR_INVALADDRESSID);
  clear_fixed(status, fixed);
  const DWORD calls = call_counts(*l, status->dwNumActiveCalls, status->dwNumOnHoldCalls, status->dwNumOnHoldPendCalls);
  status->dwNumInUse = calls > 0 ? 1 : 0;
  status->dwAddressFeatures = address_features(*l);
  status->dwNumRingsNoAnswer = l->no_answer_rings;
  status->dwForwardNumEntries = static_cast<DWORD>(l->forwarding.size());
  VarWriter w(status, fixed);
  if (!l->forwarding.empty()) {
    // LINEFORWARD grew in TAPI 3.0; its strings' offsets count from the start of the structure.
    const std::size_t entry = l->version >= 0x00030000 ? sizeof(LINEFORWARD) : 6 * sizeof(DWORD);
    const std::size_t table = w.add(&status->dwForwardSize, &status->dwForwardOffset,
                                    std::vector<BYTE>(entry * l->forwarding.size(), 0));
    std::vector<std::size_t> dests;
    for (const ForwardEntry& f : l->forwarding) {
      const std::wstring to = widen(f.to);
      std::vector<BYTE> b;
      if (!to.empty()) {
        b.assign((to.size() + 1) * sizeof(wchar_t), 0);
        std::memcpy(b.data(), to.data(), to.size() * sizeof(wchar_t));
      }
      dests.push_back(b.empty() ? static_cast<std::size_t>(-1) : w.add(nullptr, nullptr, std::move(b)));
    }
    for (std::size_t i = 0; i < l->forwarding.size(); ++i) {
      LINEFORWARD f{};
      f.dwForwardMode = l->forwarding[i].mode;
      if (dests[i] != static_cast<std::size_t>(-1)) {
        f.dwDestAddressSize = static_cast<DWORD>(w.bytes(dests[i]).size());
        f.dwDestAddressOffset = w.at(dests[i]);
        f.dwDestAddressType = LINEADDRESSTYPE_PHONENUMBER;
      }
      std::memcpy(w.bytes(table).data() + i * entry, &f, entry);
    }
  }
  w.commit();
  return 0;
}

LONG Provider::get_num_address_ids(HDRVLINE hd, LPDWORD count) {
  if (!count) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  if (!open_line(hd)) return err(LINEERR_INVALLINEHANDLE);
  *count = 1;
  return 0;
}

LONG Provider::get_address_id(HDRVLINE hd, LPDWORD address_id, DWORD mode, LPCWSTR address, DWORD size) {
  if (!address_id || !address) return err(LINEERR_INVALPOINTER);
  if (mode != LINEADDRESSMODE_DIALABLEADDR) return err(LINEERR_INVALADDRESSMODE);
  std::wstring given(address, size / sizeof(wchar_t));
  while (!given.empty() && given.back() == L'\0') given.pop_back();
  Guard g(lock_);
  const Line* l = open_line(hd);
  if (!l) return err(LINEERR_INVALLINEHANDLE);
  if (given != widen(l->number)) return err(LINEERR_INVALADDRESS);
  *address_id = 0;
  return 0;
}

LONG Provider::get_call_address_id(HDRVCALL hd, LPDWORD address_id) {
  if (!address_id) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  const Call* c = call_by_handle(hd);
  if (!c || !c->valid) return err(LINEERR_INVALCALLHANDLE);
  *address_id = 0;
  return 0;
}

LONG Provider::get_call_ids(HDRVCALL hd, LPDWORD address_id, LPDWORD call_id, LPDWORD related_id) {
  Guard g(lock_);
  const Call* c = call_by_handle(hd);
  if (!c || !c->valid) return err(LINEERR_INVALCALLHANDLE);
  const auto conf = c->conference ? calls_.find(c->conference) : calls_.end();
  if (address_id) *address_id = 0;
  if (call_id) *call_id = serial_of(c->server);
  if (related_id) *related_id = conf != calls_.end() ? serial_of(conf->second->server) : 0;
  return 0;
}

LONG Provider::get_call_status(HDRVCALL hd, LPLINECALLSTATUS status) {
  if (!status) return err(LINEERR_INVALPOINTER);
  const DWORD fixed = sizeof(LINECALLSTATUS);
  if (status->dwTotalSize < fixed) return err(LINEERR_STRUCTURETOOSMALL);
  Guard g(lock_);
  const Call* c = call_by_handle(hd);
  if (!c || !c->valid) return err(LINEERR_INVALCALLHANDLE);
  const Line& l = *lines_[c->line];
  // dwCallPrivilege is TAPI's.
  status->dwCallState = c->state;
  status->dwCallStateMode = c->state == LINECALLSTATE_CONFERENCED ? 0 : call_state_mode(c->state, c->disconnect_mode);
  status->dwCallFeatures = in_service(l) ? c->features & caps_.call_features() : 0;
  status->dwDevSpecificSize = status->dwDevSpecificOffset = 0;
  status->dwCallFeatures2 = call_features2(status->dwCallFeatures);
  status->tStateEntryTime = c->state_entry;
  status->dwNeededSize = status->dwUsedSize = fixed;
  return 0;
}

// The server names where a moved call went (`redirection`) and who moved it last (`redirecting`),
// on both the call offered and the moved party's call. A server that sends neither (before D4 was
// resolved) gives only `original_to` on the call offered: it was for that number (redirecting)
// and went to its own `to` (redirection).
std::string Call::redirection_id() const {
  if (!redirection.empty() || !redirecting.empty()) return redirection;
  return original_to.empty() ? std::string() : to;
}

std::string Call::redirecting_id() const {
  if (!redirection.empty() || !redirecting.empty()) return redirecting;
  return original_to;
}

LONG Provider::get_call_info(HDRVCALL hd, LPLINECALLINFO info) {
  if (!info) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  const Call* c = call_by_handle(hd);
  if (!c || !c->valid) return err(LINEERR_INVALCALLHANDLE);
  const Line& l = *lines_[c->line];
  const DWORD fixed = callinfo_fixed(l.version);
  if (info->dwTotalSize < fixed) return err(LINEERR_STRUCTURETOOSMALL);
  // Only the provider's members are written: hLine, the owner and monitor counts, and the app
  // name, displayable address, called party and comment are TAPI's. (The monitor modes are too:
  // TAPI puts its applications' over the switch's, which are written below.)
  info->dwLineDeviceID = l.device_id;
  info->dwAddressID = 0;
  info->dwBearerMode = LINEBEARERMODE_VOICE;
  info->dwRate = 0;
  info->dwMediaMode = l.is_modem() ? LINEMEDIAMODE_DATAMODEM : LINEMEDIAMODE_INTERACTIVEVOICE;
  info->dwAppSpecific = c->app_specific;
  info->dwCallID = serial_of(c->server);
  const auto conf = c->conference ? calls_.find(c->conference) : calls_.end();
  info->dwRelatedCallID = conf != calls_.end() ? serial_of(conf->second->server) : 0;
  info->dwCallParamFlags = c->secure ? LINECALLPARAMFLAGS_SECURE : 0;
  info->dwCallStates = kAllCallStates;
  info->DialParams = LINEDIALPARAMS{};
  const Line* caller = line_by_number(c->from);
  if (c->conference_call) info->dwOrigin = LINECALLORIGIN_CONFERENCE;
  else if (!c->inbound) info->dwOrigin = LINECALLORIGIN_OUTBOUND;
  else if (c->from.empty()) info->dwOrigin = LINECALLORIGIN_UNKNOWN;
  else info->dwOrigin = caller ? LINECALLORIGIN_INTERNAL : LINECALLORIGIN_EXTERNAL;
  info->dwReason = c->reason;
  // Any call with a completion id has it: a camped-on call (reason DIRECT while it waits), the
  // callback offered (CALLCOMPLETION), an intruder's call (INTRUDE).
  info->dwCompletionID = c->completion;
  info->dwCountryCode = 0;
  info->dwTrunk = 0xFFFFFFFF;  // unknown

  VarWriter w(info, fixed);
  auto party = [&](DWORD& flags, DWORD& size, DWORD& offset, DWORD& name_size, DWORD& name_offset,
                   const std::string& number) {
    const Line* who = number.empty() ? nullptr : line_by_number(number);
    flags = number.empty() ? LINECALLPARTYID_UNKNOWN : LINECALLPARTYID_ADDRESS;
    w.add_text(&size, &offset, widen(number));
    if (who && !who->name.empty()) {
      flags |= LINECALLPARTYID_NAME;
      w.add_text(&name_size, &name_offset, widen(who->name));
    } else {
      name_size = name_offset = 0;
    }
  };
  party(info->dwCallerIDFlags, info->dwCallerIDSize, info->dwCallerIDOffset, info->dwCallerIDNameSize,
        info->dwCallerIDNameOffset, c->from);
  party(info->dwCalledIDFlags, info->dwCalledIDSize, info->dwCalledIDOffset, info->dwCalledIDNameSize,
        info->dwCalledIDNameOffset, c->to);
  // The party the call is linked to now: it follows transfers, pickups and unparks.
  if (c->connected.empty()) {
    info->dwConnectedIDFlags = LINECALLPARTYID_UNAVAIL;
    info->dwConnectedIDSize = info->dwConnectedIDOffset = info->dwConnectedIDNameSize = info->dwConnectedIDNameOffset = 0;
  } else {
    party(info->dwConnectedIDFlags, info->dwConnectedIDSize, info->dwConnectedIDOffset,
          info->dwConnectedIDNameSize, info->dwConnectedIDNameOffset, c->connected);
  }
  // A redirected, forwarded or transferred call: where it went and who moved it last, on the call
  // offered and on the moved party's own call alike (Call::redirection_id, redirecting_id).
  const std::string redirection = c->redirection_id(), redirecting = c->redirecting_id();
  party(info->dwRedirectionIDFlags, info->dwRedirectionIDSize, info->dwRedirectionIDOffset,
        info->dwRedirectionIDNameSize, info->dwRedirectionIDNameOffset, redirection);
  party(info->dwRedirectingIDFlags, info->dwRedirectingIDSize, info->dwRedirectingIDOffset,
        info->dwRedirectingIDNameSize, info->dwRedirectingIDNameOffset, redirecting);
  // A call an ACD queue offered: the pilot number is the RedirectingID, the queue's name its name.
  if (!c->queue.empty() && redirecting == c->original_to && !info->dwRedirectingIDNameSize) {
    info->dwRedirectingIDFlags |= LINECALLPARTYID_NAME;
    w.add_text(&info->dwRedirectingIDNameSize, &info->dwRedirectingIDNameOffset, widen(c->queue));
  }
  info->dwDisplaySize = info->dwDisplayOffset = 0;
  info->dwUserUserInfoSize = info->dwUserUserInfoOffset = 0;
  info->dwHighLevelCompSize = info->dwHighLevelCompOffset = 0;
  info->dwLowLevelCompSize = info->dwLowLevelCompOffset = 0;
  info->dwChargingInfoSize = info->dwChargingInfoOffset = 0;
  info->dwTerminalModesSize = info->dwTerminalModesOffset = 0;
  info->dwDevSpecificSize = info->dwDevSpecificOffset = 0;
  info->dwCallTreatment = 0;
  info->dwCallDataSize = info->dwCallDataOffset = 0;
  info->dwSendingFlowspecSize = info->dwSendingFlowspecOffset = 0;
  info->dwReceivingFlowspecSize = info->dwReceivingFlowspecOffset = 0;
  // --- LINECALLPARAMS the call carries (call_params.hpp): its caller's, or its own ---------------
  {
    const CarriedParams& p = c->carried;
    if (p.bearer_mode) info->dwBearerMode = p.bearer_mode;
    if (p.media_mode) info->dwMediaMode = p.media_mode;
    if (p.caller_blocked && c->inbound) {
      info->dwCallerIDFlags = LINECALLPARTYID_BLOCKED;  // no number, no name
      info->dwCallerIDSize = info->dwCallerIDOffset = info->dwCallerIDNameSize = info->dwCallerIDNameOffset = 0;
    } else if (c->inbound && !p.calling_party_id.empty() && info->dwCallerIDNameSize == 0) {
      info->dwCallerIDFlags = (info->dwCallerIDFlags & ~LINECALLPARTYID_UNKNOWN) | LINECALLPARTYID_NAME;
      w.add_text(&info->dwCallerIDNameSize, &info->dwCallerIDNameOffset, widen(p.calling_party_id));
    }
    if (!p.display_text.empty()) w.add_text(&info->dwDisplaySize, &info->dwDisplayOffset, widen(p.display_text));
    // User-user information: the oldest not released (call_info USERUSERINFO), once the
    // server reported it; until then what the caller's params carried.
    const std::string& uui = c->media.has_uui ? c->media.uui : p.user_user_info;
    if (!uui.empty())
      w.add(&info->dwUserUserInfoSize, &info->dwUserUserInfoOffset, std::vector<BYTE>(uui.begin(), uui.end()));
    if (p.caller_blocked && !c->inbound) info->dwCallParamFlags |= LINECALLPARAMFLAGS_BLOCKID;
  }
  // --- media, call data, treatment, QoS, call parameters (issue 19) --------------------------------
  {
    const Call::Media& m = c->media;
    if (m.media_mode) info->dwMediaMode = m.media_mode;
    if (m.bearer_mode) info->dwBearerMode = m.bearer_mode;
    info->dwRate = m.rate;
    if (m.has_dial_params) info->DialParams = m.dial_params;
    info->dwCallTreatment = m.treatment;
    // TAPI overwrites these two with what its applications asked for; without one, the switch's.
    info->dwMonitorDigitModes = m.monitor_digit_modes;
    info->dwMonitorMediaModes = m.monitor_media_modes;
    auto bytes = [](const std::string& s) { return std::vector<BYTE>(s.begin(), s.end()); };
    if (!m.call_data.empty()) w.add(&info->dwCallDataSize, &info->dwCallDataOffset, bytes(m.call_data));
    if (!m.qos_sending.empty())
      w.add(&info->dwSendingFlowspecSize, &info->dwSendingFlowspecOffset, bytes(m.qos_sending));
    if (!m.qos_receiving.empty())
      w.add(&info->dwReceivingFlowspecSize, &info->dwReceivingFlowspecOffset, bytes(m.qos_receiving));
  }
  if (l.version >= 0x00030000) {
    auto type = [](const std::string& n) -> DWORD { return n.empty() ? 0 : LINEADDRESSTYPE_PHONENUMBER; };
    info->dwCallerIDAddressType = type(c->from);
    info->dwCalledIDAddressType = type(c->to);
    info->dwConnectedIDAddressType = type(c->connected);
    info->dwRedirectionIDAddressType = type(redirection);
    info->dwRedirectingIDAddressType = type(redirecting);
  }
  w.commit();
  return 0;
}

// --- a modem's line: its DEVCFG and its port ----------------------------------------------------

namespace {

/// Unimodem's device configuration (what lineGetDevConfig gives for "comm/datamodem"): a header,
/// then a COMMCONFIG whose provider data are the MODEMSETTINGS. Programs keep it as an opaque
/// blob, show it in lineConfigDialogEdit and hand it back to lineSetDevConfig.
struct DevCfgHeader {
  DWORD dwSize;
  DWORD dwVersion;
  WORD fwOptions;  ///< terminal before/after dialling (1, 2), manual dial (4), modem lights (8)
  WORD wWaitBong;  ///< seconds to wait for a calling card's bong
};
constexpr DWORD kDevCfgVersion = 0x00010003;  // Unimodem's MDMCFG_VERSION
constexpr WORD kDevCfgOptions = 0x0001 | 0x0002 | 0x0004 | 0x0008;
constexpr DWORD kCommConfigSize = offsetof(COMMCONFIG, wcProviderData) + sizeof(MODEMSETTINGS);
constexpr DWORD kDevCfgSize = sizeof(DevCfgHeader) + kCommConfigSize;

bool datamodem_class(std::wstring cls) {
  for (wchar_t& ch : cls) ch = static_cast<wchar_t>(std::towlower(ch));
  return cls == L"comm/datamodem";
}

/// The configuration a modem's line starts with: 8N1 at its carrier's speed, hardware flow
/// control, TAPI dials (no terminal windows), 60 s to set the call up.
std::vector<BYTE> default_devcfg(DWORD speed) {
  std::vector<BYTE> b(kDevCfgSize);
  auto* h = reinterpret_cast<DevCfgHeader*>(b.data());
  h->dwSize = kDevCfgSize;
  h->dwVersion = kDevCfgVersion;
  h->fwOptions = 0;
  h->wWaitBong = 8;
  auto* cc = reinterpret_cast<COMMCONFIG*>(b.data() + sizeof(DevCfgHeader));
  cc->dwSize = kCommConfigSize;
  cc->wVersion = 1;
  cc->dcb.DCBlength = sizeof(DCB);
  cc->dcb.BaudRate = speed ? speed : 57600;
  cc->dcb.fBinary = TRUE;
  cc->dcb.fOutxCtsFlow = TRUE;
  cc->dcb.fRtsControl = RTS_CONTROL_HANDSHAKE;
  cc->dcb.fDtrControl = DTR_CONTROL_ENABLE;
  cc->dcb.ByteSize = 8;
  cc->dcb.Parity = NOPARITY;
  cc->dcb.StopBits = ONESTOPBIT;
  cc->dwProviderSubType = PST_MODEM;
  cc->dwProviderOffset = offsetof(COMMCONFIG, wcProviderData);
  cc->dwProviderSize = sizeof(MODEMSETTINGS);
  auto* ms = reinterpret_cast<MODEMSETTINGS*>(reinterpret_cast<BYTE*>(cc) + cc->dwProviderOffset);
  ms->dwActualSize = sizeof(MODEMSETTINGS);
  ms->dwRequiredSize = sizeof(MODEMSETTINGS);
  ms->dwCallSetupFailTimer = 60;
  ms->dwSpeakerVolume = MDMVOL_LOW;
  ms->dwSpeakerMode = MDMSPKR_DIAL;
  ms->dwPreferredModemOptions = MDM_ERROR_CONTROL | MDM_COMPRESSION | MDM_FLOWCONTROL_HARD;
  return b;
}

/// Why `b` is not a DEVCFG this provider takes, or "".
std::string devcfg_problem(const BYTE* b, DWORD size) {
  if (size < kDevCfgSize) return "it is " + std::to_string(size) + " bytes, a DEVCFG " + std::to_string(kDevCfgSize);
  const auto* h = reinterpret_cast<const DevCfgHeader*>(b);
  if (h->dwSize < kDevCfgSize || h->dwSize > size) return "its dwSize is " + std::to_string(h->dwSize);
  if (h->dwVersion != kDevCfgVersion) return "its dwVersion is not Unimodem's 0x00010003";
  if (h->fwOptions & ~kDevCfgOptions) return "fwOptions has unknown bits";
  const auto* cc = reinterpret_cast<const COMMCONFIG*>(b + sizeof(DevCfgHeader));
  if (cc->dwSize < kCommConfigSize || sizeof(DevCfgHeader) + cc->dwSize > h->dwSize) return "its COMMCONFIG's dwSize is wrong";
  if (cc->dcb.DCBlength != sizeof(DCB)) return "its DCB's DCBlength is not sizeof(DCB)";
  if (cc->dcb.BaudRate == 0 || cc->dcb.ByteSize < 5 || cc->dcb.ByteSize > 8 || cc->dcb.Parity > SPACEPARITY ||
      cc->dcb.StopBits > TWOSTOPBITS)
    return "its DCB's speed, data bits, parity or stop bits are not a serial line's";
  if (cc->dwProviderSubType != PST_MODEM || cc->dwProviderSize < sizeof(MODEMSETTINGS) ||
      cc->dwProviderOffset < offsetof(COMMCONFIG, wcProviderData) || cc->dwProviderOffset + cc->dwProviderSize > cc->dwSize)
    return "its COMMCONFIG carries no MODEMSETTINGS (dwProviderSubType PST_MODEM)";
  const auto* ms = reinterpret_cast<const MODEMSETTINGS*>(reinterpret_cast<const BYTE*>(cc) + cc->dwProviderOffset);
  if (ms->dwSpeakerMode > MDMSPKR_CALLSETUP || ms->dwSpeakerVolume > MDMVOL_HIGH)
    return "its MODEMSETTINGS' speaker mode or volume is none of MDMSPKR_ or MDMVOL_";
  return "";
}

COMMCONFIG* commconfig_of(std::vector<BYTE>& b) { return reinterpret_cast<COMMCONFIG*>(b.data() + sizeof(DevCfgHeader)); }
const COMMCONFIG* commconfig_of(const std::vector<BYTE>& b) {
  return reinterpret_cast<const COMMCONFIG*>(b.data() + sizeof(DevCfgHeader));
}
template <typename CC>
auto* modem_settings_in(CC* cc) {
  using Byte = std::conditional_t<std::is_const_v<CC>, const BYTE, BYTE>;
  using Settings = std::conditional_t<std::is_const_v<CC>, const MODEMSETTINGS, MODEMSETTINGS>;
  return reinterpret_cast<Settings*>(reinterpret_cast<Byte*>(cc) + cc->dwProviderOffset);
}

}  // namespace

LONG Provider::get_dev_config(DWORD device_id, LPVARSTRING config, LPCWSTR device_class) {
  if (!config || !device_class) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  const Line* l = line_by_device(device_id);
  if (!l) return err(LINEERR_BADDEVICEID);
  if (config->dwTotalSize < sizeof(VARSTRING)) return err(LINEERR_STRUCTURETOOSMALL);
  // Only a modem's line has a data modem's configuration.
  if (!l->is_modem() || !datamodem_class(device_class)) return err(LINEERR_INVALDEVICECLASS);
  std::vector<BYTE> cfg = l->devconfig.empty() ? default_devcfg(l->modem_speed) : l->devconfig;
  if (const Line::ModemOptions& o = l->modem_options; o.known) {
    // What the simulated modem has now (modem_config); the rest is the program's, as it set it.
    COMMCONFIG* cc = commconfig_of(cfg);
    if (o.dte_rate) cc->dcb.BaudRate = o.dte_rate;
    MODEMSETTINGS* ms = modem_settings_in(cc);
    ms->dwCallSetupFailTimer = o.call_setup_timeout;
    ms->dwSpeakerMode = o.speaker;  // M0-M3 are MDMSPKR_OFF, _DIAL, _ON, _CALLSETUP
    ms->dwSpeakerVolume = o.volume <= 1 ? MDMVOL_LOW : o.volume == 2 ? MDMVOL_MEDIUM : MDMVOL_HIGH;
    DWORD& opts = ms->dwPreferredModemOptions;
    opts &= ~static_cast<DWORD>(MDM_BLIND_DIAL | MDM_FLOWCONTROL_HARD | MDM_FLOWCONTROL_SOFT);
    if (o.blind_dial) opts |= MDM_BLIND_DIAL;
    if (o.flow_control == 3) opts |= MDM_FLOWCONTROL_HARD;
    if (o.flow_control == 4) opts |= MDM_FLOWCONTROL_SOFT;
  }
  fill_varstring(config, cfg.data(), static_cast<DWORD>(cfg.size()));
  return 0;
}

json modem_settings_of(const std::vector<BYTE>& devcfg) {
  const COMMCONFIG* cc = commconfig_of(devcfg);
  const MODEMSETTINGS* ms = modem_settings_in(cc);
  const DWORD opts = ms->dwPreferredModemOptions;
  return json{
      {field::kDteRate, std::clamp<DWORD>(cc->dcb.BaudRate, 300, 921600)},
      {field::kSpeaker, ms->dwSpeakerMode},
      {field::kVolume, ms->dwSpeakerVolume + 1},  // MDMVOL_LOW, _MEDIUM, _HIGH: L1-L3
      {field::kBlindDial, (opts & MDM_BLIND_DIAL) != 0},
      {field::kFlowControl, (opts & MDM_FLOWCONTROL_HARD) ? 3 : (opts & MDM_FLOWCONTROL_SOFT) ? 4 : 0},
      {field::kCallSetupTimeout, std::clamp<DWORD>(ms->dwCallSetupFailTimer, 1, 255)},
  };
}

LONG Provider::set_dev_config(DWORD device_id, const void* config, DWORD size, LPCWSTR device_class) {
  if (!config || !device_class) return err(LINEERR_INVALPOINTER);
  Guard g(lock_);
  Line* l = line_by_device(device_id);
  if (!l) return err(LINEERR_BADDEVICEID);
  if (!l->is_modem() || !datamodem_class(device_class)) return err(LINEERR_INVALDEVICECLASS);
  const BYTE* b = static_cast<const BYTE*>(config);
  if (const std::string why = devcfg_problem(b, size); !why.empty()) {
    log::info("lineSetDevConfig on " + l->number + " refused: " + why);
    return err(LINEERR_INVALPARAM);
  }
  l->devconfig.assign(b, b + reinterpret_cast<const DevCfgHeader*>(b)->dwSize);
  // The simulated modem takes it (modem_config); until the server's answer, lineGetDevConfig
  // gives the DEVCFG as set.
  l->modem_options.known = false;
  send_modem_config(*l, modem_settings_of(l->devconfig));
  return 0;
}

namespace {

/// The COM port Wine maps onto `pty`: the "COMn" whose value in HKLM\Software\Wine\Ports (Wine's
/// list of user-defined ports, where `telsim wine-setup` writes each modem's; the 64-bit view) is
/// the pty's path. "" when there is none.
std::wstring com_port_for(const std::string& pty) {
  HKEY key = nullptr;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Wine\\Ports", 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &key) !=
      ERROR_SUCCESS)
    return L"";
  const std::wstring want = widen(pty);
  std::wstring found;
  for (DWORD i = 0; found.empty(); ++i) {
    WCHAR name[32];
    DWORD name_len = 32;
    WCHAR data[1024];
    DWORD size = sizeof data - sizeof(WCHAR);
    DWORD type = 0;
    const LONG rc = RegEnumValueW(key, i, name, &name_len, nullptr, &type, reinterpret_cast<BYTE*>(data), &size);
    if (rc == ERROR_NO_MORE_ITEMS) break;
    if (rc != ERROR_SUCCESS || type != REG_SZ) continue;
    data[size / sizeof(WCHAR)] = L'\0';
    if (_wcsnicmp(name, L"COM", 3) == 0 && want == data) found = name;
  }
  RegCloseKey(key);
  return found;
}

HANDLE open_port(const std::wstring& path) {
  const HANDLE h = CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                               FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OVERLAPPED, nullptr);
  return h == INVALID_HANDLE_VALUE ? nullptr : h;
}

/// A fresh overlapped handle to the modem's pseudo-terminal and its name, as Unimodem gives them:
/// "COMn" opened as \\.\COMn when Wine maps a COM port onto the pty (com_port_for); else its DOS
/// name through Wine's Unix file names (wine_get_dos_file_name: Z:\...), Wine making a serial port
/// of any terminal device it opens. nullptr under Windows, or when the pty cannot be opened.
/// `note` says why a COM port that is there was not used.
HANDLE open_modem_port(const std::string& pty, std::string& port_name, std::string& note) {
  if (const std::wstring com = com_port_for(pty); !com.empty()) {
    if (const HANDLE h = open_port(L"\\\\.\\" + com)) {
      port_name = narrow(com);
      return h;
    }
    const DWORD why = GetLastError();
    note = narrow(com) + " (HKLM\\Software\\Wine\\Ports) cannot be opened (error " + std::to_string(why) +
           "): naming the pty's DOS path instead";
  }
  using DosName = WCHAR*(CDECL*)(LPCSTR);
  const HMODULE kernel = GetModuleHandleW(L"kernel32.dll");
  const auto to_dos = kernel ? reinterpret_cast<DosName>(reinterpret_cast<void*>(GetProcAddress(kernel, "wine_get_dos_file_name")))
                             : nullptr;
  if (!to_dos) return nullptr;
  WCHAR* dos = to_dos(pty.c_str());
  if (!dos) return nullptr;
  const std::wstring name = dos;
  HeapFree(GetProcessHeap(), 0, dos);
  const HANDLE h = open_port(name);
  if (h) port_name = narrow(name);
  return h;
}

}  // namespace

LONG Provider::get_id(HDRVLINE hd_line, DWORD address_id, HDRVCALL hd_call, DWORD select, LPVARSTRING id,
                      LPCWSTR device_class) {
  if (!id || !device_class) return err(LINEERR_INVALPOINTER);
  if (id->dwTotalSize < sizeof(VARSTRING)) return err(LINEERR_STRUCTURETOOSMALL);
  std::wstring cls = device_class;
  for (wchar_t& ch : cls) ch = static_cast<wchar_t>(std::towlower(ch));
  Guard g(lock_);
  const Line* l = nullptr;
  const Call* c = nullptr;
  switch (select) {
    case LINECALLSELECT_LINE:
      l = open_line(hd_line);
      if (!l) return err(LINEERR_INVALLINEHANDLE);
      break;
    case LINECALLSELECT_ADDRESS:
      l = open_line(hd_line);
      if (!l) return err(LINEERR_INVALLINEHANDLE);
      if (address_id != 0) return err(LINEERR_INVALADDRESSID);
      break;
    case LINECALLSELECT_CALL:
      c = call_by_handle(hd_call);
      if (!c || !c->valid) return err(LINEERR_INVALCALLHANDLE);
      l = lines_[c->line].get();
      break;
    default:
      return err(LINEERR_INVALCALLSELECT);
  }
  if (cls == L"tapi/line") {
    const DWORD device = l->device_id;
    fill_varstring(id, &device, sizeof device);
  } else if (cls == L"telsim/line") {
    fill_varstring(id, widen(l->number));
  } else if (cls == L"telsim/server") {
    fill_varstring(id, widen(settings_.server.text()));
  } else if (cls == L"comm/datamodem" || cls == L"comm/datamodem/portname") {
    // A data modem's port: TAPI's {HANDLE, name} (the name in ANSI, as Unimodem gives it: "COMn"
    // when wine-setup mapped one onto the modem's pty), a fresh handle each time that the
    // program closes; or the name alone.
    if (!l->is_modem()) return err(LINEERR_INVALDEVICECLASS);
    if (l->pty.empty()) {
      log::info("lineGetID(" + narrow(cls) + ") on " + l->number + ": the modem has no pty (the scenario's `pty:`)");
      return err(LINEERR_OPERATIONUNAVAIL);
    }
    std::string name;
    const bool portname = cls == L"comm/datamodem/portname";
    // Fit first: a handle opened for a buffer too small would be lost.
    const DWORD needed = sizeof(VARSTRING) + (portname ? 0 : sizeof(HANDLE)) + 260;
    if (id->dwTotalSize < needed) {
      clear_fixed(id, sizeof(VARSTRING));
      id->dwNeededSize = needed;
      id->dwStringFormat = STRINGFORMAT_BINARY;
      return 0;
    }
    std::string note;
    const HANDLE h = open_modem_port(l->pty, name, note);
    if (!note.empty()) log::warn("lineGetID(" + narrow(cls) + ") on " + l->number + ": " + note);
    if (!h) {
      log::warn("lineGetID(" + narrow(cls) + ") on " + l->number + ": cannot open " + l->pty + " through Wine");
      return err(LINEERR_OPERATIONFAILED);
    }
    if (portname) {
      CloseHandle(h);
      std::vector<BYTE> b(name.begin(), name.end());
      b.push_back(0);
      fill_varstring(id, b.data(), static_cast<DWORD>(b.size()));
      id->dwStringFormat = STRINGFORMAT_ASCII;
    } else {
      std::vector<BYTE> b(sizeof(HANDLE));
      std::memcpy(b.data(), &h, sizeof h);
      b.insert(b.end(), name.begin(), name.end());
      b.push_back(0);
      fill_varstring(id, b.data(), static_cast<DWORD>(b.size()));
    }
  } else if (cls == L"telsim/call") {
    if (!c) return err(LINEERR_INVALCALLSELECT);
    if (c->server.empty()) return err(LINEERR_INVALCALLSTATE);
    fill_varstring(id, widen(c->server));
  } else {
    return err(LINEERR_INVALDEVICECLASS);
  }
  return 0;
}

}  // namespace telsim::tsp
