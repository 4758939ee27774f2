#include "log.hpp"

#include <windows.h>

#include <cstdio>

namespace telsim::tsp::log {
namespace {

SRWLOCK g_lock = SRWLOCK_INIT;
HANDLE g_file = INVALID_HANDLE_VALUE;

void write(const char* level, std::string_view text) {
  SYSTEMTIME t;
  GetLocalTime(&t);
  char head[96];
  std::snprintf(head, sizeof head, "%04u-%02u-%02u %02u:%02u:%02u.%03u [%lu] %s ", t.wYear, t.wMonth, t.wDay,
                t.wHour, t.wMinute, t.wSecond, t.wMilliseconds, GetCurrentThreadId(), level);
  std::string line = head;
  line.append(text);
  line += "\r\n";
  OutputDebugStringA(("telsim.tsp: " + line).c_str());
  AcquireSRWLockExclusive(&g_lock);
  if (g_file != INVALID_HANDLE_VALUE) {
    DWORD written = 0;
    WriteFile(g_file, line.data(), static_cast<DWORD>(line.size()), &written, nullptr);
  }
  ReleaseSRWLockExclusive(&g_lock);
}

}  // namespace

void set_file(const std::wstring& path) {
  HANDLE h = INVALID_HANDLE_VALUE;
  if (!path.empty())
    h = CreateFileW(path.c_str(), FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  AcquireSRWLockExclusive(&g_lock);
  if (g_file != INVALID_HANDLE_VALUE) CloseHandle(g_file);
  g_file = h;
  ReleaseSRWLockExclusive(&g_lock);
  if (!path.empty() && h == INVALID_HANDLE_VALUE)
    write("error", "cannot open the log file (error " + std::to_string(GetLastError()) + ")");
}

void info(std::string_view text) { write("info", text); }
void warn(std::string_view text) { write("warn", text); }
void error(std::string_view text) { write("error", text); }

}  // namespace telsim::tsp::log
