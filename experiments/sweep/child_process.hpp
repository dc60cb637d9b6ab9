#pragma once
// Starting programs without a shell: each sweep point is its own process, so a crash in one
// cannot take the sweep or the other points down -- and the sweep's own death cannot take the
// points down either.
#include <sys/types.h>

#include <string>
#include <vector>

namespace hitnet {

// Starts argv[0] (a path, or a name looked up in PATH) as a run that outlives its starter: in a
// session of its own (a hang-up of the sweep's terminal, or Ctrl-C there, does not reach it; the
// sweep forwards what it means to), stdin from /dev/null, stdout and stderr appended to
// `output_path` (no pipe that could break when the sweep dies), default signal dispositions.
// Throws std::runtime_error when it cannot fork or open the file; a program that cannot be
// executed exits 127 with a message in `output_path`.
pid_t spawn_detached(const std::vector<std::string>& argv, const std::string& output_path);

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed; 127 when it could not be started
  std::string output;  // stdout and stderr
};

// Runs a short command (sbatch, squeue, scontrol) to completion and captures its output.
CommandResult run_command(const std::vector<std::string>& argv);

// The exit code waitpid() reports as a number: 128 + signal for a killed process.
int exit_code_of(int wait_status);

// Quotes a word for a POSIX shell script.
std::string shell_quote(const std::string& word);

}  // namespace hitnet
