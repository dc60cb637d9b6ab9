#include "experiments/sweep/child_process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace hitnet {
namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  return args;
}

// In a forked child, only async-signal-safe calls: restores the signals the sweep changed (an
// ignored signal stays ignored across exec), points stdout and stderr at `out_fd`, execs.
[[noreturn]] void exec_child(char* const* args, int out_fd) {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  dup2(out_fd, STDOUT_FILENO);
  dup2(out_fd, STDERR_FILENO);
  execvp(args[0], args);
  const char* msg = "hitnet-sweep: cannot execute ";
  [[maybe_unused]] auto w1 = write(STDERR_FILENO, msg, std::strlen(msg));
  [[maybe_unused]] auto w2 = write(STDERR_FILENO, args[0], std::strlen(args[0]));
  [[maybe_unused]] auto w3 = write(STDERR_FILENO, "\n", 1);
  _exit(127);
}

}  // namespace

int exit_code_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

pid_t spawn_detached(const std::vector<std::string>& argv, const std::string& output_path) {
  const int out = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) throw std::runtime_error("cannot open " + output_path + ": " + std::strerror(errno));
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<char*> args = c_argv(argv);
  const pid_t pid = fork();
  if (pid == 0) {
    setsid();  // its own session and process group: no terminal signals, no hang-up
    if (in >= 0) dup2(in, STDIN_FILENO);
    exec_child(args.data(), out);
  }
  const int fork_errno = errno;
  ::close(out);
  if (in >= 0) ::close(in);
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(fork_errno));
  return pid;
}

CommandResult run_command(const std::vector<std::string>& argv) {
  CommandResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> args = c_argv(argv);
  const pid_t pid = fork();
  if (pid == 0) exec_child(args.data(), fds[1]);
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    result.output.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = exit_code_of(status);
  return result;
}

std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace hitnet
