#pragma once
// The TSP's log: every line goes to OutputDebugString (DebugView, a debugger) and, when a log
// file is configured (TELSIM_TSP_LOG or HKLM\SOFTWARE\telsim\LogFile), is appended to it with a
// timestamp and the thread id. Safe from any thread; never throws.
#include <string>
#include <string_view>

namespace telsim::tsp::log {

/// Append to this file from now on (UTF-16 path; empty: no file).
void set_file(const std::wstring& path);
void info(std::string_view text);
void warn(std::string_view text);
void error(std::string_view text);

}  // namespace telsim::tsp::log
