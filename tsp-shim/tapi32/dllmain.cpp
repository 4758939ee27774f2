#include "service.hpp"

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID) {
  if (reason == DLL_PROCESS_ATTACH) {
    telsim::tapi32::Service::set_module(instance);
    DisableThreadLibraryCalls(instance);
  }
  return TRUE;
}
