#pragma once
/// Output paths given on the command line (`--report DIR`, `--vcd FILE`) are checked before a
/// run starts, so an unwritable one is bad input (exit 2, naming the path), never a crash after
/// a long run.
#include <string>

namespace telsim::cli {

/// Creates `dir` (and its parents) and makes sure a file can be written in it. Throws
/// std::invalid_argument naming `flag` and the path when not.
void prepare_report_dir(const std::string& flag, const std::string& dir);

/// Creates the parent folders of `file` and makes sure the file can be written (it is created
/// empty; the run overwrites it). Throws std::invalid_argument naming `flag` and the path when
/// not.
void prepare_output_file(const std::string& flag, const std::string& file);

}  // namespace telsim::cli
