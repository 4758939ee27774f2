// The host's media walk (docs/tsp.md, "Media and digits"; tsp-shim/test/media.yaml): the
// capabilities hello's pbx.media states, digits generated on one call and monitored and gathered
// on the other, a tone monitored, cancels, user-user information sent and released, call data,
// treatment, QoS and call parameters, and a call to a fax whose media the switch detects. Every
// LINE_* message's parameters are checked: dwParam1 the termination, digit or mode, dwParam2 the
// dwEndToEndID or tone list id TAPI gave, dwParam3 a tick count (tapi_sim.cpp).
#include <cstdio>
#include <functional>

#include "monitor.hpp"
#include "script_support.hpp"
#include "text.hpp"

namespace telsim::tsp::host {
namespace {

/// hello's `pbx.media`, on a connection of the walk's own (a Failure when the server has none).
json hello_media(const Context& cx) {
  BlockingSession s;
  std::string why;
  if (!s.connect(cx.server, 5000, why)) throw Failure("hello: " + why);
  json hello{{field::kOp, schema::op::kHello},
             {field::kVersions, json::array({schema::kProtocolVersion})},
             {field::kName, "tsp-host-media"}};
  if (!cx.token.empty()) hello[field::kToken] = cx.token;
  const auto h = s.request(hello, FakeTapi::kTimeoutMs, why);
  if (!h || !h->value(field::kOk, false)) throw Failure("hello failed: " + (h ? h->dump() : why));
  const json pbx = h->value(field::kPbx, json::object());
  if (!pbx.contains("media") || !pbx["media"].is_object())
    throw Failure("hello's pbx has no media: the server does not offer issue 19's operations");
  return pbx["media"];
}

/// The bits of a list of names in hello's pbx.media (`pairs`: name, bit).
DWORD bits(const json& media, const char* key, std::initializer_list<std::pair<const char*, DWORD>> pairs) {
  DWORD out = 0;
  for (const json& n : media.value(key, json::array()))
    for (const auto& [name, bit] : pairs)
      if (n.is_string() && n.get<std::string>() == name) out |= bit;
  return out;
}

DWORD media_bits(const json& media, const char* key) {
  DWORD out = 0;
  for (const json& n : media.value(key, json::array()))
    if (n.is_string()) out |= schema::media_mode_value(n.get<std::string>());
  return out;
}

/// Milliseconds of an integer or a duration string ("100ms", "10min").
DWORD millis(const json& media, const char* key) {
  const json v = media.value(key, json());
  if (v.is_number_integer()) return v.get<DWORD>();
  if (!v.is_string()) throw Failure(std::string("hello's pbx.media.") + key + " is neither ms nor a duration: " + v.dump());
  const std::string t = v.get<std::string>();
  std::size_t n = 0;
  while (n < t.size() && t[n] >= '0' && t[n] <= '9') ++n;
  const DWORD x = static_cast<DWORD>(std::stoul(t.substr(0, n)));
  const std::string unit = t.substr(n);
  return unit == "ms" ? x : unit == "s" ? x * 1000 : unit == "min" ? x * 60'000 : unit == "h" ? x * 3'600'000 : x;
}

const std::initializer_list<std::pair<const char*, DWORD>> kDigitModes = {
    {"PULSE", LINEDIGITMODE_PULSE}, {"DTMF", LINEDIGITMODE_DTMF}, {"DTMFEND", LINEDIGITMODE_DTMFEND}};
const std::initializer_list<std::pair<const char*, DWORD>> kToneModes = {
    {"CUSTOM", LINETONEMODE_CUSTOM}, {"RINGBACK", LINETONEMODE_RINGBACK}, {"BUSY", LINETONEMODE_BUSY},
    {"BEEP", LINETONEMODE_BEEP},     {"BILLING", LINETONEMODE_BILLING}};

constexpr DWORD kMediaCallFeatures =
    LINECALLFEATURE_GATHERDIGITS | LINECALLFEATURE_GENERATEDIGITS | LINECALLFEATURE_GENERATETONE |
    LINECALLFEATURE_MONITORDIGITS | LINECALLFEATURE_MONITORMEDIA | LINECALLFEATURE_MONITORTONES |
    LINECALLFEATURE_SENDUSERUSER | LINECALLFEATURE_SETCALLPARAMS | LINECALLFEATURE_SETMEDIACONTROL |
    LINECALLFEATURE_RELEASEUSERUSERINFO | LINECALLFEATURE_SETTREATMENT | LINECALLFEATURE_SETQOS |
    LINECALLFEATURE_SETCALLDATA;

/// The LINEDEVCAPS and LINEADDRESSCAPS of `l` against hello's pbx.media.
void check_caps(Tsp& t, TapiLine& l, const json& m) {
  Buffer<LINEDEVCAPS> dc(4096);
  expect(t.TSPI_lineGetDevCaps(l.device_id, 0x00030000, 0, dc.get()) == 0, "GetDevCaps(" + l.number + ")");
  auto same = [&](const char* what, DWORD got, DWORD want) {
    expect(got == want, l.number + ": LINEDEVCAPS " + what + " " + hex(got) + ", hello says " + hex(want));
  };
  same("dwMonitorDigitModes", dc->dwMonitorDigitModes, bits(m, "monitor_digit_modes", kDigitModes));
  same("dwGenerateDigitModes", dc->dwGenerateDigitModes, bits(m, "generate_digit_modes", kDigitModes));
  const DWORD tones = bits(m, "generate_tone_modes", kToneModes);
  same("dwGenerateToneModes", dc->dwGenerateToneModes, tones);
  same("dwGenerateToneMaxNumFreq", dc->dwGenerateToneMaxNumFreq,
       tones & LINETONEMODE_CUSTOM ? m.value("max_tone_frequencies", 0u) : 0u);
  same("dwMonitorToneMaxNumFreq", dc->dwMonitorToneMaxNumFreq, m.value("max_tone_frequencies", 0u));
  same("dwMonitorToneMaxNumEntries", dc->dwMonitorToneMaxNumEntries, m.value("max_monitored_tones", 0u));
  same("dwGatherDigitsMinTimeout", dc->dwGatherDigitsMinTimeout, millis(m, "gather_min_timeout"));
  same("dwGatherDigitsMaxTimeout", dc->dwGatherDigitsMaxTimeout, millis(m, "gather_max_timeout"));
  const DWORD modes = media_bits(m, "media_modes");
  expect((dc->dwMediaModes & modes) == modes,
         l.number + ": LINEDEVCAPS dwMediaModes " + hex(dc->dwMediaModes) + " lacks some of hello's " + hex(modes));
  same("dwUUISendUserUserInfoSize", dc->dwUUISendUserUserInfoSize, m.value("max_uui", 0u));
  std::printf("   LINEDEVCAPS digits monitor %s generate %s, tones %s (%lu freq, %lu entries), gather %lu-%lu ms, "
              "media %s\n",
              hex(dc->dwMonitorDigitModes).c_str(), hex(dc->dwGenerateDigitModes).c_str(),
              hex(dc->dwGenerateToneModes).c_str(), static_cast<unsigned long>(dc->dwMonitorToneMaxNumFreq),
              static_cast<unsigned long>(dc->dwMonitorToneMaxNumEntries),
              static_cast<unsigned long>(dc->dwGatherDigitsMinTimeout),
              static_cast<unsigned long>(dc->dwGatherDigitsMaxTimeout), hex(dc->dwMediaModes).c_str());

  Buffer<LINEADDRESSCAPS> ac(4096);
  expect(t.TSPI_lineGetAddressCaps(l.device_id, 0, 0x00030000, 0, ac.get()) == 0, "GetAddressCaps(" + l.number + ")");
  expect(ac->dwUsedSize == ac->dwNeededSize && ac.guard_intact(), l.number + ": LINEADDRESSCAPS sizes");
  expect(ac->dwMaxCallDataSize == m.value("max_call_data", 0u),
         l.number + ": dwMaxCallDataSize " + std::to_string(ac->dwMaxCallDataSize));
  expect((ac->dwCallFeatures & kMediaCallFeatures) == kMediaCallFeatures,
         l.number + ": dwCallFeatures " + hex(ac->dwCallFeatures) + " lacks some of the media operations' " +
             hex(kMediaCallFeatures));
  const json treatments = m.value("treatments", json::array());
  expect(ac->dwNumCallTreatments == treatments.size(),
         l.number + ": dwNumCallTreatments " + std::to_string(ac->dwNumCallTreatments) + ", hello names " +
             std::to_string(treatments.size()));
  const auto* list = reinterpret_cast<const LINECALLTREATMENTENTRY*>(ac.bytes.data() + ac->dwCallTreatmentListOffset);
  expect(ac->dwCallTreatmentListSize == treatments.size() * sizeof(LINECALLTREATMENTENTRY),
         l.number + ": dwCallTreatmentListSize " + std::to_string(ac->dwCallTreatmentListSize));
  std::string names;
  for (std::size_t i = 0; i < treatments.size(); ++i) {
    const std::string want = treatments[i].get<std::string>();
    const std::string got = narrow(ac.text(list[i].dwCallTreatmentNameSize, list[i].dwCallTreatmentNameOffset));
    std::string upper = got;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const DWORD id = want == "SILENCE" ? LINECALLTREATMENT_SILENCE : want == "RINGBACK" ? LINECALLTREATMENT_RINGBACK
                     : want == "BUSY"  ? LINECALLTREATMENT_BUSY
                                       : LINECALLTREATMENT_MUSIC;
    expect(upper == want && list[i].dwCallTreatmentID == id,
           l.number + ": call treatment " + std::to_string(i) + " is " + got + " (" + hex(list[i].dwCallTreatmentID) +
               "), hello says " + want);
    names += (names.empty() ? "" : ", ") + got;
  }
  expect((ac->dwCallInfoStates & (LINECALLINFOSTATE_USERUSERINFO | LINECALLINFOSTATE_CALLDATA |
                                  LINECALLINFOSTATE_MEDIAMODE)) ==
             (LINECALLINFOSTATE_USERUSERINFO | LINECALLINFOSTATE_CALLDATA | LINECALLINFOSTATE_MEDIAMODE),
         l.number + ": dwCallInfoStates " + hex(ac->dwCallInfoStates));
  std::printf("   LINEADDRESSCAPS dwMaxCallDataSize %lu, treatments %s, dwCallFeatures %s\n",
              static_cast<unsigned long>(ac->dwMaxCallDataSize), names.c_str(), hex(ac->dwCallFeatures).c_str());
}

/// Wait until `c` has `n` messages `msg`; the n-th.
TapiCall::Message wait_message(FakeTapi& tapi, TapiCall& c, DWORD msg, std::size_t n) {
  tapi.wait([&] { return c.messages(msg).size() >= n; },
            std::to_string(n) + " " + line_message_name(msg) + " for " + c.label);
  return c.messages(msg)[n - 1];
}

void expect_message(const TapiCall::Message& m, DWORD_PTR p1, DWORD_PTR p2, const std::string& what) {
  expect(m.p1 == p1 && m.p2 == p2, what + ": " + line_message_name(m.msg) + " dwParam1 " + hex(static_cast<DWORD>(m.p1)) +
                                       " dwParam2 " + hex(static_cast<DWORD>(m.p2)) + ", expected " +
                                       hex(static_cast<DWORD>(p1)) + " " + hex(static_cast<DWORD>(p2)));
}

/// The digits of the call's LINE_MONITORDIGITS from the `from`-th on, each checked for `mode`.
std::string monitored(const TapiCall& c, std::size_t from, DWORD mode) {
  std::string out;
  const auto all = c.messages(LINE_MONITORDIGITS);
  for (std::size_t i = from; i < all.size(); ++i) {
    expect(all[i].p2 == mode, c.label + ": LINE_MONITORDIGITS '" + std::string(1, static_cast<char>(all[i].p1 & 0xFF)) +
                                  "' in mode " + hex(static_cast<DWORD>(all[i].p2)) + ", expected " + hex(mode));
    out += static_cast<char>(all[i].p1 & 0xFF);
  }
  return out;
}

struct Info {
  std::string uui, call_data, sending, receiving;
  DWORD media_mode, treatment, bearer_mode, rate, monitor_digits, monitor_media;
  LINEDIALPARAMS dial;
};

Info info_of(Tsp& t, TapiCall& c) {
  Buffer<LINECALLINFO> b(8192);
  if (LONG rc = t.TSPI_lineGetCallInfo(c.hd, b.get()); rc != 0)
    throw Failure("TSPI_lineGetCallInfo(" + c.label + ") = " + error_name(rc));
  expect(b->dwUsedSize == b->dwNeededSize && b->dwUsedSize <= b->dwTotalSize && b.guard_intact(),
         c.label + ": LINECALLINFO sizes");
  auto bytes = [&](DWORD size, DWORD offset) {
    return std::string(reinterpret_cast<const char*>(b.bytes.data() + offset), size);
  };
  return {bytes(b->dwUserUserInfoSize, b->dwUserUserInfoOffset),
          bytes(b->dwCallDataSize, b->dwCallDataOffset),
          bytes(b->dwSendingFlowspecSize, b->dwSendingFlowspecOffset),
          bytes(b->dwReceivingFlowspecSize, b->dwReceivingFlowspecOffset),
          b->dwMediaMode,
          b->dwCallTreatment,
          b->dwBearerMode,
          b->dwRate,
          b->dwMonitorDigitModes,
          b->dwMonitorMediaModes,
          b->DialParams};
}

/// A LINE_CALLINFO with `bit` for `c`, after the first `from`.
void wait_info(FakeTapi& tapi, TapiCall& c, DWORD bit, std::size_t from, const std::string& what) {
  tapi.wait(
      [&] {
        for (std::size_t i = from; i < c.info_changes.size(); ++i)
          if (c.info_changes[i] & bit) return true;
        return false;
      },
      "LINE_CALLINFO " + hex(bit) + " for " + c.label + " (" + what + ")");
}

}  // namespace

void media(const Context& cx) {
  Tsp& t = cx.tsp;
  const json hello = hello_media(cx);
  Monitor mon(cx.server, cx.token);
  FakeTapi tapi(t);
  tapi.check_status_in_callbacks(true);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");

  step("capabilities: LINEDEVCAPS and LINEADDRESSCAPS say what hello's pbx.media says");
  check_caps(t, A, hello);

  step("201 calls 202, 202 answers: both calls offer the media operations");
  TapiCall& a = make_call(tapi, A, L"202", "201's call to 202");
  TapiCall& b = tapi.wait_new_call(B, "202's call from 201");
  tapi.wait_state(b, LINECALLSTATE_OFFERING);
  answer(tapi, b);
  tapi.wait_state(a, LINECALLSTATE_CONNECTED);
  for (TapiCall* c : {&a, &b}) {
    const DWORD f = FakeTapi::call_status(t, *c).dwCallFeatures;
    const DWORD want = LINECALLFEATURE_GENERATEDIGITS | LINECALLFEATURE_MONITORDIGITS | LINECALLFEATURE_GATHERDIGITS |
                       LINECALLFEATURE_SENDUSERUSER | LINECALLFEATURE_SETCALLDATA;
    expect((f & want) == want, c->label + ": dwCallFeatures " + hex(f) + " lacks some of " + hex(want));
  }

  step("refused at once: a digit mode the switch does not generate, an unknown media mode");
  expect(t.TSPI_lineGenerateDigits(a.hd, 1, LINEDIGITMODE_DTMFEND, L"1", 0) == err(LINEERR_INVALDIGITMODE),
         "lineGenerateDigits(DTMFEND) is not INVALDIGITMODE");
  expect(t.TSPI_lineMonitorMedia(b.hd, 0x40000000) == err(LINEERR_INVALMEDIAMODE),
         "lineMonitorMedia(0x40000000) is not INVALMEDIAMODE");
  expect(t.TSPI_lineGatherDigits(b.hd, 1, LINEDIGITMODE_DTMF, nullptr, 0, nullptr, 0, 0) == 0,
         "lineGatherDigits(NULL) with nothing to cancel");

  step("202 monitors DTMF; 201 generates \"12#\": LINE_GENERATE DONE with 201's end-to-end id, 202 hears 1 2 #");
  expect(t.TSPI_lineMonitorDigits(b.hd, LINEDIGITMODE_DTMF) == 0, "lineMonitorDigits(202, DTMF)");
  if (LONG rc = t.TSPI_lineGenerateDigits(a.hd, 11, LINEDIGITMODE_DTMF, L"12#", 0); rc != 0)
    throw Failure("lineGenerateDigits(201, \"12#\") = " + error_name(rc));
  expect_message(wait_message(tapi, a, LINE_GENERATE, 1), LINEGENERATETERM_DONE, 11, "201's generation of 12#");
  wait_message(tapi, b, LINE_MONITORDIGITS, 3);
  expect(monitored(b, 0, LINEDIGITMODE_DTMF) == "12#", "202 monitored \"" + monitored(b, 0, LINEDIGITMODE_DTMF) + "\"");

  step("202 gathers up to 8 digits ended by '#': 201 generates \"45#\", the buffer has 45#, TERMDIGIT");
  wchar_t buffer[9];
  std::fill(std::begin(buffer), std::end(buffer), L'x');
  if (LONG rc = t.TSPI_lineGatherDigits(b.hd, 21, LINEDIGITMODE_DTMF, buffer, 8, L"#", 5000, 5000); rc != 0)
    throw Failure("lineGatherDigits(202) = " + error_name(rc));
  if (LONG rc = t.TSPI_lineGenerateDigits(a.hd, 12, LINEDIGITMODE_DTMF, L"45#", 0); rc != 0)
    throw Failure("lineGenerateDigits(201, \"45#\") = " + error_name(rc));
  expect_message(wait_message(tapi, b, LINE_GATHERDIGITS, 1), LINEGATHERTERM_TERMDIGIT, 21, "202's gathering");
  expect(std::wstring(buffer, 3) == L"45#" && buffer[3] == L'\0' && buffer[8] == L'x',
         "202's gather buffer holds \"" + narrow(std::wstring(buffer, 8)) + "\"");
  expect_message(wait_message(tapi, a, LINE_GENERATE, 2), LINEGENERATETERM_DONE, 12, "201's generation of 45#");

  step("a buffer of 2: 201 generates \"789\", 202's gathering ends BUFFERFULL with 78");
  std::fill(std::begin(buffer), std::end(buffer), L'x');
  if (LONG rc = t.TSPI_lineGatherDigits(b.hd, 22, LINEDIGITMODE_DTMF, buffer, 2, nullptr, 0, 0); rc != 0)
    throw Failure("lineGatherDigits(202, 2) = " + error_name(rc));
  if (LONG rc = t.TSPI_lineGenerateDigits(a.hd, 13, LINEDIGITMODE_DTMF, L"789", 0); rc != 0)
    throw Failure("lineGenerateDigits(201, \"789\") = " + error_name(rc));
  expect_message(wait_message(tapi, b, LINE_GATHERDIGITS, 2), LINEGATHERTERM_BUFFERFULL, 22, "202's gathering of 2");
  expect(std::wstring(buffer, 2) == L"78" && buffer[2] == L'x', "202's buffer of 2 holds \"" + narrow(std::wstring(buffer, 3)) + "\"");
  expect_message(wait_message(tapi, a, LINE_GENERATE, 3), LINEGENERATETERM_DONE, 13, "201's generation of 789");

  step("a gathering TAPI cancels ends without LINE_GATHERDIGITS; a generation cancelled ends CANCEL");
  if (LONG rc = t.TSPI_lineGatherDigits(b.hd, 23, LINEDIGITMODE_DTMF, buffer, 8, L"#", 0, 0); rc != 0)
    throw Failure("lineGatherDigits(202, 23) = " + error_name(rc));
  expect(t.TSPI_lineGatherDigits(b.hd, 24, LINEDIGITMODE_DTMF, nullptr, 0, nullptr, 0, 0) == 0, "lineGatherDigits(NULL)");
  if (LONG rc = t.TSPI_lineGenerateDigits(a.hd, 14, LINEDIGITMODE_DTMF, L"1234567890", 0); rc != 0)
    throw Failure("lineGenerateDigits(201, 10 digits) = " + error_name(rc));
  expect(t.TSPI_lineGenerateDigits(a.hd, 15, LINEDIGITMODE_DTMF, nullptr, 0) == 0, "lineGenerateDigits(NULL)");
  expect_message(wait_message(tapi, a, LINE_GENERATE, 4), LINEGENERATETERM_CANCEL, 14, "201's cancelled generation");

  step("202 stops monitoring: 201's \"5\" is generated, 202 hears nothing of it");
  const std::size_t heard = b.messages(LINE_MONITORDIGITS).size();
  expect(t.TSPI_lineMonitorDigits(b.hd, 0) == 0, "lineMonitorDigits(202, 0)");
  if (LONG rc = t.TSPI_lineGenerateDigits(a.hd, 16, LINEDIGITMODE_DTMF, L"5", 0); rc != 0)
    throw Failure("lineGenerateDigits(201, \"5\") = " + error_name(rc));
  expect_message(wait_message(tapi, a, LINE_GENERATE, 5), LINEGENERATETERM_DONE, 16, "201's generation of 5");
  Sleep(300);
  expect(b.messages(LINE_MONITORDIGITS).size() == heard, "202 still monitored digits after lineMonitorDigits(0)");
  expect(b.messages(LINE_GATHERDIGITS).size() == 2, "the cancelled gathering was reported");

  step("202 monitors a 1000 Hz tone (list 5, app specific 77); 201 generates it: LINE_MONITORTONE 77, 5");
  LINEMONITORTONE mt{77, 200, 1000, 0, 0};
  if (LONG rc = t.TSPI_lineMonitorTones(b.hd, 5, &mt, 1); rc != 0) throw Failure("lineMonitorTones(202) = " + error_name(rc));
  LINEGENERATETONE gt{1000, 0, 0, 50};
  if (LONG rc = t.TSPI_lineGenerateTone(a.hd, 17, LINETONEMODE_CUSTOM, 600, 1, &gt); rc != 0)
    throw Failure("lineGenerateTone(201, 1000 Hz) = " + error_name(rc));
  expect_message(wait_message(tapi, b, LINE_MONITORTONE, 1), 77, 5, "202's monitored tone");
  expect_message(wait_message(tapi, a, LINE_GENERATE, 6), LINEGENERATETERM_DONE, 17, "201's tone");
  expect(t.TSPI_lineMonitorTones(b.hd, 6, nullptr, 0) == 0, "lineMonitorTones(202, NULL)");

  step("user-user information: 201 sends it, 202's LINE_CALLINFO USERUSERINFO and LINECALLINFO show it; released");
  std::size_t from = b.info_changes.size();
  const std::string uui = "order 4711";
  DRV_REQUESTID r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineSendUserUserInfo(r, a.hd, uui.c_str(), static_cast<DWORD>(uui.size())), r,
                 "lineSendUserUserInfo(201)");
  wait_info(tapi, b, LINECALLINFOSTATE_USERUSERINFO, from, "the UUI sent");
  expect(info_of(t, b).uui == uui, "202's dwUserUserInfo is \"" + info_of(t, b).uui + "\"");
  from = b.info_changes.size();
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineReleaseUserUserInfo(r, b.hd), r, "lineReleaseUserUserInfo(202)");
  wait_info(tapi, b, LINECALLINFOSTATE_USERUSERINFO, from, "the UUI released");
  expect(info_of(t, b).uui.empty(), "202's dwUserUserInfo after the release is \"" + info_of(t, b).uui + "\"");
  const std::string big(200, 'u');
  r = tapi.next_request();
  tapi.expect_error(t.TSPI_lineSendUserUserInfo(r, a.hd, big.c_str(), static_cast<DWORD>(big.size())), r,
                    err(LINEERR_USERUSERINFOTOOBIG), "lineSendUserUserInfo(201, 200 bytes)");

  step("call data: 201 sets it, both calls get LINE_CALLINFO CALLDATA and show it");
  const std::size_t from_a = a.info_changes.size(), from_b = b.info_changes.size();
  const std::string data = "ticket=42";
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineSetCallData(r, a.hd, const_cast<char*>(data.data()), static_cast<DWORD>(data.size())), r,
                 "lineSetCallData(201)");
  wait_info(tapi, a, LINECALLINFOSTATE_CALLDATA, from_a, "201's call data");
  wait_info(tapi, b, LINECALLINFOSTATE_CALLDATA, from_b, "201's call data, on 202's call");
  expect(info_of(t, a).call_data == data, "201's dwCallData is \"" + info_of(t, a).call_data + "\"");
  expect(info_of(t, b).call_data == data, "202's dwCallData is \"" + info_of(t, b).call_data + "\"");

  step("treatment, QoS, call parameters on 201's call: each completes and LINECALLINFO shows it");
  std::size_t from_info = a.info_changes.size();
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineSetCallTreatment(r, a.hd, LINECALLTREATMENT_MUSIC), r, "lineSetCallTreatment(MUSIC)");
  wait_info(tapi, a, LINECALLINFOSTATE_TREATMENT, from_info, "the treatment");
  expect(info_of(t, a).treatment == LINECALLTREATMENT_MUSIC, "201's dwCallTreatment " + hex(info_of(t, a).treatment));
  from_info = a.info_changes.size();
  const BYTE flowspec[] = {0x01, 0x02, 0xAB, 0xCD};
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineSetCallQualityOfService(r, a.hd, const_cast<BYTE*>(flowspec), 4, const_cast<BYTE*>(flowspec), 2),
                 r, "lineSetCallQualityOfService(201)");
  wait_info(tapi, a, LINECALLINFOSTATE_QOS, from_info, "the QoS");
  {
    const Info i = info_of(t, a);
    expect(i.sending == std::string(reinterpret_cast<const char*>(flowspec), 4) &&
               i.receiving == std::string(reinterpret_cast<const char*>(flowspec), 2),
           "201's flowspecs are " + std::to_string(i.sending.size()) + " and " + std::to_string(i.receiving.size()) +
               " bytes, not the ones given");
  }
  from_info = a.info_changes.size();
  LINEDIALPARAMS dp{500, 100, 80, 2000};
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineSetCallParams(r, a.hd, LINEBEARERMODE_VOICE, 0, 64000, &dp), r, "lineSetCallParams(201)");
  wait_info(tapi, a, LINECALLINFOSTATE_DIALPARAMS, from_info, "the dial params");
  {
    const Info i = info_of(t, a);
    expect(i.bearer_mode == LINEBEARERMODE_VOICE && i.dial.dwDialPause == 500 && i.dial.dwDigitDuration == 80,
           "201's LINECALLINFO: bearer " + hex(i.bearer_mode) + ", dial pause " + std::to_string(i.dial.dwDialPause) +
               ", digit duration " + std::to_string(i.dial.dwDigitDuration));
  }
  drop(tapi, a);
  tapi.wait_state(b, LINECALLSTATE_DISCONNECTED);

  step("a synchronous function returns the switch's verdict: generating on 201's idle call is INVALCALLSTATE");
  {
    const LONG rc = t.TSPI_lineGenerateDigits(a.hd, 18, LINEDIGITMODE_DTMF, L"1", 0);
    expect(rc == err(LINEERR_INVALCALLSTATE), "lineGenerateDigits(201's idle call) = " + error_name(rc));
  }
  drop(tapi, b);

  step("every media message of both calls, in order, with its parameters");
  {
    // 201: only its generations' ends (11, 12, 13 done, 14 cancelled, 16, 17 done; 18 was refused).
    const std::vector<std::pair<DWORD_PTR, DWORD_PTR>> ends = {
        {LINEGENERATETERM_DONE, 11}, {LINEGENERATETERM_DONE, 12},   {LINEGENERATETERM_DONE, 13},
        {LINEGENERATETERM_CANCEL, 14}, {LINEGENERATETERM_DONE, 16}, {LINEGENERATETERM_DONE, 17}};
    expect(a.media.size() == ends.size(), "201's call got " + std::to_string(a.media.size()) + " media messages, expected " +
                                              std::to_string(ends.size()) + " LINE_GENERATEs");
    for (std::size_t i = 0; i < ends.size(); ++i) {
      expect(a.media[i].msg == LINE_GENERATE, "201's media message " + std::to_string(i) + " is " +
                                                  line_message_name(a.media[i].msg));
      expect_message(a.media[i], ends[i].first, ends[i].second, "201's LINE_GENERATE " + std::to_string(i));
    }
    // 202: no LINE_GENERATE (it generated nothing), two gatherings, one tone; its digits all DTMF.
    expect(b.messages(LINE_GENERATE).empty() && b.messages(LINE_GATHERDIGITS).size() == 2 &&
               b.messages(LINE_MONITORTONE).size() == 1 && b.messages(LINE_MONITORMEDIA).empty(),
           "202's call: " + std::to_string(b.messages(LINE_GENERATE).size()) + " LINE_GENERATE, " +
               std::to_string(b.messages(LINE_GATHERDIGITS).size()) + " LINE_GATHERDIGITS, " +
               std::to_string(b.messages(LINE_MONITORTONE).size()) + " LINE_MONITORTONE, " +
               std::to_string(b.messages(LINE_MONITORMEDIA).size()) + " LINE_MONITORMEDIA");
    const std::string digits = monitored(b, 0, LINEDIGITMODE_DTMF);
    expect(digits.rfind("12#45#78", 0) == 0 && digits.size() <= 3 + 3 + 3 + 10,
           "202 monitored \"" + digits + "\" (12#, 45#, 789, then what the cancelled generation sent)");
    std::printf("   201: %zu LINE_GENERATE; 202: LINE_MONITORDIGITS \"%s\", 2 LINE_GATHERDIGITS, 1 LINE_MONITORTONE\n",
                a.media.size(), digits.c_str());
  }

  step("201 calls the fax (250) and monitors G3FAX: LINE_MONITORMEDIA G3FAX, LINECALLINFO dwMediaMode G3FAX");
  TapiCall& f = make_call(tapi, A, L"250", "201's call to the fax");
  expect(t.TSPI_lineMonitorMedia(f.hd, LINEMEDIAMODE_G3FAX) == 0, "lineMonitorMedia(201's call to the fax, G3FAX)");
  tapi.wait_state(f, LINECALLSTATE_CONNECTED);
  expect_message(wait_message(tapi, f, LINE_MONITORMEDIA, 1), LINEMEDIAMODE_G3FAX, 0, "the fax's media");
  for (const ULONGLONG until = GetTickCount64() + FakeTapi::kTimeoutMs; !(info_of(t, f).media_mode & LINEMEDIAMODE_G3FAX);) {
    expect(GetTickCount64() < until, "201's call to the fax: dwMediaMode " + hex(info_of(t, f).media_mode) + ", not G3FAX");
    Sleep(50);
  }
  for (const auto& m : f.media)
    expect(m.msg == LINE_MONITORMEDIA && m.p1 == LINEMEDIAMODE_G3FAX,
           "201's call to the fax: " + line_message_name(m.msg) + " " + hex(static_cast<DWORD>(m.p1)));
  expect(info_changed(f, LINECALLINFOSTATE_MEDIAMODE), "201's call to the fax: no LINE_CALLINFO MEDIAMODE");
  drop(tapi, f);

  step("every call's sequence held against the server's");
  check_sequences(t, mon,
                  {{&a, {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_PROCEEDING, LINECALLSTATE_RINGBACK,
                         LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},
                   {&b, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE}},
                   {&f, {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_PROCEEDING, LINECALLSTATE_RINGBACK,
                         LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}}});
  close_all(tapi, {&a, &b, &f}, {&A, &B});
  tapi.check_rules();
}

void media_absent(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");

  step("a switch whose hello has no pbx.media: no media capability is advertised");
  Buffer<LINEDEVCAPS> dc(4096);
  expect(t.TSPI_lineGetDevCaps(A.device_id, 0x00030000, 0, dc.get()) == 0, "GetDevCaps(201)");
  expect(dc->dwMonitorDigitModes == 0 && dc->dwGenerateDigitModes == 0 && dc->dwGenerateToneModes == 0 &&
             dc->dwMonitorToneMaxNumEntries == 0 && dc->dwGatherDigitsMaxTimeout == 0 &&
             dc->dwUUISendUserUserInfoSize == 0 && dc->dwMediaModes == LINEMEDIAMODE_INTERACTIVEVOICE,
         "LINEDEVCAPS advertises media: digits " + hex(dc->dwMonitorDigitModes) + "/" + hex(dc->dwGenerateDigitModes) +
             ", tones " + hex(dc->dwGenerateToneModes) + ", media modes " + hex(dc->dwMediaModes));
  Buffer<LINEADDRESSCAPS> ac(4096);
  expect(t.TSPI_lineGetAddressCaps(A.device_id, 0, 0x00030000, 0, ac.get()) == 0, "GetAddressCaps(201)");
  expect((ac->dwCallFeatures & kMediaCallFeatures) == 0 && ac->dwMaxCallDataSize == 0 && ac->dwNumCallTreatments == 0,
         "LINEADDRESSCAPS advertises media: dwCallFeatures " + hex(ac->dwCallFeatures) + ", dwMaxCallDataSize " +
             std::to_string(ac->dwMaxCallDataSize));

  step("on a connected call every media function is OPERATIONUNAVAIL at once");
  TapiCall& a = make_call(tapi, A, L"202", "201's call to 202");
  TapiCall& b = tapi.wait_new_call(B, "202's call from 201");
  tapi.wait_state(b, LINECALLSTATE_OFFERING);
  answer(tapi, b);
  tapi.wait_state(a, LINECALLSTATE_CONNECTED);
  expect((FakeTapi::call_status(t, a).dwCallFeatures & kMediaCallFeatures) == 0, "201's call offers media operations");
  const LONG unavail = err(LINEERR_OPERATIONUNAVAIL);
  wchar_t buffer[4];
  LINEGENERATETONE gt{1000, 0, 0, 50};
  LINEMONITORTONE mt{1, 100, 1000, 0, 0};
  const std::pair<const char*, LONG> sync[] = {
      {"lineGenerateDigits", t.TSPI_lineGenerateDigits(a.hd, 1, LINEDIGITMODE_DTMF, L"1", 0)},
      {"lineGenerateTone", t.TSPI_lineGenerateTone(a.hd, 2, LINETONEMODE_CUSTOM, 100, 1, &gt)},
      {"lineMonitorDigits", t.TSPI_lineMonitorDigits(a.hd, LINEDIGITMODE_DTMF)},
      {"lineGatherDigits", t.TSPI_lineGatherDigits(a.hd, 3, LINEDIGITMODE_DTMF, buffer, 4, L"#", 0, 0)},
      {"lineMonitorTones", t.TSPI_lineMonitorTones(a.hd, 4, &mt, 1)},
      {"lineMonitorMedia", t.TSPI_lineMonitorMedia(a.hd, LINEMEDIAMODE_G3FAX)},
      {"lineSetMediaMode", t.TSPI_lineSetMediaMode(a.hd, LINEMEDIAMODE_INTERACTIVEVOICE)},
      {"lineSetMediaControl", t.TSPI_lineSetMediaControl(nullptr, 0, a.hd, LINECALLSELECT_CALL, nullptr, 0, nullptr, 0,
                                                         nullptr, 0, nullptr, 0)}};
  for (const auto& [name, rc] : sync) expect(rc == unavail, std::string(name) + " returned " + error_name(rc));
  char data[] = "x";
  auto at_once = [&](const char* name, const std::function<LONG(DRV_REQUESTID)>& call) {
    const DRV_REQUESTID r = tapi.next_request();
    tapi.expect_sync_error(call(r), r, unavail, name);
  };
  at_once("lineSendUserUserInfo", [&](DRV_REQUESTID r) { return t.TSPI_lineSendUserUserInfo(r, a.hd, data, 1); });
  at_once("lineReleaseUserUserInfo", [&](DRV_REQUESTID r) { return t.TSPI_lineReleaseUserUserInfo(r, a.hd); });
  at_once("lineSetCallData", [&](DRV_REQUESTID r) { return t.TSPI_lineSetCallData(r, a.hd, data, 1); });
  at_once("lineSetCallTreatment",
          [&](DRV_REQUESTID r) { return t.TSPI_lineSetCallTreatment(r, a.hd, LINECALLTREATMENT_MUSIC); });
  at_once("lineSetCallQualityOfService",
          [&](DRV_REQUESTID r) { return t.TSPI_lineSetCallQualityOfService(r, a.hd, data, 1, data, 1); });
  at_once("lineSetCallParams",
          [&](DRV_REQUESTID r) { return t.TSPI_lineSetCallParams(r, a.hd, LINEBEARERMODE_VOICE, 0, 0, nullptr); });
  drop(tapi, a);
  tapi.wait_state(b, LINECALLSTATE_DISCONNECTED);
  drop(tapi, b);
  close_all(tapi, {&a, &b}, {&A, &B});
  tapi.check_rules();
}

}  // namespace telsim::tsp::host
