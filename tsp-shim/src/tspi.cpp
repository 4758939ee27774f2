// The exported TSPI functions: each a thin, exception-proof shim over the Provider.
#include <exception>
#include <new>

#include "log.hpp"
#include "provider.hpp"
#include "text.hpp"

using telsim::Op;
using telsim::tsp::Provider;

namespace {

/// Nothing may unwind into the telephony service: a C++ exception becomes a LINEERR_*.
template <typename F>
LONG guarded(const char* function, F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return static_cast<LONG>(LINEERR_NOMEM);
  } catch (const std::exception& e) {
    telsim::tsp::log::error(std::string(function) + ": " + e.what());
  } catch (...) {
    telsim::tsp::log::error(std::string(function) + ": unknown exception");
  }
  return static_cast<LONG>(LINEERR_OPERATIONFAILED);
}

Provider& p() { return Provider::get(); }

/// User-user information is not modelled (LINEDEVCAPS.dwUUI*Size are 0).
bool has_uui(LPCSTR info, DWORD size) { return info != nullptr && size > 0; }

}  // namespace

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID) {
  if (reason == DLL_PROCESS_ATTACH) {
    Provider::set_module(instance);
    DisableThreadLibraryCalls(instance);
  }
  return TRUE;
}

// --- the provider -------------------------------------------------------------------------------

LONG TSPIAPI TSPI_providerEnumDevices(DWORD dwPermanentProviderID, LPDWORD lpdwNumLines, LPDWORD lpdwNumPhones,
                                      HPROVIDER hProvider, LINEEVENT lpfnLineCreateProc, PHONEEVENT) {
  return guarded(__func__, [&] {
    return p().enum_devices(dwPermanentProviderID, lpdwNumLines, lpdwNumPhones, hProvider, lpfnLineCreateProc);
  });
}

LONG TSPIAPI TSPI_providerInit(DWORD dwTSPIVersion, DWORD dwPermanentProviderID, DWORD dwLineDeviceIDBase,
                               DWORD, DWORD_PTR dwNumLines, DWORD_PTR, ASYNC_COMPLETION lpfnCompletionProc,
                               LPDWORD lpdwTSPIOptions) {
  return guarded(__func__, [&] {
    return p().init(dwTSPIVersion, dwPermanentProviderID, dwLineDeviceIDBase, dwNumLines, lpfnCompletionProc,
                    lpdwTSPIOptions);
  });
}

LONG TSPIAPI TSPI_providerShutdown(DWORD dwTSPIVersion, DWORD dwPermanentProviderID) {
  return guarded(__func__, [&] { return p().shutdown(dwTSPIVersion, dwPermanentProviderID); });
}

LONG TSPIAPI TSPI_providerCreateLineDevice(DWORD_PTR dwTempID, DWORD dwDeviceID) {
  return guarded(__func__, [&] { return p().create_line_device(dwTempID, dwDeviceID); });
}

LONG TSPIAPI TSPI_providerUIIdentify(LPWSTR lpszUIDLLName) {
  // The TSP is its own UI DLL (TUISPI_* below).
  if (!lpszUIDLLName) return static_cast<LONG>(LINEERR_INVALPOINTER);
  const DWORD n = GetModuleFileNameW(Provider::module(), lpszUIDLLName, MAX_PATH);
  return n == 0 || n >= MAX_PATH ? static_cast<LONG>(LINEERR_OPERATIONFAILED) : 0;
}

LONG TSPIAPI TSPI_providerGenericDialogData(DWORD_PTR, DWORD, LPVOID, DWORD) {
  return 0;  // the UI opens no generic dialogs, so there is never data for one
}

// TAPI 1.4's install, remove and configure entry points; TAPI 2.x calls TUISPI_* instead.
LONG TSPIAPI TSPI_providerInstall(HWND, DWORD) { return 0; }
LONG TSPIAPI TSPI_providerRemove(HWND, DWORD) { return 0; }
LONG TSPIAPI TSPI_providerConfig(HWND, DWORD) { return 0; }

// --- lines ----------------------------------------------------------------------------------

LONG TSPIAPI TSPI_lineNegotiateTSPIVersion(DWORD dwDeviceID, DWORD dwLowVersion, DWORD dwHighVersion,
                                           LPDWORD lpdwTSPIVersion) {
  return guarded(__func__, [&] { return p().negotiate_tspi_version(dwDeviceID, dwLowVersion, dwHighVersion, lpdwTSPIVersion); });
}

LONG TSPIAPI TSPI_lineGetDevCaps(DWORD dwDeviceID, DWORD dwTSPIVersion, DWORD dwExtVersion, LPLINEDEVCAPS lpLineDevCaps) {
  return guarded(__func__, [&] { return p().get_dev_caps(dwDeviceID, dwTSPIVersion, dwExtVersion, lpLineDevCaps); });
}

LONG TSPIAPI TSPI_lineGetAddressCaps(DWORD dwDeviceID, DWORD dwAddressID, DWORD dwTSPIVersion, DWORD dwExtVersion,
                                     LPLINEADDRESSCAPS lpAddressCaps) {
  return guarded(__func__, [&] {
    return p().get_address_caps(dwDeviceID, dwAddressID, dwTSPIVersion, dwExtVersion, lpAddressCaps);
  });
}

LONG TSPIAPI TSPI_lineOpen(DWORD dwDeviceID, HTAPILINE htLine, LPHDRVLINE lphdLine, DWORD dwTSPIVersion,
                           LINEEVENT lpfnEventProc) {
  return guarded(__func__, [&] { return p().open(dwDeviceID, htLine, lphdLine, dwTSPIVersion, lpfnEventProc); });
}

LONG TSPIAPI TSPI_lineClose(HDRVLINE hdLine) {
  return guarded(__func__, [&] { return p().close(hdLine); });
}

LONG TSPIAPI TSPI_lineGetLineDevStatus(HDRVLINE hdLine, LPLINEDEVSTATUS lpLineDevStatus) {
  return guarded(__func__, [&] { return p().get_line_dev_status(hdLine, lpLineDevStatus); });
}

LONG TSPIAPI TSPI_lineGetAddressStatus(HDRVLINE hdLine, DWORD dwAddressID, LPLINEADDRESSSTATUS lpAddressStatus) {
  return guarded(__func__, [&] { return p().get_address_status(hdLine, dwAddressID, lpAddressStatus); });
}

LONG TSPIAPI TSPI_lineGetNumAddressIDs(HDRVLINE hdLine, LPDWORD lpdwNumAddressIDs) {
  return guarded(__func__, [&] { return p().get_num_address_ids(hdLine, lpdwNumAddressIDs); });
}

LONG TSPIAPI TSPI_lineGetAddressID(HDRVLINE hdLine, LPDWORD lpdwAddressID, DWORD dwAddressMode, LPCWSTR lpsAddress,
                                   DWORD dwSize) {
  return guarded(__func__, [&] { return p().get_address_id(hdLine, lpdwAddressID, dwAddressMode, lpsAddress, dwSize); });
}

LONG TSPIAPI TSPI_lineGetDevConfig(DWORD dwDeviceID, LPVARSTRING lpDeviceConfig, LPCWSTR lpszDeviceClass) {
  return guarded(__func__, [&] { return p().get_dev_config(dwDeviceID, lpDeviceConfig, lpszDeviceClass); });
}

LONG TSPIAPI TSPI_lineSetDevConfig(DWORD dwDeviceID, LPVOID const lpDeviceConfig, DWORD dwSize, LPCWSTR lpszDeviceClass) {
  return guarded(__func__, [&] { return p().set_dev_config(dwDeviceID, lpDeviceConfig, dwSize, lpszDeviceClass); });
}

LONG TSPIAPI TSPI_lineGetID(HDRVLINE hdLine, DWORD dwAddressID, HDRVCALL hdCall, DWORD dwSelect, LPVARSTRING lpDeviceID,
                            LPCWSTR lpszDeviceClass, HANDLE) {
  return guarded(__func__, [&] { return p().get_id(hdLine, dwAddressID, hdCall, dwSelect, lpDeviceID, lpszDeviceClass); });
}

LONG TSPIAPI TSPI_lineSetDefaultMediaDetection(HDRVLINE hdLine, DWORD dwMediaModes) {
  return guarded(__func__, [&] { return p().set_default_media_detection(hdLine, dwMediaModes); });
}

LONG TSPIAPI TSPI_lineConditionalMediaDetection(HDRVLINE hdLine, DWORD dwMediaModes, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] { return p().conditional_media_detection(hdLine, dwMediaModes, lpCallParams); });
}

LONG TSPIAPI TSPI_lineSetStatusMessages(HDRVLINE hdLine, DWORD, DWORD) {
  // TAPI filters the messages per application; the provider reports everything it supports.
  return guarded(__func__, [&] {
    DWORD n = 0;
    return p().get_num_address_ids(hdLine, &n);
  });
}

// --- calls: queries ---------------------------------------------------------------------------

LONG TSPIAPI TSPI_lineGetCallAddressID(HDRVCALL hdCall, LPDWORD lpdwAddressID) {
  return guarded(__func__, [&] { return p().get_call_address_id(hdCall, lpdwAddressID); });
}

LONG TSPIAPI TSPI_lineGetCallInfo(HDRVCALL hdCall, LPLINECALLINFO lpCallInfo) {
  return guarded(__func__, [&] { return p().get_call_info(hdCall, lpCallInfo); });
}

LONG TSPIAPI TSPI_lineGetCallStatus(HDRVCALL hdCall, LPLINECALLSTATUS lpCallStatus) {
  return guarded(__func__, [&] { return p().get_call_status(hdCall, lpCallStatus); });
}

LONG TSPIAPI TSPI_lineGetCallIDs(HDRVCALL hdCall, LPDWORD lpdwAddressID, LPDWORD lpdwCallID, LPDWORD lpdwRelatedCallID) {
  return guarded(__func__, [&] { return p().get_call_ids(hdCall, lpdwAddressID, lpdwCallID, lpdwRelatedCallID); });
}

LONG TSPIAPI TSPI_lineCloseCall(HDRVCALL hdCall) {
  return guarded(__func__, [&] { return p().close_call(hdCall); });
}

LONG TSPIAPI TSPI_lineSetAppSpecific(HDRVCALL hdCall, DWORD dwAppSpecific) {
  return guarded(__func__, [&] { return p().set_app_specific(hdCall, dwAppSpecific); });
}

// --- calls: operations (asynchronous) ------------------------------------------------------------

LONG TSPIAPI TSPI_lineMakeCall(DRV_REQUESTID dwRequestID, HDRVLINE hdLine, HTAPICALL htCall, LPHDRVCALL lphdCall,
                               LPCWSTR lpszDestAddress, DWORD, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] { return p().make_call(dwRequestID, hdLine, htCall, lphdCall, lpszDestAddress, lpCallParams); });
}

LONG TSPIAPI TSPI_lineDial(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, LPCWSTR lpszDestAddress, DWORD) {
  return guarded(__func__, [&] { return p().dial(dwRequestID, hdCall, lpszDestAddress); });
}

LONG TSPIAPI TSPI_lineAccept(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, LPCSTR lpsUserUserInfo, DWORD dwSize) {
  if (has_uui(lpsUserUserInfo, dwSize)) return static_cast<LONG>(LINEERR_USERUSERINFOTOOBIG);
  return guarded(__func__, [&] { return p().simple(dwRequestID, hdCall, Op::Accept); });
}

LONG TSPIAPI TSPI_lineAnswer(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, LPCSTR lpsUserUserInfo, DWORD dwSize) {
  if (has_uui(lpsUserUserInfo, dwSize)) return static_cast<LONG>(LINEERR_USERUSERINFOTOOBIG);
  return guarded(__func__, [&] { return p().simple(dwRequestID, hdCall, Op::Answer); });
}

LONG TSPIAPI TSPI_lineDrop(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, LPCSTR lpsUserUserInfo, DWORD dwSize) {
  if (has_uui(lpsUserUserInfo, dwSize)) return static_cast<LONG>(LINEERR_USERUSERINFOTOOBIG);
  return guarded(__func__, [&] { return p().simple(dwRequestID, hdCall, Op::Drop); });
}

LONG TSPIAPI TSPI_lineHold(DRV_REQUESTID dwRequestID, HDRVCALL hdCall) {
  return guarded(__func__, [&] { return p().simple(dwRequestID, hdCall, Op::Hold); });
}

LONG TSPIAPI TSPI_lineUnhold(DRV_REQUESTID dwRequestID, HDRVCALL hdCall) {
  return guarded(__func__, [&] { return p().simple(dwRequestID, hdCall, Op::Unhold); });
}

LONG TSPIAPI TSPI_lineSecureCall(DRV_REQUESTID dwRequestID, HDRVCALL hdCall) {
  return guarded(__func__, [&] { return p().simple(dwRequestID, hdCall, Op::SecureCall); });
}

LONG TSPIAPI TSPI_lineRemoveFromConference(DRV_REQUESTID dwRequestID, HDRVCALL hdCall) {
  return guarded(__func__, [&] { return p().simple(dwRequestID, hdCall, Op::RemoveFromConference); });
}

LONG TSPIAPI TSPI_lineSwapHold(DRV_REQUESTID dwRequestID, HDRVCALL hdActiveCall, HDRVCALL hdHeldCall) {
  return guarded(__func__, [&] { return p().swap_hold(dwRequestID, hdActiveCall, hdHeldCall); });
}

LONG TSPIAPI TSPI_lineSetupTransfer(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, HTAPICALL htConsultCall,
                                    LPHDRVCALL lphdConsultCall, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] { return p().setup_transfer(dwRequestID, hdCall, htConsultCall, lphdConsultCall, lpCallParams); });
}

LONG TSPIAPI TSPI_lineCompleteTransfer(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, HDRVCALL hdConsultCall,
                                       HTAPICALL htConfCall, LPHDRVCALL lphdConfCall, DWORD dwTransferMode) {
  return guarded(__func__, [&] {
    return p().complete_transfer(dwRequestID, hdCall, hdConsultCall, htConfCall, lphdConfCall, dwTransferMode);
  });
}

LONG TSPIAPI TSPI_lineBlindTransfer(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, LPCWSTR lpszDestAddress, DWORD) {
  return guarded(__func__, [&] { return p().to_address(dwRequestID, hdCall, Op::BlindTransfer, lpszDestAddress); });
}

LONG TSPIAPI TSPI_lineRedirect(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, LPCWSTR lpszDestAddress, DWORD) {
  return guarded(__func__, [&] { return p().to_address(dwRequestID, hdCall, Op::Redirect, lpszDestAddress); });
}

LONG TSPIAPI TSPI_lineSetupConference(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, HDRVLINE, HTAPICALL htConfCall,
                                      LPHDRVCALL lphdConfCall, HTAPICALL htConsultCall, LPHDRVCALL lphdConsultCall,
                                      DWORD, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] {
    return p().setup_conference(dwRequestID, hdCall, htConfCall, lphdConfCall, htConsultCall, lphdConsultCall,
                                lpCallParams);
  });
}

LONG TSPIAPI TSPI_linePrepareAddToConference(DRV_REQUESTID dwRequestID, HDRVCALL hdConfCall, HTAPICALL htConsultCall,
                                             LPHDRVCALL lphdConsultCall, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] {
    return p().prepare_add_to_conference(dwRequestID, hdConfCall, htConsultCall, lphdConsultCall, lpCallParams);
  });
}

LONG TSPIAPI TSPI_lineAddToConference(DRV_REQUESTID dwRequestID, HDRVCALL hdConfCall, HDRVCALL hdConsultCall) {
  return guarded(__func__, [&] { return p().add_to_conference(dwRequestID, hdConfCall, hdConsultCall); });
}

LONG TSPIAPI TSPI_linePark(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, DWORD dwParkMode, LPCWSTR lpszDirAddress,
                           LPVARSTRING lpNonDirAddress) {
  return guarded(__func__, [&] { return p().park(dwRequestID, hdCall, dwParkMode, lpszDirAddress, lpNonDirAddress); });
}

LONG TSPIAPI TSPI_lineUnpark(DRV_REQUESTID dwRequestID, HDRVLINE hdLine, DWORD dwAddressID, HTAPICALL htCall,
                             LPHDRVCALL lphdCall, LPCWSTR lpszDestAddress) {
  return guarded(__func__, [&] { return p().unpark(dwRequestID, hdLine, dwAddressID, htCall, lphdCall, lpszDestAddress); });
}

LONG TSPIAPI TSPI_linePickup(DRV_REQUESTID dwRequestID, HDRVLINE hdLine, DWORD dwAddressID, HTAPICALL htCall,
                             LPHDRVCALL lphdCall, LPCWSTR lpszDestAddress, LPCWSTR lpszGroupID) {
  return guarded(__func__, [&] {
    return p().pickup(dwRequestID, hdLine, dwAddressID, htCall, lphdCall, lpszDestAddress, lpszGroupID);
  });
}

LONG TSPIAPI TSPI_lineForward(DRV_REQUESTID dwRequestID, HDRVLINE hdLine, DWORD bAllAddresses, DWORD dwAddressID,
                              LPLINEFORWARDLIST const lpForwardList, DWORD dwNumRingsNoAnswer, HTAPICALL,
                              LPHDRVCALL lphdConsultCall, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] {
    return p().forward(dwRequestID, hdLine, bAllAddresses, dwAddressID, lpForwardList, dwNumRingsNoAnswer, lphdConsultCall,
                       lpCallParams);
  });
}

LONG TSPIAPI TSPI_lineCompleteCall(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, LPDWORD lpdwCompletionID,
                                   DWORD dwCompletionMode, DWORD) {
  return guarded(__func__, [&] { return p().complete_call(dwRequestID, hdCall, lpdwCompletionID, dwCompletionMode); });
}

LONG TSPIAPI TSPI_lineUncompleteCall(DRV_REQUESTID dwRequestID, HDRVLINE hdLine, DWORD dwCompletionID) {
  return guarded(__func__, [&] { return p().uncomplete_call(dwRequestID, hdLine, dwCompletionID); });
}

// --- media, digits and tones (synchronous: the switch's reply is the result) -------------------

LONG TSPIAPI TSPI_lineGenerateDigits(HDRVCALL hdCall, DWORD dwEndToEndID, DWORD dwDigitMode, LPCWSTR lpszDigits,
                                     DWORD dwDuration) {
  return guarded(__func__, [&] { return p().generate_digits(hdCall, dwEndToEndID, dwDigitMode, lpszDigits, dwDuration); });
}

LONG TSPIAPI TSPI_lineGenerateTone(HDRVCALL hdCall, DWORD dwEndToEndID, DWORD dwToneMode, DWORD dwDuration,
                                   DWORD dwNumTones, LPLINEGENERATETONE const lpTones) {
  return guarded(__func__,
                 [&] { return p().generate_tone(hdCall, dwEndToEndID, dwToneMode, dwDuration, dwNumTones, lpTones); });
}

LONG TSPIAPI TSPI_lineMonitorDigits(HDRVCALL hdCall, DWORD dwDigitModes) {
  return guarded(__func__, [&] { return p().monitor_digits(hdCall, dwDigitModes); });
}

LONG TSPIAPI TSPI_lineGatherDigits(HDRVCALL hdCall, DWORD dwEndToEndID, DWORD dwDigitModes, LPWSTR lpsDigits,
                                   DWORD dwNumDigits, LPCWSTR lpszTerminationDigits, DWORD dwFirstDigitTimeout,
                                   DWORD dwInterDigitTimeout) {
  return guarded(__func__, [&] {
    return p().gather_digits(hdCall, dwEndToEndID, dwDigitModes, lpsDigits, dwNumDigits, lpszTerminationDigits,
                             dwFirstDigitTimeout, dwInterDigitTimeout);
  });
}

LONG TSPIAPI TSPI_lineMonitorTones(HDRVCALL hdCall, DWORD dwToneListID, LPLINEMONITORTONE const lpToneList,
                                   DWORD dwNumEntries) {
  return guarded(__func__, [&] { return p().monitor_tones(hdCall, dwToneListID, lpToneList, dwNumEntries); });
}

LONG TSPIAPI TSPI_lineMonitorMedia(HDRVCALL hdCall, DWORD dwMediaModes) {
  return guarded(__func__, [&] { return p().monitor_media(hdCall, dwMediaModes); });
}

LONG TSPIAPI TSPI_lineSetMediaMode(HDRVCALL hdCall, DWORD dwMediaMode) {
  return guarded(__func__, [&] { return p().set_media_mode(hdCall, dwMediaMode); });
}

LONG TSPIAPI TSPI_lineSetMediaControl(HDRVLINE hdLine, DWORD dwAddressID, HDRVCALL hdCall, DWORD dwSelect,
                                      LPLINEMEDIACONTROLDIGIT const lpDigitList, DWORD dwDigitNumEntries,
                                      LPLINEMEDIACONTROLMEDIA const lpMediaList, DWORD dwMediaNumEntries,
                                      LPLINEMEDIACONTROLTONE const lpToneList, DWORD dwToneNumEntries,
                                      LPLINEMEDIACONTROLCALLSTATE const lpCallStateList, DWORD dwCallStateNumEntries) {
  return guarded(__func__, [&] {
    return p().set_media_control(hdLine, dwAddressID, hdCall, dwSelect, lpDigitList, dwDigitNumEntries, lpMediaList,
                                 dwMediaNumEntries, lpToneList, dwToneNumEntries, lpCallStateList, dwCallStateNumEntries);
  });
}

// --- user-user information, call data and parameters (asynchronous) -----------------------------

LONG TSPIAPI TSPI_lineSendUserUserInfo(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, LPCSTR lpsUserUserInfo, DWORD dwSize) {
  return guarded(__func__, [&] { return p().send_user_user_info(dwRequestID, hdCall, lpsUserUserInfo, dwSize); });
}

LONG TSPIAPI TSPI_lineReleaseUserUserInfo(DRV_REQUESTID dwRequestID, HDRVCALL hdCall) {
  return guarded(__func__, [&] { return p().release_user_user_info(dwRequestID, hdCall); });
}

LONG TSPIAPI TSPI_lineSetCallData(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, LPVOID lpCallData, DWORD dwSize) {
  return guarded(__func__, [&] { return p().set_call_data(dwRequestID, hdCall, lpCallData, dwSize); });
}

LONG TSPIAPI TSPI_lineSetCallTreatment(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, DWORD dwTreatment) {
  return guarded(__func__, [&] { return p().set_call_treatment(dwRequestID, hdCall, dwTreatment); });
}

LONG TSPIAPI TSPI_lineSetCallQualityOfService(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, LPVOID lpSendingFlowspec,
                                              DWORD dwSendingFlowspecSize, LPVOID lpReceivingFlowspec,
                                              DWORD dwReceivingFlowspecSize) {
  return guarded(__func__, [&] {
    return p().set_call_quality_of_service(dwRequestID, hdCall, lpSendingFlowspec, dwSendingFlowspecSize,
                                           lpReceivingFlowspec, dwReceivingFlowspecSize);
  });
}

LONG TSPIAPI TSPI_lineSetCallParams(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, DWORD dwBearerMode, DWORD dwMinRate,
                                    DWORD dwMaxRate, LPLINEDIALPARAMS const lpDialParams) {
  return guarded(__func__,
                 [&] { return p().set_call_params(dwRequestID, hdCall, dwBearerMode, dwMinRate, dwMaxRate, lpDialParams); });
}

// --- telsim's tapi32.dll extensions (telsim_ext.h): lines shared between processes ---------------

extern "C" {

LONG TSPIAPI TELSIM_providerShareLines(DWORD dwVersion, LPCWSTR lpszApplication) {
  return guarded(__func__, [&] { return p().share_lines(dwVersion, lpszApplication); });
}

LONG TSPIAPI TELSIM_lineGetCallPrivilege(HDRVCALL hdCall, LPDWORD lpdwPrivilege, LPDWORD lpdwHandoffMediaMode) {
  return guarded(__func__, [&] { return p().get_call_privilege(hdCall, lpdwPrivilege, lpdwHandoffMediaMode); });
}

LONG TSPIAPI TELSIM_lineHandoff(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, LPCWSTR lpszFileName, DWORD dwMediaMode) {
  return guarded(__func__, [&] { return p().handoff(dwRequestID, hdCall, lpszFileName, dwMediaMode); });
}

LONG TSPIAPI TELSIM_lineSetCallPrivilege(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, DWORD dwPrivilege) {
  return guarded(__func__, [&] { return p().set_call_privilege(dwRequestID, hdCall, dwPrivilege); });
}

LONG TSPIAPI TELSIM_lineProxyRequest(DRV_REQUESTID dwRequestID, HDRVLINE hdLine, LPLINEPROXYREQUEST lpProxyRequest) {
  return guarded(__func__, [&] { return p().proxy_request(dwRequestID, hdLine, lpProxyRequest); });
}

}  // extern "C"
