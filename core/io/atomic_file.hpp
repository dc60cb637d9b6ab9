#pragma once
// Replacing a file so that a reader (or a crash) sees either the old or the new content, never
// a half-written one: write a temporary file beside it, fsync it, rename it over the target.
// rename() within one directory is atomic on POSIX file systems, including NFS and Lustre.
#include <string>
#include <string_view>

namespace hitnet {

// A temporary name in the same directory, unique to this process.
std::string temp_path_for(const std::string& path);

// fsyncs `temp` and renames it to `path` (then fsyncs the directory, so the rename survives
// a power cut too). Throws std::runtime_error naming both paths.
void replace_file(const std::string& temp, const std::string& path);

void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace hitnet
