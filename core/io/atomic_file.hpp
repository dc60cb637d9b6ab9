#pragma once
// Replacing a file so that a reader (or a crash) sees either the old or the new content, never
// a half-written one: write a temporary file beside it, fsync it, rename it over the target.
// rename() within one directory is atomic on POSIX file systems, including NFS and Lustre.
#include <string>
#include <string_view>

namespace hitnet {

// A temporary name in the same directory, unique to this process.
std::string temp_path_for(const std::string& path);

// Whether `file_name` (no directory) has the form temp_path_for() gives: "<name>.tmp.<pid>".
// One left behind belongs to a process that died before its rename.
bool is_temp_name(const std::string& file_name);

// Removes the temporaries (is_temp_name) in `dir` that writers killed before their rename left.
// Call it where no process can be writing (holding the directory's lock); with
// `keep_live_writers`, one whose process still runs stays (a writer that takes no lock).
void remove_temporaries_in(const std::string& dir, bool keep_live_writers = false);

// fsyncs `temp` and renames it to `path` (then fsyncs the directory, so the rename survives
// a power cut too). Throws std::runtime_error naming both paths.
void replace_file(const std::string& temp, const std::string& path);

// Writes `content` to `temp` (created or truncated), not yet synced or renamed: the first half
// of write_file_atomically(), for callers that rename in steps of their own. Throws
// std::runtime_error naming the file; a failed write leaves no file behind.
void write_temp_file(const std::string& temp, std::string_view content);

void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace hitnet
