#pragma once
// Starting programs without a shell: each sweep point is its own process, so a crash in one
// cannot take the sweep or the other points down.
#include <sys/types.h>

#include <string>
#include <vector>

namespace hitnet {

// Starts argv[0] (a path, or a name looked up in PATH) with stdout and stderr going to a pipe whose
// read end is returned in `output_fd` (non-blocking, close-on-exec). The child gets SIGTERM if the
// sweep dies (Linux PR_SET_PDEATHSIG), on which hitnet-run checkpoints and exits: a killed sweep
// leaves no orphan runs writing into directories the next session will use. Throws on failure.
pid_t spawn_captured(const std::vector<std::string>& argv, int& output_fd);

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed; 127 when it could not be started
  std::string output;  // stdout and stderr
};

// Runs a short command (sbatch, squeue, scontrol) to completion.
CommandResult run_command(const std::vector<std::string>& argv);

// The exit code waitpid() reports as a number: 128 + signal for a killed process.
int exit_code_of(int wait_status);

// Quotes a word for a POSIX shell script.
std::string shell_quote(const std::string& word);

}  // namespace hitnet
