#include "experiments/sweep/slurm_script.hpp"

#include <sstream>

#include "experiments/lib/exit_codes.hpp"
#include "experiments/sweep/child_process.hpp"
#include "experiments/sweep/point_command.hpp"
#include "experiments/sweep/slurm_query.hpp"

namespace hitnet {
namespace {

// A value of an #SBATCH line, in double quotes (sbatch reads those: paths with spaces work).
std::string sbatch_quoted(const std::string& what, const std::string& value) {
  if (value.find_first_of("\"\n") != std::string::npos)
    throw SweepError(what + " '" + value +
                     "' holds a double quote or a newline, which an #SBATCH "
                     "line cannot carry: use another directory");
  return "\"" + value + "\"";
}

// Slurm expands %A, %a, ... in --output; a literal '%' is "%%".
std::string output_pattern_escaped(const std::string& dir) {
  std::string out;
  for (char c : dir) out += c == '%' ? std::string("%%") : std::string(1, c);
  return out;
}

std::string shell_words(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += " " + shell_quote(a);
  return out;
}

}  // namespace

std::string array_script_text(const SweepIndex& index,
                              const std::vector<const PointRecord*>& pending,
                              const SlurmOptions& options, const std::string& working_dir) {
  const std::string slurm_dir = index.directory + "/slurm";
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Written by hitnet-sweep: one array task per pending point of sweep " << index.name
    << ".\n"
    << "#SBATCH --job-name="
    << sbatch_quoted("the job name", slurm_job_name(index.name, index.directory)) << "\n"
    << "#SBATCH --array=0-" << pending.size() - 1
    << (options.throttle > 0 ? "%" + std::to_string(options.throttle) : "") << "\n"
    << "#SBATCH --cpus-per-task=" << options.cpus_per_task << "\n"
    << "#SBATCH --output="
    << sbatch_quoted("the sweep directory", output_pattern_escaped(slurm_dir) + "/%A_%a.out")
    << "\n"
    << "#SBATCH --open-mode=append\n"
    << "#SBATCH --chdir=" << sbatch_quoted("the working directory", working_dir) << "\n"
    << "#SBATCH --signal=B:USR1@" << options.signal_lead_s << "\n"
    << (options.requeue ? "#SBATCH --requeue\n" : "#SBATCH --no-requeue\n");
  if (!options.mem.empty()) s << "#SBATCH --mem=" << options.mem << "\n";
  if (!options.time.empty()) s << "#SBATCH --time=" << options.time << "\n";
  if (!options.partition.empty()) s << "#SBATCH --partition=" << options.partition << "\n";
  s << "set -u\n"
    << "hitnet_run=" << shell_quote(options.hitnet_run) << "\n"
    << "requeue=" << (options.requeue ? 1 : 0) << "\n"
    << "interrupted=" << exit_code::kInterrupted << "  # hitnet-run's exit code: checkpointed\n"
    << "case \"$SLURM_ARRAY_TASK_ID\" in\n";
  for (size_t i = 0; i < pending.size(); ++i) {
    const PointRecord& r = *pending[i];
    s << "  " << i << ")  # point " << r.point.number << " " << r.point.name << "\n"
      << "    dir=" << shell_quote(r.dir) << "\n"
      << "    first=" << (r.state.next == NextStep::kResume ? "resume" : "start") << "\n"
      << "    start=("
      << shell_words(start_command(options.hitnet_run, index, r, options.cpus_per_task, true))
      << " )\n"
      << "    resume=(" << shell_words(resume_command(options.hitnet_run, r, options.cpus_per_task))
      << " ) ;;\n";
  }
  s << "  *) echo \"hitnet-sweep: no point for array task $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\n"
    << "esac\n"
    << R"SH(task="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
log="$dir/output.log"
mkdir -p "$dir"
note() { echo "# hitnet-sweep: slurm task $task on $(hostname): $*" >> "$log"; }
# A binary built for a newer CPU (-march=native) stops here, naming what this node lacks.
if ! "$hitnet_run" --version >> "$log" 2>&1; then
  note "$hitnet_run cannot run on this node (see above)"
  exit 1
fi
# The first attempt does what the sweep planned; a requeued one continues from the checkpoint.
checkpoint="$dir/checkpoints/latest.ckpt"
if [ "$first" = resume ] || { [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ] && [ -e "$checkpoint" ]; }; then
  command=("${resume[@]}")
else
  command=("${start[@]}")
fi
before=$(stat -c %Y "$checkpoint" 2> /dev/null || echo none)
note "attempt $((${SLURM_RESTART_COUNT:-0} + 1)): ${command[*]}"
# Slurm signals this script ahead of the time limit with SIGUSR1 (--signal=B:USR1@lead; not
# TERM, which scancel sends too): hitnet-run gets SIGTERM, checkpoints and exits $interrupted. Any
# other SIGTERM (scancel, the limit itself) is passed on the same way, but is no time limit.
time_limit=0
stop() {
  note "$1: hitnet-run checkpoints and stops"
  kill -TERM "$child" 2> /dev/null
}
trap 'time_limit=1; stop "SIGUSR1 from Slurm (time limit near)"' USR1
trap 'stop SIGTERM' TERM
"${command[@]}" >> "$log" 2>&1 < /dev/null &
child=$!
while kill -0 "$child" 2> /dev/null; do wait "$child"; done  # a trapped signal ends a wait early
wait "$child"
rc=$?
if [ "$rc" = "$interrupted" ] && [ "$time_limit" = 1 ]; then
  after=$(stat -c %Y "$checkpoint" 2> /dev/null || echo none)
  if [ "$requeue" = 1 ] && [ "$after" != none ] && [ "$after" != "$before" ]; then
    note "checkpointed at the time limit: requeued, it resumes from the checkpoint"
    scontrol requeue "$task" && exit "$interrupted"
    note "scontrol requeue failed: the next submission of the sweep resumes it"
  elif [ "$requeue" = 1 ]; then
    note "no new checkpoint in this attempt: not requeued (give the points more --time)"
  else
    note "checkpointed at the time limit: the next submission of the sweep resumes it"
  fi
fi
exit "$rc"
)SH";
  return s.str();
}

}  // namespace hitnet
